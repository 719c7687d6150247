import { ConfigError, CurioError, StoreError, UnknownItemError, UnknownUserError } from '../errors.ts';

/** An HTTP answer other than success, with the JSON error body's `code` and, when one request field is at fault, `field`. */
export class HttpError extends CurioError {
  override readonly code: string;
  constructor(readonly status: number, code: string, message: string, readonly field?: string) {
    super(message);
    this.code = code;
  }
}

export interface ErrorAnswer {
  status: number;
  body: { error: { code: string; message: string; field?: string; requestId?: string } };
  /** Unexpected: log it with its stack (the client gets a generic message, never a stack or SQL). */
  internal: boolean;
}

/** The one mapping from a thrown error to the JSON error a client reads. */
export function errorAnswer(e: unknown, requestId: string): ErrorAnswer {
  const answer = (status: number, code: string, message: string, field?: string, internal = false): ErrorAnswer =>
    ({ status, body: { error: { code, message, ...(field !== undefined ? { field } : {}), requestId } }, internal });
  if (e instanceof HttpError) return answer(e.status, e.code, e.message, e.field);
  if (e instanceof UnknownItemError) return answer(404, 'unknown_item', e.message, 'item');
  if (e instanceof UnknownUserError) return answer(404, 'unknown_user', e.message, 'user');
  if (e instanceof ConfigError) {
    // ConfigError's message starts with its field: the body carries the field on its own.
    const prefix = `${e.field}: `;
    return answer(400, 'invalid_request', e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message, e.field);
  }
  // The store's row checks (validate.ts) name the batch row and field: bad input, nothing written.
  if (e instanceof StoreError && /^(addInteractions|upsertItems|upsertUsers)\[\d+\]\.\w+: /.test(e.message)) {
    const [, field, why] = /^[a-zA-Z]+(\[\d+\]\.\w+): (.*)$/s.exec(e.message) ?? [];
    return answer(400, 'invalid_request', why ?? e.message, field);
  }
  if (e instanceof StoreError) return answer(503, 'store_unavailable', 'the store could not complete the operation; nothing was written; retry later', undefined, true);
  return answer(500, 'internal', 'internal error; the server log has the details under this request id', undefined, true);
}
