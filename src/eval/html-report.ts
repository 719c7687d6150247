/**
 * report.html: the evaluation report and the accuracy / beyond-accuracy trade-off of a re-ranking sweep, as one
 * self-contained page (inline SVG and CSS, no script, no network). Plots are Vega-Lite specs compiled by
 * vega-lite and rendered to SVG on the server by vega's headless View: the plotting is theirs, not ours.
 * vega and vega-lite are devDependencies: the CLI bundle (scripts/build.mjs) carries them in the chunk that
 * `curio evaluate` loads on demand, so the installed package needs no extra run-time dependency.
 */
import { compile, type TopLevelSpec } from 'vega-lite';
import { parse as parseVega, View } from 'vega';
import type { ExposureCurve } from './beyond.ts';
import { metricColumns, methodLines, tuningLines, uncertaintyRows, METRIC_LEGEND, type EvalReport } from './report.ts';
import { paretoFront, type SweepPoint } from './sweep.ts';

export interface SweepSection {
  /** The model re-ranked (fitted on train, scored on validation). */
  model: string;
  points: readonly SweepPoint[];
  k: number;
  /** Where the item categories / similarity came from, e.g. "item categories from the store (genres)". */
  features: string;
}

/** Beyond-accuracy metrics where lower is better. */
const LOWER_IS_BETTER = new Set(['calibration']);

function escape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Renders a Vega-Lite spec to an SVG string with vega's headless View (no DOM, no canvas). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parseVega(compile(spec).spec), { renderer: 'none', logLevel: 0 });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** One trade-off plot: NDCG@k (y) against `metric` (x), a line per re-ranker, the Pareto front ringed. */
export function tradeOffSpec(points: readonly SweepPoint[], metric: string, k: number): TopLevelSpec {
  const ndcg = `ndcg@${k}`, key = `${metric}@${k}`;
  const front = paretoFront(points.map((p) => p.means[key]!), points.map((p) => p.means[ndcg]!), !LOWER_IS_BETTER.has(metric), true);
  const values = points.map((p, q) => ({ reranker: p.method, knob: p.value, x: p.means[key]!, y: p.means[ndcg]!, pareto: front[q] ? 'Pareto front' : 'dominated' }))
    .filter((v) => Number.isFinite(v.x) && Number.isFinite(v.y));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `${ndcg} against ${key}${LOWER_IS_BETTER.has(metric) ? ' (lower is better)' : ''}`,
    width: 380, height: 260,
    data: { values },
    layer: [
      { mark: { type: 'line', point: true }, encoding: {
        x: { field: 'x', type: 'quantitative', title: key, scale: { zero: false } },
        y: { field: 'y', type: 'quantitative', title: ndcg, scale: { zero: false } },
        color: { field: 'reranker', type: 'nominal', title: 're-ranker' },
        order: { field: 'knob', type: 'quantitative' },
      } },
      { transform: [{ filter: "datum.pareto == 'Pareto front'" }], mark: { type: 'point', size: 160, strokeWidth: 2, color: 'black' }, encoding: {
        x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' },
        shape: { field: 'pareto', type: 'nominal', title: '' },
      } },
    ],
  };
}

/**
 * The exposure (long-tail) curve of each model (src/eval/beyond.ts `exposureCurve`): x = share of the catalogue
 * ordered by training popularity, y = cumulative share of the test lists' slots; the training interactions' own
 * curve dashed for reference and the head / long-tail boundary as a vertical rule.
 */
