export { Asker, type AskAnswer, type AskOptions, type AskUnderstood, type UnderstoodConstraint, type RequestInterpreter, type RequestInterpretation } from './ask.ts';
export { parseRequest, MAX_REQUEST_CHARS, type Constraint, type ConstraintKind, type Understood } from './parse.ts';
export { buildVocabulary, nameKey, SYNONYMS, type Vocabulary } from './vocabulary.ts';
export { TextIndex } from './text-index.ts';
export { Searcher, reciprocalRankFusion, RRF_K, type SearchAnswer, type SearchOptions } from './search.ts';
