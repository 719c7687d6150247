import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/registry.ts';
import type { ItemRow } from '../data/types.ts';
import { Engine } from '../engine/engine.ts';
import { Asker } from '../ask/ask.ts';
import { LlmClient } from './client.ts';
import { resolveLlmConfig } from './config.ts';
import { LlmRequestInterpreter, LlmUnderstandingSchema, vocabularyPrompt } from './ask.ts';
import { answerJson, startStubLlm, type StubStep } from './testing.ts';

const dir = mkdtempSync(join(tmpdir(), 'curio-llm-ask-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const ITEMS: ItemRow[] = [
  { id: 'm1', title: 'Toy Story', categories: ['Animation', 'Children', 'Comedy'], attrs: { year: 1995 } },
  { id: 'm2', title: 'The Lion King', categories: ['Animation', 'Children', 'Musical'], attrs: { year: 1994 } },
  { id: 'm3', title: 'Airplane!', categories: ['Comedy'], attrs: { year: 1980 } },
  { id: 'm4', title: 'Scream', categories: ['Horror'], attrs: { year: 1996 } },
  { id: 'm5', title: 'Shrek', categories: ['Animation', 'Children', 'Comedy'], attrs: { year: 2001 } },
  { id: 'm6', title: 'Aladdin', categories: ['Animation', 'Children', 'Musical'], attrs: { year: 1992 } },
];

const c = (kind: string, o: Record<string, unknown> = {}) => ({ kind, negated: false, field: null, value: null, min: null, max: null, source: '', ...o });

async function setup(steps: StubStep[], timeoutMs = 10_000) {
  const store = await openStore(join(dir, `m-${Math.random().toString(36).slice(2)}.db`));
  await store.upsertItems(ITEMS);
  const engine = await Engine.open({ store });
  const asker = await Asker.open(engine, { tags: false });
  const stub = await startStubLlm({ script: steps });
  const interpreter = new LlmRequestInterpreter(new LlmClient(resolveLlmConfig({ baseUrl: stub.url, model: 'm', retries: 0, timeoutMs })!));
  return { asker, stub, interpreter, close: async () => { await stub.close(); await store.close(); } };
}

test('ask with an LLM: its constraints, checked against the vocabulary, are applied exactly and reported as "llm"', async () => {
  const { asker, stub, interpreter, close } = await setup([answerJson({
    constraints: [c('category', { value: 'animation', source: 'cartoon' }), c('category', { value: 'Musical', negated: true, source: 'no singing' }), c('year', { max: 1999, source: 'from the nineties or before' })],
    query: 'toy',
  })]);
  try {
    const r = await asker.ask('a cartoon from the nineties or before, no singing, with toys', { interpreter });
    assert.equal(r.understood.by, 'llm');
    assert.equal(r.understood.llmFallback, undefined);
    assert.deepEqual(r.understood.constraints.map((x) => [x.text, x.source, x.remaining]), [['category Animation', 'cartoon', 4], ['not category Musical', 'no singing', 2], ['year <= 1999', 'from the nineties or before', 1]]);
    assert.deepEqual(r.items.map((i) => i.item), ['m1']);
    assert.deepEqual(r.understood.queryWords, ['toy']);
    // the prompt carried the catalogue's vocabulary and the request
    const msgs = stub.requests[0]!.body.messages!;
    assert.match(msgs[0]!.content, /Categories: \["Animation","Children","Comedy","Musical","Horror"\]/);
    assert.match(msgs[0]!.content, /Prices: none/);
    assert.equal(msgs[1]!.content, 'a cartoon from the nineties or before, no singing, with toys');
  } finally {
    await close();
  }
});

test('ask with an LLM: an invented category, garbage, a 500 or a hang all fall back to the parser, saying why', async () => {
  const bad: [StubStep, RegExp][] = [
    [answerJson({ constraints: [c('category', { value: 'Anime' })], query: '' }), /answered constraints\[0\] \(category "Anime"\): not one of the catalogue's categories/],
    [answerJson({ constraints: [c('price', { max: 5 })], query: '' }), /this catalogue has no prices/],
    [answerJson({ constraints: [c('attribute', { field: 'studio', value: 'Pixar' })], query: '' }), /not a value of the catalogue's attribute "studio"/],
    [{ content: 'I think you would enjoy Toy Story!' }, /the answer is not JSON/],
    [{ status: 500, raw: 'boom' }, /HTTP 500/],
    [{ hang: true }, /no answer within 1500 ms/],
  ];
  const { asker, interpreter, close } = await setup(bad.map(([s]) => s), 1500);
  try {
    for (const [q, [, why]] of bad.entries()) {
      // "please" is filler to the parser; it makes each request new to the answer cache
      const r = await asker.ask(`a funny animated movie for kids, not a musical${' please'.repeat(q)}`, { interpreter });
      assert.equal(r.understood.by, 'parser');
      assert.match(r.understood.llmFallback!, why);
      assert.match(r.understood.llmFallback!, /using the rule-based parser's reading$/);
      assert.deepEqual(r.understood.constraints.map((x) => x.text), ['category Comedy', 'category Animation', 'category Children', 'not category Musical']);
      assert.deepEqual(r.items.map((i) => i.item).sort(), ['m1', 'm5']);
    }
  } finally {
    await close();
  }
});

test('without an interpreter the parser reads the request and says so', async () => {
  const { asker, close } = await setup([]);
  try {
    const r = await asker.ask('scary films');
    assert.equal(r.understood.by, 'parser');
    assert.equal(r.understood.llmFallback, undefined);
  } finally {
    await close();
  }
});

test('the LLM schema is strict: extra keys and missing fields are rejected', () => {
  assert.equal(LlmUnderstandingSchema.safeParse({ constraints: [c('title', { value: 'toy' })], query: '' }).success, true);
  assert.equal(LlmUnderstandingSchema.safeParse({ constraints: [{ ...c('title'), extra: 1 }], query: '' }).success, false);
  assert.equal(LlmUnderstandingSchema.safeParse({ constraints: [{ kind: 'title', value: 'x' }], query: '' }).success, false);
  assert.match(vocabularyPrompt({ names: new Map(), maxNameWords: 1, yearField: undefined, latestYear: undefined, priceQuartiles: [1, 9], titleWords: new Map() }), /Categories: none[\s\S]*Prices: yes \(a quarter of the items cost at most 1, a quarter at least 9\)[\s\S]*Years: none/);
});
