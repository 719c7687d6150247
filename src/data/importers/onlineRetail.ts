import { existsSync, statSync } from 'node:fs';
import { ConfigError, ImportError } from '../../errors.ts';
import type { InteractionRow } from '../types.ts';
import { columns, Fields } from './fields.ts';
import { eachRecord, type FileContext, type Importer } from './importer.ts';
import { parseTimestamp } from './timestamp.ts';

export const RETAIL_SKIP = {
  noCustomer: 'no CustomerID (anonymous sale)',
  cancellation: 'cancellation (InvoiceNo starts with C)',
  nonPositive: 'Quantity is not positive (stock adjustment or return)',
} as const;

const COLUMNS = {
  invoice: 'InvoiceNo', stock: 'StockCode', description: 'Description', quantity: 'Quantity',
  date: 'InvoiceDate', price: 'UnitPrice', customer: 'CustomerID', country: 'Country',
} as const;

/**
 * UCI Online Retail: one line per product on an invoice. Each imported line is a 'purchase' with
 * session = InvoiceNo, value = Quantity, user = CustomerID ("17850.0" -> "17850"). Products become items
 * (title = Description, price = UnitPrice) and customers users (attrs.country), both from their first imported
 * line. Lines repeating a product on the same invoice are merged, quantities added. Anonymous lines,
 * cancellations and non-positive quantities are real-world rows, not errors: they are skipped and counted.
 */
async function importRetail(file: string, ctx: FileContext): Promise<void> {
  const { sink } = ctx;
  const f = new Fields(file);
  const seenItems = new Set<string>(), seenUsers = new Set<string>();
  let c: Record<keyof typeof COLUMNS, number> | undefined;
  let invoice = '';
  let basket = new Map<string, InteractionRow>();
  let lastDate = '', lastMs = 0;
  const closeBasket = () => {
    for (const e of basket.values()) sink.event(e);
    basket = new Map();
  };
  await eachRecord(file, { onHeader: (h) => { c = columns(file, h, COLUMNS, ['country', 'description']); } }, ctx, (r) => {
    if (!c) return;
    const inv = f.str(r, c.invoice, 'InvoiceNo');
    const customer = f.opt(r, c.customer)?.trim();
    if (!customer) return sink.skip(RETAIL_SKIP.noCustomer);
    if (inv.startsWith('C')) return sink.skip(RETAIL_SKIP.cancellation);
    const quantity = f.value(r, c.quantity, 'Quantity');
    if (!Number.isInteger(quantity)) throw new ImportError(file, r.line, 'Quantity', `"${r.fields[c.quantity]}" is not a whole number`);
    if (quantity <= 0) return sink.skip(RETAIL_SKIP.nonPositive);
    const stock = f.id(r, c.stock, 'StockCode');
    const price = f.num(r, c.price, 'UnitPrice');
    if (price < 0) throw new ImportError(file, r.line, 'UnitPrice', `negative price ${price}`);
    const date = f.str(r, c.date, 'InvoiceDate');
    if (date !== lastDate) {
      const ms = parseTimestamp(date);
      if (ms === undefined) throw new ImportError(file, r.line, 'InvoiceDate', `"${date}" is not a date like 2010-12-01 08:26:00`);
      lastDate = date; lastMs = ms;
    }
    const user = f.id({ line: r.line, fields: [customer.endsWith('.0') ? customer.slice(0, -2) : customer] }, 0, 'CustomerID');

    if (inv !== invoice) { closeBasket(); invoice = inv; }
    const same = basket.get(stock);
    if (same) {
      same.value += quantity;
      sink.report.merged++;
    } else basket.set(stock, { user, item: stock, type: 'purchase', value: quantity, timestamp: lastMs, session: inv });
    if (!seenItems.has(stock)) {
      seenItems.add(stock);
      const title = f.opt(r, c.description);
      sink.item({ id: stock, price, ...(title ? { title } : {}) });
    }
    if (!seenUsers.has(user)) {
      seenUsers.add(user);
      const country = f.opt(r, c.country);
      sink.user({ id: user, ...(country ? { attrs: { country } } : {}) });
    }
  });
  closeBasket();
}

export const onlineRetail: Importer = {
  files: (path) => {
    if (!existsSync(path) || statSync(path).isDirectory()) throw new ConfigError('path', `${path}: online-retail takes the CSV file itself`);
    return [path];
  },
  importFile: importRetail,
};
