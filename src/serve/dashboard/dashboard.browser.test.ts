// The dashboard in a real browser: Debian's chromium driven by playwright-core (which downloads no browser), every
// request outside the server refused. Without /usr/bin/chromium it skips, saying why.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { call, makeShop, serveShop, type Shop } from '../testing.ts';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} not found (apt-get install chromium; .ci/run does it): no headless browser to open the dashboard in`;
const HOSTILE_TITLE = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>"'&`;

let shop: Shop;
let base: string;
let close: () => Promise<void>;
let browser: Browser;

before(async () => {
  if (skip) return;
  shop = await makeShop();
  const s = await serveShop(shop);
  base = s.url;
  close = s.close;
  // The most popular item has a title that would run script if it reached the page as markup.
  await call(base, 'PUT', '/v1/items/Z%3Cscript%3E', { key: shop.keys.write, body: { title: HOSTILE_TITLE } });
  const events = Array.from({ length: 20 }, (_, q) => ({ user: `z${q}`, item: 'Z<script>', type: 'purchase', timestamp: Date.UTC(2024, 0, 14, q) }));
  assert.equal((await call(base, 'POST', '/v1/events', { key: shop.keys.write, body: { events } })).status, 200);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'], timeout: 15_000 });
});
after(async () => {
  if (skip) return;
  await browser.close();
  await close();
  await shop.store.close();
});

interface Visit { consoleErrors: string[]; pageErrors: string[]; offsite: string[]; dialogs: string[] }

