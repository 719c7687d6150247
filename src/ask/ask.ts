/**
 * Answers a plain-words request: the parsed constraints become one filter (applied exactly, never relaxed), the
 * soft query scores the remaining items by BM25 over their text and by the cosine of its vector to the items'
 * text vectors (the `use` encoder when installed, else tfidf/LSA), and a trained model, when the user is known to
 * it, re-ranks inside the constrained set; without a model, popularity breaks ties.
 */
import type { Engine, ResultItem } from '../engine/engine.ts';
import type { Reason } from '../engine/stages.ts';
import { CurioError, UnknownUserError } from '../errors.ts';
import type { FilterNode } from '../rules/index.ts';
import { topK } from '../linalg/topk.ts';
import { encodeCached, textHash, VectorCache, vectorCachePath } from '../text/cache.ts';
import type { FittableTextEncoder, TextEncoder } from '../text/encoder.ts';
import { createEncoder, defaultEncoderSpec, type EncoderSpec } from '../text/registry.ts';
import { ANN_THRESHOLD, vectorIndex, type VectorIndex } from '../text/vector-index.ts';
import { parseRequest, type Constraint, type Understood } from './parse.ts';
import { TextIndex } from './text-index.ts';
import { asTyped, buildVocabulary, type Vocabulary } from './vocabulary.ts';
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
  /** The encoder of the soft query's vector ('none': BM25 only). */
  encoder: string;
  /**
   * How the query vector was compared with the candidates: every one exactly, or (at least annThreshold of them)
   * through the HNSW graph, plus exactly for the items the query's words matched. Unset without a query vector.
   */
  vectorSearch?: 'exact' | 'hnsw';
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

export interface AskerOpenOptions {
  /** Index the users' tags (review texts) with each item (default true). */
  tags?: boolean;
  /**
   * The soft query's vector space: an encoder name or spec; default `defaultEncoderSpec()` (`use` when installed,
   * else `tfidf`, or CURIO_ENCODER); false for BM25 alone.
   */
  encoder?: EncoderSpec | string | false;
  /**
   * Where item vectors are kept between runs, so each is computed once per text change: a file, or false for
   * none. Default: beside the store's file (`<store>.vectors/<encoder key>.vec`); none for an in-memory store or
   * an encoder fitted on the catalogue (tfidf: its space changes with the catalogue, and it encodes in a second).
   */
  vectorCache?: string | false;
  /** Items encoded so far (a progress bar); `note` names the stage. */
  onProgress?: (done: number, total: number, note?: string) => void;
  /**
   * Candidates from which the query vector is compared through an HNSW graph (hnswlib-node) instead of with every
   * candidate: default ANN_THRESHOLD, as `curio search` does.
   */
  annThreshold?: number;
}

/** An encoder with the vectors of every catalogue item (catalogue order, unit rows, zero rows without text). */
export interface ItemTextVectors {
  encoder: TextEncoder;
  vectors: Float32Array;
  /** Items whose vector was computed now (the others came from the cache file). */
  computed: number;
  seconds: number;
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
/** Weight of the query vector's cosine (scaled to [0, 1] over the candidates) next to the BM25 part. */
const VECTOR_WEIGHT = 0.5;
/** Nearest candidates the HNSW graph returns per request (the others get no vector part). */
const ANN_DEPTH = 200;

export class Asker {
  private popularity: Float32Array | undefined;
  private index: VectorIndex | undefined;
  private annThreshold = ANN_THRESHOLD;
  private noText: Uint8Array | undefined;
  /** Whether the popularity prior saw any event (set by popularPrior). */
  private anyEvents = false;

  private constructor(
    readonly engine: Engine,
    readonly vocabulary: Vocabulary,
    readonly text: TextIndex,
    /** Users' tags of each item (catalogue index -> text), as indexed. */
    readonly tags: ReadonlyMap<number, string>,
    /** The items' text vectors, unless opened with `encoder: false`. */
    readonly itemVectors: ItemTextVectors | undefined,
  ) {}

