/**
 * Item categories and item-to-item similarities, shared by the beyond-accuracy metrics (src/eval/beyond.ts)
 * and the re-rankers. Items are dense indices of one space (a model's / a split's item IdMap, or the catalog).
 */
import { ConfigError } from '../errors.ts';
import type { IdMap } from '../data/ids.ts';

/**
 * Categories of every item as a CSR over typed arrays: item i has category indices
 * indices[indptr[i]..indptr[i+1]), sorted ascending and distinct; `names[c]` is category c's label.
 */
export class ItemCategories {
  private constructor(
    readonly names: readonly string[],
    readonly indptr: Int32Array,
    readonly indices: Int32Array,
  ) {}

  get nItems(): number { return this.indptr.length - 1; }
  get nCategories(): number { return this.names.length; }
  /** Items that have at least one category. */
  get nCategorised(): number {
    let n = 0;
    for (let i = 0; i < this.nItems; i++) if (this.indptr[i + 1]! > this.indptr[i]!) n++;
    return n;
  }

  of(i: number): Int32Array { return this.indices.subarray(this.indptr[i]!, this.indptr[i + 1]!); }

  /** From a category list per item index (undefined or empty = uncategorised). Category order = first seen. */
  static fromLists(nItems: number, categoriesOf: (i: number) => readonly string[] | undefined): ItemCategories {
    const ids = new Map<string, number>();
    const names: string[] = [];
    const indptr = new Int32Array(nItems + 1);
    const out: number[] = [];
    for (let i = 0; i < nItems; i++) {
      const cs = categoriesOf(i) ?? [];
      const row: number[] = [];
      for (const c of cs) {
        let g = ids.get(c);
        if (g === undefined) { g = names.length; ids.set(c, g); names.push(c); }
        if (!row.includes(g)) row.push(g);
      }
      row.sort((a, b) => a - b);
      out.push(...row);
      indptr[i + 1] = out.length;
    }
    return new ItemCategories(names, indptr, Int32Array.from(out));
  }

  /** Aligns item rows (e.g. from `store.scanItems`) to `items`; ids absent from `rows` get no categories. */
  static fromRows(items: IdMap, rows: Iterable<{ id: string; categories?: readonly string[] }>): ItemCategories {
    const byIndex: (readonly string[] | undefined)[] = new Array(items.size);
    for (const r of rows) { const i = items.get(r.id); if (i >= 0) byIndex[i] = r.categories; }
    return ItemCategories.fromLists(items.size, (i) => byIndex[i]);
  }
}

/** Throws the ConfigError a category-based metric or re-ranker gives on data without categories. */
export function requireCategories(c: ItemCategories | undefined, field: string, what: string): ItemCategories {
  if (!c || c.nCategorised === 0) {
    throw new ConfigError(field, `${what} needs item categories, and ${c ? 'no item of this data has any' : 'none were given'} (import items with categories, or drop ${what})`);
  }
  return c;
}

/**
 * A similarity between two items of one index space. Re-rankers and intra-list diversity take any
 * implementation: category Jaccard and factor cosine here; text vectors only need a `VectorSimilarity` over
 * their embeddings (or their own class). DPP needs a positive semi-definite similarity: cosine is (a Gram matrix
 * of unit vectors), and so is Jaccard of sets (Bouchard, Jousselme & Doré 2013; rerank.test.ts checks it).
 */
export interface ItemSimilarity {
  /** Short label for reports, e.g. "jaccard(categories)". */
  readonly name: string;
  readonly nItems: number;
  /** sim(a, b) = sim(b, a), sim(a, a) = 1 for items with features; in [0, 1] (Jaccard) or [-1, 1] (cosine). */
  similarity(a: number, b: number): number;
  /** Optional fast path for re-rankers: out[q] = similarity(a, items[q]) for every q. */
  row?(a: number, items: Int32Array, out: Float64Array): void;
}

