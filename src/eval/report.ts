/**
 * Evaluation results as a terminal table, a JSON-able report object and a Markdown summary.
 * Metric values print with 4 decimals, times in seconds with 2, memory in MiB with 0.
 */
import { interactionStats, type InteractionStats, type Interactions } from '../data/interactions.ts';
import type { ExposureCurve } from './beyond.ts';
import type { ModelResult, PerUserResults } from './evaluate.ts';
import type { SplitDescription } from './splits.ts';
import type { EdgeFlag, ParamSpace, TuneResult } from './tune.ts';
import { bootstrapMeans, comparePaired, DEFAULT_RESAMPLES, type Interval, type PairedComparison } from './uncertainty.ts';

/** One line per beyond-accuracy column family, printed under the Markdown table when the column is present. */
export const METRIC_LEGEND: Readonly<Record<string, string>> = {
  ild: 'ild: intra-list diversity, 1 − mean pairwise item similarity of a list (Jaccard over categories unless stated)',
  novelty: 'novelty: mean self-information −log2 p(i) of listed items, bits; p(i) = share of training users with item i',
  serendipity: "serendipity: share of list slots holding a relevant item the popularity baseline would not have shown the user",
  longtail: 'longtail: share of list slots holding long-tail items (outside the most popular items that hold 80% of training interactions)',
  calibration: "calibration: KL(history categories ‖ list categories), nats, Steck 2018 with α = 0.01 smoothing; lower is better",
  gini: 'gini: Gini index of exposure over the whole catalogue (0 = every item equally exposed)',
  entropy: 'entropy: Shannon entropy of exposure, bits',
  personalisation: "personalisation: 1 − mean overlap between two users' lists",
  mi: "mi: mutual information (bits) between a user's history categories and their list's categories",
};

export interface ReportTuning {
  metric: string;
  mode: 'grid' | 'random';
  trials: number;
  /** Validation score of the best trial. */
  bestScore: number;
  best: Record<string, unknown>;
  space: ParamSpace;
  /** Best values on an edge of their range (see paramsOnEdge): widen the space there. */
  onEdge: EdgeFlag[];
}

export interface ReportModel {
  kind: string;
  params: object;
  trainSeconds: number;
  peakMemoryMiB: number;
  /** "ndcg@10" -> mean, "coverage@10" -> catalogue coverage. */
  metrics: Record<string, number>;
  usersEvaluated: number;
  /** 95% bootstrap interval of each per-user metric's mean (catalogue-level metrics have none). */
  intervals?: Record<string, Interval>;
  /** Paired comparison with the reference (best) model, per metric; absent on the reference itself. */
  vsReference?: Record<string, PairedComparison>;
  tuning?: ReportTuning;
  /** The exposure (long-tail) curve of the model's test lists at K = 10 (else the smallest K), when computed. */
  exposure?: ExposureCurve;
}

/** How the figures were produced, in enough detail to reproduce or criticise them. */
export interface ReportMethod {
  preset?: string;
  description?: string;
  /** Interactions kept as positives (and turned into 1s when binarized); null: every interaction kept. */
  positives: { atLeast: number; binarize: boolean } | null;
  /** Iterated k-core filter; null: none. */
  kCore: { user: number; item: number } | null;
  fitOn: 'train' | 'train+valid';
  fitOnReason: string;
  /** What is removed from each user's ranking when scoring the target part. */
  masked: string;
  target: 'test' | 'valid';
  candidates: string;
  ks: number[];
  tuning?: string;
}

export interface ReportUncertainty {
  interval: string;
  level: number;
  resamples: number;
  seed: number;
  test: string;
  /** The model every other one is compared with: the best by `metric`. */
  reference: { model: string; metric: string } | null;
  /** Metrics reported as single catalogue-level figures, without interval or test. */
  catalogueLevel: string[];
}

export interface EvalReport {
  dataset: { name: string } & InteractionStats;
  /** Protocol preset name, when one was used. */
  protocol?: string;
  method?: ReportMethod;
  uncertainty?: ReportUncertainty;
  split: SplitDescription;
  seed: number | undefined;
  createdAt: string;
  models: ReportModel[];
}

export interface BuildReportInput {
  datasetName: string;
  /** The data the split was cut from (after filters). */
  data: Interactions;
  split: SplitDescription;
  seed?: number;
  protocol?: string;
  results: readonly ModelResult[];
  /** Fixed timestamp for reproducible output (tests); default now. */
  createdAt?: Date;
  method?: ReportMethod;
  /** Tuning results by model kind. */
  tuning?: Readonly<Record<string, TuneResult>>;
  /**
   * Intervals and paired tests from the per-user values (default on, 1000 resamples seeded with the report's
   * seed); `false` leaves them out.
   */
  uncertainty?: { resamples?: number; seed?: number; metric?: string } | false;
}

