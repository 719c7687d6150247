import { ConfigError } from '../errors.ts';
import { itemKnn } from './item-knn.ts';
import { popularity } from './popularity.ts';
import type { ModelArtifact, ModelFactory, Recommender } from './types.ts';
import { userKnn } from './user-knn.ts';
import { ials } from './ials.ts';
import { bpr } from './bpr.ts';
import { ease } from './ease.ts';
import { content } from './content.ts';
import { cb2cf } from './cb2cf.ts';
import { hybrid } from './hybrid.ts';
import { cease } from './cease.ts';

const factories = new Map<string, ModelFactory>();

/** Makes a model kind available by name to configs, the CLI and model files. */
export function registerModel(f: ModelFactory): void {
  factories.set(f.kind, f);
}

export function modelKinds(): string[] {
  return [...factories.keys()];
}

export function modelFactory(kind: string): ModelFactory {
  const f = factories.get(kind);
  if (!f) throw new ConfigError('model', `unknown model "${kind}"; available: ${modelKinds().join(', ')}`);
  return f;
}

export function createModel(kind: string, config?: unknown): Recommender {
  return modelFactory(kind).create(config);
}

export function modelFromArtifact(a: ModelArtifact): Recommender {
  return modelFactory(a.kind).fromArtifact(a);
}

for (const f of [popularity, itemKnn, userKnn, ials, bpr, ease, cease, content, cb2cf, hybrid]) registerModel(f as ModelFactory);
