/**
 * Evaluation results as a terminal table, a JSON-able report object and a Markdown summary.
 * Metric values print with 4 decimals, times in seconds with 2, memory in MiB with 0.
 */
import { interactionStats, type InteractionStats, type Interactions } from '../data/interactions.ts';
import type { ModelResult } from './evaluate.ts';
import type { SplitDescription } from './splits.ts';

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

export interface ReportModel {
  kind: string;
  params: object;
  trainSeconds: number;
  peakMemoryMiB: number;
  /** "ndcg@10" -> mean, "coverage@10" -> catalogue coverage. */
  metrics: Record<string, number>;
  usersEvaluated: number;
}

export interface EvalReport {
  dataset: { name: string } & InteractionStats;
  /** Protocol preset name, when one was used. */
  protocol?: string;
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
}

export function buildReport(i: BuildReportInput): EvalReport {
  return {
    dataset: { name: i.datasetName, ...interactionStats(i.data) },
    ...(i.protocol ? { protocol: i.protocol } : {}),
    split: i.split,
    seed: i.seed ?? i.split.seed,
    createdAt: (i.createdAt ?? new Date()).toISOString(),
    models: i.results.map((r) => ({
      kind: r.kind, params: r.config, trainSeconds: r.fitSeconds, peakMemoryMiB: r.peakRssMiB,
      metrics: r.metrics, usersEvaluated: r.evaluation.usersEvaluated,
    })),
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
  const header = ['model', 'fit s', 'MiB', ...columns];
  const body = rows(models, columns);
  const width = header.map((h, c) => Math.max(h.length, ...body.map((r) => r[c]!.length)));
  const line = (r: readonly string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(width[c]!) : cell.padStart(width[c]!))).join('  ').trimEnd();
  return [line(header), width.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** A Markdown summary: dataset, protocol and split, then one table row per model. */
export function formatMarkdown(r: EvalReport, columns: readonly string[] = metricColumns(r.models)): string {
  const d = r.dataset;
  const header = ['model', 'fit s', 'MiB', ...columns];
  const out = [
    `## Evaluation on ${d.name}`,
    '',
    `- data: ${d.users} users, ${d.items} items, ${d.interactions} interactions (density ${(d.density * 100).toFixed(3)}%)`,
    ...(r.protocol ? [`- protocol: ${r.protocol}`] : []),
    `- split: ${r.split.kind} ${JSON.stringify(r.split.params)}; train ${r.split.sizes.train}${r.split.sizes.valid !== undefined ? `, valid ${r.split.sizes.valid}` : ''}, test ${r.split.sizes.test}${r.split.sizes.foldIn !== undefined ? `, fold-in ${r.split.sizes.foldIn}` : ''} interactions`,
    `- seed: ${r.seed ?? 'none'}`,
    ...r.split.notes.map((n) => `- note: ${n}`),
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map((_, c) => (c === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows(r.models, columns).map((row) => `| ${row.join(' | ')} |`),
  ];
  const legend = [...new Set(columns.map((c) => c.split('@')[0]!))].filter((n) => METRIC_LEGEND[n]).map((n) => `- ${METRIC_LEGEND[n]}`);
  if (legend.length) out.push('', ...legend);
  return out.join('\n') + '\n';
}