export const PAIRED_TEST = 'paired t-test (two-sided, df = users − 1) on per-user values against the reference model; the difference interval is a paired bootstrap over the same users';

/** Per-user columns of `p` realigned to `users` (NaN where a user is missing). */
function alignTo(p: PerUserResults, users: Int32Array, key: string): Float64Array {
  const pos = new Map<number, number>();
  for (let q = 0; q < p.users.length; q++) pos.set(p.users[q]!, q);
  const src = p.values[key]!, out = new Float64Array(users.length).fill(NaN);
  for (let q = 0; q < users.length; q++) { const at = pos.get(users[q]!); if (at !== undefined) out[q] = src[at]!; }
  return out;
}

export function buildReport(i: BuildReportInput): EvalReport {
  const seed = i.seed ?? i.split.seed;
  const models: ReportModel[] = i.results.map((r) => {
    const t = i.tuning?.[r.kind];
    return {
      kind: r.kind, params: r.config, trainSeconds: r.fitSeconds, peakMemoryMiB: r.peakRssMiB,
      metrics: r.metrics, usersEvaluated: r.evaluation.usersEvaluated,
      ...(r.evaluation.exposure?.length ? { exposure: r.evaluation.exposure.find((e) => e.k === 10) ?? r.evaluation.exposure[0]! } : {}),
      ...(t ? { tuning: { metric: t.metric, mode: t.mode, trials: t.trials.length, bestScore: t.best.score, best: t.best.params, space: t.space, onEdge: t.onEdge } } : {}),
    };
  });
  let uncertainty: ReportUncertainty | undefined;
  if (i.uncertainty !== false && i.results.some((r) => Object.keys(r.perUser.values).length)) {
    const o = i.uncertainty ?? {};
    const resamples = o.resamples ?? DEFAULT_RESAMPLES, bootSeed = o.seed ?? seed ?? 42;
    const perUserKeys = (r: ModelResult) => Object.keys(r.perUser.values);
    const shared = perUserKeys(i.results[0]!).filter((k) => i.results.every((r) => k in r.perUser.values));
    const metric = o.metric && shared.includes(o.metric) ? o.metric : shared.includes('ndcg@10') ? 'ndcg@10' : shared[0];
    let ref: ModelResult | undefined;
    if (metric) for (const r of i.results) if (!ref || (r.metrics[metric] ?? -Infinity) > (ref.metrics[metric] ?? -Infinity)) ref = r;
    i.results.forEach((r, m) => {
      const intervals = bootstrapMeans(r.perUser.values, { resamples, seed: bootSeed });
      if (Object.keys(intervals).length) models[m]!.intervals = intervals;
      if (ref && r !== ref) {
        const vs: Record<string, PairedComparison> = {};
        for (const key of shared) vs[key] = comparePaired(alignTo(r.perUser, ref.perUser.users, key), alignTo(ref.perUser, ref.perUser.users, key), { resamples, seed: bootSeed });
        models[m]!.vsReference = vs;
      }
    });
    const perUser = new Set(i.results.flatMap(perUserKeys));
    uncertainty = {
      interval: 'percentile bootstrap over users (the same resampled users for every metric of a model)',
      level: 0.95, resamples, seed: bootSeed, test: PAIRED_TEST,
      reference: ref && metric ? { model: ref.kind, metric } : null,
      catalogueLevel: metricColumns(models).filter((c) => !perUser.has(c)),
    };
  }
  return {
    dataset: { name: i.datasetName, ...interactionStats(i.data) },
    ...(i.protocol ? { protocol: i.protocol } : {}),
    ...(i.method ? { method: i.method } : {}),
    ...(uncertainty ? { uncertainty } : {}),
    split: i.split,
    seed,
    createdAt: (i.createdAt ?? new Date()).toISOString(),
    models,
  };
}

/** Metric columns in a stable order: by metric name as first seen, then by K ascending. */
export function metricColumns(models: readonly ReportModel[]): string[] {
  const byName = new Map<string, Set<number>>();
  for (const m of models) {
    for (const key of Object.keys(m.metrics)) {
      const at = key.lastIndexOf('@');
      const name = at < 0 ? key : key.slice(0, at), k = at < 0 ? 0 : Number(key.slice(at + 1));
      if (!byName.has(name)) byName.set(name, new Set());
      byName.get(name)!.add(k);
    }
  }
  const out: string[] = [];
  for (const [name, ks] of byName) for (const k of [...ks].sort((a, b) => a - b)) out.push(k ? `${name}@${k}` : name);
  return out;
}

