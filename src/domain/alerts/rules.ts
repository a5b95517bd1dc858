/**
 * Alert rules and the signals they read. A signal is one observation of a model's health
 * (a live metric against its baseline, a drift or anomaly verdict, an error rate, a data
 * check, a red-team campaign), produced by monitoring or red teaming; a rule turns it into a
 * verdict: breach, clear, or nothing to say. Pure: the episode logic is in episodes.ts.
 */
import { invalid } from '../errors.js';
import type { JsonObject } from '../jobs.js';
import { isMetricKey, METRIC_KEY_RULE } from '../metric-keys.js';
import { MODEL_NAME_PATTERN } from '../registry/names.js';

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/**
 * What a signal is about: `performance` (a live metric against its baseline), `drift`, `anomaly`
 * (a detector on the prediction stream), `inference-errors` (the share of failed or timed-out
 * requests), `data-quality` (missing or corrupted inputs or labels), `redteam` (a campaign's outcome),
 * `retraining` (a retrained version waiting for an admin's approval; settled = clear).
 */
export const SIGNAL_KINDS = ['performance', 'drift', 'anomaly', 'inference-errors', 'data-quality', 'redteam', 'retraining'] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

/**
 * How a rule judges a signal:
 * - `drop`: the value fell more than `threshold` below the baseline — a share of the baseline
 *   when `relative` (0.05 = 5 % of it), else in the metric's own units. Without a baseline the
 *   producer's `breached` decides; with one, `breached: false` turns a drop into no verdict
 *   (the producer found it not significant, e.g. its interval still reaches the baseline).
 * - `above` / `at-least`: the value is more than / at least `threshold`.
 * - `signal`: the producer's own verdict (`breached`), for detectors that carry their thresholds.
 */
export type AlertCondition =
  | { readonly op: 'drop'; readonly threshold: number; readonly relative: boolean }
  | { readonly op: 'above'; readonly threshold: number }
  | { readonly op: 'at-least'; readonly threshold: number }
  | { readonly op: 'signal' };

export interface AlertRule {
  /** Unique, `[a-z0-9][a-z0-9-]*`: part of every alert's fingerprint. */
  readonly id: string;
  readonly description: string;
  readonly signal: SignalKind;
  /** Only signals of this metric (performance rules); null = any. */
  readonly metric: string | null;
  readonly condition: AlertCondition;
  readonly severity: AlertSeverity;
  /** Clear observations in a row that resolve an open alert (hysteresis: a flapping signal stays one episode). */
  readonly clearAfter: number;
  /** After an episode resolved, a breach of the same fingerprint opens no new one for this long (ms). */
  readonly cooldownMs: number;
  readonly enabled: boolean;
}

/** One observation of a model's health, as monitoring or red teaming hands it to the alerts. */
export interface AlertSignal {
  readonly model: string;
  /** The version observed; absent for a model-wide signal. */
  readonly version?: number | null;
  readonly kind: SignalKind;
  /** The metric or descriptor observed (accuracy, f1, psi:score, …). */
  readonly metric?: string | null;
  readonly value: number;
  /** What `value` is compared with (the version's evaluation metric at deployment). */
  readonly baseline?: number | null;
  /**
   * The producer's verdict, read by `signal` rules; for `drop` rules it decides without a
   * baseline, and `false` vetoes a drop the producer found not significant.
   */
  readonly breached?: boolean;
  /** Whatever explains the observation (window, sample size, interval, example inputs): kept on the alert. */
  readonly details?: JsonObject;
  /** When it was observed (ms since the epoch); default: when it is handed over. */
  readonly at?: number;
}

export type Verdict = 'breach' | 'clear' | 'unknown';

const MINUTE = 60_000;
const PERFORMANCE_METRICS = ['accuracy', 'f1', 'precision', 'recall'] as const;

/**
 * The platform's triggers: a live accuracy, F1, precision or recall more than 5 % below the
 * version's baseline; drift; an anomaly; more than 5 % of requests failing or timing out;
 * missing or corrupted data; a red-team campaign that failed its gate (its producer decides;
 * the retrain-all threshold is 10 vulnerabilities).
 */
