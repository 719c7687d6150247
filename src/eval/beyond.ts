/**
 * Beyond-accuracy metrics of top-K lists. Per-user metrics sit beside NDCG in `EvaluationResult.perUser`
 * (keys "novelty@10" ...); catalogue-level ones (exposure, personalisation, mutual information) are single
 * numbers in `means`. Every function here is pure over typed arrays; `BeyondAccumulator` is what the
 * evaluator feeds one user at a time.
 *
 * Popularity is always measured on the TRAINING data: n_i = number of distinct training users with item i.
 */
import { ConfigError } from '../errors.ts';
import type { Csr } from '../data/csr.ts';
import { mulberry32 } from '../data/random.ts';
import { CategoryJaccard, requireCategories, type ItemCategories, type ItemSimilarity } from '../rerank/similarity.ts';

/** Per-user metrics, then catalogue-level ones. */
export const BEYOND_USER_METRICS = ['ild', 'novelty', 'serendipity', 'longtail', 'calibration'] as const;
export const BEYOND_CATALOGUE_METRICS = ['gini', 'entropy', 'personalisation', 'mi'] as const;
export const BEYOND_METRIC_NAMES = [...BEYOND_USER_METRICS, ...BEYOND_CATALOGUE_METRICS] as const;
export type BeyondMetricName = (typeof BEYOND_METRIC_NAMES)[number];
/** Metrics that cannot be computed without item categories. */
export const NEEDS_CATEGORIES: readonly BeyondMetricName[] = ['calibration', 'mi'];

/**
 * Intra-list diversity (Ziegler et al. 2005; Smyth & McClave 2001): 1 − mean pairwise similarity of the
 * first k items, ILD = 1 − (2 / (k(k−1))) Σ_{a<b} sim(i_a, i_b). NaN for lists shorter than 2.
 */
export function intraListDiversity(list: Int32Array, sim: ItemSimilarity, k = list.length): number {
  const n = Math.min(k, list.length);
  if (n < 2) return NaN;
  let s = 0;
  for (let a = 1; a < n; a++) for (let b = 0; b < a; b++) s += sim.similarity(list[a]!, list[b]!);
  return 1 - s / ((n * (n - 1)) / 2);
}

/**
 * Self-information of each item, −log2 p(i) in bits (Zhou et al. 2010, "novelty"), with
 * p(i) = max(n_i, 1) / |U_train|: the share of training users who interacted with i, floored at one user so an
 * item never seen in training has the finite, largest novelty log2 |U_train|.
 */
export function selfInformation(train: Csr, nItems: number): Float64Array {
  const count = itemUserCounts(train, nItems);
  let users = 0;
  for (let u = 0; u < train.rows; u++) if (train.indptr[u + 1]! > train.indptr[u]!) users++;
  const out = new Float64Array(nItems);
  for (let i = 0; i < nItems; i++) out[i] = Math.log2(Math.max(users, 1) / Math.max(count[i]!, 1));
  return out;
}

/** n_i: distinct users per item in a (deduplicated) user × item CSR. */
export function itemUserCounts(train: Csr, nItems: number): Float64Array {
  const c = new Float64Array(nItems);
  for (let p = 0, n = train.indptr[train.rows]!; p < n; p++) { const i = train.indices[p]!; if (i < nItems) c[i]!++; }
  return c;
}

/** Novelty@k of a list: mean self-information (bits) of its first k items. NaN for an empty list. */
export function novelty(list: Int32Array, selfInfo: Float64Array, k = list.length): number {
  const n = Math.min(k, list.length);
  if (n === 0) return NaN;
  let s = 0;
  for (let r = 0; r < n; r++) s += selfInfo[list[r]!]!;
  return s / n;
}

/**
 * Serendipity@k (Ge, Delgado-Battenfeld & Jannach 2010; Murakami et al. 2008): the share of the k slots
 * holding an item that is relevant AND unexpected, where unexpected = not in the popularity baseline's top-k
 * for this user (most-popular training items after removing the same excluded items the model had removed).
 * serendipity = |{r < k : relevant(i_r) and i_r ∉ PopTop_k(u)}| / k.
 */
export function serendipity(list: Int32Array, relevant: Uint8Array, popTop: Int32Array, k: number): number {
  let n = 0;
  for (let r = 0, e = Math.min(k, list.length); r < e; r++) {
    const i = list[r]!;
    if (!relevant[i]) continue;
    let expected = false;
    for (let q = 0, m = Math.min(k, popTop.length); q < m; q++) if (popTop[q] === i) { expected = true; break; }
    if (!expected) n++;
  }
  return n / k;
}

