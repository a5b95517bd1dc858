/**
 * Monitoring policies from untrusted input (an API body, a config file): the defaults with
 * the given overrides, every key known and every value in range, or VALIDATION_FAILED
 * naming the field. Drift thresholds and the performance-drop rule are set per model, so
 * they arrive as JSON.
 */
import { invalid } from '../errors.js';
import { DEFAULT_DRIFT_POLICY, type DriftPolicy } from './drift.js';
import { DEFAULT_PERFORMANCE_DROP_POLICY, LIVE_METRICS, type LiveMetric, type PerformanceDropPolicy } from './performance.js';

interface Range {
  readonly min: number;
  readonly max: number;
  readonly integer?: boolean;
  /** The bound itself is excluded (a level of exactly 0 or 1 means nothing). */
  readonly open?: boolean;
}

const DRIFT_BOUNDS: Record<keyof DriftPolicy, Range> = {
  minRows: { min: 1, max: 10_000_000, integer: true },
  largeSampleRows: { min: 1, max: 1_000_000_000, integer: true },
  alpha: { min: 0, max: 1, open: true },
  psiWarning: { min: 0, max: 100, open: true },
  psiDrift: { min: 0, max: 100, open: true },
  jsDrift: { min: 0, max: 1, open: true },
  groups: { min: 2, max: 100, integer: true },
  movedBins: { min: 0, max: 100, integer: true },
};

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(field, `${field} must be an object`);
  return value as Record<string, unknown>;
}

function inRange(value: unknown, range: Range, field: string): number {
  const below = range.open ? (v: number) => v <= range.min : (v: number) => v < range.min;
  const above = range.open ? (v: number) => v >= range.max : (v: number) => v > range.max;
  if (typeof value !== 'number' || !Number.isFinite(value) || (range.integer && !Number.isInteger(value)) || below(value) || above(value)) {
    const interval = range.open ? `between ${range.min} and ${range.max} (exclusive)` : `from ${range.min} to ${range.max}`;
    throw invalid(field, `${field} must be ${range.integer ? 'an integer' : 'a number'} ${interval}`);
  }
  return value;
}

function unknownKey(field: string, key: string, known: readonly string[]): never {
  throw invalid(`${field}.${key}`, `${field}.${key} is not a setting; known: ${known.join(', ')}`);
}

/** The default drift policy with `overrides` (undefined → the defaults); warning below drift, minRows up to largeSampleRows. */
export function driftPolicy(overrides: unknown, field = 'drift'): DriftPolicy {
  if (overrides === undefined) return DEFAULT_DRIFT_POLICY;
  const policy: Record<string, number> = { ...DEFAULT_DRIFT_POLICY };
  const known = Object.keys(DRIFT_BOUNDS);
  for (const [key, value] of Object.entries(object(overrides, field))) {
    const range = (DRIFT_BOUNDS as Record<string, Range | undefined>)[key];
    if (range === undefined) unknownKey(field, key, known);
    policy[key] = inRange(value, range, `${field}.${key}`);
  }
  const result = policy as unknown as DriftPolicy;
  if (result.psiWarning > result.psiDrift) throw invalid(`${field}.psiWarning`, `${field}.psiWarning must not exceed ${field}.psiDrift`);
  if (result.minRows > result.largeSampleRows) throw invalid(`${field}.minRows`, `${field}.minRows must not exceed ${field}.largeSampleRows`);
  return result;
}

/** The default performance-drop rule with `overrides` (undefined → the defaults). */
export function performanceDropPolicy(overrides: unknown, field = 'performance'): PerformanceDropPolicy {
  if (overrides === undefined) return DEFAULT_PERFORMANCE_DROP_POLICY;
  let policy: PerformanceDropPolicy = DEFAULT_PERFORMANCE_DROP_POLICY;
  const known = Object.keys(DEFAULT_PERFORMANCE_DROP_POLICY);
  for (const [key, value] of Object.entries(object(overrides, field))) {
    const at = `${field}.${key}`;
    if (key === 'maxDrop') policy = { ...policy, maxDrop: inRange(value, { min: 0, max: 1, open: true }, at) };
    else if (key === 'minSupport') policy = { ...policy, minSupport: inRange(value, { min: 1, max: 10_000_000, integer: true }, at) };
    else if (key === 'mode') {
      if (value !== 'absolute' && value !== 'relative') throw invalid(at, `${at} must be 'absolute' or 'relative'`);
      policy = { ...policy, mode: value };
    } else if (key === 'requireSignificance') {
      if (typeof value !== 'boolean') throw invalid(at, `${at} must be a boolean`);
      policy = { ...policy, requireSignificance: value };
    } else if (key === 'metrics') {
      if (!Array.isArray(value) || value.length === 0 || value.some((m) => !LIVE_METRICS.includes(m as LiveMetric)) || new Set(value).size !== value.length) {
        throw invalid(at, `${at} must be a non-empty list of distinct metrics from ${LIVE_METRICS.join(', ')}`);
      }
      policy = { ...policy, metrics: value as LiveMetric[] };
    } else unknownKey(field, key, known);
  }
  return policy;
}
