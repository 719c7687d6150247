/**
 * Nearest item vectors by inner product (= cosine on unit rows). Below ANN_THRESHOLD items, or without the optional
 * package `hnswlib-node`, an exact scan (typed arrays, one pass); above it, an HNSW graph (Malkov & Yashunin 2018)
 * built by hnswlib-node, compiled from source by npm (no download). Recall@10 against the exact scan is measured by
 * `npm run bench -- ann`.
 */
import { createRequire } from 'node:module';
import { topK } from '../linalg/topk.ts';

/** Items from which the approximate index is worth building (an exact scan of 20K × 512 takes ~10 ms). */
export const ANN_THRESHOLD = 20_000;

export interface VectorHits {
  /** Row numbers, best first. */
  items: Int32Array;
  /** Their inner products with the query. */
  scores: Float32Array;
}

export interface VectorIndex {
  readonly kind: 'exact' | 'hnsw';
  readonly size: number;
  /** The k rows with the largest inner product with `query`; `allowed` (row -> 0/1) limits the rows returned. */
  search(query: Float32Array, k: number, allowed?: Uint8Array): VectorHits;
}

export class ExactIndex implements VectorIndex {
  readonly kind = 'exact';
  readonly size: number;
  constructor(readonly vectors: Float32Array, readonly dimension: number) {
    this.size = vectors.length / dimension;
  }

  search(query: Float32Array, k: number, allowed?: Uint8Array): VectorHits {
    const d = this.dimension, n = this.size, v = this.vectors;
    const scores = new Float32Array(n).fill(NaN);
    for (let i = 0; i < n; i++) {
      if (allowed && !allowed[i]) continue;
      let s = 0;
      for (let x = 0, o = i * d; x < d; x++) s += v[o + x]! * query[x]!;
      scores[i] = s;
    }
    const t = topK(scores, k);
    return { items: t.items, scores: t.scores };
  }
}

interface HnswNative {
  initIndex(maxElements: number, m?: number, efConstruction?: number, randomSeed?: number): void;
  addPoint(point: number[], label: number): void;
  searchKnn(query: number[], k: number, filter?: (label: number) => boolean): { distances: number[]; neighbors: number[] };
  setEf(ef: number): void;
}

export interface HnswOptions {
  /** Graph degree (hnswlib's M). */
  m?: number;
  efConstruction?: number;
  /** Candidates kept while searching; at least k. */
  efSearch?: number;
  seed?: number;
}

/** hnswlib-node's class, or undefined when the optional package is not installed (or did not compile). */
export function hnswlib(): (new (space: 'ip', dimension: number) => HnswNative) | undefined {
  try {
    return (createRequire(import.meta.url)('hnswlib-node') as { HierarchicalNSW: new (space: 'ip', dimension: number) => HnswNative }).HierarchicalNSW;
  } catch {
    return undefined;
  }
}

export class HnswIndex implements VectorIndex {
  readonly kind = 'hnsw';
  readonly size: number;
  /** Candidates kept while searching (at least k): higher is slower and closer to exact. */
  efSearch: number;

  private constructor(private readonly native: HnswNative, size: number, efSearch: number) {
    this.size = size;
    this.efSearch = efSearch;
  }

  /** Builds the graph over the rows of `vectors` (n × dimension); undefined without hnswlib-node. */
  static build(vectors: Float32Array, dimension: number, o: HnswOptions = {}): HnswIndex | undefined {
    const Hnsw = hnswlib();
    if (!Hnsw) return undefined;
    const n = vectors.length / dimension;
    const native = new Hnsw('ip', dimension);
    native.initIndex(Math.max(1, n), o.m ?? 16, o.efConstruction ?? 200, o.seed ?? 100);
    const row = new Array<number>(dimension);
    for (let i = 0; i < n; i++) {
      for (let x = 0; x < dimension; x++) row[x] = vectors[i * dimension + x]!;
      native.addPoint(row, i);
    }
    return new HnswIndex(native, n, o.efSearch ?? 100);
  }

  search(query: Float32Array, k: number, allowed?: Uint8Array): VectorHits {
    const kk = Math.min(k, this.size);
    if (kk <= 0) return { items: new Int32Array(0), scores: new Float32Array(0) };
    this.native.setEf(Math.max(this.efSearch, kk));
    const r = this.native.searchKnn(Array.from(query), kk, allowed ? (label) => allowed[label] === 1 : undefined);
    // hnswlib returns ascending distances (1 - inner product for 'ip')
    const order = r.neighbors.map((_, q) => q).sort((a, b) => r.distances[a]! - r.distances[b]!);
    return { items: Int32Array.from(order, (q) => r.neighbors[q]!), scores: Float32Array.from(order, (q) => 1 - r.distances[q]!) };
  }
}

/** An exact index below `threshold` rows (default ANN_THRESHOLD) or without hnswlib-node; HNSW above. */
export function vectorIndex(vectors: Float32Array, dimension: number, o: HnswOptions & { threshold?: number } = {}): VectorIndex {
  const n = vectors.length / dimension;
  if (n >= (o.threshold ?? ANN_THRESHOLD)) {
    const h = HnswIndex.build(vectors, dimension, o);
    if (h) return h;
  }
  return new ExactIndex(vectors, dimension);
}
