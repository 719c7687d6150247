import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/registry.ts';
import type { InteractionRow } from '../data/types.ts';
import { Engine } from '../engine/engine.ts';
import { LlmClient } from './client.ts';
import { resolveLlmConfig } from './config.ts';
import { LlmReranker, mergeRanking, recommendWithLlmRerank, rerankPrompt } from './rerank.ts';
import { answerJson, rerankStub, startStubLlm, type StubStep } from './testing.ts';

test('mergeRanking: unknown ids dropped, repeats ignored, missing candidates appended in model order', () => {
  assert.deepEqual(mergeRanking(['a', 'b', 'c', 'd', 'e'], ['d', 'x', 'b', 'd', 'y']), { order: ['d', 'b', 'a', 'c', 'e'], dropped: ['x', 'y'], appended: 3 });
  assert.deepEqual(mergeRanking(['a', 'b'], []), { order: ['a', 'b'], dropped: [], appended: 2 });
  assert.deepEqual(mergeRanking(['a', 'b'], ['b', 'a']), { order: ['b', 'a'], dropped: [], appended: 0 });
});

test('rerankPrompt: recent titles, then one JSON line per candidate (a title with quotes stays one line)', () => {
  assert.equal(rerankPrompt(['Heat'], [{ id: '7', title: 'Say "cheese"\nnow' }]),
    'The user\'s recent items, newest first:\n- Heat\n\nCandidates in the recommender\'s order, one JSON object a line:\n{"id":"7","title":"Say \\"cheese\\"\\nnow"}');
});

const cands = ['a', 'b', 'c', 'd'].map((id) => ({ id, title: `Item ${id}` }));

async function reranker(steps: StubStep[]) {
  const stub = await startStubLlm({ script: steps, chat: rerankStub('reverse') });
  return { stub, r: new LlmReranker(new LlmClient(resolveLlmConfig({ baseUrl: stub.url, retries: 0, timeoutMs: 1500 })!), { candidates: 4, recent: 2 }) };
}

test('LlmReranker: the answer merged over the socket; garbage, a 500, a hang or only unknown ids keep the model order', async () => {
  const { stub, r } = await reranker([
    answerJson({ ranking: ['c', 'zz', 'a'] }),
    { content: '1. c 2. a' },
    { status: 500 },
    { hang: true },
    answerJson({ ranking: ['x', 'y'] }),
  ]);
  try {
    assert.deepEqual(await r.rerank(['R1', 'R2', 'R3'], cands), { order: ['c', 'a', 'b', 'd'], dropped: ['zz'], appended: 2, by: 'llm' });
    assert.match(stub.requests[0]!.body.messages![1]!.content, /- R1\n- R2\n\n/, 'only the 2 newest items');
    assert.doesNotMatch(stub.requests[0]!.body.messages![1]!.content, /R3/);
    for (const why of [/not JSON/, /HTTP 500/, /no answer within 1500 ms/, /ranked none of the candidates \(2 unknown ids\)/]) {
      const out = await r.rerank([`new ${why.source}`], cands);
      assert.equal(out.by, 'model');
      assert.deepEqual(out.order, ['a', 'b', 'c', 'd']);
      assert.match(out.fallback!, why);
      assert.match(out.fallback!, /keeping the model's order$/);
    }
    assert.deepEqual((await r.rerank(['R9'], cands)).order, ['d', 'c', 'b', 'a'], 'the handler answers after the script');
    assert.equal((await r.rerank(['R9'], cands)).order[0], 'd', 'a repeat comes from the cache');
    assert.equal(stub.requests.length, 6);
  } finally {
    await stub.close();
  }
});

test('recommendWithLlmRerank: the engine list re-ordered by the LLM, filters kept, pins in place, reasons say what moved', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'curio-llm-rr-'));
  const store = await openStore(join(dir, 's.db'));
  const stub = await startStubLlm({ chat: rerankStub('reverse') });
  try {
    await store.upsertItems(['i1', 'i2', 'i3', 'i4', 'i5', 'i6'].map((id) => ({ id, title: `Title ${id}`, price: id === 'i2' ? 50 : 5 })));
    // popularity: i1 (6 users) > i2 (5) > ... > i6 (1); u0 bought i6 last
    const rows: InteractionRow[] = [];
    let t = 1;
    for (let j = 1; j <= 6; j++) for (let u = 0; u < 7 - j; u++) rows.push({ user: `u${u + j}`, item: `i${j}`, type: 'purchase', value: 1, timestamp: t++ });
    rows.push({ user: 'u0', item: 'i6', type: 'purchase', value: 1, timestamp: t++ });
    await store.addInteractions(rows);
    const engine = await Engine.open({ store });
    const rr = new LlmReranker(new LlmClient(resolveLlmConfig({ baseUrl: stub.url })!), { candidates: 4 });
    const res = await recommendWithLlmRerank(engine, { recipe: 'popular', user: 'u0', k: 3, filter: 'price < 20', pin: [{ item: 'i5', position: 1 }] }, rr);
    // candidates i1 i3 i4 (i2 filtered out, i5 pinned, i6 seen) reversed: i4 i3 i1; i5 pinned first; cut at 3
    assert.deepEqual(res.items.map((i) => [i.rank, i.item]), [[1, 'i5'], [2, 'i4'], [3, 'i3']]);
    assert.deepEqual(res.llmRerank, { by: 'llm', candidates: 3, dropped: 0, appended: 0 });
    assert.deepEqual(res.items[1]!.reasons.at(-1), { kind: 'llm-rerank', text: 'moved by the LLM re-ranker from candidate 3 to 1', evidence: { from: 3, to: 1 } });
    assert.ok(res.items[0]!.reasons.some((r) => r.kind === 'pin'));
    assert.match(stub.requests[0]!.body.messages![1]!.content, /- Title i6\n/);
    await stub.close();
    const down = await recommendWithLlmRerank(engine, { recipe: 'popular', user: 'u0', k: 2, filter: 'price < 20' }, new LlmReranker(new LlmClient(resolveLlmConfig({ baseUrl: stub.url, retries: 0 })!)));
    assert.deepEqual(down.items.map((i) => i.item), ['i1', 'i3']);
    assert.equal(down.llmRerank.by, 'model');
    assert.match(down.llmRerank.fallback!, /cannot reach it/);
  } finally {
    await stub.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
