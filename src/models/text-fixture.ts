/** Test fixture: the contract's block matrix as interactions, with item texts that tell the two groups apart. */
import type { Csr } from '../data/csr.ts';
import { InteractionsBuilder } from '../data/interactions.ts';
import type { FitData } from './types.ts';

const WORDS = [
  ['space', 'rocket', 'orbit', 'planet', 'star', 'galaxy'],
  ['cook', 'recipe', 'oven', 'bake', 'spice', 'kitchen'],
];

/** Item j of group g is described by three of its group's words (rotating), e.g. "space rocket orbit". */
export function blockItemText(j: number, groupSize = 10): string {
  const w = WORDS[Math.floor(j / groupSize) % 2]!, k = j % groupSize;
  return `${w[k % 6]} ${w[(k + 1) % 6]} ${w[(k + 2) % 6]}`;
}

/** Interactions (ids "u<r>", "i<c>") with every column interned in order, and their texts. */
export function textFitData(m: Csr, groupSize = 10): Omit<FitData, 'matrix'> {
  const b = new InteractionsBuilder();
  for (let j = 0; j < m.cols; j++) b.items.intern(`i${j}`);
  for (let r = 0; r < m.rows; r++) b.users.intern(`u${r}`);
  for (let r = 0; r < m.rows; r++) for (let p = m.indptr[r]!; p < m.indptr[r + 1]!; p++) b.addIndex(r, m.indices[p]!, m.data[p]!, 0, 0);
  const itemText = new Map<string, string>();
  for (let j = 0; j < m.cols; j++) itemText.set(`i${j}`, blockItemText(j, groupSize));
  return { interactions: b.build(), itemText };
}
