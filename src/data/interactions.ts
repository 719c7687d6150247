import { IdMap } from './ids.ts';
import { TYPE_CODE, type InteractionRow, type InteractionType, INTERACTION_TYPES } from './types.ts';
import { csrFromCoo, type Csr, type DuplicatePolicy } from './csr.ts';

/**
 * A columnar, in-memory snapshot of interactions: what models train on and splits cut.
 * Entry k is (user[k], item[k], value[k], time[k], type[k]); user and item are dense indices into the id maps.
 * `time` is ms since epoch (0 = unknown).
 */
export interface Interactions {
  readonly users: IdMap;
  readonly items: IdMap;
  readonly length: number;
  readonly user: Int32Array;
  readonly item: Int32Array;
  readonly value: Float32Array;
  readonly time: Float64Array;
  readonly type: Uint8Array;
}

/** Grows typed columns without per-row objects. */
export class InteractionsBuilder {
  readonly users: IdMap;
  readonly items: IdMap;
  private n = 0;
  private user = new Int32Array(1024);
  private item = new Int32Array(1024);
  private value = new Float32Array(1024);
  private time = new Float64Array(1024);
  private type = new Uint8Array(1024);

  constructor(users = new IdMap(), items = new IdMap()) {
    this.users = users;
    this.items = items;
  }

  get length(): number {
    return this.n;
  }

  private grow(): void {
    const cap = this.user.length * 2;
    const g = <T extends Int32Array | Float32Array | Float64Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(cap);
      b.set(a);
      return b;
    };
    this.user = g(this.user); this.item = g(this.item); this.value = g(this.value); this.time = g(this.time); this.type = g(this.type);
  }

  /** Adds by dense indices (fast path). */
  addIndex(u: number, i: number, value: number, time: number, typeCode: number): void {
    if (this.n === this.user.length) this.grow();
    const k = this.n++;
    this.user[k] = u; this.item[k] = i; this.value[k] = value; this.time[k] = time; this.type[k] = typeCode;
  }

  add(user: string, item: string, value = 1, time = 0, type: InteractionType = 'view'): void {
    this.addIndex(this.users.intern(user), this.items.intern(item), value, time, TYPE_CODE[type]);
  }

  addRow(r: InteractionRow): void {
    this.add(r.user, r.item, r.value, r.timestamp, r.type);
  }

  build(): Interactions {
    const n = this.n;
    return {
      users: this.users, items: this.items, length: n,
      user: this.user.slice(0, n), item: this.item.slice(0, n), value: this.value.slice(0, n),
      time: this.time.slice(0, n), type: this.type.slice(0, n),
    };
  }
}

/** The entries selected by `keep` (indices into `data`), sharing the id maps. */
export function selectInteractions(data: Interactions, keep: Int32Array): Interactions {
  const n = keep.length;
  const user = new Int32Array(n), item = new Int32Array(n), value = new Float32Array(n), time = new Float64Array(n), type = new Uint8Array(n);
  for (let q = 0; q < n; q++) {
    const k = keep[q]!;
    user[q] = data.user[k]!; item[q] = data.item[k]!; value[q] = data.value[k]!; time[q] = data.time[k]!; type[q] = data.type[k]!;
  }
  return { users: data.users, items: data.items, length: n, user, item, value, time, type };
}

/** User × item matrix of raw values, duplicates merged by `dup`. */
export function toMatrix(data: Interactions, dup: DuplicatePolicy = 'sum'): Csr {
  return csrFromCoo(data.users.size, data.items.size, data.user, data.item, data.value, dup);
}

export function typeName(code: number): InteractionType {
  return INTERACTION_TYPES[code] ?? 'view';
}

export interface InteractionStats {
  users: number;
  items: number;
  interactions: number;
  density: number;
  valueMin: number;
  valueMax: number;
  firstTime: number;
  lastTime: number;
}

export function interactionStats(d: Interactions): InteractionStats {
  let vmin = Infinity, vmax = -Infinity, tmin = Infinity, tmax = -Infinity;
  for (let k = 0; k < d.length; k++) {
    const v = d.value[k]!, t = d.time[k]!;
    if (v < vmin) vmin = v;
    if (v > vmax) vmax = v;
    if (t > 0 && t < tmin) tmin = t;
    if (t > tmax) tmax = t;
  }
  return {
    users: d.users.size, items: d.items.size, interactions: d.length,
    density: d.length / Math.max(1, d.users.size * d.items.size),
    valueMin: d.length ? vmin : 0, valueMax: d.length ? vmax : 0,
    firstTime: Number.isFinite(tmin) ? tmin : 0, lastTime: Number.isFinite(tmax) ? tmax : 0,
  };
}
