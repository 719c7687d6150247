import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Command } from '../main.ts';
import { intOption, parse } from '../args.ts';
import { generateSynthetic } from '../../data/synthetic.ts';
import { typeName } from '../../data/interactions.ts';
import { progress } from '../progress.ts';

export const generateCommand: Command = {
  summary: 'write synthetic interaction data (long-tail popularity, user tastes, item texts) as CSV',
  usage: `curio generate --users N --items N --interactions N --out events.csv [--items-out items.jsonl] [--seed 42]

Columns: user,item,type,value,timestamp (ISO). Import it with:
  curio import csv events.csv --map user=user,item=item,type=type,value=value,timestamp=timestamp`,
  async run(argv) {
    const { values: v } = parse(argv, {
      users: { type: 'string' }, items: { type: 'string' }, interactions: { type: 'string' },
      out: { type: 'string' }, 'items-out': { type: 'string' }, seed: { type: 'string' }, quiet: { type: 'boolean' },
    }, 'generate');
    const s = generateSynthetic({
      users: intOption(v.users, 'users', 1000), items: intOption(v.items, 'items', 500),
      interactions: intOption(v.interactions, 'interactions', 20_000), seed: intOption(v.seed, 'seed', 42, 0),
    });
    const d = s.interactions;
    const out = createWriteStream(v.out ?? 'events.csv');
    const bar = progress('generate', d.length, { quiet: v.quiet });
    out.write('user,item,type,value,timestamp\n');
    for (let k = 0; k < d.length; k++) {
      const line = `${d.users.id(d.user[k]!)},${d.items.id(d.item[k]!)},${typeName(d.type[k]!)},${d.value[k]},${new Date(d.time[k]!).toISOString()}\n`;
      if (!out.write(line)) await once(out, 'drain');
      if ((k & 65535) === 0) bar.update(k);
    }
    out.end();
    await once(out, 'finish');
    if (v['items-out']) {
      const io = createWriteStream(v['items-out']);
      for (const r of s.itemRows()) if (!io.write(`${JSON.stringify(r)}\n`)) await once(io, 'drain');
      io.end();
      await once(io, 'finish');
    }
    bar.finish();
    console.log(`${d.length} events, ${d.users.size} users, ${d.items.size} items -> ${v.out ?? 'events.csv'}`);
    return 0;
  },
};
