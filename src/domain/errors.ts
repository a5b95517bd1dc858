/**
 * The error catalog: every failure Warden reports has a code listed here.
 * The kind decides the HTTP status (mapped once, in api/http-errors.ts) and the
 * CLI exit code; `retryable` says whether the same call (or job attempt) can succeed
 * later without any change; the message is written for the person who has to act on it.
 * README.md's error table lists every code (a test keeps them in step).
 */
export const ERROR_KINDS = [
  'invalid',
  'unauthenticated',
  'forbidden',
  'not_found',
  'conflict',
  'too_large',
  'integrity',
  'unavailable',
  'internal',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export const ERROR_CATALOG = {
  VALIDATION_FAILED: { kind: 'invalid', retryable: false, summary: 'A field of the request is missing or malformed.' },
  NAME_RESERVED: { kind: 'invalid', retryable: false, summary: 'The name is reserved by a platform route.' },
  STAGE_TRANSITION_INVALID: { kind: 'invalid', retryable: false, summary: 'The stage change is not allowed from the current stage or status.' },
  INVALID_ARTIFACT_NAME: { kind: 'invalid', retryable: false, summary: 'An artifact name contains a path segment, scheme or encoding that is not allowed.' },
  DATASET_INVALID: { kind: 'invalid', retryable: false, summary: 'A dataset file failed validation.' },
  UNAUTHENTICATED: { kind: 'unauthenticated', retryable: false, summary: 'A valid bearer token is required.' },
  FORBIDDEN: { kind: 'forbidden', retryable: false, summary: 'The token role does not allow this action.' },
  NOT_FOUND: { kind: 'not_found', retryable: false, summary: 'No such route.' },
  MODEL_NOT_FOUND: { kind: 'not_found', retryable: false, summary: 'No registered model has this name.' },
  VERSION_NOT_FOUND: { kind: 'not_found', retryable: false, summary: 'The model has no such version.' },
  ALIAS_NOT_FOUND: { kind: 'not_found', retryable: false, summary: 'The model has no such alias.' },
  TOKEN_NOT_FOUND: { kind: 'not_found', retryable: false, summary: 'No such token.' },
  EXPERIMENT_NOT_FOUND: { kind: 'not_found', retryable: false, summary: 'No such experiment.' },
  RUN_NOT_FOUND: { kind: 'not_found', retryable: false, summary: 'No such run.' },
  ARTIFACT_NOT_FOUND: { kind: 'not_found', retryable: false, summary: 'No such artifact.' },
  DATASET_NOT_FOUND: { kind: 'not_found', retryable: false, summary: 'No such dataset version.' },
  JOB_NOT_FOUND: { kind: 'not_found', retryable: false, summary: 'No such job.' },
  PREDICTION_NOT_FOUND: { kind: 'not_found', retryable: false, summary: 'No recorded prediction has this id (never made, not yet written by another API process, or past retention).' },
  DEPLOYMENT_NOT_FOUND: { kind: 'not_found', retryable: false, summary: 'No such deployment.' },
  CAMPAIGN_NOT_FOUND: { kind: 'not_found', retryable: false, summary: 'No such red-team campaign.' },
  ALERT_NOT_FOUND: { kind: 'not_found', retryable: false, summary: 'No such alert.' },
  MONITORING_NOT_FOUND: { kind: 'not_found', retryable: false, summary: 'The model has no monitoring snapshot yet.' },
  SILENCE_NOT_FOUND: { kind: 'not_found', retryable: false, summary: 'No such alert silence.' },
  RETRAINING_DECISION_NOT_FOUND: { kind: 'not_found', retryable: false, summary: 'No such retraining decision.' },
  MODEL_ALREADY_EXISTS: { kind: 'conflict', retryable: false, summary: 'A registered model with this name already exists.' },
  TOKEN_NAME_TAKEN: { kind: 'conflict', retryable: false, summary: 'An active token already has this name (the name is the actor recorded in histories).' },
  EXPERIMENT_ALREADY_EXISTS: { kind: 'conflict', retryable: false, summary: 'An experiment with this name already exists.' },
  ARTIFACT_ALREADY_EXISTS: { kind: 'conflict', retryable: false, summary: 'The run already has an artifact with this name.' },
  VERSION_CONFLICT: { kind: 'conflict', retryable: false, summary: 'The resource changed concurrently or is in a state that forbids this change.' },
  PARAM_CONFLICT: { kind: 'conflict', retryable: false, summary: 'A run parameter is write-once and already has a different value.' },
  RUN_NOT_ACTIVE: { kind: 'conflict', retryable: false, summary: 'The run has ended and no longer accepts data.' },
  MODEL_NOT_LIVE: { kind: 'conflict', retryable: false, summary: 'The model has no live deployment (no Production version): promote a version or predict with a pinned version.' },
  VERSION_ARCHIVED: { kind: 'conflict', retryable: false, summary: 'The version is Archived: only an admin may still predict with it (pinned route).' },
  JOB_NOT_CANCELLABLE: { kind: 'conflict', retryable: false, summary: 'The job already reached a terminal state.' },
  PAYLOAD_TOO_LARGE: { kind: 'too_large', retryable: false, summary: 'The request body or upload exceeds the configured limit.' },
  ARTIFACT_TAMPERED: { kind: 'integrity', retryable: false, summary: 'The stored bytes no longer match their recorded sha256 digest.' },
  ARTIFACT_BLOB_MISSING: { kind: 'integrity', retryable: false, summary: 'An artifact is recorded but its bytes are missing from the artifact store.' },
  STORE_UNAVAILABLE: { kind: 'unavailable', retryable: true, summary: 'The metadata store, queue or artifact store cannot be reached.' },
  SCHEMA_OUTDATED: { kind: 'unavailable', retryable: true, summary: 'The database schema is older than this build: run `warden db migrate`.' },
  INTERNAL: { kind: 'internal', retryable: true, summary: 'An unexpected error; the server log has the details under the request id.' },
} as const satisfies Record<string, { kind: ErrorKind; retryable: boolean; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** A failure with a catalog code. `field` names the offending input when there is one. */
export class WardenError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: { field?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WardenError';
    this.code = code;
    this.field = options.field;
    this.details = options.details;
  }

  get kind(): ErrorKind {
    return ERROR_CATALOG[this.code].kind;
  }

  /** Whether retrying unchanged can succeed (the store was down) or only fails the same way (bad input). */
  get retryable(): boolean {
    return ERROR_CATALOG[this.code].retryable;
  }
}

export function isWardenError(value: unknown): value is WardenError {
  return value instanceof WardenError;
}

/** Shorthand for the most common failure: one named field is wrong. */
export function invalid(field: string, message: string): WardenError {
  return new WardenError('VALIDATION_FAILED', message, { field });
}
