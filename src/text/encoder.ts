import { CurioError } from '../errors.ts';

/**
 * Turns texts into dense vectors: `encode` returns texts.length × dimension floats, row-major, each row
 * L2-normalised (so a dot product is a cosine) or all zeros for a text with no usable words.
 * `key` identifies the exact vector space (encoder, model and training state): a vector cache is only valid
 * for one key.
 */
export interface TextEncoder {
  readonly name: string;
  readonly dimension: number;
  readonly key: string;
  encode(texts: readonly string[]): Promise<Float32Array>;
}

/** An encoder learned from the catalogue itself (tfidf): `fit` before `encode`. */
export interface FittableTextEncoder extends TextEncoder {
  fit(corpus: readonly string[]): void;
}

/** The encoder named in a config needs an optional package (or service) that is not installed here. */
export class EncoderUnavailableError extends CurioError {
  override readonly code = 'ENCODER_UNAVAILABLE';
}

/** Scales each row of the n × d matrix to unit length; zero rows stay zero. */
export function normalizeRows(x: Float32Array, n: number, d: number): Float32Array {
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += x[r * d + c]! ** 2;
    if (s > 0) {
      const inv = 1 / Math.sqrt(s);
      for (let c = 0; c < d; c++) x[r * d + c]! *= inv;
    }
  }
  return x;
}
