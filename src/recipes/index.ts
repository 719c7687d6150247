export { BoughtTogether, BoughtTogetherConfigSchema, type BoughtTogetherConfig, type BoughtTogetherEvidence } from './bought-together.ts';
export { CoOccurrence, CoOccurrenceConfigSchema, type CoOccurrenceConfig } from './co-occurrence.ts';
export { trendingScores, popularScores, type TrendingOptions, type PopularOptions } from './trending.ts';
export { sessionMatrix, type SessionOptions } from './sessions.ts';
export { countPairs, pairCount, type PairCounts } from './pairs.ts';
