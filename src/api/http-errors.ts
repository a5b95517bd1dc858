/**
 * The one table from error kind to HTTP status, and the handlers that turn every
 * failure into the single error shape `{"error": {"code", "message", "field"?}}`.
 *
 * `integrity` answers 422: the request was well-formed, but the stored bytes it
 * refers to fail their sha256 check (ARTIFACT_TAMPERED, also when a directory or link
 * sits where the blob belongs) or are gone although Warden recorded them
 * (ARTIFACT_BLOB_MISSING), so it cannot be processed — retrying the same request will
 * not help (409 would suggest it might), it is not a 404 (the artifact is known: its
 * bytes are lost), and it is not an opaque 5xx because the client can act on it
 * (restore the blob, re-upload, pick another version). 410 Gone was considered for a
 * missing blob; 422 keeps one status for "the stored data failed its check".
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ERROR_CATALOG, isWardenError, type ErrorCode, type ErrorKind } from '../domain/errors.js';

export const HTTP_STATUS_BY_KIND = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  integrity: 422,
  unavailable: 503,
  internal: 500,
} as const satisfies Record<ErrorKind, number>;

export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS_BY_KIND[ERROR_CATALOG[code].kind];
}

/** The body of every error response (referenced by route schemas and the OpenAPI document). */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'A code from the error catalog, e.g. VERSION_NOT_FOUND.' }),
      message: Type.String(),
      field: Type.Optional(Type.String({ description: 'The offending input, e.g. body.name or query.limit.' })),
      details: Type.Optional(
        Type.Record(Type.String(), Type.Unknown(), { description: 'Facts behind a refusal, e.g. {version, from, to, status} of a refused stage move. Never on a 5xx.' }),
      ),
    }),
  },
  { $id: 'ErrorBody', description: 'Every non-2xx answer has this shape.' },
);
export type ErrorBody = Static<typeof ErrorBody>;

export interface HttpFailure {
  readonly status: number;
  readonly body: ErrorBody;
}

function failure(code: ErrorCode, message: string, field?: string, details?: Readonly<Record<string, unknown>>): HttpFailure {
  return {
    status: httpStatusOf(code),
    body: { error: { code, message, ...(field !== undefined ? { field } : {}), ...(details !== undefined ? { details: { ...details } } : {}) } },
  };
}

/** 5xx answers carry the catalog summary and the request id only; the log has the rest. */
function serverFailure(code: ErrorCode, requestId: string): HttpFailure {
  return failure(code, `${ERROR_CATALOG[code].summary} Request id: ${requestId}`);
}

const PART_NAMES: Record<string, string> = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' };

interface ValidationIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/** `body` + `/tags/0` + missing `name` → `body.tags.0.name`. */
export function fieldOf(part: string, issue: ValidationIssue): string {
  const segments = issue.instancePath
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  const extra = issue.params.missingProperty ?? issue.params.additionalProperty ?? issue.params.propertyName;
  if (typeof extra === 'string' && (issue.keyword === 'required' || issue.keyword === 'additionalProperties')) segments.push(extra);
  return [PART_NAMES[part] ?? part, ...segments].join('.');
}

function validationFailure(error: FastifyError & { validation: ValidationIssue[]; validationContext?: string }): HttpFailure {
  const issue = error.validation[0];
  const part = error.validationContext ?? 'body';
  if (!issue) return failure('VALIDATION_FAILED', 'the request is malformed', PART_NAMES[part] ?? part);
  const field = fieldOf(part, issue);
  let message = issue.message ?? 'is invalid';
  if (issue.keyword === 'required') message = 'is required';
  else if (issue.keyword === 'additionalProperties') message = 'is not a known field';
  else if (issue.keyword === 'enum' && Array.isArray(issue.params.allowedValues)) {
    message = `must be one of ${issue.params.allowedValues.join(', ')}`;
  }
  return failure('VALIDATION_FAILED', `${field} ${message}`, field);
}

function hasValidation(error: unknown): error is FastifyError & { validation: ValidationIssue[]; validationContext?: string } {
  return Array.isArray((error as { validation?: unknown } | null)?.validation);
}

/**
 * Maps anything thrown while serving a request to an HTTP failure. Pure, so the
 * mapping is tested directly; `requestId` is the only internal shown on a 5xx.
 */
export function toHttpFailure(error: unknown, requestId: string): HttpFailure {
  if (isWardenError(error)) {
    const status = httpStatusOf(error.code);
    if (status >= 500) return serverFailure(error.code, requestId);
    return failure(error.code, error.message, error.field, error.details);
  }
  if (hasValidation(error)) return validationFailure(error);
  const fastifyError = error as Partial<FastifyError> | null;
  const code = typeof fastifyError?.code === 'string' ? fastifyError.code : '';
  const statusCode = typeof fastifyError?.statusCode === 'number' ? fastifyError.statusCode : 500;
  switch (code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return failure('VALIDATION_FAILED', 'the request body is not valid JSON', 'body');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return failure('VALIDATION_FAILED', 'the request body is empty but content-type is application/json; send a JSON document', 'body');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return failure('PAYLOAD_TOO_LARGE', 'the request body exceeds the configured limit (WARDEN_BODY_LIMIT_BYTES)', 'body');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return failure('VALIDATION_FAILED', 'unsupported content-type; send application/json', 'headers.content-type');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return failure('VALIDATION_FAILED', 'the request body size does not match content-length', 'headers.content-length');
    default:
      break;
  }
  // JSON.parse errors raised by a content-type parser arrive as a SyntaxError with a 400 status.
  if (error instanceof SyntaxError && statusCode === 400) return failure('VALIDATION_FAILED', 'the request body is not valid JSON', 'body');
  if (statusCode === 413) return failure('PAYLOAD_TOO_LARGE', 'the request body exceeds the configured limit', 'body');
  if (statusCode === 404) return failure('NOT_FOUND', 'not found');
  if (statusCode >= 400 && statusCode < 500) {
    // Some other client error Fastify detected (bad URL, bad header…): still the one shape, never a 500.
    return failure('VALIDATION_FAILED', 'the request is malformed');
  }
  return serverFailure('INTERNAL', requestId);
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Why a 4xx refused the request, for its one request log line (src/api/app.ts). */
    rejection: { code: string; field?: string } | null;
  }
}

/**
 * Fastify error handler: logs server-side failures with their details, answers the one
 * shape. A refusal is noted on the request and logged with its request line, not apart.
 */
export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const result = toHttpFailure(error, request.id);
  if (result.status >= 500) request.log.error({ err: error }, 'request failed');
  else request.rejection = { code: result.body.error.code, ...(result.body.error.field === undefined ? {} : { field: result.body.error.field }) };
  return reply.code(result.status).type('application/json; charset=utf-8').send(result.body);
}

/** Unknown route: 404 in the same shape. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = request.url.split('?')[0]?.slice(0, 200) ?? '';
  const body: ErrorBody = { error: { code: 'NOT_FOUND', message: `no route ${request.method} ${path}; the API is described at /docs` } };
  return reply.code(404).type('application/json; charset=utf-8').send(body);
}