export const DEFAULT_ALERT_RULES: readonly AlertRule[] = Object.freeze([
  ...PERFORMANCE_METRICS.map(
    (metric): AlertRule => ({
      id: `${metric}-drop`,
      description: `live ${metric} more than 5 % below the version's baseline`,
      signal: 'performance',
      metric,
      condition: { op: 'drop', threshold: 0.05, relative: true },
      severity: 'critical',
      clearAfter: 3,
      cooldownMs: 30 * MINUTE,
      enabled: true,
    }),
  ),
  { id: 'drift', description: 'the live inputs or scores drifted from the reference profile', signal: 'drift', metric: null, condition: { op: 'signal' }, severity: 'warning', clearAfter: 3, cooldownMs: 30 * MINUTE, enabled: true },
  { id: 'anomaly', description: 'an anomaly detector on the prediction stream tripped', signal: 'anomaly', metric: null, condition: { op: 'signal' }, severity: 'warning', clearAfter: 3, cooldownMs: 30 * MINUTE, enabled: true },
  {
    id: 'inference-errors',
    description: 'more than 5 % of requests failed or timed out',
    signal: 'inference-errors',
    metric: null,
    condition: { op: 'above', threshold: 0.05 },
    severity: 'critical',
    clearAfter: 3,
    cooldownMs: 15 * MINUTE,
    enabled: true,
  },
  { id: 'data-quality', description: 'missing or corrupted data', signal: 'data-quality', metric: null, condition: { op: 'signal' }, severity: 'warning', clearAfter: 2, cooldownMs: 30 * MINUTE, enabled: true },
  // A campaign is one observation: the next campaign that passes resolves it.
  { id: 'redteam-failure', description: 'a red-team campaign failed its gate (vulnerabilities at or above the threshold)', signal: 'redteam', metric: null, condition: { op: 'signal' }, severity: 'critical', clearAfter: 1, cooldownMs: 0, enabled: true },
  // One episode per held version (the fingerprint names it); the approval or rejection resolves it.
  { id: 'approval-needed', description: 'a retrained version cleared its gates and waits for an admin to approve or reject its promotion', signal: 'retraining', metric: null, condition: { op: 'signal' }, severity: 'warning', clearAfter: 1, cooldownMs: 0, enabled: true },
]);

/** Whether `rule` reads `signal`. */
export function ruleApplies(rule: AlertRule, signal: Pick<AlertSignal, 'kind' | 'metric'>): boolean {
  return rule.enabled && rule.signal === signal.kind && (rule.metric === null || rule.metric === (signal.metric ?? null));
}

/** The relative or absolute drop of `value` below `baseline` (positive = worse); undefined without a usable baseline. */
export function dropBelow(value: number, baseline: number | null | undefined, relative: boolean): number | undefined {
  if (baseline === null || baseline === undefined || !Number.isFinite(baseline)) return undefined;
  if (!relative) return baseline - value;
  return baseline > 0 ? (baseline - value) / baseline : undefined;
}

/** The rule's verdict on one signal; `unknown` (nothing to say) neither opens nor clears an alert. */
export function judgeSignal(rule: AlertRule, signal: AlertSignal): Verdict {
  const condition = rule.condition;
  const flag = (): Verdict => (signal.breached === undefined ? 'unknown' : signal.breached ? 'breach' : 'clear');
  switch (condition.op) {
    case 'signal':
      return flag();
    case 'above':
      return signal.value > condition.threshold ? 'breach' : 'clear';
    case 'at-least':
      return signal.value >= condition.threshold ? 'breach' : 'clear';
    case 'drop': {
      const drop = dropBelow(signal.value, signal.baseline, condition.relative);
      if (drop === undefined) return flag();
      // A hair's tolerance, so "exactly 5 %" computed in floating point is not "more than 5 %".
      if (!(drop > condition.threshold + 1e-12)) return 'clear';
      // The producer may know the drop is noise (an interval that still reaches the baseline):
      // its `breached: false` vetoes the breach, without counting as a clear observation either.
      return signal.breached === false ? 'unknown' : 'breach';
    }
  }
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(Math.abs(value) >= 10 ? 1 : 3);
}

