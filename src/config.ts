import { z } from 'zod';
import { ConfigError } from './errors.ts';

/**
 * An object schema that rejects keys it does not know, listing the valid ones: a typo such as `factor` for
 * `factors` must fail rather than silently train with the default.
 */
export function strictObject<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown key; valid keys: ${Object.keys(shape).join(', ')}` : undefined),
  });
}

/** Validates `value` against `schema`; the first problem becomes a ConfigError naming its dotted field path. */
export function parseConfig<S extends z.ZodType>(schema: S, value: unknown, prefix: string): z.infer<S> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  // an unknown key is named in the path itself: "ials.factor: unknown key; valid keys: factors, ..."
  const unknown = issue.code === 'unrecognized_keys' ? [issue.keys.join(', ')] : [];
  const path = [prefix, ...issue.path.map(String), ...unknown].filter(Boolean).join('.');
  throw new ConfigError(path || prefix, issue.message);
}
