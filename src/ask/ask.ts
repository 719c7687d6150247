/**
 * Answers a plain-words request: the parsed constraints become one filter (applied exactly, never relaxed), the
 * soft query scores the remaining items by BM25 over their text, and a trained model, when the user is known to
 * it, re-ranks inside the constrained set; without a model, popularity breaks ties.
 */
import type { Engine, ResultItem } from '../engine/engine.ts';
import type { Reason } from '../engine/stages.ts';
import { CurioError, UnknownUserError } from '../errors.ts';
import type { FilterNode } from '../rules/index.ts';
import { topK } from '../linalg/topk.ts';
import { parseRequest, type Constraint, type Understood } from './parse.ts';
import { TextIndex } from './text-index.ts';
import { buildVocabulary, type Vocabulary } from './vocabulary.ts';
import type { Catalog } from '../catalog/catalog.ts';

export interface UnderstoodConstraint extends Constraint {
  /** Items this constraint alone lets through. */
  matches: number;
  /** Items left after it and every constraint before it. */
  remaining: number;
}

export interface AskUnderstood extends Omit<Understood, 'constraints'> {
  constraints: UnderstoodConstraint[];
  /** All constraints as one filter (undefined when there are none). */
  filter: FilterNode | undefined;
  /** Items satisfying every constraint. */
  candidates: number;
  /** Ranked by the user's model scores inside the constraints. */
  personalised: boolean;
  /** Set when nothing matched: which constraint emptied the set, and how. */
  nothingMatched?: string;
  /** Who read the request: the rule-based parser, or an LLM (src/llm) whose answer the vocabulary backed. */
  by: 'parser' | 'llm';
  /** Why an LLM was configured but the parser's reading was used (one line). */
  llmFallback?: string;
}

/** What a RequestInterpreter made of a request. */
export interface RequestInterpretation {
  understood: Understood;
  by: 'parser' | 'llm';
  /** Set when it fell back to the parser's reading: why. */
  fallback?: string;
}

/**
 * The seam for another reader of requests (an LLM: src/llm/ask.ts). It gets the parser's reading and returns
 * its own or, on any failure, the parser's with the reason; it never throws for a failing service.
 */
export interface RequestInterpreter {
  interpret(request: string, parsed: Understood, vocabulary: Vocabulary, catalog: Catalog): Promise<RequestInterpretation>;
}

export interface AskAnswer {
  understood: AskUnderstood;
  items: ResultItem[];
}

export interface AskOptions {
  user?: string;
  k?: number;
  /** Reads the request instead of the parser (the parser's reading is its fallback). */
  interpreter?: RequestInterpreter;
}

/** Weight of the model's (or popularity's) [0, 1] score next to the text score in [0, 1]. */
const PERSONAL_WEIGHT = 0.5;
const POPULAR_WEIGHT = 0.05;

export class Asker {
  private popularity: Float32Array | undefined;

  private constructor(
    readonly engine: Engine,
    readonly vocabulary: Vocabulary,
    readonly text: TextIndex,
    /** Users' tags of each item (catalogue index -> text), as indexed. */
    readonly tags: ReadonlyMap<number, string>,
  ) {}

  /** Builds the vocabulary and the text index (title, categories and the users' tags of each item). */
  static async open(engine: Engine, o: { tags?: boolean; onProgress?: (done: number, total: number) => void } = {}): Promise<Asker> {
    const catalog = engine.catalog;
    const extra = new Map<number, string>();
    if (o.tags ?? true) {
      // Tags are short: keep the first 2,000 characters per item.
      for await (const rows of engine.store.scan({ batch: 20_000 })) {
        for (const r of rows) {
          if (r.type !== 'review' || !r.text) continue;
          const i = catalog.ids.get(r.item);
          if (i < 0) continue;
          const t = extra.get(i);
          if (!t) extra.set(i, r.text);
          else if (t.length < 2000) extra.set(i, `${t}, ${r.text}`);
        }
      }
    }
    o.onProgress?.(0, catalog.size);
    const vocabulary = buildVocabulary(catalog);
    const text = new TextIndex(catalog, { extra });
    o.onProgress?.(catalog.size, catalog.size);
    return new Asker(engine, vocabulary, text, extra);
  }