/** A fresh browser context where only the server answers; console errors, page errors and dialogs are recorded. */
async function visit(then: (page: Page) => Promise<void>): Promise<Visit> {
  const v: Visit = { consoleErrors: [], pageErrors: [], offsite: [], dialogs: [] };
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${base}/`)) return route.continue();
      v.offsite.push(url);
      return route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    page.on('console', (msg) => { if (msg.type() === 'error') v.consoleErrors.push(msg.text()); });
    page.on('pageerror', (err) => v.pageErrors.push(err.message));
    page.on('dialog', (d) => { v.dialogs.push(d.message()); void d.dismiss(); });
    await then(page);
  } finally {
    await context.close();
  }
  return v;
}

/** Pixels of a canvas that are not fully transparent: a drawn chart has many, an empty canvas none. */
function paintedPixels(page: Page, selector: string): Promise<number> {
  return page.locator(selector).first().evaluate((c) => {
    const canvas = c as unknown as { width: number; height: number; getContext(t: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
    const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let q = 3; q < d.length; q += 4) if (d[q]! > 0) n++;
    return n;
  });
}

async function logIn(page: Page, key: string): Promise<void> {
  await page.goto(`${base}/dashboard`, { waitUntil: 'load', timeout: 10_000 });
  assert.equal(new URL(page.url()).pathname, '/dashboard/login', 'without a session the dashboard sends us to log in');
  await page.fill('#key', key);
  await Promise.all([page.waitForURL(`${base}/dashboard`, { timeout: 10_000 }), page.click('button[type=submit]')]);
}

test('log in with an admin key, see the three charts drawn, preview a user and an item with titles and reasons, log out', { skip, timeout: 90_000 }, async (t) => {
  // Kept after the run (the shop's folder is removed on exit) for a person to look at.
  const shot = join(mkdtempSync(join(tmpdir(), 'curio-dashboard-')), 'dashboard.png');
  const v = await visit(async (page) => {
    await logIn(page, shop.keys.admin);
    assert.ok(!page.url().includes(shop.keys.admin), 'the key is not in the URL');
    const cookies = await page.context().cookies();
    assert.deepEqual(cookies.map((c) => [c.name, c.httpOnly, c.sameSite, c.path]), [['curio_dashboard', true, 'Strict', '/dashboard']]);
    assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { cookie: string } }).document.cookie), '', 'the session cookie is out of reach of page script');
    assert.equal(await page.textContent('#stat-events'), '51');

    for (const chart of ['#chart-hours', '#chart-days', '#chart-tail']) {
      const canvas = page.locator(`${chart} canvas`);
      await canvas.first().waitFor({ state: 'visible', timeout: 10_000 });
      const box = await canvas.first().boundingBox();
      assert.ok(box && box.width > 300 && box.height > 100, `${chart} has a real size: ${JSON.stringify(box)}`);
      const painted = await paintedPixels(page, `${chart} canvas`);
      assert.ok(painted > 2000, `${chart}: ${painted} pixels drawn`);
    }
    // The legend of the hours chart names the series; the axis labels come from dashboard.js.
    assert.match(await page.textContent('#chart-hours .u-legend') ?? '', /events/);

    // A known user: model recommendations with their titles and the pipeline's reasons.
    await page.selectOption('#preview-mode', 'user');
    await page.fill('#preview-id', 'c0');
    await page.fill('#preview-k', '3');
    await page.click('#preview-form button[type=submit]');
    await page.locator('#preview-table').waitFor({ timeout: 10_000 });
    const userRows = await page.locator('#preview-table tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from((tr as unknown as { querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> }).querySelectorAll('td')).map((td) => td.textContent ?? '')));
    const api = await call(base, 'POST', '/v1/recommend', { key: shop.keys.read, body: { user: 'c0', k: 3 } });
    assert.deepEqual(userRows.map((r) => r[2]), api.body.items.map((x: { title: string }) => x.title), 'the titles the API gives, in its order');
    assert.deepEqual(userRows.map((r) => r[4]), api.body.items.map((x: { reasons: { text: string }[] }) => x.reasons.map((y) => y.text).join('')), 'and its reasons');
    assert.ok(userRows.every((r) => r[4]!.length > 0));
    assert.match(await page.textContent('#preview-out p') ?? '', /for c0, who last had Tea towel \(purchase\), Teapot \(purchase\)/);

    // An item: related items, with why.
    await page.selectOption('#preview-mode', 'item');
    await page.fill('#preview-id', 'A');
    await page.click('#preview-form button[type=submit]');
    await page.locator('#preview-out p', { hasText: 'like A (Teapot)' }).waitFor({ timeout: 10_000 });
    assert.equal(await page.textContent('#preview-table tbody tr:first-child td.title'), 'Tea cups');
    assert.match(await page.textContent('#preview-table tbody tr:first-child ul.reasons') ?? '', /similar to "Teapot" \(model similarity 0\.722\)used with "Teapot" in 5 sessions/);

    // The hostile title, from the preview (built in the browser) and from the server-rendered table: text only.
    await page.selectOption('#preview-mode', 'user');
    await page.selectOption('#preview-recipe', 'popular');
    await page.fill('#preview-id', 'someone-new');
    await page.click('#preview-form button[type=submit]');
    await page.locator('#preview-out p', { hasText: 'recipe popular' }).waitFor({ timeout: 10_000 });
    assert.equal(await page.textContent('#preview-table tbody tr:first-child td.title'), HOSTILE_TITLE);
    assert.equal(await page.textContent('#top-items tbody tr:first-child td:nth-child(3)'), HOSTILE_TITLE);
    assert.equal(await page.locator('img').count(), 0, 'no <img> was created from a title');
    assert.equal(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss), undefined, 'no script from a title ran');

    // An error answer is shown in the page, not thrown.
    await page.selectOption('#preview-mode', 'item');
    await page.selectOption('#preview-recipe', '');
    await page.fill('#preview-id', 'no-such-item');
    await page.click('#preview-form button[type=submit]');
    await page.locator('#preview-out p.error').waitFor({ timeout: 10_000 });
    assert.match(await page.textContent('#preview-out p.error') ?? '', /no-such-item/);
    await page.fill('#preview-id', 'A');
    await page.click('#preview-form button[type=submit]');
    await page.locator('#preview-table').waitFor({ timeout: 10_000 });

    await page.screenshot({ path: shot, fullPage: true });

    await Promise.all([page.waitForURL(`${base}/dashboard/login`, { timeout: 10_000 }), page.click('form.logout button')]);
    await page.goto(`${base}/dashboard`, { waitUntil: 'load' });
    assert.equal(new URL(page.url()).pathname, '/dashboard/login', 'logged out: the dashboard asks for the key again');
  });
  assert.deepEqual(v.offsite, [], 'the page requested nothing but the server');
  // The one expected console error: the browser logs the 404 of the unknown item's preview request.
  assert.deepEqual(v.consoleErrors.filter((e) => !/status of 404/.test(e)), []);
  assert.equal(v.consoleErrors.length, 1, v.consoleErrors.join('\n'));
  assert.deepEqual(v.pageErrors, []);
  assert.deepEqual(v.dialogs, []);
  assert.ok(statSync(shot).size > 20_000, 'the screenshot holds a rendered page');
  t.diagnostic(`screenshot: ${shot}`);
});

test('a read key does not open the dashboard in the browser: the form says why', { skip, timeout: 30_000 }, async () => {
  const v = await visit(async (page) => {
    await page.goto(`${base}/dashboard/login`, { waitUntil: 'load' });
    await page.fill('#key', shop.keys.read);
    await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
    assert.match(await page.textContent('p.error') ?? '', /scope "read"; the dashboard needs an admin key/);
    assert.deepEqual(await page.context().cookies(), []);
  });
  assert.deepEqual(v.pageErrors, []);
  assert.deepEqual(v.consoleErrors.filter((e) => !/status of 403/.test(e)), []);
});
