import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type Database from 'better-sqlite3';
import { ConfigError } from '../errors.ts';
import type { DataStore } from '../store/types.ts';
import { withTables } from './sqlite-tables.ts';

/** read: recommendations, item and model lookups; write: also events, items and users; admin: also user deletion and export, model reloads. */
export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

const scryptAsync = promisify(scrypt) as (secret: string, salt: Buffer, keylen: number) => Promise<Buffer>;
const KEY_FORMAT = /^curio_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface ApiKeyInfo {
  id: string;
  scope: Scope;
  name: string | null;
  createdAt: number;
  revokedAt: number | null;
}

/** Whether a key of scope `have` may do what needs `need` (admin > write > read). */
export function allows(have: Scope, need: Scope): boolean {
  return SCOPES.indexOf(have) >= SCOPES.indexOf(need);
}

/**
 * Keys created or revoked through each of this process's connections: SQLite's data_version only moves for commits
 * of other connections (`curio keys revoke` in another process).
 */
const keyWrites = new WeakMap<Database.Database, number>();
/** The prepared statements of each connection (preparing one costs more than running it). */
const statements = new WeakMap<Database.Database, { key: Database.Statement; version: Database.Statement }>();

function prepared(db: Database.Database): { key: Database.Statement; version: Database.Statement } {
  let s = statements.get(db);
  if (!s) {
    s = {
      key: db.prepare('SELECT scope, salt, hash, revoked_at FROM curio_api_keys WHERE id = ?'),
      version: db.prepare('PRAGMA data_version').pluck(),
    };
    statements.set(db, s);
  }
  return s;
}

/**
 * API keys kept in the store's file (table `curio_api_keys`): a key is `curio_<id>_<secret>`; the id is public
 * (logs, revocation), the secret is stored only as a salted scrypt hash and shown once, at creation. scrypt is slow
 * on purpose, so a verified key is remembered (by a SHA-256 of it). Its key row is read again only when the store
 * may have changed since: a commit by another connection (SQLite's `PRAGMA data_version`, one cheap read per request)
 * or a revocation through this process. So a revoked key is refused from the first request after the revocation
 * committed, wherever it was made, and a steady request stream costs no key query.
 */
export class ApiKeys {
  private readonly verified = new Map<string, { id: string; scope: Scope }>();
  /** Digests of keys whose secret was wrong: a client repeating a wrong key must not cost an scrypt run each time. */
  private readonly refused = new Set<string>();
  /** scrypt runs made by `verify` (each costs ~50 ms of CPU). */
  scryptRuns = 0;
  /** Key rows read at store version `version` (undefined: none read yet). */
  private rows = new Map<string, { scope: Scope; salt: Buffer; hash: Buffer; revoked_at: number | null } | undefined>();
  private version: string | undefined;
  private readonly checking = new Map<string, Promise<{ id: string; scope: Scope } | undefined>>();

  constructor(private readonly store: DataStore) {}

  async create(scope: Scope, name?: string): Promise<{ id: string; key: string; scope: Scope }> {
    if (!SCOPES.includes(scope)) throw new ConfigError('--scope', `"${scope}" is not a scope; use one of ${SCOPES.join(', ')}`);
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const salt = randomBytes(16);
    const hash = await scryptAsync(secret, salt, 32);
    await withTables(this.store, (db) => {
      db.prepare('INSERT INTO curio_api_keys (id, scope, name, salt, hash, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(id, scope, name ?? null, salt, hash, Date.now());
      keyWrites.set(db, (keyWrites.get(db) ?? 0) + 1);
    });
    return { id, key: `curio_${id}_${secret}`, scope };
  }

  /** Revokes key `id`; false when there is no such key (revoking twice is true both times). */
  async revoke(id: string): Promise<boolean> {
    const n = await withTables(this.store, (db) => {
      const changes = db.prepare('UPDATE curio_api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?').run(Date.now(), id).changes;
      keyWrites.set(db, (keyWrites.get(db) ?? 0) + 1);
      return changes;
    });
    return n > 0;
  }

  list(): Promise<ApiKeyInfo[]> {
    return withTables(this.store, (db) => (db.prepare('SELECT id, scope, name, created_at, revoked_at FROM curio_api_keys ORDER BY created_at, id').all() as
      { id: string; scope: Scope; name: string | null; created_at: number; revoked_at: number | null }[])
      .map((r) => ({ id: r.id, scope: r.scope, name: r.name, createdAt: r.created_at, revokedAt: r.revoked_at })));
  }

  /** The key's id and scope, or undefined for a malformed, unknown, wrong or revoked key. */
  async verify(key: string): Promise<{ id: string; scope: Scope } | undefined> {
    const m = KEY_FORMAT.exec(key);
    if (!m) return undefined;
    const id = m[1]!;
    const row = await withTables(this.store, (db) => {
      const q = prepared(db);
      const version = `${q.version.get() as number}:${keyWrites.get(db) ?? 0}`;
      if (version !== this.version) {
        this.version = version;
        this.rows = new Map();
      }
      if (!this.rows.has(id)) {
        // Bounded: ids of unknown keys are cached too (a caller trying ids must not make each request a query).
        if (this.rows.size >= 10_000) this.rows.clear();
        this.rows.set(id, q.key.get(id) as { scope: Scope; salt: Buffer; hash: Buffer; revoked_at: number | null } | undefined);
      }
      return this.rows.get(id);
    });
    if (!row || row.revoked_at !== null) return undefined;
    const digest = createHash('sha256').update(key).digest('base64');
    const known = this.verified.get(digest);
    if (known) return known;
    if (this.refused.has(digest)) return undefined;
    // Concurrent first requests with one key share one scrypt run (50 at once would each pay ~50 ms of CPU).
    let pending = this.checking.get(digest);
    if (!pending) {
      this.scryptRuns++;
      pending = scryptAsync(m[2]!, row.salt, 32).then((hash) => {
        if (hash.length !== row.hash.length || !timingSafeEqual(hash, row.hash)) {
          if (this.refused.size > 10_000) this.refused.clear();
          this.refused.add(digest);
          return undefined;
        }
        const ok = { id, scope: row.scope };
        if (this.verified.size > 10_000) this.verified.clear();
        this.verified.set(digest, ok);
        return ok;
      }).finally(() => this.checking.delete(digest));
      this.checking.set(digest, pending);
    }
    return pending;
  }
}
