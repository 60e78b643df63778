/**
 * Every error the service sends is `{"error":{"code":"ERR_...","message":"..."}}` with the
 * status that says whose fault it is: 400 bad body, 401 no or wrong token, 404 unknown model,
 * stream or route, 413 body over the limit, 415 unsupported content type, 429 queue full (with
 * Retry-After), 503 not ready or shutting down. Anything else is a 500 that names no internals.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds, sent as Retry-After (429, 503). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface ErrorBody {
  error: { code: string; message: string };
}

export const errorBodySchema = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } },
} as const;

/** The library's own errors (typed, with a code) are the caller's fault when they reach a route. */
function isLibraryError(error: unknown): error is Error & { code: string } {
  const code = error instanceof Error ? (error as unknown as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('ERR_');
}

const FASTIFY_CODES: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'ERR_BODY_TOO_LARGE'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'ERR_UNSUPPORTED_MEDIA_TYPE'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'ERR_MALFORMED_JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'ERR_MALFORMED_JSON'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'ERR_BAD_REQUEST'],
};

export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const fe = error as FastifyError;
  if (fe && Array.isArray(fe.validation)) {
    return new HttpError(
      400,
      'ERR_INVALID_BODY',
      `${fe.validationContext ?? 'body'} ${fe.message.replace(/^(body|params|querystring|headers)\s*/, '')}`,
    );
  }
  if (fe && typeof fe.code === 'string' && FASTIFY_CODES[fe.code]) {
    const [status, code] = FASTIFY_CODES[fe.code]!;
    return new HttpError(status, code, fe.message);
  }
  if (error instanceof SyntaxError)
    return new HttpError(400, 'ERR_MALFORMED_JSON', `the body is not valid JSON: ${error.message}`);
  if (isLibraryError(error)) return new HttpError(400, error.code, error.message);
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new HttpError(fe.statusCode, 'ERR_BAD_REQUEST', fe.message);
  }
  return new HttpError(500, 'ERR_INTERNAL', 'internal error; see the server log');
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const http = toHttpError(error);
  if (http.status >= 500 && http.status !== 503) request.log.error({ err: error }, 'request failed');
  if (http.retryAfter !== undefined) void reply.header('retry-after', String(http.retryAfter));
  const body: ErrorBody = { error: { code: http.code, message: http.message } };
  return reply.code(http.status).type('application/json; charset=utf-8').send(body);
}
