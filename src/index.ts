/**
 * Curio's public API. Data flows one way: import → store → snapshot → models → recommendations,
 * with evaluation beside it. Models work on dense indices and typed arrays; id maps translate.
 */
export * from './errors.ts';
export type { InteractionRow, InteractionType, ItemRow, UserRow } from './data/types.ts';
export { INTERACTION_TYPES } from './data/types.ts';
export { IdMap } from './data/ids.ts';
export { csrFromCoo, transpose, type Csr } from './data/csr.ts';
export { InteractionsBuilder, toMatrix, interactionStats, type Interactions } from './data/interactions.ts';
export { WeightingSchema, decayByTime, type WeightingSpec } from './data/weighting.ts';
export { generateSynthetic, type SyntheticConfig } from './data/synthetic.ts';
export { importData, IMPORT_FORMATS, type ImportOptions, type ImportReport, type GenericMapping } from './data/importers/index.ts';

export type { DataStore, WriteReport, StoreStats } from './store/types.ts';
export { openStore, registerStore } from './store/registry.ts';

export type { Recommender, ModelFactory, RecOptions, Ranked, FitOptions, FitReport, ModelArtifact } from './models/types.ts';
export { createModel, modelKinds, registerModel, modelFromArtifact } from './models/registry.ts';
export { Popularity } from './models/popularity.ts';
export { ItemKNN } from './models/item-knn.ts';
export { UserKNN } from './models/user-knn.ts';
export { Ials } from './models/ials.ts';
export { Bpr } from './models/bpr.ts';
export { Ease } from './models/ease.ts';
export { saveArtifact, loadArtifact } from './models/artifact.ts';
export { topK } from './linalg/topk.ts';
export {
  explainHistory, explainUser, historyExplainer, userExplainer, citable, phrase, sentence, verbFor, coCounts, rephraseOrKeep, measureFaithfulness, ExplainError,
  type ScoreExplanation, type Contribution, type Explainer, type ExplainMethod, type Rephraser, type FaithfulnessReport,
} from './explain/index.ts';
export { Catalog, canonicalField } from './catalog/index.ts';
export { parseFilter, formatFilter, filterNodeSchema, filterSchema, FilterCompiler, matchesFilter, applyBoosts, applyMask, exclusionMask, rankWithRules, applyRules, rulesSchema, type FilterNode, type Filter, type Boost, type Pin, type Cap, type Rules, type RuleReason } from './rules/index.ts';

export { trainFromStore, type TrainConfig } from './pipeline/train.ts';
export { saveModelFile, loadModelFile, bindModelToStore, type TrainedModel, type LoadModelOptions } from './pipeline/model-file.ts';
export { prepareInteractions, type DataConfig } from './pipeline/prepare.ts';
export { runExperiment, type ExperimentConfig, type ExperimentResult } from './pipeline/experiment.ts';

export * from './eval/metrics.ts';
export { randomHoldout, leaveLastOut, temporalCut, strongGeneralization, kCore, positivesAtLeast, type Split } from './eval/splits.ts';
export { coldItems, coldUsers } from './eval/splits.ts';
export type { TextEncoder } from './text/encoder.ts';
export { EncoderUnavailableError } from './text/encoder.ts';
export { createEncoder, registerEncoder } from './text/registry.ts';
export { TfidfEncoder } from './text/tfidf.ts';
export { tokenize } from './text/tokenize.ts';
export { VectorCache, encodeCached, vectorCachePath } from './text/cache.ts';
export { loadItemTexts, itemDocument, type ItemTexts } from './text/item-text.ts';
export { evaluate, fitAndEvaluate, type EvaluationResult, type ModelResult } from './eval/evaluate.ts';
export { PRESETS, applyPreset, resolvePreset } from './eval/presets.ts';
export { tune, validationView } from './eval/tune.ts';
export { buildReport, formatTable, formatMarkdown } from './eval/report.ts';

export { BEYOND_METRIC_NAMES, type BeyondOptions } from './eval/beyond.ts';
export { ItemCategories, CategoryJaccard, VectorCosine, type ItemSimilarity } from './rerank/similarity.ts';
export { mmr } from './rerank/mmr.ts';
export { dppGreedy } from './rerank/dpp.ts';
export { calibratedRerank } from './rerank/calibrated.ts';
export { longTailRerank } from './rerank/longtail.ts';
export { rerank, checkKnobs, type RerankKnobs, type RerankContext } from './rerank/knobs.ts';

export * from './engine/index.ts';

export { sentimentAsync, openSentimentScorer, UseSentimentModel, type SentimentScorer, type SentimentModelName } from './sentiment/index.ts';
export { sentiment, sentimentMany, SentimentModel, defaultSentimentModel, lexiconScore, trainSentimentModel, sentimentWeight, impliedRating, adjustRating, applyReviewSentiment, snapshotWithReviewSentiment, type SentimentResult, type SentimentLabel, type ReviewSignalOptions, type RatingScale } from './sentiment/index.ts';
export { Asker, Searcher, parseRequest, type AskAnswer, type AskOptions, type AskUnderstood, type Understood, type Constraint, type SearchAnswer } from './ask/index.ts';
export * from './llm/index.ts';