/** One line for people: what was observed and against what. */
export function describeSignal(rule: AlertRule, signal: AlertSignal): string {
  const subject = `${signal.model}${signal.version === undefined || signal.version === null ? '' : ` v${signal.version}`}`;
  const metric = signal.metric ?? signal.kind;
  const condition = rule.condition;
  if (condition.op === 'drop') {
    const drop = dropBelow(signal.value, signal.baseline, condition.relative);
    if (drop !== undefined && signal.baseline !== null && signal.baseline !== undefined) {
      const by = condition.relative ? `${(drop * 100).toFixed(1)} %` : formatValue(drop);
      return `${metric} of ${subject} is ${formatValue(signal.value)}, ${drop >= 0 ? `${by} below` : `${by.replace('-', '')} above`} its baseline ${formatValue(signal.baseline)}`;
    }
  }
  if (condition.op === 'above' || condition.op === 'at-least') {
    return `${metric} of ${subject} is ${formatValue(signal.value)} (limit ${condition.op === 'above' ? '>' : '≥'} ${formatValue(condition.threshold)})`;
  }
  return `${metric} of ${subject}: ${formatValue(signal.value)}${signal.breached === true ? ' (breached)' : signal.breached === false ? ' (within limits)' : ''}`;
}

const MAX_DETAILS_BYTES = 16 * 1024;

function finiteOrNull(value: unknown, field: string): void {
  if (value !== undefined && value !== null && (typeof value !== 'number' || !Number.isFinite(value))) throw invalid(field, `${field} must be a finite number or null`);
}

/** Checks a signal's fields (VALIDATION_FAILED naming the field, prefixed by `field`). */
export function validateSignal(signal: AlertSignal, field = 'signal'): void {
  if (typeof signal !== 'object' || signal === null) throw invalid(field, `${field} must be an object`);
  if (typeof signal.model !== 'string' || !MODEL_NAME_PATTERN.test(signal.model)) throw invalid(`${field}.model`, `model must match ${MODEL_NAME_PATTERN.source}`);
  if (signal.version !== undefined && signal.version !== null && (!Number.isInteger(signal.version) || signal.version < 1)) {
    throw invalid(`${field}.version`, 'version must be a whole number ≥ 1 or null');
  }
  if (!(SIGNAL_KINDS as readonly string[]).includes(signal.kind)) throw invalid(`${field}.kind`, `kind must be one of ${SIGNAL_KINDS.join(', ')}`);
  if (signal.metric !== undefined && signal.metric !== null && !isMetricKey(signal.metric)) throw invalid(`${field}.metric`, `metric must be ${METRIC_KEY_RULE}`);
  if (typeof signal.value !== 'number' || !Number.isFinite(signal.value)) throw invalid(`${field}.value`, 'value must be a finite number');
  finiteOrNull(signal.baseline, `${field}.baseline`);
  if (signal.breached !== undefined && typeof signal.breached !== 'boolean') throw invalid(`${field}.breached`, 'breached must be true or false');
  if (signal.details !== undefined) {
    if (typeof signal.details !== 'object' || signal.details === null || Array.isArray(signal.details)) throw invalid(`${field}.details`, 'details must be an object');
    if (JSON.stringify(signal.details).length > MAX_DETAILS_BYTES) throw invalid(`${field}.details`, `details must be at most ${MAX_DETAILS_BYTES} bytes of JSON`);
  }
  if (signal.at !== undefined && (!Number.isInteger(signal.at) || signal.at < 0)) throw invalid(`${field}.at`, 'at must be a time in ms since the epoch');
}

const RULE_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Checks a rule set: unique ids, sane thresholds and counts (VALIDATION_FAILED naming `rules[i].field`). */
export function validateRules(rules: readonly AlertRule[]): readonly AlertRule[] {
  const seen = new Set<string>();
  rules.forEach((rule, i) => {
    const at = `rules[${i}]`;
    if (!RULE_ID.test(rule.id)) throw invalid(`${at}.id`, 'id must be 1-64 of a-z, 0-9, "-", starting with a letter or digit');
    if (seen.has(rule.id)) throw invalid(`${at}.id`, `rule ${rule.id} is listed twice`);
    seen.add(rule.id);
    if (!(SIGNAL_KINDS as readonly string[]).includes(rule.signal)) throw invalid(`${at}.signal`, `signal must be one of ${SIGNAL_KINDS.join(', ')}`);
    if (!(ALERT_SEVERITIES as readonly string[]).includes(rule.severity)) throw invalid(`${at}.severity`, `severity must be one of ${ALERT_SEVERITIES.join(', ')}`);
    if (!Number.isInteger(rule.clearAfter) || rule.clearAfter < 1 || rule.clearAfter > 1000) throw invalid(`${at}.clearAfter`, 'clearAfter must be a whole number from 1 to 1000');
    if (!Number.isInteger(rule.cooldownMs) || rule.cooldownMs < 0) throw invalid(`${at}.cooldownMs`, 'cooldownMs must be a whole number ≥ 0');
    if (rule.condition.op !== 'signal' && !Number.isFinite(rule.condition.threshold)) throw invalid(`${at}.condition.threshold`, 'threshold must be a finite number');
  });
  return rules;
}

