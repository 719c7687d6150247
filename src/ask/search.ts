/**
 * Personalised search: BM25 over item text and cosine over the items' text vectors (the asker's encoder: `use` when
 * installed, else tfidf/LSA) each retrieve candidates; their
 * rankings are fused by reciprocal rank fusion (Cormack, Clarke & Büttcher 2009), and with a user known to the
 * model its ranking of the candidates joins the fusion as a third list.
 */
import type { ResultItem } from '../engine/engine.ts';
import type { Reason } from '../engine/stages.ts';
import { ConfigError, UnknownUserError } from '../errors.ts';
import { topK } from '../linalg/topk.ts';
import type { TextEncoder } from '../text/encoder.ts';
import { vectorIndex, type VectorIndex } from '../text/vector-index.ts';
import { TfidfEncoder } from '../text/tfidf.ts';
import { STOP_WORDS } from '../text/tokenize.ts';
import { Asker } from './ask.ts';
import { MAX_REQUEST_CHARS } from './parse.ts';
import { asTyped, titleTokens } from './vocabulary.ts';

/** The RRF constant: 60, as in the paper. */
export const RRF_K = 60;

/**
 * Reciprocal rank fusion: each list adds 1 / (k + rank) (rank from 1) to its items' scores; items in no list stay 0.
 * @example reciprocalRankFusion([Int32Array.of(2, 0), Int32Array.of(0)], 3) // [1/62 + 1/61, 0, 1/61]
 */
export function reciprocalRankFusion(lists: readonly Int32Array[], n: number, k = RRF_K): Float64Array {
  const out = new Float64Array(n);
  for (const l of lists) for (let r = 0; r < l.length; r++) out[l[r]!]! += 1 / (k + r + 1);
  return out;
}

export interface SearchAnswer {
  query: string;
  /** The query's words as matched against item text. */
  words: string[];
  personalised: boolean;
  warnings: string[];
  items: ResultItem[];
}

export interface SearchOptions {
  user?: string;
  k?: number;
  /** How many items each retriever contributes to the fusion (default 100). */
  depth?: number;
}

export class Searcher {
  private constructor(
    readonly asker: Asker, readonly encoder: TextEncoder, readonly vectors: Float32Array,
    /** Shared with the searchers made by withAsker: the index is built once. */
    private readonly built: { index?: VectorIndex } = {},
  ) {}

  /** Exact below ANN_THRESHOLD items, an HNSW graph above (built on the first search; the asker's when it shares its vectors). */
  get vectorIndex(): VectorIndex {
    return (this.built.index ??= this.vectors === this.asker.itemVectors?.vectors ? this.asker.vectorIndex! : vectorIndex(this.vectors, this.encoder.dimension));
  }

  /** The same vectors and index, personalised through another asker (one rebound to a server's next engine). */
  withAsker(asker: Asker): Searcher {
    return new Searcher(asker, this.encoder, this.vectors, this.built);
  }

  /**
   * Searches with the asker's item vectors; when it has none, or `dimension` asks for a tfidf space of that size,
   * fits the tfidf encoder on the catalogue's texts (title, categories, tags) and encodes every item.
   */
  static open(asker: Asker, o: { dimension?: number } = {}): Searcher {
    if (asker.itemVectors && o.dimension === undefined) return new Searcher(asker, asker.itemVectors.encoder, asker.itemVectors.vectors);
    const c = asker.engine.catalog;
    const docs: string[] = [];
    for (let i = 0; i < c.size; i++) docs.push(Asker.itemDocument(asker.engine, asker.tags, i));
    const encoder = new TfidfEncoder({ dimension: o.dimension ?? 128 });
    encoder.fit(docs);
    return new Searcher(asker, encoder, encoder.encodeSync(docs));
  }