/**
 * The long tail: items outside the head, the smallest set of most popular items that holds at least `headShare`
 * (default 80%) of the training interactions (Abdollahpouri et al. 2019). 1 = tail. Ties at the boundary go by
 * item index so the split is deterministic.
 */
export function longTailMask(counts: Float64Array, headShare = 0.8): Uint8Array {
  const n = counts.length;
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => counts[b]! - counts[a]! || a - b);
  let total = 0;
  for (let i = 0; i < n; i++) total += counts[i]!;
  const tail = new Uint8Array(n).fill(1);
  let acc = 0;
  for (let q = 0; q < n && acc < headShare * total; q++) { const i = order[q]!; tail[i] = 0; acc += counts[i]!; }
  return tail;
}

/** Long-tail share@k: fraction of the first k items that are in the tail. NaN for an empty list. */
export function longTailShare(list: Int32Array, tail: Uint8Array, k = list.length): number {
  const n = Math.min(k, list.length);
  if (n === 0) return NaN;
  let t = 0;
  for (let r = 0; r < n; r++) t += tail[list[r]!]!;
  return t / n;
}

/**
 * Gini index of exposure (how unequally recommendation slots are spread over the catalogue; 0 = every item
 * equally often, → 1 = all slots on one item), over ALL catalogue items including never-recommended ones:
 * G = Σ_{j=1..n} (2j − n − 1) x_(j) / (n Σ x), x sorted ascending (Gini 1912; as in Fleder & Hosanagar 2009).
 */
export function giniIndex(exposure: Float64Array): number {
  const n = exposure.length;
  const x = Float64Array.from(exposure).sort();
  let s = 0, w = 0;
  for (let j = 0; j < n; j++) { s += x[j]!; w += (2 * (j + 1) - n - 1) * x[j]!; }
  return s > 0 ? w / (n * s) : NaN;
}

/** Shannon entropy of exposure in bits: H = −Σ p_i log2 p_i with p_i = exposure_i / Σ exposure. */
export function exposureEntropy(exposure: Float64Array): number {
  let s = 0;
  for (let i = 0; i < exposure.length; i++) s += exposure[i]!;
  if (!(s > 0)) return NaN;
  let h = 0;
  for (let i = 0; i < exposure.length; i++) { const p = exposure[i]! / s; if (p > 0) h -= p * Math.log2(p); }
  return h;
}

/**
 * The exposure (long-tail) curve of a model's lists: items ordered by training popularity (most popular first,
 * ties by index as in `longTailMask`), and at each share x of the catalogue (`points` + 1 evenly spaced
 * values from 0 to 1, rounded to whole items) the share of all recommendation slots that went to those top
 * items — a concentration curve (Lorenz-style, read from the popular end). `trainingShare` is the same curve
 * for the training interactions, the reference a model that merely mirrors popularity would follow; the head
 * (`headItems`, the most popular items holding `headShare` of training interactions) and the share of slots
 * on the tail beyond it (`tailSlotShare`) are the numbers a reader looks for on it.
 */
export interface ExposureCurve {
  k: number;
  catalogueShare: number[];
  slotShare: number[];
  trainingShare: number[];
  headItems: number;
  nItems: number;
  tailSlotShare: number;
}

export function exposureCurve(exposure: Float64Array, counts: Float64Array, k: number, points = 100, headShare = 0.8): ExposureCurve {
  const n = exposure.length;
  if (counts.length !== n) throw new RangeError(`exposure has ${n} items, counts ${counts.length}`);
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => counts[b]! - counts[a]! || a - b);
  const tail = longTailMask(counts, headShare);
  let slots = 0, train = 0, tailSlots = 0, headItems = 0;
  for (let i = 0; i < n; i++) { slots += exposure[i]!; train += counts[i]!; tailSlots += tail[i]! ? exposure[i]! : 0; headItems += tail[i]! ? 0 : 1; }
  const catalogueShare: number[] = [], slotShare: number[] = [], trainingShare: number[] = [];
  let q = 0, cs = 0, ct = 0;
  for (let j = 0; j <= points; j++) {
    const upTo = Math.round((j * n) / points);
    for (; q < upTo; q++) { cs += exposure[order[q]!]!; ct += counts[order[q]!]!; }
    catalogueShare.push(n ? upTo / n : 0);
    slotShare.push(slots > 0 ? cs / slots : 0);
    trainingShare.push(train > 0 ? ct / train : 0);
  }
  return { k, catalogueShare, slotShare, trainingShare, headItems, nItems: n, tailSlotShare: slots > 0 ? tailSlots / slots : NaN };
}

