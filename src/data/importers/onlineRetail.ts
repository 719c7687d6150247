import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, ImportError } from '../../errors.ts';
import type { DelimitedRecord } from '../csv.ts';
import { columns, Fields } from './fields.ts';
import { eachRecord, type FileContext, type Importer } from './importer.ts';
import { parseTimestamp } from './timestamp.ts';

export const RETAIL_SKIP = {
  noCustomer: 'no CustomerID (anonymous sale)',
  cancellationMatched: 'cancellation netted against earlier purchases',
  cancellationPartly: 'cancellation netted in part (more than the earlier purchases held)',
  cancellationUnmatched: 'cancellation with no earlier purchase to net against',
  purchaseCancelled: 'purchase cancelled in full by a later cancellation',
  nonPositive: 'Quantity is not positive (stock adjustment or return)',
} as const;

const COLUMNS = {
  invoice: 'InvoiceNo', stock: 'StockCode', description: 'Description', quantity: 'Quantity',
  date: 'InvoiceDate', price: 'UnitPrice', customer: 'CustomerID', country: 'Country',
} as const;

/**
 * Stock codes that are charges, fees, adjustments, samples or vouchers, not products: every such code in the
 * 2010-2011 file (POSTAGE, DOTCOM POSTAGE, Manual, CARRIAGE, Discount, SAMPLES, Bank Charges, AMAZON FEE,
 * CRUK Commission, PADS TO MATCH ALL CUSHIONS at £0.001, Adjust bad debt) and gift vouchers (gift_0001_20...).
 * Products have 5-digit codes, sometimes with a letter suffix; the DCGS... codes of the dotcom gift shop are
 * products too (ashtrays, party bags).
 */
const NON_PRODUCT = new Set(['POST', 'DOT', 'M', 'C2', 'D', 'S', 'BANK CHARGES', 'AMAZONFEE', 'CRUK', 'PADS', 'B']);

export function isNonProduct(stockCode: string): boolean {
  const c = stockCode.toUpperCase();
  return NON_PRODUCT.has(c) || c.startsWith('GIFT_');
}

/** Purchases held until the end of the file, in file order, in typed columns (no object per line). */
class Purchases {
  length = 0;
  user = new Int32Array(1 << 14);
  item = new Int32Array(1 << 14);
  invoice = new Int32Array(1 << 14);
  /** Lines folded into this purchase (the same product repeated on the invoice). */
  lines = new Int32Array(1 << 14);
  /** The previous purchase of the same (customer, product), or -1: a list to net cancellations against. */
  prev = new Int32Array(1 << 14);
  quantity = new Float64Array(1 << 14);
  time = new Float64Array(1 << 14);

  add(user: number, item: number, invoice: number, quantity: number, time: number, prev: number): number {
    if (this.length === this.user.length) this.grow();
    const k = this.length++;
    this.user[k] = user; this.item[k] = item; this.invoice[k] = invoice; this.lines[k] = 1;
    this.prev[k] = prev; this.quantity[k] = quantity; this.time[k] = time;
    return k;
  }

  private grow(): void {
    const n = this.user.length * 2;
    const to = <T extends Int32Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.user = to(this.user); this.item = to(this.item); this.invoice = to(this.invoice); this.lines = to(this.lines);
    this.prev = to(this.prev); this.quantity = to(this.quantity); this.time = to(this.time);
  }
}

/** Dense indices for external strings, in first-seen order. */
class Interned {
  readonly index = new Map<string, number>();
  readonly ids: string[] = [];
  of(s: string): number {
    let k = this.index.get(s);
    if (k === undefined) { k = this.ids.length; this.index.set(s, k); this.ids.push(s); }
    return k;
  }
}

/**
 * UCI Online Retail: one line per product on an invoice. A purchase is a 'purchase' event with
 * session = InvoiceNo, value = Quantity, user = CustomerID ("17850.0" -> "17850").
 * - Lines repeating a product on an invoice (adjacent or not) are one purchase, quantities added.
 * - A cancellation (InvoiceNo "C...", negative Quantity) is netted against the same customer's earlier purchases
 *   of the same product, latest first, until its quantity is used up; a purchase netted to zero is dropped.
 *   Cancellations (fully, partly, not matched) and dropped purchases are counted per reason in the report.
 *   So the whole file is read before anything is written: purchases are held in typed columns (~40 bytes each).
 * - Items: title = first Description; price = the most recent positive UnitPrice of the product's purchase lines
 *   (prices change over the year; the latest is what the shop charges now); attrs.nonProduct = true for
 *   postage, fees, adjustments and vouchers (see isNonProduct). Users: attrs.country from their first line.
 *   Only users and items with a purchase left after netting are written.
 * - Anonymous lines and non-positive quantities outside cancellations are real-world rows, not errors: skipped
 *   and counted.
 */
