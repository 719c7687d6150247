import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DEMO_DATA } from '../cli/commands/demo.ts';
import { answerJson, rerankStub, startStubLlm } from './testing.ts';

const bin = resolve(import.meta.dirname, '../../bin/curio.js');
const dir = mkdtempSync(join(tmpdir(), 'curio-llm-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 'shop.db');
const run = promisify(execFile);

/** Runs the CLI without blocking this process's event loop (the stub server lives here). */
async function curio(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await run(process.execPath, [bin, ...args], { cwd: dir, env: { ...process.env, CURIO_DB: db, CURIO_MODEL: join(dir, 'none.bin') } });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

let imported: Promise<{ code: number; err: string }> | undefined;
/** The demo shop, imported once for the tests of this file. */
const shop = () => (imported ??= curio('import', 'online-retail', DEMO_DATA, '--skip-invalid', '--quiet'));

const none = { negated: false, field: null, value: null, min: null, max: null };

test('curio ask --llm-url: the LLM reading is used; a failing endpoint falls back with one warning line', async () => {
  assert.equal((await shop()).code, 0);
  let r;
  const stub = await startStubLlm({ chat: () => answerJson({ constraints: [{ ...none, kind: 'price', max: 2, source: 'cheap' }, { ...none, kind: 'title', negated: true, value: 'spaceboy', source: 'not spaceboy' }], query: 'lunch bag' }) });
  try {
    r = await curio('ask', 'cheap lunch bags, not spaceboy', '-k', '3', '--json', '--llm-url', stub.url, '--llm-model', 'tiny');
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    const a = JSON.parse(r.out) as { understood: { by: string; constraints: { text: string }[] }; items: { title: string }[] };
    assert.equal(a.understood.by, 'llm');
    assert.deepEqual(a.understood.constraints.map((c) => c.text), ['price <= 2', 'not title has the word "spaceboy"']);
    assert.ok(a.items.length > 0 && a.items.every((i) => !/spaceboy/i.test(i.title)));
    assert.equal(stub.requests[0]!.body.model, 'tiny');

    // the same endpoint from a pipeline config's "llm" section; it now answers 500
    stub.script.push(...Array(3).fill({ status: 500, raw: 'down' }));
    const cfg = join(dir, 'pipeline.json');
    writeFileSync(cfg, JSON.stringify({ llm: { baseUrl: stub.url, retries: 2, backoffMs: 1 } }));
    r = await curio('ask', 'lunch bags under £5', '-k', '3', '--quiet', '--config', cfg);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, /^curio: warning: the LLM at http:\/\/127\.0\.0\.1:\d+\/v1 \(model default\): chat\/completions failed after 3 attempts: HTTP 500: down: using the rule-based parser's reading\n$/);
    assert.match(r.out, /^understood:\n  price < 5/);
  } finally {
    await stub.close();
  }
  // unreachable: still an answer
  r = await curio('ask', 'lunch bags under £5', '-k', '3', '--json', '--llm-url', stub.url);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /cannot reach it/);
  assert.equal((JSON.parse(r.out) as { understood: { by: string } }).understood.by, 'parser');
  // a typo in the config's llm section is a ConfigError naming the key
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ llm: { baseUrl: 'http://x', timeout: 5 } }));
  r = await curio('ask', 'bags', '--config', join(dir, 'bad.json'));
  assert.equal(r.code, 1);
  assert.match(r.err, /llm\.timeout: unknown field; valid fields: baseUrl, model/);
});

test('curio explain --llm-url: the sentence rephrased from the evidence; one citing another item is discarded with a warning', async () => {
  assert.equal((await shop()).code, 0);
  let r = await curio('train', '--model', 'itemknn', '--set', 'neighbors=50', '--out', 'm.bin', '--quiet');
  assert.equal(r.code, 0, r.err);
  r = await curio('recommend', '--user', '15311', '-k', '1', '--json', '--model', 'm.bin');
  assert.equal(r.code, 0, r.err);
  const item = (JSON.parse(r.out) as { item: string }[])[0]!.item;
  let cite: 'evidence' | 'other' = 'evidence';
  const stub = await startStubLlm({
    chat: (req) => {
      const { evidence } = JSON.parse(req.body.messages![1]!.content) as { evidence: { becauseOf: { title: string }[] } };
      return answerJson({ sentence: cite === 'evidence' ? `You picked "${evidence.becauseOf[0]!.title}", so you may like this too.` : 'Shoppers love "PINK ELEPHANT HOT WATER BOTTLE".' });
    },
  });
  try {
    r = await curio('explain', '--user', '15311', '--item', item, '--json', '--model', 'm.bin', '--llm-url', stub.url);
    assert.equal(r.code, 0, r.err);
    const x = JSON.parse(r.out) as { sentences: string[]; rephrased?: string; contributions: { title: string }[] };
    assert.equal(r.err, '');
    assert.equal(x.rephrased, `You picked "${x.contributions[0]!.title}", so you may like this too.`);
    cite = 'other';
    r = await curio('explain', '--user', '15311', '--item', item, '--model', 'm.bin', '--llm-url', stub.url, '--top', '2');
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /^curio: warning: the LLM at .*: explanation not rephrased \(answer names "PINK ELEPHANT HOT WATER BOTTLE", which is not in the evidence\): showing the template sentence\n$/);
    assert.doesNotMatch(r.out, /rephrased by the LLM/);
    assert.match(r.out, /Because you bought "/);
  } finally {
    await stub.close();
  }
});

test('curio recommend --llm-rerank: the best 20 re-ordered by the LLM; without an endpoint a clear error', async () => {
  assert.equal((await shop()).code, 0);
  let r = await curio('train', '--model', 'ease', '--out', 'e.bin', '--quiet');
  assert.equal(r.code, 0, r.err);
  r = await curio('recommend', '--user', '15311', '-k', '20', '--json', '--model', 'e.bin');
  const plain = (JSON.parse(r.out) as { item: string }[]).map((x) => x.item);
  assert.equal(plain.length, 20);
  const stub = await startStubLlm({ chat: rerankStub('reverse') });
  try {
    r = await curio('recommend', '--user', '15311', '-k', '3', '--json', '--model', 'e.bin', '--llm-rerank', '--llm-url', stub.url);
    assert.equal(r.code, 0, r.err);
    const got = JSON.parse(r.out) as { item: string; reasons: { kind: string; text: string }[] }[];
    assert.deepEqual(got.map((x) => x.item), plain.slice(-3).reverse());
    assert.equal(got[0]!.reasons.at(-1)!.text, 'moved by the LLM re-ranker from candidate 20 to 1');
    // --llm-url alone does not re-rank (it is opt-in)
    r = await curio('recommend', '--user', '15311', '-k', '3', '--json', '--model', 'e.bin', '--llm-url', stub.url);
    assert.deepEqual((JSON.parse(r.out) as { item: string }[]).map((x) => x.item), plain.slice(0, 3));
    assert.equal(stub.requests.length, 1);
  } finally {
    await stub.close();
  }
  r = await curio('recommend', '--user', '15311', '-k', '3', '--model', 'e.bin', '--llm-rerank');
  assert.equal(r.code, 1);
  assert.match(r.err, /--llm-rerank: needs an LLM endpoint: pass --llm-url URL/);
});
