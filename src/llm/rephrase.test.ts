import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScoreExplanation } from '../explain/contributions.ts';
import { rephraseOrKeep } from '../explain/phrase.ts';
import { LlmClient } from './client.ts';
import { resolveLlmConfig } from './config.ts';
import { LlmRephraser } from './rephrase.ts';
import { answerJson, startStubLlm, type StubStep } from './testing.ts';

const x: ScoreExplanation = {
  model: 'ease', item: 0, score: 0.9, base: 0, rest: 0.1, exact: true, method: 'item-weights',
  contributions: [{ item: 1, value: 0.5 }, { item: 2, value: 0.3 }],
};
const names = { 0: '"Toy Story 2 (1999)"', 1: '"Toy Story (1995)"', 2: '"A Bug\'s Life (1998)"' };
const template = ['because you rated "Toy Story (1995)" and "A Bug\'s Life (1998)"'];
const catalogue = ['Toy Story (1995)', "A Bug's Life (1998)", 'Toy Story 2 (1999)', 'The Lion King (1994)', 'Up (2009)'];

async function rephraser(steps: StubStep[], timeoutMs = 10_000) {
  const stub = await startStubLlm({ script: steps });
  return { stub, r: new LlmRephraser(new LlmClient(resolveLlmConfig({ baseUrl: stub.url, retries: 0, timeoutMs })!), catalogue) };
}

test('rephrase: the LLM gets the template and the evidence only; an answer citing the evidence is used', async () => {
  const { stub, r } = await rephraser([answerJson({ sentence: 'You loved "Toy Story (1995)" and "A Bug\'s Life (1998)", so this sequel should suit you. Up next!' })]);
  try {
    const out = await rephraseOrKeep(r, template, x, names);
    assert.deepEqual(out, { text: 'You loved "Toy Story (1995)" and "A Bug\'s Life (1998)", so this sequel should suit you. Up next!', rephrased: true });
    const sent = JSON.parse(stub.requests[0]!.body.messages![1]!.content) as { explanation: string; evidence: { item: string; becauseOf: { title: string; share: number }[] } };
    assert.equal(sent.explanation, template[0]);
    assert.deepEqual(sent.evidence.becauseOf, [{ title: 'Toy Story (1995)', share: 0.5 }, { title: "A Bug's Life (1998)", share: 0.3 }]);
    assert.equal(sent.evidence.item, 'Toy Story 2 (1999)');
    assert.doesNotMatch(stub.requests[0]!.body.messages![1]!.content, /Lion King/);
  } finally {
    await stub.close();
  }
});

test('rephrase: an answer naming an item outside the evidence (quoted or not), garbage, a 500 or a hang keeps the template', async () => {
  const bad: [StubStep, RegExp][] = [
    [answerJson({ sentence: 'Because you liked "Jumanji".' }), /names "Jumanji", which is not in the evidence/],
    [answerJson({ sentence: 'Fans of Toy Story and the lion king love this.' }), /names "the lion king", which is not in the evidence/],
    [{ content: 'Sure!' }, /not JSON/],
    [{ status: 500 }, /HTTP 500/],
    [{ hang: true }, /no answer within 1500 ms/],
  ];
  const { stub, r } = await rephraser(bad.map(([s]) => s), 1500);
  try {
    for (const [q, [, why]] of bad.entries()) {
      // a new evidence score each time: a new request to the answer cache
      const out = await rephraseOrKeep(r, template, { ...x, contributions: [{ item: 1, value: 0.5 + q }, { item: 2, value: 0.3 }] }, names);
      assert.equal(out.rephrased, false);
      assert.equal(out.text, 'Because you rated "Toy Story (1995)" and "A Bug\'s Life (1998)".');
      assert.match(out.why!, why);
    }
  } finally {
    await stub.close();
  }
});
