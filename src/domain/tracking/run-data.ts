import { WardenError, invalid } from '../errors.js';
import { METRIC_KEY_PATTERN, METRIC_KEY_RULE } from '../metric-keys.js';
import { truncateText } from '../text.js';

/**
 * What a run records: params (write-once strings), tags (mutable strings) and metrics
 * (append-only numeric points). Every function here validates or decides; none does I/O.
 */

/** Keys of params, tags and metrics: the metric-key rule (domain/metric-keys.ts). */
export const DATA_KEY_PATTERN = METRIC_KEY_PATTERN;
export const MAX_PARAM_VALUE_LENGTH = 6_000;
export const MAX_TAG_VALUE_LENGTH = 5_000;

/** Limits of one log-batch call; a batch over any of them is refused whole. */
export const LOG_BATCH_LIMITS = { metrics: 1_000, params: 100, tags: 100 } as const;

export interface MetricPoint {
  readonly key: string;
  readonly value: number;
  /** Training step (epoch, iteration…): a whole number ≥ 0. */
  readonly step: number;
  /** When the value was measured, ms since the epoch. */
  readonly timestamp: number;
}

export interface Param {
  readonly key: string;
  readonly value: string;
}

export interface Tag {
  readonly key: string;
  readonly value: string;
}

export interface MetricInput {
  key?: unknown;
  value?: unknown;
  step?: unknown;
  timestamp?: unknown;
}

export interface TagInput {
  key?: unknown;
  value?: unknown;
}

export type ParamInput = TagInput;

export interface LogBatchInput {
  metrics?: unknown;
  params?: unknown;
  tags?: unknown;
}

/** A batch that passed validation as a whole: safe to write in one transaction. */
export interface LogBatch {
  readonly metrics: readonly MetricPoint[];
  readonly params: readonly Param[];
  readonly tags: readonly Tag[];
}

/** A value quoted in a message: its first `max` characters, then `…` when there is more (`truncateText`). */
export function truncate(text: string, max = 60): string {
  return truncateText(text, max + 1);
}

export function validateKey(key: unknown, field: string): string {
  if (typeof key !== 'string' || key.length === 0) throw invalid(field, `${field} is required and must be a string`);
  if (!DATA_KEY_PATTERN.test(key)) {
    throw invalid(field, `${field} "${truncate(key)}" must be ${METRIC_KEY_RULE}`);
  }
  return key;
}

function stringValue(value: unknown, field: string, max: number): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') throw invalid(field, `${field} must be a string`);
  if (value.length > max) throw invalid(field, `${field} is longer than ${max} characters`);
  // eslint-disable-next-line no-control-regex
  if (/\u0000/.test(value)) throw invalid(field, `${field} must not contain NUL characters`);
  return value;
}

/** A metric point: finite value, whole step ≥ 0, timestamp in ms (defaults to `now`). */
export function validateMetric(input: MetricInput, field: string, now: number): MetricPoint {
  if (input === null || typeof input !== 'object') throw invalid(field, `${field} must be an object {key, value, step, timestamp}`);
  const key = validateKey(input.key, `${field}.key`);
  const value = input.value;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalid(`${field}.value`, `${field}.value must be a finite number, got ${describe(value)}`);
  }
  const step = input.step ?? 0;
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) {
    throw invalid(`${field}.step`, `${field}.step must be a whole number ≥ 0, got ${describe(step)}`);
  }
  const timestamp = input.timestamp ?? now;
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw invalid(`${field}.timestamp`, `${field}.timestamp must be milliseconds since the epoch (a whole number ≥ 0), got ${describe(timestamp)}`);
  }
  return { key, value, step, timestamp };
}

export function validateParam(input: ParamInput, field: string): Param {
  if (input === null || typeof input !== 'object') throw invalid(field, `${field} must be an object {key, value}`);
  return { key: validateKey(input.key, `${field}.key`), value: stringValue(input.value, `${field}.value`, MAX_PARAM_VALUE_LENGTH) };
}

