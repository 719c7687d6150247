import { z } from 'zod';
import { INTERACTION_TYPES } from '../data/types.ts';
import { CapSchema, FilterSchema, PinSchema, RequestSchema, BoostSchema } from '../engine/schema.ts';
import { SCOPES } from './keys.ts';
import { MAX_REQUEST_CHARS } from '../ask/parse.ts';

/**
 * The HTTP API's request and response shapes: the one source of the route handlers' types, their validation
 * (strict: unknown fields are refused) and the OpenAPI document (openapi.ts). Recommendation requests are the
 * engine's own RequestSchema with every id and list bounded.
 */
export const MAX_ID = 256;
export const MAX_LIST = 1000;
export const MAX_BATCH = 1000;

export const IdSchema = z.string().min(1, 'empty id').max(MAX_ID, `ids are at most ${MAX_ID} characters`)
  .refine((s) => s.trim() === s && !s.includes('\0') && !/\p{Cs}/u.test(s), 'ids have no leading or trailing whitespace, NUL or broken Unicode');
const ids = (max = MAX_LIST) => z.array(IdSchema).max(max);
const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const Attrs = z.record(z.string().max(MAX_ID), z.unknown());

const HistoryEntry = z.union([
  IdSchema,
  z.object({ item: IdSchema, value: finite.optional(), type: z.enum(INTERACTION_TYPES).optional(), timestamp: finite.optional() }).strict(),
]);

/** POST /v1/recommend (and the per-recipe routes, which fix `recipe`). */
export const RecommendRequest = RequestSchema.extend({
  recipe: z.string().max(64).default('recommend'),
  user: IdSchema.optional(),
  history: z.array(HistoryEntry).max(MAX_LIST).optional(),
  context: z.object({ item: IdSchema.optional() }).strict().optional(),
  items: ids().optional(),
  candidates: ids(100_000).optional(),
  k: z.number().int().min(1).max(1000).optional(),
  filter: z.union([z.string().max(4000), FilterSchema]).optional(),
  boost: z.array(BoostSchema).max(32).optional(),
  pin: z.array(PinSchema.extend({ item: IdSchema })).max(100).optional(),
  cap: z.array(CapSchema).max(32).optional(),
  exclude: ids().optional(),
  category: z.string().min(1).max(MAX_ID).optional(),
}).strict();
export type RecommendRequest = z.input<typeof RecommendRequest>;
/** The body of the per-recipe routes (/v1/related...): `recipe` may be left out. */
export const RecipeRequest = RecommendRequest.extend({ recipe: z.string().max(64).optional() }).strict();

const Reason = z.object({ kind: z.string(), text: z.string(), evidence: z.record(z.string(), z.unknown()).optional() });
export const RecommendResponse = z.object({
  recipe: z.string(),
  k: z.number().int(),
  items: z.array(z.object({ rank: z.number().int(), item: z.string(), score: z.number(), title: z.string(), reasons: z.array(Reason) })),
  fallbacks: z.array(z.object({ recipe: z.string(), why: z.string() })).optional(),
  impressions: z.object({ rows: z.number(), inserted: z.number(), updated: z.number(), unchanged: z.number() }).optional(),
  model: z.string().nullable().describe('the version of the model that answered'),
});

export const Item = z.object({
  id: IdSchema,
  title: z.string().max(4000).optional(),
  text: z.string().max(100_000).optional(),
  categories: z.array(z.string().max(MAX_ID)).max(100).optional(),
  attrs: Attrs.optional(),
  price: finite.optional(),
  timestamp: finite.optional(),
}).strict();
export const ItemBody = Item.omit({ id: true }).strict();
export const ItemsBody = z.object({ items: z.array(Item).min(1).max(MAX_BATCH) }).strict();
export const ItemList = z.object({ items: z.array(Item), next: z.string().nullable().describe('pass as `after` for the next page') });
export const ListQuery = z.object({
  after: z.string().max(MAX_ID).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
}).strict();

export const UserBody = z.object({ attrs: Attrs.optional() }).strict();

export const Event = z.object({
  user: IdSchema,
  item: IdSchema,
  type: z.enum(INTERACTION_TYPES),
  value: finite.refine((x) => Math.abs(x) <= 3.4e38, 'overflows a 32-bit float').default(1),
  /** ms since epoch; default: when the server received it. */
  timestamp: z.number().int().min(0).max(8.64e15).optional(),
  session: z.string().max(MAX_ID).optional(),
  text: z.string().max(10_000).optional(),
}).strict();
export type Event = z.infer<typeof Event>;
export const EventsBody = z.union([
  z.object({
    events: z.array(Event).min(1).max(MAX_BATCH),
    /** A retried batch with the same key is stored once and answered as the first time. */
    idempotencyKey: z.string().min(1).max(MAX_ID).optional(),
  }).strict(),
  Event,
]);
export const WriteReport = z.object({ rows: z.number(), inserted: z.number(), updated: z.number(), unchanged: z.number() });
export const EventsResponse = WriteReport.extend({ replayed: z.boolean().describe('true when answered from an earlier request with the same idempotency key') });

