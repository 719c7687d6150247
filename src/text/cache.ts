/**
 * Vectors already computed, keyed by the SHA-1 of the text, for one encoder key (one vector space).
 * On disk it is one file per encoder key in a folder beside the store: `<store file>.vectors/<key>.vec`
 * (see `vectorCachePath`), laid out as
 *   magic "CVEC1\n", a JSON header line {"key", "dimension", "count"}, count × 20-byte hashes, count × dimension
 *   float32 (little endian).
 * Writes go to a temporary file renamed into place, so a crash never leaves half a cache. A file whose header
 * names another key or dimension is ignored (the encoder changed: everything is recomputed).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ArtifactError } from '../errors.ts';
import type { TextEncoder } from './encoder.ts';

const MAGIC = 'CVEC1\n';

export function textHash(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

export function vectorCachePath(storeFile: string, encoderKey: string): string {
  return join(`${storeFile}.vectors`, `${encoderKey.replace(/[^A-Za-z0-9._-]/g, '_')}.vec`);
}

export class VectorCache {
  private readonly rows = new Map<string, Float32Array>();
  constructor(readonly key: string, readonly dimension: number) {}

  get size(): number {
    return this.rows.size;
  }

  get(hash: string): Float32Array | undefined {
    return this.rows.get(hash);
  }

  set(hash: string, v: Float32Array): void {
    if (v.length !== this.dimension) throw new RangeError(`vector of ${v.length} values for a ${this.dimension}-d cache`);
    this.rows.set(hash, v);
  }

  /** The cache in `file`, or an empty one when the file is absent or was written for another key/dimension. */
  static load(file: string, key: string, dimension: number): VectorCache {
    const c = new VectorCache(key, dimension);
    if (!existsSync(file)) return c;
    const buf = readFileSync(file);
    const nl = buf.indexOf(10, MAGIC.length);
    if (buf.subarray(0, MAGIC.length).toString() !== MAGIC || nl < 0) throw new ArtifactError(`${file}: not a Curio vector cache (delete it to rebuild)`);
    const h = JSON.parse(buf.subarray(MAGIC.length, nl).toString()) as { key: string; dimension: number; count: number };
    if (h.key !== key || h.dimension !== dimension) return c;
    const hashes = nl + 1, vectors = hashes + 20 * h.count;
    if (buf.length !== vectors + 4 * dimension * h.count) throw new ArtifactError(`${file}: truncated vector cache (delete it to rebuild)`);
    const all = new Float32Array(buf.buffer.slice(buf.byteOffset + vectors, buf.byteOffset + buf.length));
    for (let r = 0; r < h.count; r++) {
      c.rows.set(buf.subarray(hashes + 20 * r, hashes + 20 * r + 20).toString('hex'), all.subarray(r * dimension, (r + 1) * dimension));
    }
    return c;
  }

  save(file: string): void {
    mkdirSync(dirname(file), { recursive: true });
    const head = Buffer.from(`${MAGIC}${JSON.stringify({ key: this.key, dimension: this.dimension, count: this.rows.size })}\n`);
    const hashes = Buffer.alloc(20 * this.rows.size), vectors = new Float32Array(this.dimension * this.rows.size);
    let r = 0;
    for (const [hash, v] of this.rows) { hashes.write(hash, 20 * r, 'hex'); vectors.set(v, r * this.dimension); r++; }
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, Buffer.concat([head, hashes, Buffer.from(vectors.buffer)]));
    renameSync(tmp, file);
  }
}

export interface CachedEncodeOptions {
  /** Texts per encoder call (default 256). */
  batch?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Encodes `texts`, reusing cached vectors and adding the new ones to `cache`; returns texts.length × d rows. */
export async function encodeCached(encoder: TextEncoder, texts: readonly string[], cache: VectorCache, o: CachedEncodeOptions = {}): Promise<Float32Array> {
  if (cache.key !== encoder.key || cache.dimension !== encoder.dimension) throw new RangeError(`cache is for ${cache.key} (${cache.dimension}-d), encoder is ${encoder.key} (${encoder.dimension}-d)`);
  const d = encoder.dimension, out = new Float32Array(texts.length * d);
  const hashes = texts.map(textHash);
  const missing: number[] = [];
  hashes.forEach((h, r) => { const v = cache.get(h); if (v) out.set(v, r * d); else missing.push(r); });
  const batch = o.batch ?? 256;
  for (let s = 0; s < missing.length; s += batch) {
    const rows = missing.slice(s, s + batch);
    const v = await encoder.encode(rows.map((r) => texts[r]!));
    rows.forEach((r, q) => { const row = v.slice(q * d, (q + 1) * d); out.set(row, r * d); cache.set(hashes[r]!, row); });
    o.onProgress?.(Math.min(s + batch, missing.length), missing.length);
  }
  return out;
}
