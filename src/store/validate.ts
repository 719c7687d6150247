import { StoreError } from '../errors.ts';
import { idProblem, MAX_TIME_MS, valueProblem } from '../data/checks.ts';
import { INTERACTION_TYPES, isInteractionType, type InteractionColumns, type InteractionRow, type ItemRow, type UserRow } from '../data/types.ts';

/**
 * Checks rows at the store boundary, before anything is written, so a bad batch fails whole and the error
 * names the batch row and field (e.g. `addInteractions[3].value`). Shared by every backend.
 */
function fail(batch: string, row: number, field: string, reason: string): never {
  throw new StoreError(`${batch}[${row}].${field}: ${reason}`);
}

function checkId(batch: string, row: number, field: string, id: unknown): void {
  if (typeof id !== 'string') fail(batch, row, field, `id must be a string, got ${typeof id}`);
  const why = idProblem(id);
  if (why) fail(batch, row, field, why === 'empty' ? 'empty id' : `bad id: ${why}`);
}

function checkOptionalFinite(batch: string, row: number, field: string, x: unknown): void {
  if (x !== undefined && (typeof x !== 'number' || !Number.isFinite(x))) fail(batch, row, field, `must be a finite number, got ${String(x)}`);
}

function checkObject(batch: string, row: number, field: string, x: unknown): void {
  if (x !== undefined && (x === null || typeof x !== 'object' || Array.isArray(x))) fail(batch, row, field, 'must be an object');
}

export function validateInteractions(rows: readonly InteractionRow[], batch = 'addInteractions'): void {
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    checkId(batch, k, 'user', r.user);
    checkId(batch, k, 'item', r.item);
    if (typeof r.type !== 'string' || !isInteractionType(r.type)) fail(batch, k, 'type', `unknown interaction type "${String(r.type)}"`);
    if (typeof r.value !== 'number' || valueProblem(r.value)) fail(batch, k, 'value', `must be a finite number within float32 range, got ${String(r.value)}`);
    if (typeof r.timestamp !== 'number' || !(Math.abs(r.timestamp) <= MAX_TIME_MS)) fail(batch, k, 'timestamp', `must be a finite number (ms since epoch), got ${String(r.timestamp)}`);
    if (r.session !== undefined && typeof r.session !== 'string') fail(batch, k, 'session', 'must be a string');
    if (r.text !== undefined && typeof r.text !== 'string') fail(batch, k, 'text', 'must be a string');
  }
}

/** The columnar batch's rules are the row rules; a failure names the batch row (and, for ids, the dictionary entry). */
export function validateInteractionColumns(c: InteractionColumns, batch = 'addInteractionColumns'): void {
  const n = c.length;
  const arrays = [c.user, c.item, c.type, c.value, c.timestamp] as const;
  if (!Number.isInteger(n) || n < 0 || arrays.some((a) => a.length !== n) || (c.session && c.session.length !== n) || (c.text && c.text.length !== n)) {
    throw new StoreError(`${batch}: columns of different lengths (length ${n})`);
  }
  for (let k = 0; k < c.userIds.length; k++) checkId(batch, k, 'userIds', c.userIds[k]);
  for (let k = 0; k < c.itemIds.length; k++) checkId(batch, k, 'itemIds', c.itemIds[k]);
  const nu = c.userIds.length, ni = c.itemIds.length, nt = INTERACTION_TYPES.length;
  for (let k = 0; k < n; k++) {
    const u = c.user[k]!, i = c.item[k]!, v = c.value[k]!, t = c.timestamp[k]!;
    if (!(u >= 0 && u < nu)) fail(batch, k, 'user', `index ${u} is outside userIds (${nu})`);
    if (!(i >= 0 && i < ni)) fail(batch, k, 'item', `index ${i} is outside itemIds (${ni})`);
    if (c.type[k]! >= nt) fail(batch, k, 'type', `unknown interaction type code ${c.type[k]}`);
    if (valueProblem(v)) fail(batch, k, 'value', `must be a finite number within float32 range, got ${String(v)}`);
    if (!(Math.abs(t) <= MAX_TIME_MS)) fail(batch, k, 'timestamp', `must be a finite number (ms since epoch), got ${String(t)}`);
    if (c.session && c.session[k] !== undefined && typeof c.session[k] !== 'string') fail(batch, k, 'session', 'must be a string');
    if (c.text && c.text[k] !== undefined && typeof c.text[k] !== 'string') fail(batch, k, 'text', 'must be a string');
  }
}

export function validateItems(rows: readonly ItemRow[], batch = 'upsertItems'): void {
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    checkId(batch, k, 'id', r.id);
    checkOptionalFinite(batch, k, 'price', r.price);
    checkOptionalFinite(batch, k, 'timestamp', r.timestamp);
    checkObject(batch, k, 'attrs', r.attrs);
    if (r.title !== undefined && typeof r.title !== 'string') fail(batch, k, 'title', 'must be a string');
    if (r.text !== undefined && typeof r.text !== 'string') fail(batch, k, 'text', 'must be a string');
    if (r.categories !== undefined && (!Array.isArray(r.categories) || r.categories.some((c) => typeof c !== 'string'))) {
      fail(batch, k, 'categories', 'must be an array of strings');
    }
  }
}

export function validateUsers(rows: readonly UserRow[], batch = 'upsertUsers'): void {
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    checkId(batch, k, 'id', r.id);
    checkObject(batch, k, 'attrs', r.attrs);
  }
}