/**
 * Category distribution of a set of items (Steck 2018, eq. 1–2 with uniform weights): each item spreads
 * weight 1 evenly over its categories, p(g) = Σ_i 1[g ∈ G(i)] / |G(i)| / #categorised items. Items without
 * categories are ignored. Writes into `out` (length nCategories); returns the number of categorised items.
 */
export function categoryDistribution(items: ArrayLike<number>, n: number, cats: ItemCategories, out: Float64Array): number {
  out.fill(0);
  let used = 0;
  for (let r = 0; r < n; r++) {
    const i = items[r]!;
    const a = cats.indptr[i]!, b = cats.indptr[i + 1]!;
    if (b === a) continue;
    used++;
    const w = 1 / (b - a);
    for (let p = a; p < b; p++) out[cats.indices[p]!]! += w;
  }
  if (used) for (let g = 0; g < out.length; g++) out[g]! /= used;
  return used;
}

/** Steck's (2018) smoothing of the list's distribution: q̃ = (1 − α) q + α p, α = 0.01, so KL stays finite. */
export const CALIBRATION_ALPHA = 0.01;

/**
 * Miscalibration (Steck 2018, eq. 3): C_KL(p, q) = KL(p ‖ q̃) = Σ_g p(g) ln(p(g) / q̃(g)) in nats, p = the
 * user's history distribution, q = the list's, q̃ = (1 − α) q + α p. 0 = the list mirrors the history.
 */
export function calibrationKL(p: Float64Array, q: Float64Array, alpha = CALIBRATION_ALPHA): number {
  let kl = 0;
  for (let g = 0; g < p.length; g++) {
    const pg = p[g]!;
    if (pg > 0) kl += pg * Math.log(pg / ((1 - alpha) * q[g]! + alpha * pg));
  }
  return kl;
}

/**
 * Mutual information (bits) between a history category H and a recommended category R, for a user U drawn
 * uniformly among evaluated users and then H ~ p(·|U), R ~ q(·|U) independently given U:
 * P(h, r) = mean_u p(h|u) q(r|u); I(H; R) = Σ P(h, r) log2(P(h, r) / (P(h) P(r))). 0 = the categories shown
 * carry no information about the user's tastes (e.g. everyone gets the same list). `joint` is G×G row-major
 * (h rows, r columns), summed over users; it is normalised here.
 */
export function mutualInformation(joint: Float64Array, g: number): number {
  let s = 0;
  for (let x = 0; x < joint.length; x++) s += joint[x]!;
  if (!(s > 0)) return NaN;
  const ph = new Float64Array(g), pr = new Float64Array(g);
  for (let h = 0; h < g; h++) for (let r = 0; r < g; r++) { const v = joint[h * g + r]! / s; ph[h]! += v; pr[r]! += v; }
  let mi = 0;
  for (let h = 0; h < g; h++) for (let r = 0; r < g; r++) {
    const v = joint[h * g + r]! / s;
    if (v > 0) mi += v * Math.log2(v / (ph[h]! * pr[r]!));
  }
  return Math.max(0, mi);
}

/**
 * Personalisation (Zhou et al. 2010's inter-user diversity): 1 − mean over user pairs of |L_a ∩ L_b| / k, the
 * lists' first k items. `lists` holds `nUsers` rows of `stride` items (−1 = empty slot). All pairs when there
 * are at most `maxPairs`, else `maxPairs` pairs drawn uniformly with a seeded generator (mulberry32(seed)).
 */
export function personalisation(lists: Int32Array, nUsers: number, stride: number, k: number, o: { maxPairs?: number; seed?: number } = {}): number {
  if (nUsers < 2) return NaN;
  const maxPairs = o.maxPairs ?? 200_000;
  const kk = Math.min(k, stride);
  let maxItem = 0;
  for (let x = 0; x < lists.length; x++) if (lists[x]! > maxItem) maxItem = lists[x]!;
  const mark = new Int32Array(maxItem + 1).fill(-1);
  let overlap = 0, pairs = 0;
  const pair = (a: number, b: number) => {
    for (let r = 0; r < kk; r++) { const i = lists[a * stride + r]!; if (i >= 0) mark[i] = pairs; }
    let o2 = 0;
    for (let r = 0; r < kk; r++) { const i = lists[b * stride + r]!; if (i >= 0 && mark[i] === pairs) o2++; }
    overlap += o2 / k; pairs++;
  };
  if ((nUsers * (nUsers - 1)) / 2 <= maxPairs) {
    for (let a = 1; a < nUsers; a++) for (let b = 0; b < a; b++) pair(a, b);
  } else {
    const rng = mulberry32(o.seed ?? 0);
    while (pairs < maxPairs) {
      const a = Math.floor(rng() * nUsers), b = Math.floor(rng() * nUsers);
      if (a !== b) pair(a, b);
    }
  }
  return 1 - overlap / pairs;
}

