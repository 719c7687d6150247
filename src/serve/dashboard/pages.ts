import { html, jsonForScript, type SafeHtml } from './html.ts';
import type { ModelVersion, Overview } from './data.ts';

const ASSETS = '/dashboard/assets';

function page(title: string, body: SafeHtml, scripts: boolean): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSETS}/uPlot.min.css"><link rel="stylesheet" href="${ASSETS}/dashboard.css">
</head><body>${body}${scripts ? html`<script src="${ASSETS}/uPlot.iife.min.js"></script><script src="${ASSETS}/dashboard.js"></script>` : ''}</body></html>`.text;
}

/** The login form: the admin key is posted once and exchanged for an HttpOnly session cookie. */
export function loginPage(o: { error?: string; store: string }): string {
  return page('Curio dashboard: log in', html`<main class="login">
<h1>Curio dashboard</h1>
<p class="muted">${o.store}</p>
<form method="post" action="/dashboard/login">
<label for="key">Admin API key</label>
<input id="key" name="key" type="password" autocomplete="off" required maxlength="200" placeholder="curio_…" autofocus>
<button type="submit">Log in</button>
</form>
${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
<p class="muted">Create a key with <code>curio keys create --scope admin --db FILE</code>. The key is not kept in the browser: a session cookie is.</p>
</main>`, false);
}

const fmt = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, what: string) => `${fmt(n)} ${what}${n === 1 ? '' : 's'}`;
const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

function versionRows(vs: ModelVersion[]): SafeHtml {
  return html`${vs.map((v) => html`<tr><td>${v.role}</td><td><code>${v.version ?? 'none'}</code></td><td>${v.kind ?? '—'}</td><td class="n">${fmt(v.users)}</td><td class="n">${fmt(v.items)}</td><td>${v.trainedAt ?? '—'}</td><td>${v.loadedAt ?? '—'}</td><td><code>${v.path ?? '—'}</code></td></tr>`)}`;
}

/** Metrics as a grid: one row per measure, one column per cut-off (`ndcg@10` is ndcg at 10). */
function evaluationTable(metrics: [string, number | null][]): SafeHtml {
  const cutoffs: string[] = [];
  const rows = new Map<string, Map<string, number | null>>();
  for (const [name, v] of metrics) {
    const at = name.lastIndexOf('@');
    const [base, k] = at > 0 ? [name.slice(0, at), name.slice(at + 1)] : [name, ''];
    if (!cutoffs.includes(k)) cutoffs.push(k);
    if (!rows.has(base)) rows.set(base, new Map());
    rows.get(base)!.set(k, v);
  }
  return html`<table id="evaluation"><thead><tr><th>metric</th>${cutoffs.map((k) => html`<th class="n">${k ? `@${k}` : 'value'}</th>`)}</tr></thead><tbody>
${[...rows].map(([base, byK]) => html`<tr><td>${base}</td>${cutoffs.map((k) => { const v = byK.get(k); return html`<td class="n">${v === undefined ? '' : v === null ? '—' : v.toFixed(4)}</td>`; })}</tr>`)}
</tbody></table>`;
}

/** The overview: store, charts, model, preview form and imports. Chart data rides in a JSON block read by dashboard.js. */
export function overviewPage(o: Overview & { store: string; auth: boolean }): string {
  const { stats, perHour, perDay, tail, model, imports } = o;
  const chartData = {
    perHour: { hours: perHour.hours.map((h) => h / 1000), counts: perHour.counts },
    perDay: { days: perDay.hours.map((h) => h / 1000), counts: perDay.counts },
    tail: { counts: tail.counts },
  };
  const ev = model.evaluation;
  return page('Curio dashboard', html`<header>
<h1>Curio dashboard</h1><span class="muted">${o.store}</span>
${o.auth ? html`<form method="post" action="/dashboard/logout" class="logout"><button type="submit">Log out</button></form>` : ''}
</header>
<main>
<section id="store"><h2>Store</h2>
<div class="cards">
<div class="card"><b id="stat-users">${fmt(stats.users)}</b><span>users</span></div>
<div class="card"><b id="stat-items">${fmt(stats.items)}</b><span>items</span></div>
<div class="card"><b id="stat-events">${fmt(stats.interactions)}</b><span>events</span></div>
${Object.entries(stats.byType).map(([t, n]) => html`<div class="card small"><b>${fmt(n)}</b><span>${t}</span></div>`)}
</div></section>

<section id="hours"><h2>Events per hour</h2>
<p class="muted">${perHour.newest === null ? 'No events yet.' : html`The ${perHour.hours.length} hours up to the newest event (${when(perHour.newest)}): ${plural(perHour.counts.reduce((a, b) => a + b, 0), 'event')}.`}</p>
<div id="chart-hours" class="chart"></div>
<h3>Events per day</h3>
<p class="muted">${perDay.hours.length ? html`${fmt(perDay.hours.length)} days, ${when(perDay.hours[0]!).slice(0, 10)} to ${when(perDay.hours.at(-1)!).slice(0, 10)}.` : 'No events yet.'}</p>
<div id="chart-days" class="chart"></div></section>

<section id="tail"><h2>Popularity long tail</h2>
<p class="muted">${tail.counts.length ? html`Items ranked by events (log scale). The most popular 20% of the ${fmt(tail.counts.length)} items with events get ${(tail.top20Share * 100).toFixed(1)}% of all events; ${fmt(tail.itemsWithoutEvents)} catalogue items have none.` : 'No events yet.'}</p>
<div id="chart-tail" class="chart"></div>
<table id="top-items"><thead><tr><th>#</th><th>item</th><th>title</th><th class="n">events</th></tr></thead><tbody>
${tail.top.map((t, q) => html`<tr><td>${q + 1}</td><td><code>${t.id}</code></td><td>${t.title ?? ''}</td><td class="n">${fmt(t.events)}</td></tr>`)}
</tbody></table></section>

<section id="model"><h2>Model</h2>
${model.current.version === null ? html`<p>No model loaded: recipes that need none (popular, trending, new-arrivals) are served.</p>` : html`<p>Serving <b>${model.current.kind}</b> version <code>${model.current.version}</code> (${fmt(model.current.users)} users × ${fmt(model.current.items)} items).</p>
<table class="kv"><tbody>
${Object.entries(model.config).map(([k, v]) => html`<tr><th>${k}</th><td>${typeof v === 'object' ? JSON.stringify(v) : String(v)}</td></tr>`)}
${model.training.map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}
</tbody></table>`}
<h3>Evaluation</h3>
${ev ? html`<p class="muted">Recorded in the model file${ev.source ? html` from <code>${ev.source}</code>` : ''}${ev.metric ? html`; chosen by ${ev.metric}` : ''}.</p>
${evaluationTable(ev.metrics)}` : html`<p class="muted">This model file records no evaluation: train it with <code>curio train --params-from curio-report/report.json</code> to keep the figures it was chosen by.</p>`}
<h3>Versions</h3>
<table id="versions"><thead><tr><th>role</th><th>version</th><th>kind</th><th class="n">users</th><th class="n">items</th><th>trained</th><th>loaded</th><th>file</th></tr></thead>
<tbody>${versionRows(model.versions)}</tbody></table></section>

<section id="preview"><h2>Recommendation preview</h2>
<p class="muted">Runs the same engine and recipes as <code>POST /v1/recommend</code>; nothing is recorded.</p>
<form id="preview-form">
<select id="preview-mode" name="mode"><option value="user">for user</option><option value="item">like item</option></select>
<input id="preview-id" name="id" required maxlength="256" placeholder="user or item id">
<select id="preview-recipe" name="recipe"><option value="">default recipe</option>${o.recipes.map((r) => html`<option value="${r}">${r}</option>`)}</select>
<input id="preview-k" name="k" type="number" min="1" max="50" value="10">
<button type="submit">Preview</button>
</form>
<div id="preview-out" aria-live="polite"></div></section>

<section id="imports"><h2>Recent imports</h2>
${imports.length ? html`<table><thead><tr><th>when</th><th>format</th><th>source</th><th class="n">rows</th><th class="n">inserted</th><th class="n">skipped</th></tr></thead><tbody>
${imports.map((r) => html`<tr><td>${when(r.at)}</td><td>${r.format}</td><td><code>${r.source}</code></td><td class="n">${fmt(r.rows)}</td><td class="n">${fmt(r.inserted)}</td><td class="n">${fmt(r.skipped)}</td></tr>`)}
</tbody></table>` : html`<p class="muted">No imports recorded (events and items sent over the API are not imports).</p>`}</section>
</main>
<script type="application/json" id="curio-data">${jsonForScript(chartData)}</script>`, true);
}
