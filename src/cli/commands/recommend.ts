import { existsSync } from 'node:fs';
import type { Command } from '../main.ts';
import { intOption, parse } from '../args.ts';
import { loadModelFile, type TrainedModel } from '../../pipeline/model-file.ts';
import { ConfigError, UnknownItemError, UnknownUserError } from '../../errors.ts';
import type { Ranked } from '../../models/types.ts';
import { openStore } from '../../store/registry.ts';
import type { DataStore } from '../../store/types.ts';
import { defaultDb, defaultModel } from './paths.ts';

const common = {
  model: { type: 'string' }, db: { type: 'string' }, k: { type: 'string', short: 'k' }, json: { type: 'boolean' },
} as const;

export const recommendCommand: Command = {
  summary: 'top-k items for a user (a user unseen in training is folded in from the store or --history)',
  usage: `curio recommend --user U [-k 10] [--model curio-model.bin] [--db curio.db] [--history ITEM,ITEM] [--exclude ITEM,ITEM] [--json]`,
  async run(argv) {
    const { values: v } = parse(argv, { ...common, user: { type: 'string' }, history: { type: 'string' }, exclude: { type: 'string' } }, 'recommend');
    if (!v.user && !v.history) throw new ConfigError('--user', 'give a user id (or --history with item ids)');
    const k = intOption(v.k, 'k', 10);
    const store = await maybeStore(v.db);
    try {
      const t = await loadBound(v.model ?? defaultModel(), store);
      const exclude = v.exclude ? Int32Array.from(v.exclude.split(',').map((id) => itemIndex(t, id))) : undefined;
      const u = v.user ? t.users.get(v.user) : -1;
      let ranked: Ranked;
      if (u >= 0 && !v.history) ranked = t.model.recommend(u, { k, exclude });
      else {
        const hist = v.history ? v.history.split(',').map((id) => ({ item: id, value: 1 })) : await store?.history(v.user!) ?? [];
        const known = hist.filter((h) => t.items.has(h.item));
        if (!known.length) throw new UnknownUserError(v.user ?? '(history)');
        ranked = t.model.recommendHistory(
          Int32Array.from(known.map((h) => t.items.get(h.item))), Float32Array.from(known.map((h) => h.value)), { k, exclude },
        );
      }
      await printRanked(t, ranked, store, v.json);
    } finally {
      await store?.close();
    }
    return 0;
  },
};

export const similarCommand: Command = {
  summary: 'items most similar to an item, by the trained model',
  usage: `curio similar --item I [-k 10] [--model curio-model.bin] [--db curio.db] [--json]`,
  async run(argv) {
    const { values: v } = parse(argv, { ...common, item: { type: 'string' } }, 'similar');
    if (!v.item) throw new ConfigError('--item', 'give an item id');
    const store = await maybeStore(v.db);
    try {
      const t = await loadBound(v.model ?? defaultModel(), store);
      await printRanked(t, t.model.similarItems(itemIndex(t, v.item), intOption(v.k, 'k', 10)), store, v.json);
    } finally {
      await store?.close();
    }
    return 0;
  },
};

function itemIndex(t: TrainedModel, id: string): number {
  const i = t.items.get(id);
  if (i < 0) throw new UnknownItemError(id);
  return i;
}

/** Loads the model, refusing a store it was not trained from; warnings (e.g. an unchecked store) go to stderr. */
async function loadBound(path: string, store: DataStore | undefined): Promise<TrainedModel> {
  const t = await loadModelFile(path, { store });
  for (const w of t.warnings) console.error(`curio: warning: ${w}`);
  return t;
}

/** The store is optional here: it only adds titles and histories. */
async function maybeStore(db: string | undefined): Promise<DataStore | undefined> {
  const path = db ?? defaultDb();
  if (!db && !existsSync(path)) return undefined;
  return openStore(path);
}

async function printRanked(t: TrainedModel, r: Ranked, store: DataStore | undefined, json?: boolean): Promise<void> {
  const ids = Array.from(r.items, (i) => t.items.id(i));
  const rows = store ? await store.getItems(ids) : ids.map(() => undefined);
  const out = ids.map((id, q) => ({ rank: q + 1, item: id, score: r.scores[q]!, title: rows[q]?.title ?? '' }));
  if (json) {
    console.log(JSON.stringify(out));
    return;
  }
  if (!out.length) {
    console.log('(no items to recommend)');
    return;
  }
  const w = Math.max(4, ...out.map((o) => o.item.length));
  console.log(`${'rank'.padStart(4)}  ${'item'.padEnd(w)}  ${'score'.padStart(9)}  title`);
  for (const o of out) console.log(`${String(o.rank).padStart(4)}  ${o.item.padEnd(w)}  ${o.score.toFixed(4).padStart(9)}  ${o.title}`);
}
