export * from './filter/index.ts';
export { applyBoosts, applyMask, exclusionMask, rankWithRules, validateRules, boostSchema, pinSchema, capSchema } from './rank.ts';
export type { Boost, Pin, Cap, RankRules } from './rank.ts';
export { applyRules, resolvePins, rulesSchema, parseBoostArg, parsePinArg, parseCapArg } from './rules.ts';
export type { Rules, RuleReason, RuledRanking } from './rules.ts';
