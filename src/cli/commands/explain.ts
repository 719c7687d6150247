/**
 * `curio explain --user U --item I`: the model's score of an item for a user and the history items it is owed
 * to (src/explain), with titles, whether the shares are exact, and the sentence the recommendations show.
 */
import type { Command } from '../main.ts';
import { intOption, parse } from '../args.ts';
import { ConfigError, UnknownItemError, UnknownUserError } from '../../errors.ts';
import { RequestContext } from '../../engine/context.ts';
import { RequestSchema } from '../../engine/schema.ts';
import { closestByText, coCounts, explainHistory, ExplainError, explainUser, phrase, sentence, sharedWords, trainingItems, verbFor, type ScoreExplanation } from '../../explain/index.ts';
import { openEngine } from './recommend.ts';
import { rephraseOrKeep } from '../../explain/phrase.ts';
import { LLM_FLAGS, LLM_USAGE, llmClientFor, warnFallback } from '../../llm/cli.ts';
import { LlmRephraser } from '../../llm/rephrase.ts';

const METHOD: Record<ScoreExplanation['method'], string> = {
  'item-weights': 'EASE item weights: share of history item j = its weight × B[j, item]',
  'item-neighbours': 'item neighbours: share of history item j = its weight × similarity(j, item)',
  'ials-closed-form': 'iALS closed-form user solve (Hu, Koren & Volinsky 2008, §5): share of j = c_j · y_itemᵀ W y_j',
  'user-neighbours': 'user neighbours: each neighbour\'s cosine split over your history items',
  popularity: 'popularity: the same count for everyone',
  'factor-similarity': 'BPR factor cosines of your items with this one (approximate: BPR scores do not split)',
};

