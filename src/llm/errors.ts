import { CurioError } from '../errors.ts';

/** Why an LLM call gave up. */
export type LlmFailure = 'timeout' | 'network' | 'http' | 'rate-limited' | 'bad-json' | 'schema' | 'budget' | 'aborted';

/**
 * An LLM call failed after its retries (or could not be made: budget spent). Every caller catches it and falls
 * back to the non-LLM path, reporting `message` as one warning line.
 */
export class LlmError extends CurioError {
  override readonly code = 'LLM_ERROR';
  constructor(readonly failure: LlmFailure, message: string, readonly attempts: number, readonly status?: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}