  /**
   * Builds the vocabulary, the text index (title, categories and the users' tags of each item) and the items'
   * text vectors (computed in batches, reusing the vector cache beside the store).
   */
  static async open(engine: Engine, o: AskerOpenOptions = {}): Promise<Asker> {
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
    o.onProgress?.(0, catalog.size, 'words');
    const text = new TextIndex(catalog, { extra });
    // what the items' own text says a word means checks its word-vector synonyms (word-synonyms.ts)
    const vocabulary = buildVocabulary(catalog, { textItems: (w) => text.items(w) });
    o.onProgress?.(catalog.size, catalog.size, 'words');
    const itemVectors = o.encoder === false ? undefined : await encodeCatalog(engine, extra, createEncoder(defaultEncoderSpec(o.encoder)), o);
    const asker = new Asker(engine, vocabulary, text, extra, itemVectors);
    if (o.annThreshold !== undefined) asker.annThreshold = o.annThreshold;
    return asker;
  }

  /**
   * The item vectors' index (undefined without vectors), built on first use: an exact scan below the ANN threshold,
   * an HNSW graph at or above it (src/text/vector-index.ts; `curio search` shares it).
   */
  get vectorIndex(): VectorIndex | undefined {
    if (!this.itemVectors) return undefined;
    return (this.index ??= vectorIndex(this.itemVectors.vectors, this.itemVectors.encoder.dimension, { threshold: this.annThreshold }));
  }

  /** The text encoded for catalogue item i: title, categories, users' tags. */
  static itemDocument(engine: Engine, tags: ReadonlyMap<number, string>, i: number): string {
    const c = engine.catalog;
    return [c.title(i) ?? '', c.categories(i).join(', '), tags.get(i) ?? ''].filter(Boolean).join('. ');
  }

  /** 1 for the catalogue items with no text at all (no title, categories or users' tags): words cannot find them. */
  get withoutText(): Uint8Array {
    if (this.noText) return this.noText;
    const c = this.engine.catalog, out = new Uint8Array(c.size);
    for (let i = 0; i < c.size; i++) if (!c.title(i) && !c.categories(i).length && !this.tags.get(i)) out[i] = 1;
    return (this.noText = out);
  }

  /** log(1 + events) of each catalogue item, scaled to [0, 1] (zeros without events): the ranking without a model. */
  popularityPrior(): Promise<Float32Array> {
    return this.popularPrior();
  }

