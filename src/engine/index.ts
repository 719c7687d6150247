export { Engine, loadPipelineConfig, type EngineOptions, type EngineResponse, type ResultItem } from './engine.ts';
export {
  RequestSchema, PipelineConfigSchema, RecipeSchema, ScorerSchema, DurationSchema, durationMs, RerankConfigSchema, RERANK_METHODS,
  type RerankConfig, type RerankMethod, type EngineRequest, type PipelineConfig, type RecipeConfig, type ScorerConfig, type Duration,
} from './schema.ts';
export { RECIPE_PRESETS } from './presets.ts';
export type { Reason, Scorer } from './stages.ts';