export interface BeyondOptions {
  /** Which beyond-accuracy metrics (default: every one the given side data allows; see `defaultBeyondMetrics`). */
  metrics?: readonly string[];
  /** Item categories (index space of the evaluated model); enables calibration, mi, and ILD by Jaccard. */
  categories?: ItemCategories;
  /** Item similarity for ILD; default Jaccard over `categories`. */
  similarity?: ItemSimilarity;
  /** Share of training interactions held by the head (default 0.8). */
  headShare?: number;
  /** Seed and cap of sampled user pairs for personalisation. */
  seed?: number;
  maxPairs?: number;
}

/** Beyond metrics computed by default: all that need no side data, plus ILD/calibration/mi when it is given. */
export function defaultBeyondMetrics(o: BeyondOptions): BeyondMetricName[] {
  const hasCats = !!o.categories && o.categories.nCategorised > 0;
  return BEYOND_METRIC_NAMES.filter((m) => (m === 'ild' ? hasCats || !!o.similarity : NEEDS_CATEGORIES.includes(m) ? hasCats : true));
}

/** Validates names (ConfigError naming `field`) and the side data each needs. */
export function resolveBeyondMetrics(o: BeyondOptions, field = 'beyond.metrics'): BeyondMetricName[] {
  if (!o.metrics) return defaultBeyondMetrics(o);
  const out: BeyondMetricName[] = [];
  for (const m of o.metrics) {
    if (!(BEYOND_METRIC_NAMES as readonly string[]).includes(m)) throw new ConfigError(field, `unknown metric "${m}" (known: ${BEYOND_METRIC_NAMES.join(', ')})`);
    const name = m as BeyondMetricName;
    if (NEEDS_CATEGORIES.includes(name) || (name === 'ild' && !o.similarity)) requireCategories(o.categories, field, `metric "${name}"`);
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/**
 * Collects the beyond-accuracy metrics during an evaluation: `addUser` once per evaluated user (in row order),
 * then `finish`. Costs O(k²) similarity calls (ILD), O(k) lookups and a walk down the popularity order
 * (serendipity), and O(history + G²) (calibration, mi) per user.
 */
export class BeyondAccumulator {
  readonly metrics: BeyondMetricName[];
  readonly perUser: Record<string, Float32Array> = {};
  private readonly ks: number[];
  private readonly maxK: number;
  private readonly selfInfo: Float64Array;
  private readonly tail: Uint8Array;
  private readonly popOrder: Int32Array;
  private readonly popTop: Int32Array;
  private readonly counts: Float64Array;
  private readonly exposure: Float64Array[];
  private readonly lists: Int32Array;
  private readonly joint: Float64Array[];
  private readonly sim: ItemSimilarity | undefined;
  private readonly cats: ItemCategories | undefined;
  private readonly p: Float64Array;
  private readonly q: Float64Array;
  private rows = 0;

  constructor(train: Csr, readonly nItems: number, ks: readonly number[], capacity: number, private readonly o: BeyondOptions = {}) {
    this.metrics = resolveBeyondMetrics(o);
    this.ks = [...ks];
    this.maxK = Math.max(...ks);
    const counts = itemUserCounts(train, nItems);
    this.counts = counts;
    this.selfInfo = selfInformation(train, nItems);
    this.tail = longTailMask(counts, o.headShare ?? 0.8);
    this.popOrder = Int32Array.from({ length: nItems }, (_, i) => i).sort((a, b) => counts[b]! - counts[a]! || a - b);
    this.popTop = new Int32Array(this.maxK);
    this.cats = o.categories;
    this.sim = o.similarity ?? (o.categories ? new CategoryJaccard(o.categories) : undefined);
    const g = this.cats?.nCategories ?? 0;
    this.p = new Float64Array(g); this.q = new Float64Array(g);
    for (const m of this.metrics) if ((BEYOND_USER_METRICS as readonly string[]).includes(m)) for (const k of ks) this.perUser[`${m}@${k}`] = new Float32Array(capacity);
    this.exposure = this.ks.map(() => new Float64Array(this.has('gini') || this.has('entropy') ? nItems : 0));
    this.lists = new Int32Array(this.has('personalisation') ? capacity * this.maxK : 0).fill(-1);
    this.joint = this.ks.map(() => new Float64Array(this.has('mi') ? g * g : 0));
  }

  private has(m: BeyondMetricName): boolean { return this.metrics.includes(m); }

  /**
   * One user's ranked list (best first, up to max K), their relevant-item mask, their history (training or
   * fold-in items) and `excluded(i)` — the items removed from their ranking, which the popularity baseline
   * skips too.
   */
  addUser(ranked: Int32Array, relevant: Uint8Array, history: Int32Array, excluded: (i: number) => boolean): void {
    const row = this.rows++;
    const v = this.perUser;
    let nPop = -1;
    let hasHist = -1;
    for (let x = 0; x < this.ks.length; x++) {
      const k = this.ks[x]!;
      const n = Math.min(k, ranked.length);
      if (this.has('ild')) v[`ild@${k}`]![row] = intraListDiversity(ranked, this.sim!, k);
      if (this.has('novelty')) v[`novelty@${k}`]![row] = novelty(ranked, this.selfInfo, k);
      if (this.has('longtail')) v[`longtail@${k}`]![row] = longTailShare(ranked, this.tail, k);
      if (this.has('serendipity')) {
        if (nPop < 0) {
          nPop = 0;
          for (let q = 0; q < this.popOrder.length && nPop < this.maxK; q++) { const i = this.popOrder[q]!; if (!excluded(i)) this.popTop[nPop++] = i; }
        }
        v[`serendipity@${k}`]![row] = serendipity(ranked, relevant, this.popTop.subarray(0, nPop), k);
      }
      if (this.exposure[x]!.length) for (let r = 0; r < n; r++) this.exposure[x]![ranked[r]!]!++;
      if (this.has('calibration') || this.has('mi')) {
        const cats = this.cats!;
        if (hasHist < 0) hasHist = categoryDistribution(history, history.length, cats, this.p) > 0 ? 1 : 0;
        const used = hasHist ? categoryDistribution(ranked, n, cats, this.q) : 0;
        if (this.has('calibration')) v[`calibration@${k}`]![row] = used ? calibrationKL(this.p, this.q) : NaN;
        if (this.has('mi') && used) {
          const g = cats.nCategories, J = this.joint[x]!;
          for (let h = 0; h < g; h++) { const ph = this.p[h]!; if (ph > 0) for (let r = 0; r < g; r++) J[h * g + r]! += ph * this.q[r]!; }
        }
      }
    }
    if (this.lists.length) this.lists.set(ranked.subarray(0, this.maxK), row * this.maxK);
  }

  /**
   * Per-user columns trimmed to the users added, means over users where the metric is defined (NaN skipped), and
   * the exposure curve per K (when gini or entropy is computed: they share the exposure counts).
   */
  finish(): { perUser: Record<string, Float32Array>; means: Record<string, number>; exposure: ExposureCurve[] } {
    const perUser: Record<string, Float32Array> = {};
    const means: Record<string, number> = {};
    for (const [key, a] of Object.entries(this.perUser)) {
      const col = a.slice(0, this.rows);
      perUser[key] = col;
      let s = 0, n = 0;
      for (let q = 0; q < col.length; q++) if (!Number.isNaN(col[q]!)) { s += col[q]!; n++; }
      means[key] = n ? s / n : NaN;
    }
    for (let x = 0; x < this.ks.length; x++) {
      const k = this.ks[x]!;
      if (this.has('gini')) means[`gini@${k}`] = giniIndex(this.exposure[x]!);
      if (this.has('entropy')) means[`entropy@${k}`] = exposureEntropy(this.exposure[x]!);
      if (this.has('personalisation')) {
        means[`personalisation@${k}`] = personalisation(this.lists.subarray(0, this.rows * this.maxK), this.rows, this.maxK, k,
          { ...(this.o.maxPairs !== undefined ? { maxPairs: this.o.maxPairs } : {}), seed: this.o.seed ?? 0 });
      }
      if (this.has('mi')) means[`mi@${k}`] = mutualInformation(this.joint[x]!, this.cats!.nCategories);
    }
    const exposure = this.exposure[0]!.length ? this.ks.map((k, x) => exposureCurve(this.exposure[x]!, this.counts, k, 100, this.o.headShare ?? 0.8)) : [];
    return { perUser, means, exposure };
  }
}
