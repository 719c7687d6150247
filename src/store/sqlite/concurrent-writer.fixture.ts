// A second process for the concurrency tests: another Curio writing to the same store file.
// argv: <file> <mode> [busyTimeoutMs]. Modes:
//   users  — commit new users, each with new items and events whose value is the writer's batch number, until stdin
//            closes (or 5000 batches); prints "ready" after the first commit.
//   create — for each line on stdin (a path): open (creating) the store there, write one event, close it, and
//            print "ok" or "error <name>: <message>"; the parent sends each path to several such processes at once.
//   full   — in one transaction(), write 30,000 events (a few MB: they stay in the page cache until COMMIT writes
//            them); run under a file-size limit, the COMMIT fails. Prints "ok" or "error <name>: <message>".
import { createInterface } from 'node:readline';
import { SqliteStore } from './index.ts';

const [file, mode, busy] = process.argv.slice(2) as [string, string, string | undefined];
const busyTimeoutMs = busy === undefined ? undefined : Number(busy);
const report = (e: unknown) => { console.log(`error ${(e as Error).name}: ${(e as Error).message}`); if (process.env.CURIO_TRACE) console.error((e as Error).stack, ((e as Error).cause as Error)?.stack); };

if (mode === 'create') {
  for await (const path of createInterface({ input: process.stdin })) {
    try {
      const s = SqliteStore.open(path, undefined, { busyTimeoutMs });
      await s.addInteractions([{ user: `p${process.pid}`, item: 'shared', type: 'view', value: 1, timestamp: process.pid }]);
      await s.close();
      console.log('ok');
    } catch (e) {
      report(e);
    }
  }
  process.exit(0);
}

if (mode === 'full') {
  const s = SqliteStore.open(file);
  try {
    await s.transaction(async (tx) => {
      await tx.addInteractions(Array.from({ length: 30_000 }, (_, j) => ({ user: `f${j}`, item: `x${j}`, type: 'view' as const, value: 1, timestamp: j })));
    });
    console.log('ok');
  } catch (e) {
    report(e);
  }
  await s.close();
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
