export { LlmClient, type LlmUsage, type ChatJsonRequest } from './client.ts';
export { LlmConfigSchema, resolveLlmConfig, normalizeBaseUrl, LLM_API_KEY_ENV, type LlmConfig, type LlmConfigInput } from './config.ts';
export { LlmError, type LlmFailure } from './errors.ts';
export { OpenAiEncoder } from './embedding-encoder.ts';
export { LlmRequestInterpreter, LlmUnderstandingSchema, constraintsFromLlm } from './ask.ts';
