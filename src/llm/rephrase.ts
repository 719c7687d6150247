/**
 * An LLM that rephrases an explanation (src/explain/phrase.ts's Rephraser seam). It is given the template
 * sentences and the evidence they came from (the cited items' titles and shares), nothing else, and asked for one
 * sentence. `rephraseOrKeep` then keeps the template whenever the answer quotes a name outside the evidence; this
 * rephraser also rejects an answer naming, even unquoted, a catalogue title that is not in the evidence.
 */
import { z } from 'zod';
import type { ScoreExplanation } from '../explain/contributions.ts';
import type { Rephraser } from '../explain/phrase.ts';
import type { LlmClient } from './client.ts';

const RephrasedSchema = z.strictObject({ sentence: z.string().min(1).max(400) });

const SYSTEM = `You rewrite the explanation of one recommendation as a single short, friendly sentence to the user.
Use only the facts given in "evidence". When you name an item, copy its title exactly, in double quotes.
Never name or allude to any item that is not in the evidence, and add no facts, numbers or opinions of your own.`;

/** A title as people write it: no trailing "(1995)", lower case. */
const bareTitle = (t: string) => t.replace(/\s*\(\d{4}\)\s*$/, '').trim().toLowerCase();
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class LlmRephraser implements Rephraser {
  private readonly others: { title: string; re: RegExp }[] = [];

  /**
   * `titles`: every catalogue title, to catch an answer citing one that is not in the evidence (titles under 8
   * characters or of one short word are skipped: "Up" is also a word).
   */
  constructor(readonly client: LlmClient, titles: Iterable<string> = []) {
    const seen = new Set<string>();
    for (const t of titles) {
      const b = bareTitle(t);
      if (b.length < 8 || seen.has(b)) continue;
      seen.add(b);
      this.others.push({ title: b, re: new RegExp(`(?:^|[^\\p{L}\\p{N}])${escape(b)}(?:$|[^\\p{L}\\p{N}])`, 'u') });
    }
  }

  async rephrase(input: { sentences: string[]; evidence: ScoreExplanation; names: Record<number, string> }, signal: AbortSignal): Promise<string> {
    const x = input.evidence;
    const unquote = (n: string) => n.replace(/^"|"$/g, '');
    const evidence = {
      item: input.names[x.item] !== undefined ? unquote(input.names[x.item]!) : undefined,
      model: x.model,
      exact: x.exact,
      becauseOf: x.contributions.filter((c) => c.value > 0 && input.names[c.item] !== undefined).map((c) => ({ title: unquote(input.names[c.item]!), share: +c.value.toPrecision(3) })),
    };
    const { value } = await this.client.chatJson({
      system: SYSTEM,
      user: JSON.stringify({ explanation: input.sentences.join('; '), evidence }),
      schema: RephrasedSchema,
      name: 'explanation',
      maxTokens: 200,
    }, signal);
    const text = value.sentence.trim();
    const allowed = new Set(Object.values(input.names).map((n) => bareTitle(unquote(n))));
    const lower = text.toLowerCase();
    for (const o of this.others) {
      if (!allowed.has(o.title) && o.re.test(lower)) throw new Error(`the answer names "${o.title}", which is not in the evidence`);
    }
    return text;
  }
}