export function exposureSpec(models: readonly { kind: string; exposure: ExposureCurve }[]): TopLevelSpec {
  const first = models[0]!.exposure;
  const values: { series: string; x: number; y: number; dash: string }[] = [];
  first.catalogueShare.forEach((x, q) => values.push({ series: 'training interactions', x, y: first.trainingShare[q]!, dash: 'reference' }));
  for (const m of models) m.exposure.catalogueShare.forEach((x, q) => values.push({ series: m.kind, x, y: m.exposure.slotShare[q]!, dash: 'model' }));
  const head = first.nItems ? first.headItems / first.nItems : 0;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `Exposure by item popularity (test lists, top ${first.k})`,
    width: 420, height: 280,
    layer: [
      { data: { values }, mark: { type: 'line' }, encoding: {
        x: { field: 'x', type: 'quantitative', title: 'share of catalogue, most popular items first', scale: { domain: [0, 1] }, axis: { format: '%' } },
        y: { field: 'y', type: 'quantitative', title: 'cumulative share of recommendation slots', scale: { domain: [0, 1] }, axis: { format: '%' } },
        color: { field: 'series', type: 'nominal', title: 'curve', legend: { labelLimit: 400 } },
        strokeDash: { field: 'dash', type: 'nominal', legend: null, scale: { domain: ['model', 'reference'], range: [[1, 0], [4, 3]] } },
      } },
      { data: { values: [{ x: head, label: `head | long tail` }] }, mark: { type: 'rule', color: '#888', strokeDash: [2, 2] }, encoding: { x: { field: 'x', type: 'quantitative' } } },
      { data: { values: [{ x: head, label: `head | long tail` }] }, mark: { type: 'text', align: 'left', dx: 4, dy: -120, color: '#555' }, encoding: { x: { field: 'x', type: 'quantitative' }, text: { field: 'label' } } },
    ],
  };
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return `<table><thead><tr>${header.map((h) => `<th>${escape(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c, i) => `<td${i ? ' class="n"' : ''}>${escape(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** The whole page: protocol, parameters, means, intervals and tests, then the sweep plots when given. */
export async function formatHtml(r: EvalReport, sweep?: SweepSection): Promise<string> {
  const cols = metricColumns(r.models);
  const fmt = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(4));
  const parts = [
    `<h1>Evaluation on ${escape(r.dataset.name)}</h1>`,
    `<h2>Protocol</h2><ul>${methodLines(r).map((l) => `<li>${escape(l)}</li>`).join('')}</ul>`,
    `<h2>Results (test)</h2>`, table(['model', 'fit s', ...cols], r.models.map((m) => [m.kind, m.trainSeconds.toFixed(2), ...cols.map((c) => fmt(m.metrics[c]))])),
    `<h2>Parameters</h2><ul>${tuningLines(r).map((l) => `<li${l.includes('WARNING') ? ' class="warn"' : ''}>${escape(l)}</li>`).join('')}</ul>`,
  ];
  const exposed = r.models.filter((m): m is typeof m & { exposure: ExposureCurve } => !!m.exposure);
  if (exposed.length) {
    const e = exposed[0]!.exposure;
    const pctOf = (v: number) => `${(v * 100).toFixed(1)}%`;
    parts.push(`<h2>Exposure and the long tail (test)</h2>`,
      `<figure class="exposure">${await renderSvg(exposureSpec(exposed))}<figcaption>Share of all top-${e.k} slots going to the most popular items; the dashed curve is the training interactions'. The head is the ${e.headItems} most popular of ${e.nItems} items, holding 80% of training interactions. Slots on the long tail beyond it: ${exposed.map((m) => `${escape(m.kind)} ${pctOf(m.exposure.tailSlotShare)}`).join(', ')}.</figcaption></figure>`);
  }
  const u = uncertaintyRows(r);
  if (u.rows.length) parts.push('<h2>Confidence intervals and paired tests</h2>', table(u.header, u.rows));
  if (sweep && sweep.points.length) {
    const k = sweep.k;
    const knob = sweep.points[0]!.knob;
    parts.push(`<h2>Trade-off: ${escape(sweep.model)} re-ranked, ${escape(knob)} swept (validation split)</h2>`,
      `<p>Each point is the validation ${escape(`ndcg@${k}`)} and a beyond-accuracy figure of ${escape(sweep.model)} (fitted on train) re-ranked at one ${escape(knob)} value; ringed points are Pareto-optimal over every re-ranker. Item features: ${escape(sweep.features)}.</p>`);
    const metrics = ['ild', 'novelty', 'calibration', 'longtail', 'serendipity'].filter((m) => sweep.points.some((p) => Number.isFinite(p.means[`${m}@${k}`])));
    for (const m of metrics) parts.push(`<figure>${await renderSvg(tradeOffSpec(sweep.points, m, k))}<figcaption>${escape(METRIC_LEGEND[m] ?? m)}</figcaption></figure>`);
    const sc = [`ndcg@${k}`, `recall@${k}`, ...metrics.map((m) => `${m}@${k}`)];
    parts.push(table(['re-ranker', knob, ...sc], sweep.points.map((p) => [p.method, String(p.value), ...sc.map((c) => fmt(p.means[c]))])));
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Curio evaluation: ${escape(r.dataset.name)}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:12px}th,td{border:1px solid #ccc;padding:2px 6px}td.n{text-align:right;font-variant-numeric:tabular-nums}
figure{display:inline-block;margin:1em}figcaption{max-width:420px;font-size:12px;color:#555}.warn{color:#a40}</style></head>
<body>
${parts.join('\n')}
<p><small>Generated ${escape(r.createdAt)} by curio evaluate.</small></p>
</body></html>
`;
}