  parse(request: string): Understood {
    return parseRequest(request, this.vocabulary, this.engine.catalog);
  }

  async ask(request: string, o: AskOptions = {}): Promise<AskAnswer> {
    const k = o.k ?? 10;
    const parsed = this.parse(request);
    const via: RequestInterpretation = o.interpreter ? await o.interpreter.interpret(request, parsed, this.vocabulary, this.engine.catalog) : { understood: parsed, by: 'parser' };
    const u = via.understood;
    const fc = this.engine.filters;
    const n = this.engine.catalog.size;
    const mask = fc.mask('NOT nonProduct:true', { unknownAttrs: 'empty' });
    let remaining = count(mask);
    const constraints: UnderstoodConstraint[] = [];
    let nothingMatched: string | undefined;
    for (const c of u.constraints) {
      const m = fc.sharedMask(c.filter, { unknownAttrs: 'empty', field: 'request' });
      const before = remaining;
      remaining = 0;
      for (let i = 0; i < n; i++) remaining += mask[i]! &= m[i]!;
      const matches = count(m);
      constraints.push({ ...c, matches, remaining });
      if (!remaining && !nothingMatched) {
        nothingMatched = matches === 0
          ? `nothing matched: no item satisfies "${c.text}" (from "${c.source}")${emptyWhy(c, this.vocabulary)}`
          : `nothing matched: "${c.text}" (from "${c.source}") leaves none of the ${before} items the earlier constraints allowed (${matches} items satisfy it alone)`;
      }
    }
    const filter: FilterNode | undefined = u.constraints.length === 0 ? undefined
      : u.constraints.length === 1 ? u.constraints[0]!.filter : { op: 'and', args: u.constraints.map((c) => c.filter) };
    const warnings = [...u.warnings];
    for (const w of u.queryWords) if (!this.text.has(w)) warnings.push(`no item text has the word "${w}"`);
    const understood: AskUnderstood = { ...u, warnings, constraints, filter, candidates: remaining, personalised: false, ...(nothingMatched ? { nothingMatched } : {}), by: via.by, ...(via.fallback ? { llmFallback: via.fallback } : {}) };
    if (!remaining) return { understood, items: [] };

    // The user's model scores inside the constraints (the engine leaves out what the user has already seen).
    let personal: Float32Array | undefined;
    if (o.user !== undefined) {
      if (!this.engine.trained) warnings.push(`no trained model: not personalised for "${o.user}" (train one with curio train, pass --model)`);
      else {
        try {
          const r = await this.engine.recommend({ recipe: 'recommend', user: o.user, k: Math.min(10_000, remaining), ...(filter ? { filter } : {}) });
          personal = new Float32Array(n).fill(NaN);
          for (const it of r.items) personal[this.engine.catalog.ids.get(it.item)] = it.score;
          for (let i = 0; i < n; i++) if (Number.isNaN(personal[i]!)) mask[i] = 0;
          understood.personalised = true;
        } catch (e) {
          if (!(e instanceof UnknownUserError)) throw e;
          warnings.push(`user "${o.user}" is unknown to the model: not personalised`);
        }
      }
    }
    const prior = personal ? minMax(personal, mask) : await this.popularPrior();

    // The query's words in request order (repeats dropped), so adjacent pairs are the request's own.
    const words = u.queryWords;
    const text = new Float32Array(n);
    const hits = new Uint8Array(n);
    if (words.length) {
      this.text.score(words, mask, text, hits);
      let max = 0;
      for (let i = 0; i < n; i++) if (text[i]! > max) max = text[i]!;
      // Half for the share of query words an item has, half for BM25 (items with every word come first), and a
      // bonus for the query's word pairs found as written ("alarm clock" over "vintage ... clock").
      const adjacent = new Uint8Array(n);
      const pairs = this.text.phrases(words, mask, adjacent);
      if (max > 0) for (let i = 0; i < n; i++) text[i] = 0.5 * (hits[i]! / words.length) + 0.5 * (text[i]! / max) + (pairs ? (0.25 * adjacent[i]!) / pairs : 0);
    }
    const weight = words.length ? (personal ? PERSONAL_WEIGHT : POPULAR_WEIGHT) : 1;
    const scores = new Float32Array(n).fill(NaN);
    for (let i = 0; i < n; i++) if (mask[i]) scores[i] = text[i]! + weight * (Number.isNaN(prior[i]!) ? 0 : prior[i]!);
    const top = topK(scores, k);

    const asked = constraints.filter((c) => !c.negated).map((c) => c.text);
    const avoided = constraints.filter((c) => c.negated).map((c) => c.text.replace(/^not /, ''));
    const items: ResultItem[] = [];
    for (let r = 0; r < top.items.length; r++) {
      const i = top.items[r]!;
      const reasons: Reason[] = [];
      if (asked.length || avoided.length) {
        reasons.push({ kind: 'request', text: [asked.length ? `meets ${asked.join(', ')}` : '', avoided.length ? `avoids ${avoided.join(', ')}` : ''].filter(Boolean).join('; '), evidence: { constraints: constraints.map((c) => c.text) } });
      }
      if (hits[i]) {
        const has = words.filter((w) => this.text.itemHas(w, i));
        reasons.push({ kind: 'text', text: `text matches ${has.map((w) => `"${w}"`).join(', ')}`, evidence: { words: has, score: text[i] } });
      }
      if (personal) reasons.push({ kind: 'model', text: `your model score ${personal[i]!.toFixed(3)}`, evidence: { score: personal[i] } });
      else if (!words.length || !hits[i]) reasons.push({ kind: 'popular', text: 'popular among all users', evidence: { prior: prior[i] } });
      items.push({ rank: r + 1, item: this.engine.catalog.ids.id(i), score: top.scores[r]!, title: this.engine.catalog.title(i) ?? '', reasons });
    }
    return { understood, items };
  }

