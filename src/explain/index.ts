export { citable, explainHistory, prepareExplanations, explainUser, ExplainError, historyExplainer, userExplainer, type Explainer, type Contribution, type ExplainMethod, type ExplainOptions, type ScoreExplanation } from './contributions.ts';
export { coCounts, listNames, phrase, rephraseOrKeep, sentence, verbFor, type PhraseOptions, type Rephraser } from './phrase.ts';
export { measureFaithfulness, type FaithfulnessOptions, type FaithfulnessReport, type RemovalTally } from './faithfulness.ts';
export { closestByText, sharedWords, trainingItems, type TextNeighbour } from './text-evidence.ts';