export const UserExport = z.object({
  user: z.string(),
  attrs: Attrs.nullable(),
  events: z.array(z.object({ item: z.string(), type: z.string(), value: z.number(), timestamp: z.number(), session: z.string().optional(), text: z.string().optional() })),
  exportedAt: z.string(),
});
export const Deleted = z.object({ deleted: z.boolean(), events: z.number().int() });
export const UserDeleted = Deleted.extend({
  inModel: z.boolean().describe('the served model was trained with this user: their factors stay in the model file until the next training'),
});

export const ModelInfo = z.object({
  loaded: z.boolean(),
  version: z.string().nullable(),
  path: z.string().nullable(),
  loadedAt: z.string().nullable(),
  kind: z.string().nullable(),
  users: z.number().int(), items: z.number().int(),
  info: z.record(z.string(), z.unknown()),
  previous: z.string().nullable().describe('the version a rollback returns to'),
  recipes: z.array(z.string()),
  trainedAt: z.string().nullable().describe('when the served model was trained'),
  eventsAtTraining: z.number().int().nullable().describe('events in the store when its training snapshot was taken (null: not recorded, e.g. a model from an older curio train)'),
  source: z.enum(['file', 'retrain']).nullable().describe('"retrain": written by a background retrain of this server; "file": trained elsewhere (curio train) and loaded'),
});
export const ReloadBody = z.object({ path: z.string().min(1).max(4096).optional() }).strict();

export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional(), requestId: z.string().optional() }),
});
export const Health = z.object({ status: z.literal('ok') });
export const Ready = z.object({ ready: z.boolean(), model: z.string().nullable() });
export const KeyScope = z.enum(SCOPES);

const RetrainTrigger = z.enum(['api', 'schedule', 'events']);
export const RetrainStatus = z.object({
  running: z.boolean(),
  phase: z.enum(['starting', 'snapshot', 'fit', 'save', 'swap']).nullable().describe('what the running retrain does now'),
  trigger: RetrainTrigger.nullable().describe('why the running retrain started'),
  startedAt: z.string().nullable(),
  newEvents: z.number().int().describe('events written since the served model was trained (counted by this server)'),
  schedule: z.object({
    everyMs: z.number().nullable().describe('--retrain-every'),
    afterEvents: z.number().int().nullable().describe('--retrain-after'),
    keep: z.number().int().describe('retrained model files kept (older ones are pruned)'),
  }),
  last: z.object({
    outcome: z.enum(['swapped', 'failed']),
    trigger: RetrainTrigger,
    startedAt: z.string(),
    finishedAt: z.string(),
    seconds: z.number(),
    version: z.string().nullable(),
    path: z.string().nullable(),
    error: z.string().nullable(),
  }).nullable().describe('the last retrain that finished'),
  runs: z.number().int(),
  failures: z.number().int(),
});
export const RetrainAnswer = z.object({
  started: z.boolean().describe('false: a retrain was already running (one at a time); its status is given'),
  status: RetrainStatus,
});

/** POST /v1/ask and /v1/search: a request in plain words (or a search query), as `curio ask` / `curio search`. */
const PlainWords = z.string()
  .max(MAX_REQUEST_CHARS, `at most ${MAX_REQUEST_CHARS} characters; say what you want in a sentence or two`)
  .refine((s) => s.trim().length > 0, 'empty: say what you are looking for, e.g. "a funny animated movie for kids, not a musical"');
export const AskRequest = z.object({
  query: PlainWords.refine((s) => !s.trim() || /[\p{L}\p{N}]/u.test(s), 'has no words: say what you are looking for in words, e.g. "a funny animated movie for kids, not a musical"').describe('the request in plain words: constraints (categories, prices, years, exclusions) and what to rank by'),
  user: IdSchema.optional().describe('rank inside the constraints by this user\'s model scores (when the served model knows them)'),
  k: z.number().int().min(1).max(1000).default(10),
}).strict();
export const SearchRequest = AskRequest.extend({
  query: PlainWords.describe('words to find in item text (titles, categories, users\' tags) and close in meaning'),
}).strict();

const AskConstraint = z.object({
  kind: z.enum(['category', 'attribute', 'price', 'year', 'title']),
  negated: z.boolean(),
  text: z.string().describe('how it was understood, e.g. "price < 5", "not category Musical"'),
  source: z.string().describe('the request words it came from'),
  filter: z.unknown().describe('the pipeline filter it became'),
  matches: z.number().int().describe('items this constraint alone lets through'),
  remaining: z.number().int().describe('items left after it and every constraint before it'),
});
export const AskResponse = z.object({
  understood: z.object({
    request: z.string(),
    constraints: z.array(AskConstraint),
    query: z.string().describe('the soft query: the words left once constraints and filler were taken out'),
    queryWords: z.array(z.string()),
    warnings: z.array(z.string()),
    filter: z.unknown().optional().describe('every constraint as one filter'),
    candidates: z.number().int().describe('items meeting every constraint'),
    personalised: z.boolean(),
    nothingMatched: z.string().optional().describe('set when no item meets the constraints: which constraint emptied the set'),
    by: z.enum(['parser', 'llm']),
    llmFallback: z.string().optional(),
    encoder: z.string().describe('the text encoder of the query vector ("none": BM25 only)'),
  }),
  items: RecommendResponse.shape.items,
});
export const SearchResponse = z.object({
  query: z.string(),
  words: z.array(z.string()).describe('the query words matched against item text'),
  personalised: z.boolean(),
  warnings: z.array(z.string()),
  items: RecommendResponse.shape.items,
});