export function validateTag(input: TagInput, field: string): Tag {
  if (input === null || typeof input !== 'object') throw invalid(field, `${field} must be an object {key, value}`);
  return { key: validateKey(input.key, `${field}.key`), value: stringValue(input.value, `${field}.value`, MAX_TAG_VALUE_LENGTH) };
}

/** Tags of one request; a key given twice keeps its last value. */
export function validateTags(list: readonly TagInput[], field: string, limit: number = LOG_BATCH_LIMITS.tags): Tag[] {
  if (list.length > limit) throw invalid(field, `${field} has ${list.length} entries; at most ${limit} are allowed per request`);
  const byKey = new Map<string, Tag>();
  list.forEach((tag, i) => {
    const valid = validateTag(tag, `${field}[${i}]`);
    byKey.set(valid.key, valid);
  });
  return [...byKey.values()];
}

/**
 * Validates a whole log-batch before anything is written: limits first, then every entry.
 * The first problem throws, naming its position (`metrics[12].value`). Params repeated
 * inside the batch must agree (same value = one write); tags repeated keep the last value.
 */
export function validateLogBatch(input: LogBatchInput, now: number): LogBatch {
  if (input === null || typeof input !== 'object') throw invalid('body', 'the batch must be an object {metrics, params, tags}');
  const metricsIn = listOf(input.metrics, 'metrics');
  const paramsIn = listOf(input.params, 'params');
  const tagsIn = listOf(input.tags, 'tags');
  for (const [name, list] of [['metrics', metricsIn], ['params', paramsIn], ['tags', tagsIn]] as const) {
    const limit = LOG_BATCH_LIMITS[name];
    if (list.length > limit) {
      throw new WardenError('VALIDATION_FAILED', `${name} has ${list.length} entries; at most ${limit} are allowed in one batch (split it into several calls)`, {
        field: name,
        details: { limit, count: list.length },
      });
    }
  }
  const metrics = metricsIn.map((m, i) => validateMetric(m as MetricInput, `metrics[${i}]`, now));
  const params: Param[] = [];
  const seen = new Map<string, string>();
  paramsIn.forEach((p, i) => {
    const param = validateParam(p as ParamInput, `params[${i}]`);
    const earlier = seen.get(param.key);
    if (earlier === undefined) {
      seen.set(param.key, param.value);
      params.push(param);
    } else if (earlier !== param.value) {
      throw paramConflict(param.key, earlier, param.value, `params[${i}].value`);
    }
  });
  const tags = validateTags(tagsIn as TagInput[], 'tags');
  return { metrics, params, tags };
}

function listOf(value: unknown, field: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(field, `${field} must be a list`);
  return value;
}

export function paramConflict(key: string, existing: string, attempted: string, field = 'params'): WardenError {
  return new WardenError(
    'PARAM_CONFLICT',
    `param "${key}" is already "${truncate(existing)}"; params are write-once, so it cannot become "${truncate(attempted)}" (log a new run instead)`,
    { field, details: { key, existing, attempted } },
  );
}

/**
 * The write-once rule. `stored` holds the values the store has for the batch's keys
 * (read after inserting the new ones). Same value again is a no-op; a different value
 * is PARAM_CONFLICT naming the first offending key.
 */
export function assertParamsWriteOnce(wanted: readonly Param[], stored: ReadonlyMap<string, string>): void {
  for (const param of wanted) {
    const existing = stored.get(param.key);
    if (existing !== undefined && existing !== param.value) throw paramConflict(param.key, existing, param.value);
  }
}

/** True when point `a` supersedes `b` as a key's latest value: higher step, then later timestamp, then larger value. */
export function isLaterPoint(a: MetricPoint, b: MetricPoint): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return a.value > b.value;
}

/** The latest point of each key among `points` (by {@link isLaterPoint}). */
export function latestPerKey(points: readonly MetricPoint[]): MetricPoint[] {
  const latest = new Map<string, MetricPoint>();
  for (const point of points) {
    const current = latest.get(point.key);
    if (current === undefined || isLaterPoint(point, current)) latest.set(point.key, point);
  }
  return [...latest.values()];
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `"${truncate(value, 30)}"`;
  return typeof value;
}
