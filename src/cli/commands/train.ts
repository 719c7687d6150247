import { z } from 'zod';
import type { Command } from '../main.ts';
import { loadConfigFile, parse, parseSets, splitList } from '../args.ts';
import { checkOutputFile } from '../outputs.ts';
import { openStore } from '../../store/registry.ts';
import { trainFromStore, TrainConfigSchema } from '../../pipeline/train.ts';
import { saveModelFile } from '../../pipeline/model-file.ts';
import { parseConfig, strictObject } from '../../config.ts';
import { progress } from '../progress.ts';
import { defaultDb, defaultModel } from './paths.ts';
import { createModel, modelKinds } from '../../models/registry.ts';
import { ConfigError } from '../../errors.ts';

/** A train config file; its model config and data filters are checked by the model's and the data schema. */
const TrainFileSchema = strictObject({
  model: strictObject({ kind: z.string().optional(), config: z.record(z.string(), z.unknown()).optional() }).optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});

export const trainCommand: Command = {
  summary: 'fit a model on the store and save it to a model file',
  usage: `curio train [--model ials] [--set factors=64 --set iterations=15] [--config train.json] [--types purchase,rating] [--min-value 3] [--db curio.db] [--out curio-model.bin]

Models: ${modelKinds().join(', ')}. A config file holds {"model": {"kind": "ials", "config": {...}}, "data": {"types": [...], "minValue": 3}}; flags override it.`,
  async run(argv) {
    const { values: v } = parse(argv, {
      model: { type: 'string' }, set: { type: 'string', multiple: true }, config: { type: 'string' }, db: { type: 'string' },
      out: { type: 'string' }, types: { type: 'string' }, 'min-value': { type: 'string' }, quiet: { type: 'boolean' },
    }, 'train');
    const file = parseConfig(TrainFileSchema, await loadConfigFile(v.config), v.config ?? '--config');
    const kind = v.model ?? file.model?.kind ?? 'ials';
    const minValue = v['min-value'] !== undefined ? Number(v['min-value']) : undefined;
    if (minValue !== undefined && (!v['min-value']!.trim() || !Number.isFinite(minValue))) throw new ConfigError('--min-value', `"${v['min-value']}" is not a number`);
    const config = parseConfig(TrainConfigSchema, {
      model: { kind, config: { ...(file.model?.kind === kind ? file.model?.config : {}), ...parseSets(v.set) } },
      data: { ...file.data, ...(v.types !== undefined ? { types: splitList(v.types, '--types') } : {}), ...(minValue !== undefined ? { minValue } : {}) },
    }, v.config ?? 'train');
    createModel(config.model.kind, config.model.config); // a bad model config fails here, before the store is read
    const out = v.out ?? defaultModel();
    checkOutputFile(out, '--out');
    const store = await openStore(v.db ?? defaultDb());
    try {
      const snapBar = progress('snapshot', 0, { quiet: v.quiet });
      const fitBar = progress(`fit ${kind}`, 0, { quiet: v.quiet });
      const t = await trainFromStore(store, config, {
        onSnapshot: (d, n) => snapBar.update(d, n),
        onProgress: (p) => fitBar.update(p.epoch, p.epochs, p.loss !== undefined ? `loss ${p.loss.toFixed(4)}` : undefined),
      });
      fitBar.finish(`${t.report.seconds.toFixed(2)}s on ${t.info.interactions} interactions, ${t.users.size} users, ${t.items.size} items`);
      await saveModelFile(out, t);
      console.log(`saved ${kind} model to ${out}`);
    } finally {
      await store.close();
    }
    return 0;
  },
};
