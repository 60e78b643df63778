/**
 * Bearer-token check. Both sides are hashed before the constant-time comparison, so neither the
 * token's bytes nor its length leak through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { InvalidArgumentError } from '../core/errors.js';
import { HttpError } from './http-errors.js';

export class BearerAuth {
  private readonly expected: Buffer;

  constructor(token: string) {
    if (token.length === 0) throw new InvalidArgumentError('the bearer token must not be empty');
    this.expected = digest(token);
  }

  /** Throws a 401 HttpError unless `header` is "Bearer <token>". */
  check(header: string | undefined): void {
    const match = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header) : null;
    if (!match || !timingSafeEqual(digest(match[1]!.trim()), this.expected)) {
      throw new HttpError(
        401,
        'ERR_UNAUTHORIZED',
        'this service needs an "Authorization: Bearer <token>" header with the right token',
      );
    }
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