export const explainCommand: Command = {
  summary: 'why the model scores an item for a user: the history items behind the score, exact where the model allows',
  usage: `curio explain --user U --item I [--history ITEM,ITEM] [--top 5] [--model curio-model.bin] [--db curio.db] [--json]
          [--llm-url URL] [--llm-model NAME] [--config pipeline.json]

Prints the model's score of the item for the user and the share of it owed to each history item, largest first,
with "without it": the score change if that item were left out of the history (when known exactly). EASE,
ItemKNN, UserKNN and iALS shares add up to the score exactly (iALS: of the closed-form solve given the item
factors, which is what a folded-in user is served; a training user's stored factors are shown beside it);
BPR's are factor cosines, marked approximate. A score read from text with no exact split (content, hybrid,
cb2cf's new items) shows the history item whose description is closest, its cosine and the words both share.
--history explains the score of that history (folded in, as
recommend --history does; --user is then optional). --json prints one object.
With an LLM (${LLM_USAGE}) the sentence is also rephrased by the LLM, which is given that sentence and its
evidence only; an answer naming an item outside the evidence, or any failure, keeps the template sentence
(one warning says why). --json then adds "rephrased".`,
  async run(argv) {
    const { values: v } = parse(argv, {
      user: { type: 'string' }, item: { type: 'string' }, history: { type: 'string' }, top: { type: 'string' }, model: { type: 'string' }, db: { type: 'string' },
      json: { type: 'boolean' }, 'allow-other-store': { type: 'boolean' }, config: { type: 'string' }, ...LLM_FLAGS,
    }, 'explain');
    const history = v.history?.split(',').map((x) => x.trim()).filter(Boolean);
    if (!v.user && !history?.length) throw new ConfigError('--user', 'give the user whose score to explain: curio explain --user U --item I (or --history A,B)');
    if (!v.item) throw new ConfigError('--item', 'give the item whose score to explain: curio explain --user U --item I');
    const top = intOption(v.top, 'top', 5);
    const engine = await openEngine(v);
    try {
      const t = engine.requireModel('curio explain');
      const mi = t.items.get(v.item);
      if (mi < 0) throw new UnknownItemError(v.item);
      const user = history?.length || !v.user ? -1 : t.users.get(v.user);
      const req = RequestSchema.parse({ ...(v.user ? { user: v.user } : {}), ...(history?.length ? { history } : {}) });
      const ctx = new RequestContext(engine, req, 'explain', new Int32Array(0), Date.now());
      const who = history?.length ? `the history ${history.join(',')}` : `user ${v.user}`;
      let x: ScoreExplanation, foldedIn = 0, historyItems: Int32Array;
      const title = (j: number) => {
        const c = engine.modelToCatalog?.[j] ?? -1;
        return (c >= 0 ? engine.catalog.title(c)?.trim() : undefined) || '';
      };
      const name = (j: number) => `"${title(j) || t.items.id(j)}"`;
      try {
        if (user >= 0) {
          historyItems = trainingItems(t.model, user);
          x = explainUser(t.model, user, mi, { top });
        } else {
          // A user unseen in training: the stored history, read as the engine reads it for a fold-in.
          const h = await ctx.modelHistory();
          if (!h.items.length) {
            if (history?.length) throw new ConfigError('--history', `none of ${history.join(', ')} is an item the model knows`);
            throw new UnknownUserError(v.user!);
          }
          historyItems = h.items;
          foldedIn = h.events;
          x = explainHistory(t.model, h.items, h.values, mi, { top });
        }
      } catch (e) {
        // a score read from text with no exact shares (content, hybrid, cb2cf's new items): the closest description
        const near = e instanceof ExplainError ? closestByText(t.model, historyItems!, mi) : undefined;
        if (!near) throw e;
        const words = sharedWords(title(mi), title(near.item));
        if (v.json) {
          console.log(JSON.stringify({ ...(v.user ? { user: v.user } : {}), ...(history?.length ? { history } : {}), item: v.item, title: title(mi), model: t.model.kind, exact: false, method: 'closest description', why: (e as Error).message, text: { item: t.items.id(near.item), title: title(near.item), cosine: near.cosine, words } }));
        } else {
          console.log(`${t.model.kind}'s score of ${v.item} ${name(mi)} for ${who} has no exact split into history items (${(e as Error).message.replace(/^explain: /, '')}); the text it read:`);
          console.log(`its description is closest to ${name(near.item)} (${t.items.id(near.item)}) in the history: text similarity ${near.cosine.toFixed(4)}${words.length ? `, both say ${words.join(', ')}` : ''}`);
        }
        return 0;
      }
      // As the engine's reasons say it: the model's one training type, else the user's own event types.
      const types = (t.info.data as { types?: string[] } | undefined)?.types;
      const verb = verbFor(types?.length === 1 ? types : [...new Set((await ctx.history()).signal.map((e) => e.type ?? '?'))]);
      const clauses = phrase(x, { name, verb, together: coCounts(t.model) });
      let rephrased: string | undefined;
      const llm = clauses.length ? llmClientFor(engine.config.llm, v, 'explain') : undefined;
      if (llm) {
        const names: Record<number, string> = { [mi]: name(mi) };
        for (const c of x.contributions) names[c.item] = name(c.item);
        const titles = Array.from({ length: engine.catalog.size }, (_, i) => engine.catalog.title(i) ?? '');
        const r = await rephraseOrKeep(new LlmRephraser(llm, titles), clauses, x, names, { timeoutMs: llm.config.timeoutMs * (llm.config.retries + 1) + 5000 });
        if (r.rephrased) rephrased = r.text;
        else warnFallback(`${llm.describe()}: explanation not rephrased (${r.why}): showing the template sentence`);
      }
      if (v.json) {
        console.log(JSON.stringify({
          ...(v.user ? { user: v.user } : {}), ...(history?.length ? { history } : {}), item: v.item, title: title(mi), model: x.model, score: x.score, ...(x.served !== undefined ? { served: x.served } : {}),
          exact: x.exact, method: x.method, base: x.base, rest: x.rest, ...(foldedIn ? { foldedInEvents: foldedIn } : {}),
          contributions: x.contributions.map((c) => ({ item: t.items.id(c.item), title: title(c.item), share: c.value, ...(c.removal !== undefined ? { removal: c.removal } : {}) })),
          ...(x.neighbours ? { neighbours: x.neighbours.map((n) => ({ user: t.users.id(n.user), share: n.value })) } : {}),
          sentences: clauses.map(sentence), ...(rephrased ? { rephrased } : {}), ...(x.note ? { note: x.note } : {}),
        }));
        return 0;
      }
      const f = (n: number) => (Math.abs(n) >= 1e5 || (n !== 0 && Math.abs(n) < 1e-3) ? n.toExponential(2) : n.toFixed(4));
      console.log(`${x.model} score of ${v.item} ${name(mi)} for ${who}${foldedIn ? ` (folded in from ${foldedIn} events)` : ''}: ${f(x.served ?? x.score)}`);
      console.log(`how: ${METHOD[x.method]}`);
      if (x.served !== undefined && x.served !== x.score) console.log(`the shares add up to ${f(x.score)}, the closed-form score given the item factors (the served score uses the stored user factors)`);
      console.log(x.exact ? 'exact: base + shares add up to the score' : 'approximate: the numbers below do not add up to the score');
      if (x.base) console.log(`base (owed to no history item): ${f(x.base)}`);
      if (x.contributions.length) {
        const w = Math.max(4, ...x.contributions.map((c) => t.items.id(c.item).length));
        const hasRemoval = x.contributions.some((c) => c.removal !== undefined);
        console.log(`${'share'.padStart(10)}${hasRemoval ? `  ${'without it'.padStart(10)}` : ''}  ${'item'.padEnd(w)}  title`);
        for (const c of x.contributions) {
          console.log(`${f(c.value).padStart(10)}${hasRemoval ? `  ${(c.removal === undefined ? '' : `${c.removal >= 0 ? '+' : ''}${f(c.removal)}`).padStart(10)}` : ''}  ${t.items.id(c.item).padEnd(w)}  ${title(c.item)}`);
        }
        if (x.rest) console.log(`${f(x.rest).padStart(10)}  (the other history items)`);
      }
      if (x.neighbours?.length) console.log(`nearest users who have it: ${x.neighbours.map((n) => `${t.users.id(n.user)} (${f(n.value)})`).join(', ')}`);
      console.log(clauses.length ? clauses.map(sentence).join(' ') : '(no history item raises this score: nothing to cite)');
      if (rephrased) console.log(`rephrased by the LLM: ${rephrased}`);
    } finally {
      await engine.store.close();
    }
    return 0;
  },
};
