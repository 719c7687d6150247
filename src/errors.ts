/** Base of every error Curio throws on purpose; `code` is stable for programs, `message` is for people. */
export class CurioError extends Error {
  readonly code: string = 'CURIO_ERROR';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A configuration value is missing or out of range; `field` is its dotted path, e.g. `models.ials.factors`. */
export class ConfigError extends CurioError {
  override readonly code = 'CONFIG_ERROR';
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
  }
}

/** A row of an input file cannot be read. `line` is 1-based, counting the header. */
export class ImportError extends CurioError {
  override readonly code = 'IMPORT_ERROR';
  constructor(readonly file: string, readonly line: number, readonly field: string | undefined, readonly reason: string) {
    super(`${file}:${line}${field ? ` field "${field}"` : ''}: ${reason}`);
  }
}

/** Training could not produce a usable model (bad data, diverged, NaN). */
export class ModelFitError extends CurioError {
  override readonly code = 'MODEL_FIT_ERROR';
}

/** A model artifact on disk is unreadable, of another kind, or of an unsupported format version. */
export class ArtifactError extends CurioError {
  override readonly code = 'ARTIFACT_ERROR';
}

/** The store rejected an operation; nothing was written. */
export class StoreError extends CurioError {
  override readonly code = 'STORE_ERROR';
}

export class UnknownUserError extends CurioError {
  override readonly code = 'UNKNOWN_USER';
  constructor(readonly user: string) {
    super(`unknown user "${user}": it has no interactions in the training data (pass its history to fold it in)`);
  }
}

export class UnknownItemError extends CurioError {
  override readonly code = 'UNKNOWN_ITEM';
  /** `where`: what lacks the item, e.g. 'the store' for a request naming an item that was never imported. */
  constructor(readonly item: string, where = 'the training data') {
    super(`unknown item "${item}": it is not in ${where}`);
  }
}

/** A long operation was cancelled through its AbortSignal. */
export class AbortedError extends CurioError {
  override readonly code = 'ABORTED';
}

/** A filter expression does not parse; `position` is 1-based in its text, `field` the request or config field holding it. */
export class FilterSyntaxError extends ConfigError {
  constructor(readonly position: number, readonly reason: string, field = 'filter') {
    super(field, `position ${position}: ${reason}`);
  }
}

/** A filter parses but does not fit the catalogue (unknown field, a number compared with a string field). `position` is 1-based in its text; `path` locates the node of a JSON filter (`args[1].arg`). */
export class FilterError extends ConfigError {
  constructor(readonly position: number | undefined, readonly path: string | undefined, readonly reason: string, field = 'filter') {
    super(field, `${position !== undefined ? `position ${position}: ` : path ? `at ${path}: ` : ''}${reason}`);
  }
}
