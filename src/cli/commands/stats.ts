import type { Command } from '../main.ts';
import { parse } from '../args.ts';
import { openCliStore } from './paths.ts';

export const statsCommand: Command = {
  summary: 'what the store holds: users, items, interactions by type, past imports',
  usage: 'curio stats [--db curio.db] [--json]',
  async run(argv) {
    const { values: v } = parse(argv, { db: { type: 'string' }, json: { type: 'boolean' } }, 'stats');
    const store = await openCliStore(v.db, 'use');
    try {
      const s = await store.stats();
      const imports = await store.imports();
      if (v.json) {
        console.log(JSON.stringify({ ...s, imports }));
        return 0;
      }
      console.log(`store ${store.url}\n  users ${s.users}\n  items ${s.items}\n  interactions ${s.interactions}`);
      for (const [t, n] of Object.entries(s.byType)) console.log(`    ${t.padEnd(9)} ${n}`);
      for (const r of imports) console.log(`  import ${new Date(r.at).toISOString()} ${r.format} ${r.source}: ${r.rows} rows, ${r.inserted} new, ${r.skipped} skipped`);
    } finally {
      await store.close();
    }
    return 0;
  },
};
