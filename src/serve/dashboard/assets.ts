import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The dashboard's static files, served by the server itself so the page works with no network: uPlot (the chart
 * library, from node_modules), the stylesheet and the page script below. Read once, on first use.
 */
export interface Asset { body: string; type: string }

const requireFrom = createRequire(import.meta.url);
let cache: Map<string, Asset> | undefined;

export function asset(name: string): Asset | undefined {
  if (!cache) {
    cache = new Map<string, Asset>([
      ['uPlot.iife.min.js', { body: readFileSync(requireFrom.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'), type: 'text/javascript; charset=utf-8' }],
      ['uPlot.min.css', { body: readFileSync(requireFrom.resolve('uplot/dist/uPlot.min.css'), 'utf8'), type: 'text/css; charset=utf-8' }],
      ['dashboard.css', { body: DASHBOARD_CSS, type: 'text/css; charset=utf-8' }],
      ['dashboard.js', { body: DASHBOARD_JS, type: 'text/javascript; charset=utf-8' }],
    ]);
  }
  return cache.get(name);
}

const DASHBOARD_CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2433;background:#f6f7f9}
header{display:flex;align-items:baseline;gap:1em;padding:.8em 1.5em;background:#1d2433;color:#fff}
header h1{font-size:1.2em;margin:0}header .muted{color:#b8c0cc}
header .logout{margin-left:auto}
main{padding:1em 1.5em;max-width:1200px}
section{background:#fff;border:1px solid #e1e4e8;border-radius:6px;padding:.6em 1.2em 1em;margin-bottom:1em}
h2{font-size:1.1em}h3{font-size:1em;margin-bottom:.3em}
.muted{color:#667}
.cards{display:flex;flex-wrap:wrap;gap:.8em}
.card{border:1px solid #e1e4e8;border-radius:6px;padding:.5em 1em;min-width:7em}
.card b{display:block;font-size:1.5em}.card.small b{font-size:1.1em}
.chart{min-height:230px}
table{border-collapse:collapse;margin:.4em 0}
td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
.n{text-align:right;font-variant-numeric:tabular-nums}
table.kv th{font-weight:normal;color:#667}
form#preview-form{display:flex;gap:.5em;flex-wrap:wrap;margin-bottom:.8em}
input,select,button{font:inherit;padding:4px 8px}
#preview-k{width:4.5em}
.reasons{margin:0;padding-left:1.2em;color:#445}
.error{color:#b00020}
main.login{max-width:28em;margin:4em auto;background:#fff;border:1px solid #e1e4e8;border-radius:6px;padding:1em 2em 2em}
main.login form{display:flex;flex-direction:column;gap:.6em}
`;

// Plain browser JavaScript (no build step). Text from the server goes into the page only through textContent.
const DASHBOARD_JS = String.raw`(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('curio-data').textContent);

  function width(el) { return Math.max(320, Math.min(1100, el.clientWidth || 800)); }

  function eventsPerHour() {
    var el = document.getElementById('chart-hours');
    if (!data.perHour.hours.length) return;
    var opts = {
      width: width(el), height: 220,
      scales: { x: { time: true } },
      series: [{}, { label: 'events', stroke: '#3366cc', fill: 'rgba(51,102,204,0.25)', width: 1, paths: uPlot.paths.bars({ size: [0.9, 40] }), points: { show: false } }],
      axes: [{}, { label: 'events / hour' }],
      legend: { show: true },
    };
    new uPlot(opts, [data.perHour.hours, data.perHour.counts], el);
  }

  function eventsPerDay() {
    var el = document.getElementById('chart-days');
    if (!data.perDay.days.length) return;
    var opts = {
      width: width(el), height: 200,
      scales: { x: { time: true } },
      series: [{}, { label: 'events', stroke: '#2a9d8f', fill: 'rgba(42,157,143,0.25)', width: 1, points: { show: false } }],
      axes: [{}, { label: 'events / day' }],
    };
    new uPlot(opts, [data.perDay.days, data.perDay.counts], el);
  }

  function longTail() {
    var el = document.getElementById('chart-tail');
    var counts = data.tail.counts;
    if (!counts.length) return;
    var ranks = counts.map(function (_, q) { return q + 1; });
    var opts = {
      width: width(el), height: 220,
      scales: { x: { time: false }, y: { distr: 3 } },
      series: [{ label: 'rank' }, { label: 'events', stroke: '#dd5500', fill: 'rgba(221,85,0,0.2)', width: 2, points: { show: false } }],
      axes: [{ label: 'item rank by popularity' }, { label: 'events (log)' }],
    };
    new uPlot(opts, [ranks, counts], el);
  }

  function cell(tr, text, cls) {
    var td = document.createElement('td');
    if (cls) td.className = cls;
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }

  function showPreview(out, answer) {
    out.textContent = '';
    var head = document.createElement('p');
    head.className = 'muted';
    var seed = answer.seed ? answer.seed : '';
    head.textContent = 'recipe ' + answer.recipe + ', model ' + (answer.model || 'none') + (seed ? ', ' + seed : '') +
      (answer.fallbacks && answer.fallbacks.length ? ', filled by ' + answer.fallbacks.map(function (f) { return f.recipe + ' (' + f.why + ')'; }).join(', ') : '');
    out.appendChild(head);
    if (!answer.items.length) {
      var none = document.createElement('p');
      none.textContent = 'No recommendations.';
      out.appendChild(none);
      return;
    }
    var table = document.createElement('table');
    table.id = 'preview-table';
    var hr = document.createElement('tr');
    ['#', 'item', 'title', 'score', 'why'].forEach(function (h) { var th = document.createElement('th'); th.textContent = h; hr.appendChild(th); });
    var thead = document.createElement('thead'); thead.appendChild(hr); table.appendChild(thead);
    var body = document.createElement('tbody');
    answer.items.forEach(function (r) {
      var tr = document.createElement('tr');
      cell(tr, String(r.rank));
      cell(tr, r.item);
      cell(tr, r.title, 'title');
      cell(tr, r.score.toFixed(4), 'n');
      var why = cell(tr, '');
      var ul = document.createElement('ul');
      ul.className = 'reasons';
      r.reasons.forEach(function (x) { var li = document.createElement('li'); li.textContent = x.text; ul.appendChild(li); });
      why.appendChild(ul);
      body.appendChild(tr);
    });
    table.appendChild(body);
    out.appendChild(table);
  }

  function preview() {
    var form = document.getElementById('preview-form');
    var out = document.getElementById('preview-out');
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var body = {
        mode: document.getElementById('preview-mode').value,
        id: document.getElementById('preview-id').value.trim(),
        k: Number(document.getElementById('preview-k').value) || 10,
      };
      var recipe = document.getElementById('preview-recipe').value;
      if (recipe) body.recipe = recipe;
      out.textContent = 'loading…';
      fetch('/dashboard/api/preview', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), credentials: 'same-origin' })
        .then(function (res) {
          if (res.status === 401) { window.location.href = '/dashboard/login'; return null; }
          return res.json().then(function (j) { return { ok: res.ok, j: j }; });
        })
        .then(function (r) {
          if (!r) return;
          if (!r.ok) {
            out.textContent = '';
            var p = document.createElement('p');
            p.className = 'error';
            p.textContent = r.j.error ? r.j.error.message + (r.j.error.field ? ' (' + r.j.error.field + ')' : '') : 'request failed';
            out.appendChild(p);
            return;
          }
          showPreview(out, r.j);
        })
        .catch(function () { out.textContent = 'the server did not answer'; });
    });
  }

  eventsPerHour();
  eventsPerDay();
  longTail();
  preview();
})();
`;
