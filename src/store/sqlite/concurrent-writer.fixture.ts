// A second process for the concurrency tests: another Curio writing to the same store file.
// argv: <file> <mode>. Modes:
//   users  — commit new users, each with new items and events whose value is the writer's batch number, until stdin
//            closes (or 5000 batches); prints "ready" after the first commit.
//   create — open (creating) the store, write one event, print "ok" (or the error) and exit.
import { SqliteStore } from './index.ts';

const [file, mode] = process.argv.slice(2) as [string, string];

if (mode === 'create') {
  try {
    const s = SqliteStore.open(file);
    await s.addInteractions([{ user: `p${process.pid}`, item: 'shared', type: 'view', value: 1, timestamp: process.pid }]);
    await s.close();
    console.log('ok');
  } catch (e) {
    console.log(`error ${(e as Error).name}: ${(e as Error).message}`);
  }
  process.exit(0);
}

const s = SqliteStore.open(file);
let stop = false;
process.stdin.on('end', () => { stop = true; }).resume();
for (let k = 1; !stop && k <= 5000; k++) {
  // Batch k: user w<k> (new), items n<k>-0..2 (new), each event valued k. A reader can check every row it
  // sees by its value alone.
  await s.addInteractions([0, 1, 2].map((j) => ({ user: `w${k}`, item: `n${k}-${j}`, type: 'view' as const, value: k, timestamp: 1e9 + k * 3 + j })));
  if (k === 1) console.log('ready');
  // Small pauses: commits land during every snapshot, but the store (and its WAL, which cannot be reset while
  // the reader keeps a read transaction open) does not grow so fast that each snapshot gets slower and slower.
  await new Promise((r) => setTimeout(r, 2));
}
await s.close();
