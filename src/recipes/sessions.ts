import type { Csr } from '../data/csr.ts';
import type { Interactions } from '../data/interactions.ts';
import { TYPE_CODE, type InteractionType } from '../data/types.ts';

export interface SessionOptions {
  /** Only events of these types (default: all). */
  types?: readonly InteractionType[];
  /**
   * A user's events belong to one session while consecutive events are at most this far apart (ms).
   * 0 (the default) = same user and same timestamp: an Online Retail invoice, whose lines share InvoiceDate.
   * Infinity = one session per user (their whole history).
   */
  gapMs?: number;
  /** Only events at or after / before these times (ms since epoch). */
  since?: number;
  until?: number;
}

/** A session × item binary matrix, with each session's user and the time of its last event. */
export interface Sessions extends Csr {
  readonly user: Int32Array;
  readonly time: Float64Array;
}

/**
 * Groups events into sessions (baskets): a session × item binary matrix, each row the distinct items of one
 * session, columns sorted. Users are bucketed by a counting pass and each user's events sorted by time, so the
 * cost is O(n log(events per user)) with no per-event objects.
 */
export function sessionMatrix(x: Interactions, o: SessionOptions = {}): Sessions {
  const gap = o.gapMs ?? 0;
  const allowed = o.types ? new Uint8Array(256) : undefined;
  if (allowed) for (const t of o.types!) allowed[TYPE_CODE[t]] = 1;
  const since = o.since ?? -Infinity, until = o.until ?? Infinity;
  const nUsers = x.users.size;
  const start = new Int32Array(nUsers + 1);
  const keep = (k: number) => (!allowed || allowed[x.type[k]!] === 1) && x.time[k]! >= since && x.time[k]! < until;
  for (let k = 0; k < x.length; k++) if (keep(k)) start[x.user[k]! + 1]!++;
  for (let u = 0; u < nUsers; u++) start[u + 1]! += start[u]!;
  const order = new Int32Array(start[nUsers]!);
  const pos = start.slice(0, nUsers);
  for (let k = 0; k < x.length; k++) if (keep(k)) order[pos[x.user[k]!]!++] = k;
  const time = x.time;
  const indptr: number[] = [0], users: number[] = [], times: number[] = [];
  const indices = new Int32Array(order.length);
  let out = 0;
  const mark = new Int32Array(x.items.size).fill(-1);
  let session = 0;
  for (let u = 0; u < nUsers; u++) {
    const s = start[u]!, e = start[u + 1]!;
    if (s === e) continue;
    const ev = order.subarray(s, e);
    let sorted = true;
    for (let q = 1; q < ev.length; q++) if (time[ev[q - 1]!]! > time[ev[q]!]!) { sorted = false; break; }
    if (!sorted) ev.sort((a, b) => time[a]! - time[b]! || a - b);
    let rowStart = out, last = time[ev[0]!]!;
    for (let q = 0; q < ev.length; q++) {
      const k = ev[q]!, t = time[k]!;
      if (q > 0 && t - last > gap) {
        closeRow(indices, rowStart, out); indptr.push(out); users.push(u); times.push(last); rowStart = out; session++;
      }
      last = t;
      const i = x.item[k]!;
      if (mark[i] !== session) { mark[i] = session; indices[out++] = i; }
    }
    closeRow(indices, rowStart, out); indptr.push(out); users.push(u); times.push(last); session++;
  }
  const idx = indices.slice(0, out);
  return {
    rows: indptr.length - 1, cols: x.items.size, indptr: Int32Array.from(indptr), indices: idx, data: new Float32Array(out).fill(1),
    user: Int32Array.from(users), time: Float64Array.from(times),
  };
}

function closeRow(indices: Int32Array, s: number, e: number): void {
  indices.subarray(s, e).sort();
}
