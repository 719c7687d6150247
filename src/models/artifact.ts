import { open, readFile, rename } from 'node:fs/promises';
import { ArtifactError } from '../errors.ts';
import type { ModelArtifact } from './types.ts';

/**
 * Model file layout (little-endian):
 *   8 bytes  magic "CURIOMDL"
 *   u32      format version
 *   u32      header byte length H
 *   H bytes  UTF-8 JSON header {kind, config, meta, arrays: [{name, dtype, offset, length}]}
 *   ...      array payloads, each 8-byte aligned, offsets relative to the payload start
 * Data only: loading parses JSON and copies bytes, never evaluates code.
 */
const MAGIC = 'CURIOMDL';
export const ARTIFACT_FORMAT_VERSION = 1;

type Arr = ModelArtifact['arrays'][string];
const DTYPES = { f32: Float32Array, f64: Float64Array, i32: Int32Array, u8: Uint8Array } as const;
type DType = keyof typeof DTYPES;

function dtypeOf(a: Arr): DType {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Int32Array) return 'i32';
  return 'u8';
}

/** Encodes an artifact; `extra` is free JSON kept beside it (e.g. the external id maps). */
export function encodeArtifact(a: ModelArtifact, extra: Record<string, unknown> = {}): Buffer[] {
  const entries: { name: string; dtype: DType; offset: number; length: number }[] = [];
  const parts: Buffer[] = [];
  let offset = 0;
  for (const [name, arr] of Object.entries(a.arrays)) {
    entries.push({ name, dtype: dtypeOf(arr), offset, length: arr.length });
    parts.push(Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength));
    const pad = (8 - (arr.byteLength % 8)) % 8;
    if (pad) parts.push(Buffer.alloc(pad));
    offset += arr.byteLength + pad;
  }
  const header = Buffer.from(JSON.stringify({ kind: a.kind, config: a.config, meta: a.meta, extra, arrays: entries }), 'utf8');
  const headPad = (8 - ((16 + header.length) % 8)) % 8;
  const fixed = Buffer.alloc(16);
  fixed.write(MAGIC, 0, 'latin1');
  fixed.writeUInt32LE(ARTIFACT_FORMAT_VERSION, 8);
  fixed.writeUInt32LE(header.length + headPad, 12);
  return [fixed, header, Buffer.alloc(headPad, 0x20), ...parts];
}

export function decodeArtifact(buf: Buffer, source = 'model file'): { artifact: ModelArtifact; extra: Record<string, unknown> } {
  if (buf.length < 16 || buf.toString('latin1', 0, 8) !== MAGIC) throw new ArtifactError(`${source} is not a Curio model file`);
  const version = buf.readUInt32LE(8);
  if (version !== ARTIFACT_FORMAT_VERSION) {
    throw new ArtifactError(`${source} has model format version ${version}; this Curio reads version ${ARTIFACT_FORMAT_VERSION}: retrain the model`);
  }
  const hlen = buf.readUInt32LE(12);
  let header: { kind: string; config: object; meta: Record<string, unknown>; extra?: Record<string, unknown>; arrays: { name: string; dtype: DType; offset: number; length: number }[] };
  try {
    header = JSON.parse(buf.toString('utf8', 16, 16 + hlen));
  } catch (e) {
    throw new ArtifactError(`${source}: header is not valid JSON (file truncated or corrupted)`, { cause: e });
  }
  const base = 16 + hlen;
  const arrays: ModelArtifact['arrays'] = {};
  for (const e of header.arrays) {
    const T = DTYPES[e.dtype];
    if (!T) throw new ArtifactError(`${source}: array "${e.name}" has unknown dtype ${e.dtype}`);
    const bytes = e.length * T.BYTES_PER_ELEMENT;
    const start = base + e.offset;
    if (start + bytes > buf.length) throw new ArtifactError(`${source}: array "${e.name}" runs past the end of the file (truncated?)`);
    // Copy into an aligned buffer of its own so the array can outlive the file buffer.
    const copy = new Uint8Array(bytes);
    copy.set(buf.subarray(start, start + bytes));
    arrays[e.name] = new T(copy.buffer);
  }
  return { artifact: { kind: header.kind, config: header.config, meta: header.meta, arrays }, extra: header.extra ?? {} };
}

/** Writes atomically: a crash mid-write never leaves a half model at `path`. */
export async function saveArtifact(path: string, a: ModelArtifact, extra?: Record<string, unknown>): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  try {
    for (const part of encodeArtifact(a, extra)) await fh.write(part);
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

export async function loadArtifact(path: string): Promise<{ artifact: ModelArtifact; extra: Record<string, unknown> }> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new ArtifactError(`cannot read model file ${path}: ${(e as Error).message}`, { cause: e });
  }
  return decodeArtifact(buf, path);
}