function fmt(v: number | undefined, digits: number): string {
  return v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits);
}

function rows(models: readonly ReportModel[], columns: readonly string[]): string[][] {
  return models.map((m) => [m.kind, fmt(m.trainSeconds, 2), fmt(m.peakMemoryMiB, 0), ...columns.map((c) => fmt(m.metrics[c], 4))]);
}

/** Aligned plain-text table: model name left-aligned, numbers right-aligned, two spaces between columns. */
export function formatTable(models: readonly ReportModel[], columns: readonly string[] = metricColumns(models)): string {
  return textTable(['model', 'fit s', 'MiB', ...columns], rows(models, columns));
}

function textTable(header: readonly string[], body: readonly (readonly string[])[], leftColumns = 1): string {
  const width = header.map((h, c) => Math.max(h.length, ...body.map((r) => r[c]!.length)));
  const line = (r: readonly string[]) => r.map((cell, c) => (c < leftColumns ? cell.padEnd(width[c]!) : cell.padStart(width[c]!))).join('  ').trimEnd();
  return [line(header), width.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function markdownTable(header: readonly string[], body: readonly (readonly string[])[], leftColumns = 1): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map((_, c) => (c < leftColumns ? ' --- ' : ' ---: ')).join('|')}|`, ...body.map((row) => `| ${row.join(' | ')} |`)];
}

function num(v: unknown): string {
  return typeof v === 'number' ? String(Number(v.toPrecision(4))) : JSON.stringify(v);
}

function formatSpec(spec: ParamSpace[string]): string {
  if (Array.isArray(spec)) return `{${spec.map(num).join(', ')}}`;
  const r = spec as { min: number; max: number; log?: boolean; int?: boolean };
  return `[${num(r.min)}, ${num(r.max)}]${r.log ? ' log' : ''}${r.int ? ' int' : ''}`;
}

function formatP(p: number): string {
  return !Number.isFinite(p) ? '-' : p < 1e-4 ? '<0.0001' : p.toFixed(4);
}

/** The protocol, one statement per line: filters, k-core, split and seed, fit data, masking, tuning, uncertainty. */
export function methodLines(r: EvalReport): string[] {
  const d = r.dataset, s = r.split, m = r.method, u = r.uncertainty;
  const out = [`data: ${d.users} users, ${d.items} items, ${d.interactions} interactions after filters (density ${(d.density * 100).toFixed(3)}%)`];
  if (r.protocol) out.push(`protocol: ${r.protocol}${m?.description ? ` (${m.description})` : ''}`);
  if (m) {
    out.push(`filters: ${m.positives ? `interactions with value >= ${m.positives.atLeast} kept as positives${m.positives.binarize ? ', turned into 1s' : ''}` : 'none (every interaction kept)'}`);
    out.push(`k-core: ${m.kCore ? `users >= ${m.kCore.user}, items >= ${m.kCore.item} interactions, repeated until stable` : 'none'}`);
  }
  out.push(`split: ${s.kind} ${JSON.stringify(s.params)}, seed ${r.seed ?? 'none'}; train ${s.sizes.train}${s.sizes.valid !== undefined ? `, valid ${s.sizes.valid}` : ''}, test ${s.sizes.test}${s.sizes.foldIn !== undefined ? `, fold-in ${s.sizes.foldIn}` : ''} interactions`);
  if (m) {
    out.push(`final models fitted on: ${m.fitOn} (${m.fitOnReason})`);
    out.push(`ranking: ${m.candidates}; masked at ranking time: ${m.masked}; scored on the ${m.target} part at K = ${m.ks.join(', ')}`);
    if (m.tuning) out.push(`tuning: ${m.tuning}`);
  }
  if (u) {
    out.push(`uncertainty: ${Math.round(u.level * 100)}% ${u.interval}, ${u.resamples} resamples, seed ${u.seed}`);
    if (u.reference) out.push(`comparisons: ${u.test}; reference = ${u.reference.model}, the best by ${u.reference.metric}; no correction for multiple comparisons`);
    if (u.catalogueLevel.length) out.push(`catalogue-level figures without interval: ${u.catalogueLevel.join(', ')}`);
  }
  for (const n of s.notes) out.push(`note: ${n}`);
  return out;
}

/** Per model: tuned parameters, search space, validation score, and a warning for each best value on an edge. */
export function tuningLines(r: EvalReport): string[] {
  return r.models.map((m) => {
    const t = m.tuning;
    if (!t) return `${m.kind}: not tuned; parameters ${JSON.stringify(m.params)}`;
    const best = Object.entries(t.best).map(([k, v]) => `${k}=${num(v)}`).join(', ');
    const space = Object.entries(t.space).map(([k, v]) => `${k} ∈ ${formatSpec(v)}`).join(', ');
    const edges = t.onEdge.map((e) => ` WARNING: ${e.param}=${num(e.value)} is on the ${e.edge} edge of [${num(e.range[0])}, ${num(e.range[1])}]: the optimum may lie outside; widen the space.`).join('');
    return `${m.kind}: ${best} (validation ${t.metric} ${t.bestScore.toFixed(4)}, best of ${t.trials} ${t.mode}-search trials; space ${space})${edges}`;
  });
}

/** One row per (per-user metric, model): mean, interval, and the paired comparison with the reference. */
export function uncertaintyRows(r: EvalReport): { header: string[]; rows: string[][] } {
  const ref = r.uncertainty?.reference?.model ?? '-';
  const header = ['metric', 'model', 'mean', '95% CI', `minus ${ref}`, 'difference 95% CI', 'p (paired t)'];
  const rows: string[][] = [];
  for (const c of metricColumns(r.models)) {
    if (!r.models.some((m) => m.intervals?.[c])) continue;
    for (const m of r.models) {
      const iv = m.intervals?.[c], vs = m.vsReference?.[c];
      rows.push([c, m.kind, fmt(m.metrics[c], 4), iv ? `[${fmt(iv.lo, 4)}, ${fmt(iv.hi, 4)}]` : '-',
        vs ? fmt(vs.meanDifference, 4) : m.kind === ref ? 'reference' : '-',
        vs ? `[${fmt(vs.interval.lo, 4)}, ${fmt(vs.interval.hi, 4)}]` : '-', vs ? formatP(vs.p) : '-']);
    }
  }
  return { header, rows };
}

/** What `curio evaluate` prints: the protocol, the table of means, intervals and tests, tuned parameters. */
export function formatTerminal(r: EvalReport): string {
  const out = [...methodLines(r), '', formatTable(r.models)];
  const u = uncertaintyRows(r);
  if (u.rows.length) out.push('', textTable(u.header, u.rows, 2));
  out.push('', 'parameters:', ...tuningLines(r).map((l) => `  ${l}`));
  return out.join('\n');
}

/** A Markdown summary: dataset, protocol and split, then one table row per model. */
export function formatMarkdown(r: EvalReport, columns: readonly string[] = metricColumns(r.models)): string {
  const header = ['model', 'fit s', 'MiB', ...columns];
  const out = [
    `## Evaluation on ${r.dataset.name}`,
    '',
    ...methodLines(r).map((l) => `- ${l}`),
    '',
    ...markdownTable(header, rows(r.models, columns)),
  ];
  const legend = [...new Set(columns.map((c) => c.split('@')[0]!))].filter((n) => METRIC_LEGEND[n]).map((n) => `- ${METRIC_LEGEND[n]}`);
  if (legend.length) out.push('', ...legend);
  if (r.method || r.models.some((m) => m.tuning)) out.push('', '### Parameters', '', ...tuningLines(r).map((l) => `- ${l}`));
  const u = uncertaintyRows(r);
  if (u.rows.length) out.push('', '### Confidence intervals and paired tests', '', ...markdownTable(u.header, u.rows, 2));
  return out.join('\n') + '\n';
}

/**
 * Per-user results as JSON lines, one object per (model, evaluated user): {"model", "user" (the external id),
 * "relevant" (held-out items counted), then every per-user metric}. Values are float32 as computed, printed to 6
 * significant digits; NaN (a metric undefined for that user) is null.
 */
export function* perUserJsonl(results: readonly ModelResult[], users: { id(index: number): string }): Generator<string> {
  for (const r of results) {
    const p = r.perUser, keys = Object.keys(p.values);
    for (let q = 0; q < p.users.length; q++) {
      const row: Record<string, string | number | null> = { model: r.kind, user: users.id(p.users[q]!), relevant: p.nRelevant[q]! };
      for (const k of keys) { const v = p.values[k]![q]!; row[k] = Number.isFinite(v) ? Number(v.toPrecision(6)) : null; }
      yield JSON.stringify(row) + '\n';
    }
  }
}
