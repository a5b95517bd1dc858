/**
 * Silences mute the notifications of alerts that fire while they are in force: by fingerprint,
 * or by matchers (rule, model, version, metric, severity; every given one must match). A
 * silence expires on its own or is ended early; either way it stays listed as history.
 */
import { invalid } from '../errors.js';
import { isMetricKey, METRIC_KEY_RULE } from '../metric-keys.js';
import { MODEL_NAME_PATTERN } from '../registry/names.js';
import { ALERT_SEVERITIES, type AlertSeverity } from './rules.js';

export interface SilenceMatchers {
  readonly fingerprint?: string;
  readonly rule?: string;
  readonly model?: string;
  readonly version?: number;
  readonly metric?: string;
  readonly severity?: AlertSeverity;
}

export interface Silence {
  readonly id: string;
  readonly matchers: SilenceMatchers;
  readonly reason: string;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** Ended before it expired (`DELETE /alerts/silences/:id`): when and by whom. */
  readonly endedAt: number | null;
  readonly endedBy: string | null;
}

export interface SilenceRequest {
  readonly matchers: SilenceMatchers;
  /** How long it lasts, in minutes; or give `expiresAt`. */
  readonly durationMinutes?: number;
  /** When it expires (ms since the epoch); or give `durationMinutes`. */
  readonly expiresAt?: number;
  readonly reason: string;
}

/** What a silence is matched against: an alert's identifying fields. */
export interface SilenceTarget {
  readonly fingerprint: string;
  readonly rule: string;
  readonly model: string;
  readonly version: number | null;
  readonly metric: string | null;
  readonly severity: AlertSeverity;
}

export const MAX_SILENCE_MS = 90 * 24 * 3600 * 1000; // 90 days: a longer mute is a rule change, not a silence
const MAX_REASON = 500;
const MATCHER_FIELDS = ['fingerprint', 'rule', 'model', 'version', 'metric', 'severity'] as const;

export function isSilenceActive(silence: Silence, now: number): boolean {
  return silence.endedAt === null && silence.expiresAt > now;
}

/** Whether `silence` is in force at `now` and every matcher it names equals the alert's field. */
export function silenceMatches(silence: Silence, target: SilenceTarget, now: number): boolean {
  if (!isSilenceActive(silence, now)) return false;
  const m = silence.matchers;
  return MATCHER_FIELDS.every((field) => m[field] === undefined || m[field] === target[field]);
}

/** Validates a request (VALIDATION_FAILED naming the field) and returns the silence to store. */
export function planSilence(request: SilenceRequest, context: { readonly id: string; readonly actor: string; readonly now: number }): Silence {
  const m = request.matchers;
  if (typeof m !== 'object' || m === null || Array.isArray(m)) throw invalid('matchers', 'matchers must be an object');
  for (const key of Object.keys(m)) {
    if (!(MATCHER_FIELDS as readonly string[]).includes(key)) throw invalid(`matchers.${key}`, `unknown matcher; use ${MATCHER_FIELDS.join(', ')}`);
  }
  const named = MATCHER_FIELDS.filter((field) => m[field] !== undefined);
  if (named.length === 0) throw invalid('matchers', `a silence needs at least one matcher (${MATCHER_FIELDS.join(', ')}); it would mute every alert`);
  if (m.fingerprint !== undefined && (typeof m.fingerprint !== 'string' || m.fingerprint.length < 1 || m.fingerprint.length > 400)) throw invalid('matchers.fingerprint', 'fingerprint must be 1-400 characters');
  if (m.rule !== undefined && (typeof m.rule !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(m.rule))) throw invalid('matchers.rule', 'rule must be a rule id');
  if (m.model !== undefined && (typeof m.model !== 'string' || !MODEL_NAME_PATTERN.test(m.model))) throw invalid('matchers.model', `model must match ${MODEL_NAME_PATTERN.source}`);
  if (m.version !== undefined && (!Number.isInteger(m.version) || m.version < 1)) throw invalid('matchers.version', 'version must be a whole number ≥ 1');
  if (m.metric !== undefined && !isMetricKey(m.metric)) throw invalid('matchers.metric', `metric must be ${METRIC_KEY_RULE}`);
  if (m.severity !== undefined && !(ALERT_SEVERITIES as readonly string[]).includes(m.severity)) throw invalid('matchers.severity', `severity must be one of ${ALERT_SEVERITIES.join(', ')}`);
  if (typeof request.reason !== 'string' || request.reason.trim() === '' || request.reason.length > MAX_REASON) throw invalid('reason', `reason must be 1-${MAX_REASON} characters: say why it is muted`);
  const { durationMinutes, expiresAt } = request;
  if ((durationMinutes === undefined) === (expiresAt === undefined)) throw invalid('durationMinutes', 'give either durationMinutes or expiresAt');
  const until = durationMinutes !== undefined ? context.now + durationMinutes * 60_000 : (expiresAt as number);
  const field = durationMinutes !== undefined ? 'durationMinutes' : 'expiresAt';
  if (typeof until !== 'number' || !Number.isFinite(until) || until <= context.now || until - context.now > MAX_SILENCE_MS) {
    throw invalid(field, `a silence must end after now and within ${MAX_SILENCE_MS / 86_400_000} days`);
  }
  const matchers = Object.fromEntries(named.map((f) => [f, m[f]])) as SilenceMatchers;
  return { id: context.id, matchers, reason: request.reason.trim(), createdBy: context.actor, createdAt: context.now, expiresAt: Math.round(until), endedAt: null, endedBy: null };
}
