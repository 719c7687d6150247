import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeShop, serveShop, call } from './testing.ts';

// The per-request re-ranking knobs over a real socket: accepted by the HTTP schema, checked, and documented.
const shop = await makeShop();
const srv = await serveShop(shop);
const { read } = shop.keys;
after(async () => {
  await srv.close();
  await shop.store.close();
});

const recommend = (body: Record<string, unknown>) => call(srv.url, 'POST', '/v1/recommend', { key: read, body: { user: 'b0', k: 5, ...body } });
const ids = (r: { body: { items: { item: string }[] } }) => r.body.items.map((x) => x.item);

test('diversity, novelty, rerank and order are accepted; order greedy shows the pick order, relevance the scores', async () => {
  const plain = await recommend({});
  assert.equal(plain.status, 200);
  const relevance = await recommend({ diversity: 1, rerank: 'mmr', order: 'relevance' });
  const greedy = await recommend({ diversity: 1, rerank: 'mmr', order: 'greedy' });
  assert.equal(relevance.status, 200, JSON.stringify(relevance.body));
  assert.equal(greedy.status, 200, JSON.stringify(greedy.body));
  // the same chosen set, two presentations; relevance order is the default
  assert.deepEqual(ids(greedy).slice().sort(), ids(relevance).slice().sort());
  assert.deepEqual(ids(await recommend({ diversity: 1, rerank: 'mmr' })), ids(relevance));
  const scores = relevance.body.items.map((x: { score: number }) => x.score);
  assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'relevance order: best score first');
  // novelty 1 in greedy order opens the list with long-tail items (each with a novelty reason)
  const tail = await recommend({ novelty: 1, order: 'greedy' });
  assert.equal(tail.status, 200);
  assert.ok(tail.body.items[0].reasons.some((r: { kind: string }) => r.kind === 'novelty'), JSON.stringify(tail.body.items[0]));
  assert.notDeepEqual(ids(tail), ids(await recommend({ novelty: 1 })));
});

test('bad knobs are a 400 naming the request field', async () => {
  for (const [body, field] of [[{ diversity: 2 }, 'diversity'], [{ novelty: -0.1 }, 'novelty'], [{ order: 'random' }, 'order'], [{ rerank: 'nope', diversity: 0.5 }, 'rerank']] as const) {
    const r = await recommend(body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.error.field, field, JSON.stringify(r.body));
  }
});

test('/openapi.json documents the knobs: ranges, methods and orders', async () => {
  const doc = (await call(srv.url, 'GET', '/openapi.json')).body;
  const props = doc.paths['/v1/recommend'].post.requestBody.content['application/json'].schema.properties;
  assert.equal(props.diversity.type, 'number');
  assert.match(props.diversity.description, /0 \(off, default\) to 1/);
  assert.match(props.novelty.description, /long-tail/);
  assert.deepEqual(props.rerank.enum, ['dpp', 'mmr', 'calibrated', 'xquad']);
  assert.deepEqual(props.order.enum, ['relevance', 'greedy']);
  assert.match(props.order.description, /relevance \(default/);
});