/** What an operator may change of a built-in rule (WARDEN_ALERT_RULES), by rule id. */
export interface AlertRuleOverride {
  readonly threshold?: number;
  readonly severity?: AlertSeverity;
  readonly clearAfter?: number;
  readonly cooldownMs?: number;
  readonly enabled?: boolean;
}

const OVERRIDE_FIELDS = ['threshold', 'severity', 'clearAfter', 'cooldownMs', 'enabled'] as const;

/**
 * The rules with `overrides` applied (an object keyed by rule id); VALIDATION_FAILED naming
 * `<rule>.<field>` for an unknown rule or field, a bad value, or a threshold on a rule that
 * reads the producer's verdict.
 */
export function applyRuleOverrides(rules: readonly AlertRule[], overrides: unknown): AlertRule[] {
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) throw invalid('rules', 'must be an object keyed by rule id');
  const byId = new Map(rules.map((rule) => [rule.id, rule]));
  for (const [id, raw] of Object.entries(overrides as Record<string, unknown>)) {
    const rule = byId.get(id);
    if (rule === undefined) throw invalid(id, `unknown rule; the rules are ${rules.map((r) => r.id).join(', ')}`);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid(id, 'must be an object of threshold, severity, clearAfter, cooldownMs, enabled');
    const o = raw as Record<string, unknown>;
    for (const key of Object.keys(o)) if (!(OVERRIDE_FIELDS as readonly string[]).includes(key)) throw invalid(`${id}.${key}`, `unknown field; use ${OVERRIDE_FIELDS.join(', ')}`);
    let condition = rule.condition;
    if (o.threshold !== undefined) {
      if (condition.op === 'signal') throw invalid(`${id}.threshold`, "this rule reads the producer's verdict; it has no threshold");
      if (typeof o.threshold !== 'number' || !Number.isFinite(o.threshold) || o.threshold < 0) throw invalid(`${id}.threshold`, 'threshold must be a finite number ≥ 0');
      condition = { ...condition, threshold: o.threshold };
    }
    if (o.severity !== undefined && !(ALERT_SEVERITIES as readonly unknown[]).includes(o.severity)) throw invalid(`${id}.severity`, `severity must be one of ${ALERT_SEVERITIES.join(', ')}`);
    if (o.enabled !== undefined && typeof o.enabled !== 'boolean') throw invalid(`${id}.enabled`, 'enabled must be true or false');
    if (o.clearAfter !== undefined && (!Number.isInteger(o.clearAfter) || (o.clearAfter as number) < 1 || (o.clearAfter as number) > 1000)) throw invalid(`${id}.clearAfter`, 'clearAfter must be a whole number from 1 to 1000');
    if (o.cooldownMs !== undefined && (!Number.isInteger(o.cooldownMs) || (o.cooldownMs as number) < 0)) throw invalid(`${id}.cooldownMs`, 'cooldownMs must be a whole number ≥ 0');
    byId.set(id, {
      ...rule,
      condition,
      ...(o.severity !== undefined ? { severity: o.severity as AlertSeverity } : {}),
      ...(o.clearAfter !== undefined ? { clearAfter: o.clearAfter as number } : {}),
      ...(o.cooldownMs !== undefined ? { cooldownMs: o.cooldownMs as number } : {}),
      ...(o.enabled !== undefined ? { enabled: o.enabled } : {}),
    });
  }
  return rules.map((rule) => byId.get(rule.id) ?? rule);
}