  /** log(1 + events) of each catalogue item, scaled to [0, 1]; zeros when the store has no events. */
  private async popularPrior(): Promise<Float32Array> {
    if (this.popularity) return this.popularity;
    const n = this.engine.catalog.size;
    const out = new Float32Array(n);
    try {
      const snap = await this.engine.snapshot();
      const c = await this.engine.counts(-Infinity, Infinity);
      let max = 0;
      for (let s = 0; s < c.length; s++) {
        const i = snap.toCatalog[s]!;
        if (i >= 0) { out[i] = Math.log1p(c[s]!); if (out[i]! > max) max = out[i]!; }
      }
      if (max > 0) for (let i = 0; i < n; i++) out[i]! /= max;
    } catch (e) {
      if (!(e instanceof CurioError)) throw e; // a store without events: no prior
    }
    return (this.popularity = out);
  }
}

function count(m: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < m.length; i++) c += m[i]!;
  return c;
}

function minMax(x: Float32Array, mask: Uint8Array): Float32Array {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < x.length; i++) if (mask[i]) { lo = Math.min(lo, x[i]!); hi = Math.max(hi, x[i]!); }
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = mask[i] ? (hi > lo ? (x[i]! - lo) / (hi - lo) : 1) : 0;
  return out;
}

function emptyWhy(c: Constraint, v: Vocabulary): string {
  if (c.negated) return '';
  if (c.kind === 'price' && !v.priceQuartiles) return ': this catalogue has no prices';
  if (c.kind === 'year' && !v.yearField) return ': no item has a year or a date';
  return '';
}
