/**
 * Several encoders as one: each part's unit vector, scaled by √(its weight / the weights' sum), side by side. A dot
 * product of two mixed vectors is then the weighted mean of the parts' cosines, so exact words (tfidf), product
 * lines (word pairs) and meaning (use) each count as much as their weight says. On cold items a text map reads the
 * mix better than any one part (bench/text.ts). Rows are renormalised, as every encoder's are: an item one part
 * cannot read (no known word) is described by the others alone.
 *   { name: 'mix', parts: [{ encoder: { name: 'tfidf', projection: 'none' }, weight: 0.8 }, { encoder: 'use', weight: 0.2 }] }
 * `{ name: 'mix' }` alone is words, word pairs and (when installed) USE: registry.ts `defaultMixParts`.
 */
import { z } from 'zod';
import { parseConfig, strictObject } from '../config.ts';
import { normalizeRows, type FittableTextEncoder, type TextEncoder } from './encoder.ts';

type Make = (spec: { name: string; [option: string]: unknown } | string) => TextEncoder;

const PartSchema = strictObject({
  encoder: z.union([z.string(), z.object({ name: z.string() }).catchall(z.unknown())]),
  weight: z.number().positive().default(1),
});
export const MixConfigSchema = strictObject({ parts: z.array(PartSchema).min(1) });

export class MixEncoder implements FittableTextEncoder {
  readonly name = 'mix';
  private readonly parts: { encoder: TextEncoder; scale: number; weight: number }[];

  /** `make` builds each part: the registry's createEncoder, so a part is any encoder it knows. */
  constructor(options: unknown, make: Make) {
    const c = parseConfig(MixConfigSchema, options, 'encoder.mix');
    const total = c.parts.reduce((s, p) => s + p.weight, 0);
    this.parts = c.parts.map((p) => ({ encoder: make(p.encoder), scale: Math.sqrt(p.weight / total), weight: p.weight / total }));
  }

  get dimension(): number {
    return this.parts.reduce((s, p) => s + p.encoder.dimension, 0);
  }

  get key(): string {
    return `mix(${this.parts.map((p) => `${p.weight.toPrecision(6)}*${p.encoder.key}`).join(',')})`;
  }

  fit(corpus: readonly string[]): void {
    for (const p of this.parts) if ('fit' in p.encoder) (p.encoder as FittableTextEncoder).fit(corpus);
  }

  async encode(texts: readonly string[]): Promise<Float32Array> {
    const d = this.dimension, out = new Float32Array(texts.length * d);
    let offset = 0;
    for (const p of this.parts) {
      const dp = p.encoder.dimension, v = await p.encoder.encode(texts);
      for (let r = 0; r < texts.length; r++) {
        const o = r * d + offset, s = r * dp;
        for (let c = 0; c < dp; c++) out[o + c] = p.scale * v[s + c]!;
      }
      offset += dp;
    }
    return normalizeRows(out, texts.length, d);
  }
}
