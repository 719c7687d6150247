/**
 * Short sentences from an explanation's evidence, by template: every name and number in a sentence comes from
 * the explanation (no free text), so a sentence is as true as the evidence. Rule reasons (boost, pin, filters)
 * are phrased where the rules are applied and are not touched here.
 *
 * An LLM may rephrase the sentences (issue 11: "it receives the evidence, not free rein") through the
 * `Rephraser` seam below; no rephraser ships in this module, and the template sentence is kept on any failure.
 */
import { transpose, type Csr } from '../data/csr.ts';
import type { InteractionType } from '../data/types.ts';
import type { Recommender } from '../models/types.ts';
import { citable, type ScoreExplanation } from './contributions.ts';
import { trainingMatrix } from './text-evidence.ts';

/** What an action is called in "because you ___ X" and "people who ___ X". */
const VERBS: Partial<Record<InteractionType, string>> = {
  purchase: 'bought', view: 'viewed', click: 'clicked', cart: 'added to a cart', rating: 'rated', review: 'reviewed', like: 'liked', share: 'shared',
};

/** The verb for a model trained on these interaction types (one type: its verb; several or unknown: neutral). */
export function verbFor(types: readonly string[] | undefined): string {
  if (types && types.length === 1) return VERBS[types[0] as InteractionType] ?? 'chose';
  if (types && types.length > 1 && types.every((t) => t === 'view' || t === 'click')) return 'viewed';
  return 'chose';
}

export interface PhraseOptions {
  /** Display name of a model item, quoted by the caller's convention, e.g. `"Teapot"`. */
  name(item: number): string;
  /** Past tense of the user's action (see verbFor); default 'chose'. */
  verb?: string;
  /** Users who have both history item j and item i, for "people who ... also ..." (see coCounts). */
  together?(j: number, i: number): number;
  /** Most history items named in one sentence (default 3). */
  maxNamed?: number;
}

/** "a", "a and b", "a, b and c". */
export function listNames(names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * The clauses for one explanation, most specific first, lower case (reasons are joined with "; "):
 * - exact shares: `because you bought "X", "Y" and "Z"` (the cited items, largest share first);
 * - one cited item with a co-count: `people who bought "X" also bought this (12 users)`;
 * - UserKNN: `7 of the users most like you bought this`;
 * - BPR: `close in the model's factor space to "X" and "Y" (approximate)`;
 * - popularity: `popular: 120 users`.
 * Empty when there is nothing true to say beyond the score.
 */
export function phrase(x: ScoreExplanation, o: PhraseOptions): string[] {
  const verb = o.verb ?? 'chose';
  const max = o.maxNamed ?? 3;
  const out: string[] = [];
  if (x.method === 'popularity') {
    if (x.score > 0) out.push(`popular: ${+x.score.toFixed(2)} ${x.score === 1 ? 'user' : 'users'}`);
    return out;
  }
  if (x.method === 'factor-similarity') {
    const near = x.contributions.filter((c) => c.value > 0).slice(0, max);
    if (near.length) out.push(`close in the model's factor space to ${listNames(near.map((c) => o.name(c.item)))} (approximate)`);
    return out;
  }
  const cited = citable(x).slice(0, max);
  if (cited.length) out.push(`because you ${verb} ${listNames(cited.map((c) => o.name(c.item)))}`);
  if (x.method === 'user-neighbours' && x.neighbours) {
    const n = x.neighbours.filter((v) => v.value > 0).length;
    if (n) out.push(`${n} of the users most like you ${verb} this`);
  }
  if (cited.length && o.together && (x.method === 'item-weights' || x.method === 'item-neighbours' || x.method === 'ials-closed-form')) {
    const n = o.together(cited[0]!.item, x.item);
    if (n > 0) out.push(`people who ${verb} ${o.name(cited[0]!.item)} also ${verb} this (${n} ${n === 1 ? 'user' : 'users'})`);
  }
  return out;
}

/** First letter up and a full stop: a clause as a stand-alone sentence. */
export function sentence(clause: string): string {
  return `${clause.charAt(0).toUpperCase()}${clause.slice(1)}.`;
}

/** Item × user view of each model's training matrix, for co-counts (built once per model). */
const byItemCache = new WeakMap<Int32Array, Csr>();

/**
 * `together(j, i)`: how many training users have both items (an intersection of two sorted user lists), from
 * the model's own training matrix — the co-occurrence behind "people who bought X also bought this".
 */
export function coCounts(model: Recommender): (j: number, i: number) => number {
  const train = trainingMatrix(model);
  if (!train) return () => 0;
  let t = byItemCache.get(train.indptr);
  if (!t) {
    t = transpose(train);
    byItemCache.set(train.indptr, t);
  }
  const m = t;
  return (j, i) => {
    let p = m.indptr[j]!, q = m.indptr[i]!, n = 0;
    const pe = m.indptr[j + 1]!, qe = m.indptr[i + 1]!;
    while (p < pe && q < qe) {
      const u = m.indices[p]!, v = m.indices[q]!;
      if (u === v) { n++; p++; q++; } else if (u < v) p++; else q++;
    }
    return n;
  };
}

/**
 * The seam for an LLM that rephrases an explanation (issue 11, item 6). It gets the template sentences and the
 * evidence they were made from, and returns one sentence. Implementations talk to an OpenAI-compatible endpoint;
 * `rephraseOrKeep` guards them.
 */
export interface Rephraser {
  rephrase(input: { sentences: string[]; evidence: ScoreExplanation; names: Record<number, string> }, signal: AbortSignal): Promise<string>;
}

/**
 * The rephrased sentence when the rephraser answers in time with a short sentence that quotes only names from
 * the evidence; otherwise the template sentences joined. Never throws: an LLM is an optional nicety.
 */
export async function rephraseOrKeep(
  r: Rephraser | undefined,
  sentences: string[],
  evidence: ScoreExplanation,
  names: Record<number, string>,
  o: { timeoutMs?: number; maxLength?: number } = {},
): Promise<{ text: string; rephrased: boolean; why?: string }> {
  const keep = (why?: string) => ({ text: sentences.map(sentence).join(' '), rephrased: false, ...(why ? { why } : {}) });
  if (!r || !sentences.length) return keep();
  const ctl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => { ctl.abort(); reject(new Error('timed out')); }, o.timeoutMs ?? 5000); });
    const text = (await Promise.race([r.rephrase({ sentences, evidence, names }, ctl.signal), timeout])).trim();
    if (!text) return keep('empty answer');
    if (text.length > (o.maxLength ?? 300)) return keep('answer too long');
    // Anything quoted must be one of the evidence's names: the LLM may reword, not introduce items.
    const allowed = new Set(Object.values(names).map((n) => n.replace(/^"|"$/g, '')));
    for (const q of text.matchAll(/"([^"]+)"/g)) if (!allowed.has(q[1]!)) return keep(`answer names "${q[1]}", which is not in the evidence`);
    return { text, rephrased: true };
  } catch (e) {
    return keep(e instanceof Error ? e.message : String(e));
  } finally {
    clearTimeout(timer);
  }
}
