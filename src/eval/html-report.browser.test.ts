// report.html must open from disk in a real browser with the network cut, raise no errors and show its plots.
// Debian's chromium driven by playwright-core (which downloads no browser); without /usr/bin/chromium it skips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} not found (apt-get install chromium; .ci/run does it): no headless browser to open report.html in`;
const bin = resolve(import.meta.dirname, '../../bin/curio.js');
const dir = mkdtempSync(join(tmpdir(), 'curio-browser-'));

function curio(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir });
  assert.equal(r.status, 0, `curio ${args.join(' ')}: ${r.stderr}`);
}

/** A small MovieLens-latest layout: 6 genres, 60 movies, 90 users who each favour one genre. */
function sweptReport(): string {
  mkdirSync(join(dir, 'ml'));
  const genres = ['Action', 'Comedy', 'Drama', 'Horror', 'Romance', 'Sci-Fi'];
  writeFileSync(join(dir, 'ml', 'movies.csv'), ['movieId,title,genres', ...Array.from({ length: 60 }, (_, q) => `${q + 1},Movie ${q + 1} (2000),${genres[(q + 1) % 6]}|${genres[(q + 3) % 6]}`)].join('\n') + '\n');
  const ratings = ['userId,movieId,rating,timestamp'];
  for (let u = 1; u <= 90; u++) for (let m = 1; m <= 60; m++) if (m % 6 === u % 6 || (m * 7 + u * 13) % 5 === 0) ratings.push(`${u},${m},${3 + ((u + m) % 3)},${1e6 + u * 100 + m}`);
  writeFileSync(join(dir, 'ml', 'ratings.csv'), ratings.join('\n') + '\n');
  const db = join(dir, 'ml.db');
  curio('import', 'movielens-latest', 'ml', '--db', db, '--quiet');
  curio('evaluate', '--db', db, '--models', 'popularity,itemknn', '--sweep', 'diversity=0:1:0.1', '--rerank', 'dpp,mmr,calibrated', '--report', 'swept', '--quiet');
  return join(dir, 'swept', 'report.html');
}

interface Visit { consoleErrors: string[]; pageErrors: string[]; blocked: string[] }

/** Opens a file:// page with every non-file request aborted and recorded, collecting console and page errors. */
async function visit(browser: Browser, file: string, then: (page: Page) => Promise<void>): Promise<Visit> {
  const v: Visit = { consoleErrors: [], pageErrors: [], blocked: [] };
  const context = await browser.newContext({ offline: true, viewport: { width: 1280, height: 900 } });
  try {
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      v.blocked.push(url);
      return route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    // route() does not see every scheme (data:, some navigations), so record each request as well
    page.on('request', (req) => { if (!req.url().startsWith('file:') && !v.blocked.includes(req.url())) v.blocked.push(req.url()); });
    page.on('console', (msg) => { if (msg.type() === 'error') v.consoleErrors.push(msg.text()); });
    page.on('pageerror', (err) => v.pageErrors.push(err.message));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 10_000 });
    await then(page);
  } finally {
    await context.close();
  }
  return v;
}

const launch = () => chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'], timeout: 15_000 });

