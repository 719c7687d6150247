import type { RecipeConfig } from './schema.ts';

/**
 * The recipes every engine knows: each is a plain pipeline config (the same shape a pipeline file uses), so a
 * file can replace one by name or add its own.
 */
export const RECIPE_PRESETS: Record<string, RecipeConfig> = {
  recommend: {
    description: 'personal top-k from the trained model (a user unseen in training is folded in from its history)',
    scorers: [{ kind: 'model', weight: 1, foldIn: 'unknown' }],
    fallback: ['popular'],
  },
  related: {
    description: 'items like the given one: model similarity blended with co-occurrence',
    scorers: [{ kind: 'similar', weight: 1, neighbors: 200 }, { kind: 'cooccurrence', weight: 1 }],
    fallback: ['popular'],
  },
  'bought-together': {
    description: 'frequently bought together with an item or a basket: association rules blended with the model\'s fold-in of the basket (when a model is loaded), else related, else popular',
    // Equal weights on max-normalised scores: the blend (λ = 1) that won basket completion on Online Retail
    // (bench/recipes.ts: HR@10 0.321 against 0.310 for EASE fold-in and 0.266 for association alone). Without a
    // model the basket-model scorer gives nothing and the list is the association rules'.
    scorers: [{ kind: 'bought-together', weight: 1 }, { kind: 'basket-model', weight: 1 }],
    fallback: ['related', 'popular'],
  },
  trending: {
    description: 'items whose event rate rose most in the window against their baseline',
    scorers: [{ kind: 'trending', weight: 1, window: '7d' }],
  },
  popular: {
    description: 'most interacted-with items in the window (all time by default)',
    scorers: [{ kind: 'popular', weight: 1 }],
  },
  'new-arrivals': {
    description: 'newest items by their timestamp',
    scorers: [{ kind: 'new', weight: 1 }],
  },
  'also-viewed': {
    description: 'items viewed by the users who viewed the given one',
    scorers: [{ kind: 'cooccurrence', weight: 1, types: ['view', 'click'] }],
    fallback: ['related'],
  },
  continue: {
    description: "the user's own recently interacted items (re-consumption: series, groceries, courses)",
    scorers: [{ kind: 'recent', weight: 1 }],
    excludeSeen: false,
  },
};
