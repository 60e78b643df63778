import { expect } from 'vitest';

import {
  ERROR_CODES,
  InvalidArgumentError,
  NativeError,
  NotFittedError,
  OutOfRangeError,
  RnnAnomalyError,
} from '../../src/core/errors.js';

export type ErrorClass =
  typeof InvalidArgumentError | typeof OutOfRangeError | typeof NotFittedError | typeof NativeError;

/** `caught` is one of the library's error classes, with a code listed in ERROR_CODES that matches `code`. */
export function expectTypedError(caught: unknown, kind: ErrorClass, code: string | RegExp, message: RegExp): void {
  expect(caught, 'expected an error').toBeInstanceOf(kind);
  expect(caught).toBeInstanceOf(RnnAnomalyError);
  const actual = (caught as { code?: string }).code;
  expect(ERROR_CODES).toContain(actual);
  if (typeof code === 'string') expect(actual).toBe(code);
  else expect(actual).toMatch(code);
  expect((caught as Error).message).toMatch(message);
}