  async search(query: string, o: SearchOptions = {}): Promise<SearchAnswer> {
    const q = query.trim();
    if (!q) throw new ConfigError('query', 'empty: say what to search for, e.g. "lunch bag"');
    if (q.length > MAX_REQUEST_CHARS) throw new ConfigError('query', `too long: ${q.length} characters (at most ${MAX_REQUEST_CHARS})`);
    const k = o.k ?? 10, depth = o.depth ?? 100;
    const engine = this.asker.engine, c = engine.catalog, n = c.size;
    const allowed = engine.filters.sharedMask('NOT nonProduct:true', { unknownAttrs: 'empty' });
    const words = [...new Set(titleTokens(q).filter((w) => !STOP_WORDS.has(w)))], typed = asTyped(q);
    const warnings: string[] = [];
    for (const w of words) if (!this.asker.text.has(w)) warnings.push(`no item text has the word "${w}"`);

    const bm25 = new Float32Array(n), hits = new Uint8Array(n);
    this.asker.text.score(words, allowed, bm25, hits);
    for (let i = 0; i < n; i++) if (!hits[i]) bm25[i] = NaN;
    const byText = topK(bm25, depth).items;

    const qv = await this.encoder.encode([q]);
    const cos = new Float32Array(n).fill(NaN);
    const nearest = this.vectorIndex.search(qv, depth, allowed);
    const near: number[] = [];
    nearest.items.forEach((i, r) => { if (nearest.scores[r]! > 0) { cos[i] = nearest.scores[r]!; near.push(i); } });
    const byVector = Int32Array.from(near);
    const lists = [byText, byVector];

    let personalised = false;
    const modelRank = new Int32Array(n).fill(-1);
    const candidateIds = [...new Set([...byText, ...byVector])].map((i) => c.ids.id(i));
    if (o.user !== undefined && candidateIds.length) {
      if (!engine.trained) warnings.push(`no trained model: not personalised for "${o.user}"`);
      else {
        try {
          // an id filter, not the request's `candidates` field: the engine does not apply that one (it returned items
          // outside the list, which then joined the fusion)
          const r = await engine.recommend({ recipe: 'recommend', user: o.user, filter: { op: 'in', field: 'id', values: candidateIds }, k: candidateIds.length, excludeSeen: false });
          const ranked = Int32Array.from(r.items, (x) => c.ids.get(x.item));
          ranked.forEach((i, q2) => { modelRank[i] = q2 + 1; });
          lists.push(ranked);
          personalised = true;
        } catch (e) {
          if (!(e instanceof UnknownUserError)) throw e;
          warnings.push(`user "${o.user}" is unknown to the model: not personalised`);
        }
      }
    }
    const none = this.asker.withoutText;
    let textless = 0;
    for (let i = 0; i < n; i++) textless += allowed[i]! & none[i]!;
    if (textless && (byText.length || byVector.length)) warnings.push(`${textless} items have no text (no title, categories or tags): a search cannot find them`);
    if (textless && !byText.length && !byVector.length) return this.byBehaviour(q, words, warnings, allowed, textless, k, o.user);
    const fused = reciprocalRankFusion(lists, n);
    for (let i = 0; i < n; i++) if (!fused[i]) fused[i] = NaN;
    const top = topK(fused, k);
    const textRank = new Int32Array(n), vecRank = new Int32Array(n);
    byText.forEach((i, r) => { textRank[i] = r + 1; });
    byVector.forEach((i, r) => { vecRank[i] = r + 1; });
    const items: ResultItem[] = [];
    for (let r = 0; r < top.items.length; r++) {
      const i = top.items[r]!;
      const reasons: Reason[] = [];
      if (textRank[i]) reasons.push({ kind: 'text', text: `text matches ${words.filter((w) => this.asker.text.itemHas(w, i)).map((w) => `"${typed(w)}"`).join(', ')} (BM25 #${textRank[i]})`, evidence: { rank: textRank[i], bm25: bm25[i] } });
      if (vecRank[i]) reasons.push({ kind: 'similar-text', text: `similar text (cosine ${cos[i]!.toFixed(2)}, ${this.encoder.name}, #${vecRank[i]})`, evidence: { rank: vecRank[i], cosine: cos[i], encoder: this.encoder.name } });
      if (modelRank[i]! > 0) reasons.push({ kind: 'model', text: `your model ranks it #${modelRank[i]} of the matches`, evidence: { rank: modelRank[i] } });
      items.push({ rank: r + 1, item: c.ids.id(i), score: top.scores[r]!, title: c.title(i) ?? '', reasons });
    }
    return { query: q, words, personalised, warnings, items };
  }

  /** Nothing matched the words: the items without text, which words cannot find, ranked by the user's model or popularity. */
  private async byBehaviour(q: string, words: string[], warnings: string[], allowed: Uint8Array, textless: number, k: number, user: string | undefined): Promise<SearchAnswer> {
    const engine = this.asker.engine, c = engine.catalog, n = c.size, none = this.asker.withoutText;
    const ids: string[] = [];
    for (let i = 0; i < n; i++) if (allowed[i] && none[i]) ids.push(c.ids.id(i));
    const items: ResultItem[] = [];
    if (user !== undefined && engine.trained) {
      try {
        const r = await engine.recommend({ recipe: 'recommend', user, filter: { op: 'in', field: 'id', values: ids }, k: Math.min(k, ids.length), excludeSeen: false });
        for (const x of r.items) items.push({ rank: items.length + 1, item: x.item, score: x.score, title: c.title(c.ids.get(x.item)) ?? '', reasons: [{ kind: 'no-text', text: `has no text to match: your model ranks it #${items.length + 1} of the ${textless} items without text` }] });
        warnings.push(`nothing matched "${q}": the ${textless} items without text, ranked by your model`);
        return { query: q, words, personalised: true, warnings, items };
      } catch (e) {
        if (!(e instanceof UnknownUserError)) throw e;
        warnings.push(`user "${user}" is unknown to the model: not personalised`);
      }
    } else if (user !== undefined) warnings.push(`no trained model: not personalised for "${user}"`);
    const pop = await this.asker.popularityPrior();
    const scores = new Float32Array(n).fill(NaN);
    for (let i = 0; i < n; i++) if (allowed[i] && none[i]) scores[i] = pop[i]!;
    const top = topK(scores, k);
    for (let r = 0; r < top.items.length; r++) {
      const i = top.items[r]!;
      items.push({ rank: r + 1, item: c.ids.id(i), score: top.scores[r]!, title: c.title(i) ?? '', reasons: [{ kind: 'no-text', text: 'has no text to match: popular among all users', evidence: { prior: top.scores[r] } }] });
    }
    warnings.push(`nothing matched "${q}": the ${textless} items without text, ranked by popularity`);
    return { query: q, words, personalised: false, warnings, items };
  }
}
