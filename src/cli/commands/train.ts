import { z } from 'zod';
import type { Command } from '../main.ts';
import { distinctList, loadConfigFile, numberOption, parse, parseSets } from '../args.ts';
import { checkOutputFile } from '../outputs.ts';
import { chooseFromReport, trainFromStore, TrainConfigSchema, type ChosenModel } from '../../pipeline/train.ts';
import { saveModelFile } from '../../pipeline/model-file.ts';
import { parseConfig, strictObject } from '../../config.ts';
import { progress } from '../progress.ts';
import { defaultModel, openCliStore } from './paths.ts';
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
            [--params-from curio-report/report.json [--model best|KIND]]

Models: ${modelKinds().join(', ')}. A config file holds {"model": {"kind": "ials", "config": {...}}, "data": {"types": [...], "minValue": 3}}; flags override it.
--params-from trains the model an evaluation chose: the best one by the report's selection metric (or --model KIND),
with the parameters and data filters it was evaluated with; --set still overrides a parameter.`,
  async run(argv) {
    const { values: v } = parse(argv, {
      model: { type: 'string' }, set: { type: 'string', multiple: true }, config: { type: 'string' }, db: { type: 'string' },
      out: { type: 'string' }, types: { type: 'string' }, 'min-value': { type: 'string' }, 'params-from': { type: 'string' }, quiet: { type: 'boolean' },
    }, 'train');
    const file = parseConfig(TrainFileSchema, await loadConfigFile(v.config), v.config ?? '--config');
    const reportPath = v['params-from'];
    let chosen: ChosenModel | undefined;
    if (reportPath !== undefined) {
      if (file.model) throw new ConfigError('--params-from', `takes the model from ${reportPath}; remove "model" from ${v.config} (or drop --params-from)`);
      chosen = chooseFromReport(await loadConfigFile(reportPath, '--params-from'), v.model, reportPath);
    } else if (v.model === 'best') {
      throw new ConfigError('--model', '"best" means the best model of an evaluation: add --params-from curio-report/report.json');
    }
    const kind = chosen?.model.kind ?? v.model ?? file.model?.kind ?? 'ials';
    const baseModel = chosen?.model.config ?? (file.model?.kind === kind ? file.model?.config : {});
    const minValue = numberOption(v['min-value'], 'min-value');
    const config = parseConfig(TrainConfigSchema, {
      model: { kind, config: { ...baseModel, ...parseSets(v.set) } },
      data: { ...chosen?.data, ...file.data, ...(v.types !== undefined ? { types: distinctList(v.types, '--types') } : {}), ...(minValue !== undefined ? { minValue } : {}) },
    }, v.config ?? reportPath ?? 'train');
    createModel(config.model.kind, config.model.config); // a bad model config fails here, before the store is read
    const out = v.out ?? defaultModel();
    checkOutputFile(out, '--out');
    if (chosen && !v.quiet) {
      console.log(`training ${kind} as evaluated in ${reportPath} (${chosen.metric} ${chosen.score.toFixed(4)}): ${JSON.stringify(config.model.config)}`);
    }
    const store = await openCliStore(v.db, 'use');
    try {
      const snapBar = progress('snapshot', 0, { quiet: v.quiet });
      const fitBar = progress(`fit ${kind}`, 0, { quiet: v.quiet });
      const t = await trainFromStore(store, config, {
        onSnapshot: (d, n) => snapBar.update(d, n),
        onProgress: (p) => fitBar.update(p.epoch, p.epochs, p.loss !== undefined ? `loss ${p.loss.toFixed(4)}` : undefined),
      });
      // The figures the model was chosen by travel with it (curio serve's dashboard shows them).
      if (chosen) t.info.evaluation = { report: reportPath, metric: chosen.metric, score: chosen.score, metrics: chosen.metrics };
      fitBar.finish(`${t.report.seconds.toFixed(2)}s on ${t.info.interactions} interactions, ${t.users.size} users, ${t.items.size} items`);
      await saveModelFile(out, t);
      console.log(`saved ${kind} model to ${out}`);
    } finally {
      await store.close();
    }
    return 0;
  },
};
