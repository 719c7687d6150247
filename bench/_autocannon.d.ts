// The part of autocannon's API bench/serve.ts uses (the package ships no types).
declare module 'autocannon' {
  interface Request { method?: string; path?: string; headers?: Record<string, string>; body?: string; setupRequest?: (req: Request) => Request }
  interface Options { url: string; connections?: number; duration?: number; pipelining?: number; headers?: Record<string, string>; requests?: Request[] }
  interface Histogram { average: number; p50: number; p90: number; p99: number; max: number; total: number }
  interface Result { requests: Histogram & { mean: number }; latency: Histogram; errors: number; timeouts: number; non2xx: number; '2xx': number; duration: number }
  function autocannon(o: Options): Promise<Result>;
  export default autocannon;
}