test('report.html opens from disk in headless Chromium with no network, no errors, and every plot drawn', { skip, timeout: 60_000 }, async (t) => {
  const file = sweptReport();
  const svgCount = readFileSync(file, 'utf8').match(/<svg /g)?.length ?? 0;
  assert.equal(svgCount, 6, 'the exposure curve, then ild, novelty, calibration, longtail, serendipity');
  const browser = await launch();
  try {
    const shot = join(dir, 'report.png');
    const v = await visit(browser, file, async (page) => {
      assert.match(await page.title(), /^Curio evaluation: /);
      // the exposure (long-tail) curve: one line per model plus the training reference, the head rule
      const exposure = page.locator('figure.exposure svg');
      assert.equal(await exposure.count(), 1);
      await exposure.scrollIntoViewIfNeeded();
      assert.ok(await exposure.isVisible(), 'the exposure plot is visible');
      const ebox = await exposure.boundingBox();
      assert.ok(ebox && ebox.width > 100 && ebox.height > 100, `the exposure plot has a real size: ${JSON.stringify(ebox)}`);
      const lines = await exposure.locator('g.mark-line path').evaluateAll((els) => els.map((e) => { const b = (e as unknown as { getBBox(): { width: number; height: number } }).getBBox(); return b.width + b.height; }));
      assert.equal(lines.length, 3, 'popularity, itemknn and the training interactions');
      assert.ok(lines.every((w) => w > 50), `every exposure curve spans the plot: ${lines.join(', ')}`);
      assert.equal(await exposure.locator('g.mark-rule line, g.mark-rule path').count() >= 1, true, 'the head / long-tail rule');
      const eLegend = await exposure.locator('text').allTextContents();
      for (const name of ['popularity', 'itemknn', 'training interactions', 'head | long tail']) assert.ok(eLegend.includes(name), `the exposure plot names ${name}`);
      assert.match(await page.locator('figure.exposure figcaption').innerText(), /Slots on the long tail beyond it: popularity \d+\.\d%, itemknn \d+\.\d%/);
      const svgs = page.locator('figure:not(.exposure) svg');
      assert.equal(await svgs.count(), svgCount - 1);
      for (let q = 0; q < svgCount - 1; q++) {
        const svg = svgs.nth(q);
        await svg.scrollIntoViewIfNeeded();
        assert.ok(await svg.isVisible(), `plot ${q} is visible`);
        const box = await svg.boundingBox();
        assert.ok(box && box.width > 100 && box.height > 100, `plot ${q} has a real size: ${JSON.stringify(box)}`);
        // vega's SVG renderer draws each re-ranker's curve as a line mark and each sweep point as a symbol
        for (const mark of ['g.mark-line path', 'g.mark-symbol path']) {
          const sizes = await svg.locator(mark).evaluateAll((els) => els.map((e) => { const b = (e as unknown as { getBBox(): { width: number; height: number } }).getBBox(); return b.width + b.height; }));
          assert.ok(sizes.length > 0, `plot ${q} has ${mark} marks`);
          assert.ok(sizes.some((s) => s > 0), `plot ${q}: some ${mark} mark has a non-zero extent`);
        }
        const legend = await svg.locator('text').allTextContents();
        for (const name of ['dpp', 'mmr', 'calibrated']) assert.ok(legend.includes(name), `plot ${q} names ${name} in its legend`);
      }
      await page.screenshot({ path: shot, fullPage: true });
    });
    assert.deepEqual(v.blocked, [], 'the page requested nothing off disk');
    assert.deepEqual(v.consoleErrors, []);
    assert.deepEqual(v.pageErrors, []);
    assert.ok(statSync(shot).size > 10_000, 'the screenshot holds a rendered page');
    t.diagnostic(`screenshot: ${shot}`);
  } finally {
    await browser.close();
  }
});

test('the browser check is not blind: it sees a network request, a console error and a thrown error', { skip, timeout: 30_000 }, async () => {
  const bad = join(dir, 'bad.html');
  writeFileSync(bad, `<!doctype html><html><head><link rel="stylesheet" href="http://example.invalid/x.css"></head>
<body><img src="https://example.invalid/p.png"><script>console.error('broken plot'); throw new Error('no spec');</script></body></html>`);
  const browser = await launch();
  try {
    const v = await visit(browser, bad, async () => {});
    assert.ok(v.blocked.some((u) => u.startsWith('http://example.invalid/')), `blocked: ${v.blocked.join(', ')}`);
    assert.ok(v.blocked.some((u) => u.startsWith('https://example.invalid/')), `blocked: ${v.blocked.join(', ')}`);
    assert.ok(v.consoleErrors.includes('broken plot'), `console errors: ${v.consoleErrors.join(' | ')}`);
    assert.ok(v.pageErrors.some((m) => m.includes('no spec')), `page errors: ${v.pageErrors.join(' | ')}`);
  } finally {
    await browser.close();
  }
});
