import { invalid } from '../errors.js';
import { MAX_METRIC_KEY_LENGTH, METRIC_KEY_CHARS } from '../metric-keys.js';
import { METRIC_COMPARISONS, isStage, type MetricComparison, type Stage } from './vocabulary.js';

export interface MetricCondition {
  readonly key: string;
  readonly comparison: MetricComparison;
  readonly value: number;
}

/** A parsed version search. Conditions are ANDed; versions come newest first. */
export interface VersionFilter {
  readonly stages: readonly Stage[];
  readonly tags: readonly { readonly key: string; readonly value: string }[];
  readonly metrics: readonly MetricCondition[];
  readonly limit: number;
  /** Only versions with a number below this one (the page token's cursor). */
  readonly beforeNumber: number | null;
}

/** The raw query as an HTTP query string or CLI flags give it; repeated keys come as arrays. */
export interface RawVersionQuery {
  readonly stage?: string | readonly string[];
  readonly tag?: string | readonly string[];
  readonly metric?: string | readonly string[];
  readonly pageToken?: string;
  readonly limit?: number | string;
}

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 500;

const METRIC_KEY = `${METRIC_KEY_CHARS}{1,${MAX_METRIC_KEY_LENGTH}}`;
// Longest operators first so `>=` is not read as `>` followed by `=0.9`.
const CONDITION = new RegExp(`^(${METRIC_KEY})\\s*(>=|<=|>|<|=)\\s*(-?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?)$`);
const TAG_KEY = /^[A-Za-z0-9_.\-/:]{1,128}$/;

function list(raw: string | readonly string[] | undefined): string[] {
  if (raw === undefined) return [];
  const values = typeof raw === 'string' ? [raw] : [...raw];
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

/** Parses one metric condition such as `eval_f1>0.9` or `loss <= 0.2`. */
export function parseMetricCondition(text: string, field = 'metric'): MetricCondition {
  const match = CONDITION.exec(text.trim());
  if (!match) throw invalid(field, `"${text}" is not a metric condition like eval_f1>0.9 (operators: ${METRIC_COMPARISONS.join(' ')})`);
  return { key: match[1] as string, comparison: match[2] as MetricComparison, value: Number(match[3]) };
}

/** Parses a page limit: a whole number from 1 to MAX_PAGE_LIMIT, DEFAULT_PAGE_LIMIT when absent. */
export function parseLimit(raw: number | string | undefined, field = 'limit'): number {
  if (raw === undefined || raw === '') return DEFAULT_PAGE_LIMIT;
  const value = typeof raw === 'number' ? raw : /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_LIMIT) throw invalid(field, `limit must be a whole number from 1 to ${MAX_PAGE_LIMIT}`);
  return value;
}

/** Version pages are cursored by version number: the token names the last number served. */
export function versionPageToken(lastNumber: number): string {
  return `n${lastNumber}`;
}

export function parseVersionPageToken(raw: string | undefined, field = 'pageToken'): number | null {
  if (raw === undefined || raw === '') return null;
  const match = /^n(\d{1,15})$/.exec(raw);
  if (!match) throw invalid(field, 'pageToken is not one this server issued; pass back the nextPageToken of the previous page');
  return Number(match[1]);
}

/** Model pages are cursored by name (names sort and are URL-safe). */
export function modelPageToken(lastName: string): string {
  return `m${lastName}`;
}

export function parseModelPageToken(raw: string | undefined, field = 'pageToken'): string | null {
  if (raw === undefined || raw === '') return null;
  if (!/^m[a-z0-9][a-z0-9._-]{0,63}$/.test(raw)) throw invalid(field, 'pageToken is not one this server issued; pass back the nextPageToken of the previous page');
  return raw.slice(1);
}

/**
 * Turns a raw query into a typed filter. `stage` takes stage names; `tag` takes `key=value`;
 * `metric` takes conditions like `eval_f1>0.9` (`>`, `>=`, `<`, `<=`, `=`); each may repeat or be
 * comma-separated. Throws VALIDATION_FAILED naming the field.
 */
export function parseVersionQuery(raw: RawVersionQuery): VersionFilter {
  const stages = list(raw.stage).map((s) => {
    if (!isStage(s)) throw invalid('stage', `"${s}" is not a stage; stages: None, Staging, Production, Archived`);
    return s;
  });
  const tags = list(raw.tag).map((t) => {
    const eq = t.indexOf('=');
    const key = eq < 0 ? '' : t.slice(0, eq).trim();
    if (eq < 0 || !TAG_KEY.test(key)) throw invalid('tag', `"${t}" is not a tag filter like team=fraud`);
    return { key, value: t.slice(eq + 1).trim() };
  });
  const metrics = list(raw.metric).map((m) => parseMetricCondition(m, 'metric'));
  return { stages: [...new Set(stages)], tags, metrics, limit: parseLimit(raw.limit), beforeNumber: parseVersionPageToken(raw.pageToken) };
}
