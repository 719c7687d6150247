import { mkdtempSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InteractionRow, ItemRow } from '../data/types.ts';
import { openStore } from '../store/registry.ts';
import type { DataStore } from '../store/types.ts';
import { trainFromStore } from '../pipeline/train.ts';
import { saveModelFile } from '../pipeline/model-file.ts';
import { ApiKeys } from './keys.ts';
import { Engines } from './engines.ts';
import { startServer, type RunningServer, type ServerOptions } from './server.ts';
import { silentLogger } from './log.ts';

/** A small shop on a real SQLite file, two model files trained on it, and a key of each scope: the server tests' world. */
export interface Shop {
  dir: string;
  db: string;
  store: DataStore;
  models: [string, string];
  keys: { read: string; write: string; admin: string };
}

const T0 = Date.UTC(2024, 0, 1);
const DAY = 86_400_000;

export const SHOP_ITEMS: ItemRow[] = [
  { id: 'A', title: 'Teapot', categories: ['Kitchen'], price: 20, timestamp: T0 },
  { id: 'B', title: 'Tea cups', categories: ['Kitchen'], price: 8, timestamp: T0 + DAY },
  { id: 'C', title: 'Tea towel', categories: ['Kitchen', 'Textiles'], price: 4, timestamp: T0 + 2 * DAY },
  { id: 'D', title: 'Cushion', categories: ['Textiles'], price: 12, timestamp: T0 + 3 * DAY },
  { id: 'E', title: 'Lamp', categories: ['Home'], price: 30, timestamp: T0 + 4 * DAY },
  { id: 'F', title: 'Candle', categories: ['Home'], price: 3, timestamp: T0 + 5 * DAY },
  { id: 'G', title: 'Cookbook', categories: ['Books'], price: 15, timestamp: T0 + 6 * DAY },
  { id: 'H', title: 'Novel', categories: ['Books'], price: 9, timestamp: T0 + 7 * DAY },
];

function shopEvents(): InteractionRow[] {
  const rows: InteractionRow[] = [];
  const basket = (user: string, t: number, items: string[]) => {
    for (const item of items) rows.push({ user, item, type: 'purchase', value: 1, timestamp: t, session: `${user}-${t}` });
  };
  for (let u = 0; u < 5; u++) basket(`b${u}`, T0 + 10 * DAY + u, ['A', 'B']);
  for (let u = 0; u < 3; u++) basket(`c${u}`, T0 + 11 * DAY + u, ['A', 'C']);
  for (let u = 0; u < 4; u++) basket(`d${u}`, T0 + 12 * DAY + u, ['D', 'E']);
  basket('f0', T0 + 13 * DAY, ['F', 'E']);
  basket('g0', T0 + 13 * DAY, ['G', 'H']);
  basket('g1', T0 + 14 * DAY, ['G', 'H', 'B']);
  return rows;
}

export async function makeShop(): Promise<Shop> {
  const dir = mkdtempSync(join(tmpdir(), 'curio-serve-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'shop.db');
  const store = await openStore(db);
  await store.upsertItems(SHOP_ITEMS);
  await store.addInteractions(shopEvents());
  const models: [string, string] = [join(dir, 'knn.bin'), join(dir, 'pop.bin')];
  await saveModelFile(models[0], await trainFromStore(store, { model: { kind: 'itemknn', config: { neighbors: 10, shrink: 0 } }, data: { types: ['purchase'] } }));
  await saveModelFile(models[1], await trainFromStore(store, { model: { kind: 'ials', config: { factors: 4, iterations: 2 } }, data: { types: ['purchase'] } }));
  const k = new ApiKeys(store);
  const keys = { read: (await k.create('read')).key, write: (await k.create('write')).key, admin: (await k.create('admin')).key };
  return { dir, db, store, models, keys };
}

export async function serveShop(shop: Shop, o: Partial<ServerOptions> = {}): Promise<RunningServer & { engines: Engines }> {
  const engines = await Engines.open({ store: shop.store, model: shop.models[0] });
  const s = await startServer({ store: shop.store, engines, port: 0, logger: silentLogger, rateLimit: false, ...o });
  return { ...s, engines };
}

export interface Answer<T = any> { status: number; body: T; headers: Headers }

/** One request over the socket; `body` is sent as JSON unless it is already a string. */
export async function call<T = any>(base: string, method: string, path: string, o: { key?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.key) headers.authorization = `Bearer ${o.key}`;
  if (o.body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(base + path, { method, headers, body: o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body) });
  const text = await res.text();
  let body: unknown = text;
  try { body = JSON.parse(text); } catch { /* not JSON: kept as text */ }
  return { status: res.status, body: body as T, headers: res.headers };
}

/** Every row of the tables an API write can touch, to prove a refused write changed nothing. */
export function storeDump(dbFile: string): string {
  const db = new Database(dbFile, { readonly: true });
  try {
    return ['users', 'items', 'interactions', 'curio_idempotency'].map((t) => JSON.stringify(db.prepare(`SELECT * FROM ${t} ORDER BY 1`).all())).join('\n');
  } finally {
    db.close();
  }
}