  /**
   * The same vocabulary, text index and item vectors answering through another engine over the same catalogue (a
   * server's next model or refitted recipes): nothing is rebuilt.
   */
  withEngine(engine: Engine): Asker {
    if (engine.catalog !== this.engine.catalog) throw new CurioError('Asker.withEngine: the engine reads another catalogue; open a new Asker');
    const a = new Asker(engine, this.vocabulary, this.text, this.tags, this.itemVectors);
    a.annThreshold = this.annThreshold;
    a.noText = this.noText;
    a.index = this.index;
    return a;
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
    const typed = asTyped(u.query);
    for (const w of u.queryWords) if (!this.text.has(w)) warnings.push(`no item text has the word "${typed(w)}"`);
    const understood: AskUnderstood = { ...u, warnings, constraints, filter, candidates: remaining, personalised: false, ...(nothingMatched ? { nothingMatched } : {}), by: via.by, ...(via.fallback ? { llmFallback: via.fallback } : {}), encoder: this.itemVectors?.encoder.name ?? 'none' };
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
    const behaviour = personal ? 'your model' : 'popularity';
    const noEvents = !personal && !this.anyEvents;
    if (noEvents) warnings.push('no events in the store: nothing to rank by but the words (items they do not separate come in catalogue order)');
    let textless = 0;
    if (u.queryWords.length) {
      const none = this.withoutText;
      let left = 0; // the candidates still in (the user's seen items are out when personalised)
      for (let i = 0; i < n; i++) { textless += mask[i]! & none[i]!; left += mask[i]!; }
      if (textless) warnings.push(`${textless} of the ${left} candidates have no text (no title, categories or tags): the words cannot rank them, ${behaviour} alone does`);
    }

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
    // The query's meaning: items close to it score even without its words ("spooky" finds "ghost stories").
    let cosine: Float32Array | undefined;
    if (words.length && this.itemVectors) {
      const { encoder, vectors } = this.itemVectors, d = encoder.dimension;
      const qv = await encoder.encode([u.query]);
      cosine = new Float32Array(n);
      const dot = (i: number) => {
        let c = 0;
        for (let x = 0, o = i * d; x < d; x++) c += vectors[o + x]! * qv[x]!;
        return c;
      };
      const index = remaining >= this.annThreshold ? this.vectorIndex! : undefined;
      if (index?.kind === 'hnsw') {
        // the graph's nearest candidates, and every candidate the words matched (a posting list: few) exactly
        const near = index.search(qv, Math.max(ANN_DEPTH, k), mask);
        for (let r = 0; r < near.items.length; r++) cosine[near.items[r]!] = Math.max(0, near.scores[r]!);
        for (let i = 0; i < n; i++) if (hits[i] && mask[i]) cosine[i] = Math.max(0, dot(i));
        understood.vectorSearch = 'hnsw';
      } else {
        for (let i = 0; i < n; i++) if (mask[i]) cosine[i] = Math.max(0, dot(i));
        understood.vectorSearch = 'exact';
      }
      let max = 0;
      for (let i = 0; i < n; i++) if (cosine[i]! > max) max = cosine[i]!;
      if (max > 0) for (let i = 0; i < n; i++) text[i]! += (VECTOR_WEIGHT * cosine[i]!) / max;
      else cosine = undefined;
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
      if (textless && this.withoutText[i]) reasons.push({ kind: 'no-text', text: `has no text to match the words: ranked by ${behaviour}` });
      if (asked.length || avoided.length) {
        reasons.push({ kind: 'request', text: [asked.length ? `meets ${asked.join(', ')}` : '', avoided.length ? `avoids ${avoided.join(', ')}` : ''].filter(Boolean).join('; '), evidence: { constraints: constraints.map((c) => c.text) } });
      }
      if (hits[i]) {
        const has = words.filter((w) => this.text.itemHas(w, i));
        reasons.push({ kind: 'text', text: `text matches ${has.map((w) => `"${typed(w)}"`).join(', ')}`, evidence: { words: has, score: text[i] } });
      }
      if (cosine && cosine[i]! > 0) reasons.push({ kind: 'similar-text', text: `text close to "${u.query}" (cosine ${cosine[i]!.toFixed(2)}, ${understood.encoder})`, evidence: { cosine: cosine[i], encoder: understood.encoder } });
      if (personal) reasons.push({ kind: 'model', text: `your model score ${personal[i]!.toFixed(3)}`, evidence: { score: personal[i] } });
      else if (!words.length || (!hits[i] && !(cosine && cosine[i]! > 0))) {
        reasons.push(prior[i]! > 0 ? { kind: 'popular', text: 'popular among all users', evidence: { prior: prior[i] } } : { kind: 'popular', text: 'no one has interacted with it yet', evidence: { prior: 0 } });
      }
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
      this.anyEvents = max > 0;
    } catch (e) {
      if (!(e instanceof CurioError)) throw e; // a store without events: no prior
    }
    return (this.popularity = out);
  }
}

/** Every catalogue item's text vector, from the cache file where the text is unchanged, the rest encoded now. */
async function encodeCatalog(engine: Engine, tags: ReadonlyMap<number, string>, encoder: TextEncoder, o: AskerOpenOptions): Promise<ItemTextVectors> {
  const t0 = performance.now();
  const n = engine.catalog.size;
  const docs: string[] = [];
  for (let i = 0; i < n; i++) docs.push(Asker.itemDocument(engine, tags, i));
  const fitted = 'fit' in encoder;
  if (fitted) (encoder as FittableTextEncoder).fit(docs.filter((t) => t.length > 0));
  const file = o.vectorCache !== undefined ? o.vectorCache || undefined : fitted ? undefined : storeFile(engine.store.url);
  const path = file === undefined ? undefined : o.vectorCache ? file : vectorCachePath(file, encoder.key);
  const cache = path ? VectorCache.load(path, encoder.key, encoder.dimension) : new VectorCache(encoder.key, encoder.dimension);
  const known = docs.filter((t) => cache.get(textHash(t))).length;
  o.onProgress?.(known, n, `vectors (${encoder.name})`);
  const vectors = await encodeCached(encoder, docs, cache, { batch: 64, onProgress: (done) => o.onProgress?.(known + done, n, `vectors (${encoder.name})`) });
  const computed = n - known;
  if (path && computed > 0) {
    // keep only the current texts' vectors: the file does not grow with every edit
    const kept = new VectorCache(encoder.key, encoder.dimension);
    for (const t of docs) { const h = textHash(t); kept.set(h, cache.get(h)!); }
    kept.save(path);
  }
  return { encoder, vectors, computed, seconds: (performance.now() - t0) / 1000 };
}

/** The SQLite file behind a store URL (`sqlite:path`), undefined for an in-memory or non-file store. */
function storeFile(url: string): string | undefined {
  const m = /^sqlite:(.+)$/.exec(url);
  return m && m[1] !== ':memory:' ? m[1] : undefined;
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
