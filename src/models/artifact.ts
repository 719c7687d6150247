import { open, readFile, rename, rm } from 'node:fs/promises';
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

/** The longest string V8 can make: a longer header cannot be parsed, so it is refused by name rather than by a RangeError. */
const MAX_HEADER_BYTES = 0x1fffffe8;

interface ArrayEntry { name: string; dtype: DType; offset: number; length: number }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Reads a model file's bytes. Every header field is checked before it is used: a crafted or truncated file is an
 * ArtifactError naming the field (never a RangeError, never arrays that alias each other or hold NaN).
 */
export function decodeArtifact(buf: Buffer, source = 'model file'): { artifact: ModelArtifact; extra: Record<string, unknown> } {
  const fail = (field: string, why: string): never => { throw new ArtifactError(`${source}: ${field} ${why}`); };
  if (buf.length < 16 || buf.toString('latin1', 0, 8) !== MAGIC) {
    throw new ArtifactError(`${source} is not a Curio model file (${buf.length < 16 ? `only ${buf.length} bytes` : 'no CURIOMDL signature'}): train one with \`curio train\``);
  }
  const version = buf.readUInt32LE(8);
  if (version !== ARTIFACT_FORMAT_VERSION) {
    throw new ArtifactError(`${source} has model format version ${version}; this Curio reads version ${ARTIFACT_FORMAT_VERSION}: retrain the model`);
  }
  const hlen = buf.readUInt32LE(12);
  if (hlen > MAX_HEADER_BYTES) fail('header length', `${hlen} is larger than any model header (${MAX_HEADER_BYTES} bytes)`);
  if (16 + hlen > buf.length) fail('header length', `${hlen} runs past the end of the ${buf.length}-byte file (truncated?)`);
  let header: unknown;
  try {
    header = JSON.parse(buf.toString('utf8', 16, 16 + hlen));
  } catch (e) {
    throw new ArtifactError(`${source}: header is not valid JSON (file truncated or corrupted)`, { cause: e });
  }
  if (!isObject(header)) return fail('header', 'is not a JSON object');
  const { kind, config, meta, extra, arrays: entries } = header;
  if (typeof kind !== 'string' || !kind) fail('header field "kind"', `must be a model name, got ${JSON.stringify(kind)}`);
  if (!isObject(config)) fail('header field "config"', 'must be an object');
  if (!isObject(meta)) fail('header field "meta"', 'must be an object');
  if (extra !== undefined && !isObject(extra)) fail('header field "extra"', 'must be an object');
  if (!Array.isArray(entries)) return fail('header field "arrays"', 'must be a list');

  const base = 16 + hlen;
  const payload = buf.length - base;
  const checked: ArrayEntry[] = entries.map((e: unknown, q) => {
    const at = `arrays[${q}]`;
    if (!isObject(e)) return fail(at, 'is not an object');
    const { name, dtype, offset, length } = e;
    if (typeof name !== 'string' || !name) fail(`${at}.name`, `must be a non-empty string, got ${JSON.stringify(name)}`);
    const field = `array "${name as string}"`;
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPES, dtype)) fail(`${field} dtype`, `${JSON.stringify(dtype)} is unknown (known: ${Object.keys(DTYPES).join(', ')})`);
    if (!isCount(offset)) fail(`${field} offset`, `must be a non-negative integer, got ${JSON.stringify(offset)}`);
    if (!isCount(length)) fail(`${field} length`, `must be a non-negative integer, got ${JSON.stringify(length)}`);
    const size = DTYPES[dtype as DType].BYTES_PER_ELEMENT;
    if ((offset as number) % size !== 0) fail(`${field} offset`, `${offset} is not a multiple of the ${size}-byte ${dtype} element`);
    if ((offset as number) + (length as number) * size > payload) {
      fail(`${field} length`, `${length} × ${size} bytes at offset ${offset} runs past the end of the ${payload}-byte payload (truncated?)`);
    }
    return { name: name as string, dtype: dtype as DType, offset: offset as number, length: length as number };
  });
  // sections must not overlap (one byte range read as two arrays) nor repeat a name
  const byOffset = [...checked].sort((a, b) => a.offset - b.offset);
  for (let q = 1; q < byOffset.length; q++) {
    const prev = byOffset[q - 1]!, cur = byOffset[q]!;
    const prevEnd = prev.offset + prev.length * DTYPES[prev.dtype].BYTES_PER_ELEMENT;
    if (cur.offset < prevEnd && cur.length > 0 && prev.length > 0) fail(`array "${cur.name}" offset`, `${cur.offset} overlaps array "${prev.name}" (bytes ${prev.offset}..${prevEnd})`);
  }

  const arrays: ModelArtifact['arrays'] = {};
  for (const e of checked) {
    if (Object.hasOwn(arrays, e.name)) fail(`array "${e.name}"`, 'appears twice');
    if (e.name === '__proto__') fail(`array "${e.name}"`, 'is not a valid array name');
    const T = DTYPES[e.dtype];
    const bytes = e.length * T.BYTES_PER_ELEMENT;
    const start = base + e.offset;
    // Copy into an aligned buffer of its own so the array can outlive the file buffer.
    const copy = new Uint8Array(bytes);
    copy.set(buf.subarray(start, start + bytes));
    const arr = new T(copy.buffer);
    if (arr instanceof Float32Array || arr instanceof Float64Array) {
      for (let k = 0; k < arr.length; k++) if (!Number.isFinite(arr[k]!)) fail(`array "${e.name}"`, `holds ${arr[k]} at index ${k} (corrupted or from a diverged fit)`);
    }
    arrays[e.name] = arr;
  }
  return { artifact: { kind: kind as string, config: config as object, meta: meta as Record<string, unknown>, arrays }, extra: (extra as Record<string, unknown> | undefined) ?? {} };
}

/** Writes atomically: a crash mid-write never leaves a half model at `path`, and a failed write leaves no temporary file. */
export async function saveArtifact(path: string, a: ModelArtifact, extra?: Record<string, unknown>): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fh = await open(tmp, 'w');
    try {
      for (const part of encodeArtifact(a, extra)) await fh.write(part);
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EISDIR' ? 'it is a directory' : code === 'ENOENT' ? 'its directory does not exist' : code === 'ENOSPC' ? 'the disk is full' : (e as Error).message;
    throw new ArtifactError(`cannot write model file ${path}: ${why}`, { cause: e });
  }
}

export async function loadArtifact(path: string): Promise<{ artifact: ModelArtifact; extra: Record<string, unknown> }> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // each says what to do after "; " (a message without one gets the CLI's "damaged file" advice)
    const why = code === 'ENOENT' ? 'no such file; train one with `curio train`, or pass --model'
      : code === 'EISDIR' ? "it is a folder; pass the model file's path"
      : code === 'EACCES' || code === 'EPERM' ? 'permission denied; check the permissions of the file and its folder'
      : (e as Error).message;
    throw new ArtifactError(`cannot read model file ${path}: ${why}`, { cause: e });
  }
  return decodeArtifact(buf, path);
}