/** out[q] = sim(a, items[q]), through the similarity's fast path when it has one. */
export function similarityRow(sim: ItemSimilarity, a: number, items: Int32Array, out: Float64Array): void {
  if (sim.row) { sim.row(a, items, out); return; }
  for (let q = 0; q < items.length; q++) out[q] = sim.similarity(a, items[q]!);
}

/**
 * Jaccard similarity of category sets, |A ∩ B| / |A ∪ B| (Jaccard 1901). Two uncategorised items have
 * similarity 0 (nothing is known to be shared), except an item with itself (1).
 */
export class CategoryJaccard implements ItemSimilarity {
  readonly name = 'jaccard(categories)';
  private readonly mark: Uint8Array;
  constructor(readonly categories: ItemCategories) { this.mark = new Uint8Array(categories.nCategories); }
  get nItems(): number { return this.categories.nItems; }
  similarity(a: number, b: number): number {
    if (a === b) return 1;
    const { indptr, indices } = this.categories;
    let p = indptr[a]!, q = indptr[b]!;
    const pe = indptr[a + 1]!, qe = indptr[b + 1]!;
    const union0 = pe - p + qe - q;
    if (union0 === 0) return 0;
    let inter = 0;
    while (p < pe && q < qe) {
      const x = indices[p]!, y = indices[q]!;
      if (x === y) { inter++; p++; q++; } else if (x < y) p++; else q++;
    }
    return inter / (union0 - inter);
  }
  row(a: number, items: Int32Array, out: Float64Array): void {
    const { indptr, indices } = this.categories, mark = this.mark;
    const pa = indptr[a]!, ea = indptr[a + 1]!;
    for (let p = pa; p < ea; p++) mark[indices[p]!] = 1;
    for (let q = 0; q < items.length; q++) {
      const b = items[q]!;
      if (b === a) { out[q] = 1; continue; }
      const pb = indptr[b]!, eb = indptr[b + 1]!;
      let inter = 0;
      for (let p = pb; p < eb; p++) inter += mark[indices[p]!]!;
      const union = ea - pa + eb - pb - inter;
      out[q] = union ? inter / union : 0;
    }
    for (let p = pa; p < ea; p++) mark[indices[p]!] = 0;
  }
}

/**
 * Cosine similarity of item vectors (latent factors of iALS/BPR, or text embeddings): row i of `vectors`
 * (row-major, `dim` columns). A zero vector has similarity 0 with every other item.
 */
export class VectorCosine implements ItemSimilarity {
  readonly nItems: number;
  /** Unit-length copies of the rows (zero rows stay zero), so a similarity is one dot product. */
  private readonly unit: Float32Array;
  constructor(readonly vectors: Float32Array, readonly dim: number, readonly name = 'cosine(vectors)') {
    if (!(dim >= 1) || vectors.length % dim !== 0) throw new RangeError(`vectors length ${vectors.length} is not a multiple of dim ${dim}`);
    this.nItems = vectors.length / dim;
    this.unit = new Float32Array(vectors.length);
    for (let i = 0; i < this.nItems; i++) {
      let s = 0;
      for (let d = 0, o = i * dim; d < dim; d++) s += vectors[o + d]! * vectors[o + d]!;
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let d = 0, o = i * dim; d < dim; d++) this.unit[o + d] = vectors[o + d]! * inv;
    }
  }
  similarity(a: number, b: number): number {
    if (a === b) return 1;
    const v = this.unit, f = this.dim, ao = a * f, bo = b * f;
    let s = 0;
    for (let d = 0; d < f; d++) s += v[ao + d]! * v[bo + d]!;
    return s;
  }
  row(a: number, items: Int32Array, out: Float64Array): void {
    const v = this.unit, f = this.dim, ao = a * f;
    for (let q = 0; q < items.length; q++) {
      const b = items[q]!;
      if (b === a) { out[q] = 1; continue; }
      const bo = b * f;
      let s = 0;
      for (let d = 0; d < f; d++) s += v[ao + d]! * v[bo + d]!;
      out[q] = s;
    }
  }
}