async function importRetail(file: string, ctx: FileContext): Promise<void> {
  const { sink } = ctx;
  const f = new Fields(file);
  const users = new Interned(), items = new Interned(), invoices = new Interned();
  const country: (string | undefined)[] = [], title: (string | undefined)[] = [], price: number[] = [];
  const purchases = new Purchases();
  /** Latest purchase of each (user, item) pair, keyed user * 2^21 + item. */
  const latest = new Map<number, number>();
  const pair = (u: number, i: number) => u * 2097152 + i;
  let c: Record<keyof typeof COLUMNS, number> | undefined;
  let lastDate = '', lastMs = 0;
  const quantityOf = (r: DelimitedRecord, k: Record<keyof typeof COLUMNS, number>) => {
    const q = f.value(r, k.quantity, 'Quantity');
    if (!Number.isInteger(q)) throw new ImportError(file, r.line, 'Quantity', `"${r.fields[k.quantity]}" is not a whole number`);
    return q;
  };

  await eachRecord(file, { onHeader: (h) => { c = columns(file, h, COLUMNS, ['country', 'description']); } }, ctx, (r) => {
    const k = c!;
    const inv = f.id(r, k.invoice, 'InvoiceNo');
    const customer = f.opt(r, k.customer)?.trim();
    if (!customer) return sink.skip(RETAIL_SKIP.noCustomer);
    const user = f.id({ line: r.line, fields: [customer.endsWith('.0') ? customer.slice(0, -2) : customer] }, 0, 'CustomerID');
    const stock = f.id(r, k.stock, 'StockCode');
    const quantity = quantityOf(r, k);

    if (inv.startsWith('C')) {
      if (quantity >= 0) throw new ImportError(file, r.line, 'Quantity', `a cancellation's quantity is negative, got ${quantity}`);
      const u = users.index.get(user), i = items.index.get(stock);
      let left = -quantity;
      for (let p = u === undefined || i === undefined ? -1 : latest.get(pair(u, i)) ?? -1; p >= 0 && left > 0; p = purchases.prev[p]!) {
        const take = Math.min(left, purchases.quantity[p]!);
        purchases.quantity[p] = purchases.quantity[p]! - take;
        left -= take;
      }
      return sink.skip(left === 0 ? RETAIL_SKIP.cancellationMatched : left < -quantity ? RETAIL_SKIP.cancellationPartly : RETAIL_SKIP.cancellationUnmatched);
    }
    if (quantity <= 0) return sink.skip(RETAIL_SKIP.nonPositive);
    const unitPrice = f.num(r, k.price, 'UnitPrice');
    if (unitPrice < 0) throw new ImportError(file, r.line, 'UnitPrice', `negative price ${unitPrice}`);
    const date = f.str(r, k.date, 'InvoiceDate');
    if (date !== lastDate) {
      const ms = parseTimestamp(date);
      if (ms === undefined) throw new ImportError(file, r.line, 'InvoiceDate', `"${date}" is not a date like 2010-12-01 08:26:00`);
      lastDate = date; lastMs = ms;
    }

    // The row is valid: from here on it changes the state.
    const u = users.of(user), i = items.of(stock), v = invoices.of(inv);
    if (u === country.length) country.push(f.opt(r, k.country));
    if (i === title.length) { title.push(undefined); price.push(0); }
    title[i] ??= f.opt(r, k.description);
    if (unitPrice > 0 || price[i] === 0) price[i] = unitPrice;
    const key = pair(u, i), head = latest.get(key) ?? -1;
    for (let p = head; p >= 0; p = purchases.prev[p]!) {
      if (purchases.invoice[p] === v) {
        purchases.quantity[p] = purchases.quantity[p]! + quantity;
        purchases.lines[p] = purchases.lines[p]! + 1;
        return;
      }
    }
    latest.set(key, purchases.add(u, i, v, quantity, lastMs, head));
  });

  const keptUsers = new Uint8Array(users.ids.length), keptItems = new Uint8Array(items.ids.length);
  for (let p = 0; p < purchases.length; p++) {
    if (purchases.quantity[p]! > 0) { keptUsers[purchases.user[p]!] = 1; keptItems[purchases.item[p]!] = 1; }
  }
  for (let i = 0; i < items.ids.length; i++) {
    if (!keptItems[i]) continue;
    const id = items.ids[i]!, t = title[i];
    sink.item({ id, price: price[i]!, ...(t ? { title: t } : {}), ...(isNonProduct(id) ? { attrs: { nonProduct: true } } : {}) });
  }
  for (let u = 0; u < users.ids.length; u++) {
    const ct = country[u];
    if (keptUsers[u]) sink.user({ id: users.ids[u]!, ...(ct ? { attrs: { country: ct } } : {}) });
  }
  for (let p = 0; p < purchases.length; p++) {
    const lines = purchases.lines[p]!;
    if (purchases.quantity[p]! <= 0) {
      for (let l = 0; l < lines; l++) sink.skip(RETAIL_SKIP.purchaseCancelled);
      continue;
    }
    sink.report.merged += lines - 1;
    sink.event({
      user: users.ids[purchases.user[p]!]!, item: items.ids[purchases.item[p]!]!, type: 'purchase',
      value: purchases.quantity[p]!, timestamp: purchases.time[p]!, session: invoices.ids[purchases.invoice[p]!]!,
    });
    if (p % 8192 === 8191) await sink.flush();
  }
}

export const onlineRetail: Importer = {
  files: (path) => {
    if (existsSync(path) && statSync(path).isDirectory()) {
      // the data set's folder (as distributed: one CSV inside) is taken for its file
      const csv = readdirSync(path).filter((f) => f.toLowerCase().endsWith('.csv'));
      if (csv.length === 1) return [join(path, csv[0]!)];
      throw new ConfigError('path', `${path} is a folder with ${csv.length ? `${csv.length} CSV files (${csv.join(', ')})` : 'no CSV file'}: give the Online Retail CSV file itself`);
    }
    if (!existsSync(path)) throw new ConfigError('path', `${path}: no such file; online-retail takes the CSV file (or the folder holding it)`);
    return [path];
  },
  importFile: importRetail,
};
