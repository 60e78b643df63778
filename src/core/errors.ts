/**
 * Every error the library throws on purpose is an RnnAnomalyError with a stable `code`, so
 * callers can branch on `err.code` instead of parsing messages (better-sqlite3 style). Messages
 * name the argument and say what was expected.
 */
export const ERROR_CODES = [
  'ERR_INVALID_ARGUMENT',
  'ERR_OUT_OF_RANGE',
  'ERR_SHAPE_MISMATCH',
  'ERR_NOT_FITTED',
  'ERR_BUSY',
  'ERR_INVALID_DATA',
  'ERR_CSV_PARSE',
  'ERR_MODEL_FILE',
  'ERR_MODEL_VERSION',
  'ERR_COLUMNS_MISMATCH',
  'ERR_ABORTED',
  'ERR_NATIVE_LOAD',
  'ERR_OUT_OF_MEMORY',
  'ERR_NATIVE',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

const BRAND = Symbol.for('rnn-anomaly.error');

/**
 * Base of every error the library throws on purpose. Argument errors are also TypeError or
 * RangeError (what Node's own APIs throw), so `instanceof RnnAnomalyError` recognises a brand
 * rather than the prototype chain.
 */
export class RnnAnomalyError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    (this as unknown as Record<symbol, boolean>)[BRAND] = true;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this === RnnAnomalyError) {
      return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
    }
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
}

/** An argument of the wrong type or shape (a TypeError with a `code`). */
export class InvalidArgumentError extends TypeError {
  readonly code: ErrorCode;
  constructor(message: string, code: ErrorCode = 'ERR_INVALID_ARGUMENT') {
    super(message);
    this.name = 'InvalidArgumentError';
    this.code = code;
    (this as unknown as Record<symbol, boolean>)[BRAND] = true;
  }
}

/** A number or size outside its allowed range (a RangeError with a `code`). */
export class OutOfRangeError extends RangeError {
  readonly code: ErrorCode;
  constructor(message: string, code: ErrorCode = 'ERR_OUT_OF_RANGE') {
    super(message);
    this.name = 'OutOfRangeError';
    this.code = code;
    (this as unknown as Record<symbol, boolean>)[BRAND] = true;
  }
}

/** Data that cannot be used: empty series, too few rows, all-NaN columns, non-numeric cells. */
export class InvalidDataError extends RnnAnomalyError {
  constructor(message: string, code: ErrorCode = 'ERR_INVALID_DATA') {
    super(code, message);
  }
}

/** A detector or network used before it was fitted or given weights. */
export class NotFittedError extends RnnAnomalyError {
  constructor(message: string) {
    super('ERR_NOT_FITTED', message);
  }
}

/** A model file that is truncated, corrupted, foreign or from a newer format. */
export class ModelFileError extends RnnAnomalyError {
  constructor(message: string, code: 'ERR_MODEL_FILE' | 'ERR_MODEL_VERSION' = 'ERR_MODEL_FILE') {
    super(code, message);
  }
}

/** A long job stopped by an AbortSignal. */
export class AbortError extends RnnAnomalyError {
  constructor(message = 'the operation was aborted') {
    super('ERR_ABORTED', message);
  }
}

/**
 * The native addon failed to load, was called on an object that is still running an
 * asynchronous call (ERR_BUSY), could not allocate memory (ERR_OUT_OF_MEMORY), or reported an
 * internal failure.
 */
export class NativeError extends RnnAnomalyError {
  constructor(
    message: string,
    code: 'ERR_NATIVE_LOAD' | 'ERR_NATIVE' | 'ERR_BUSY' | 'ERR_OUT_OF_MEMORY' = 'ERR_NATIVE',
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
