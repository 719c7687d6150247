import type { z } from 'zod';
import { ConfigError } from './errors.ts';

/** Validates `value` against `schema`; the first problem becomes a ConfigError naming its dotted field path. */
export function parseConfig<S extends z.ZodType>(schema: S, value: unknown, prefix: string): z.infer<S> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  throw new ConfigError(path || prefix, issue.message);
}
