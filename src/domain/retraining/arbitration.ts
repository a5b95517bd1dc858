/**
 * Arbitration: every pending trigger signal of a model becomes ONE decision — retrain or
 * not — that says which signals it acted on, with their values, and which it declined and
 * why (duplicate, not a drop, too little evidence, hysteresis, cooldown, disabled). Pure:
 * the caller passes the model's arbiter state and `now`, and persists the decision and the
 * next state together.
 */
import type { JsonObject } from '../jobs.js';
import type { LiveMetric } from '../monitoring/performance.js';
import { minimumLabelledPredictions } from './evidence.js';
import { absoluteThreshold, type RetrainingPolicy, type TriggerKind } from './policy.js';

interface SignalBase {
  readonly model: string;
  /** Identifies the real-world event (alert id, dataset digest, trigger id, cron firing, idempotency key): the same key twice is one signal. */
  readonly key: string;
  /** When it was observed (ms since the epoch). */
  readonly at: number;
}

/**
 * One observation that may call for a retrain:
 * - `metric`: a live metric against the deployed version's baseline, on `support` labelled
 *   predictions (null = unknown); the arbiter judges the drop itself, so a value back near the
 *   baseline re-arms the metric.
 * - `metric-recovered`: the metric's alert resolved (re-arms it; never a reason to retrain).
 * - `drift`: a drift verdict (`statistic` = e.g. PSI of the score distribution).
 * - `vulnerabilities`: the red team's vulnerability count reached its threshold for the task.
 * - `fresh-data`: new labelled rows for the model.
 * - `schedule`: the model's cron schedule fired at `firedAt`.
 * - `manual`: a person asked for it.
 */
export type TriggerSignal =
  | (SignalBase & { readonly kind: 'metric'; readonly metric: LiveMetric; readonly value: number; readonly baseline: number; readonly support: number | null })
  | (SignalBase & { readonly kind: 'metric-recovered'; readonly metric: LiveMetric })
  | (SignalBase & { readonly kind: 'drift'; readonly descriptor: string | null; readonly statistic: number | null })
  | (SignalBase & { readonly kind: 'vulnerabilities'; readonly task: string; readonly vulnerabilities: number | null; readonly threshold: number | null })
  | (SignalBase & { readonly kind: 'fresh-data'; readonly dataset: string; readonly rows: number | null })
  | (SignalBase & { readonly kind: 'schedule'; readonly cron: string; readonly firedAt: number })
  | (SignalBase & { readonly kind: 'manual'; readonly actor: string; readonly reason: string | null });

export type SignalKind = TriggerSignal['kind'];

/** What the arbiter remembers of a model between decisions. */
export interface ArbiterState {
  /** When the last retrain was decided; null = never. */
  readonly lastRetrainAt: number | null;
  /** Metrics whose drop triggered a retrain and that have not been seen recovered since (hysteresis). */
  readonly disarmed: readonly LiveMetric[];
}

export const INITIAL_ARBITER_STATE: ArbiterState = Object.freeze({ lastRetrainAt: null, disarmed: Object.freeze([]) as readonly LiveMetric[] });

/** A signal the decision acted on, with the values that made it count. */
export interface AcceptedTrigger {
  readonly kind: TriggerKind;
  readonly key: string;
  readonly at: number;
  readonly summary: string;
  readonly values: JsonObject;
}

export const DECLINE_REASONS = ['duplicate', 'no-drop', 'insufficient-evidence', 'hysteresis', 'cooldown', 'disabled', 'recovery'] as const;
export type DeclineReason = (typeof DECLINE_REASONS)[number];

/** A signal the decision did not act on, and why. */
export interface DeclinedSignal {
  readonly kind: SignalKind;
  readonly key: string;
  readonly at: number;
  readonly reason: DeclineReason;
  readonly detail: string;
}

export interface RetrainingDecisionPlan {
  readonly model: string;
  readonly decidedAt: number;
  readonly outcome: 'retrain' | 'no-retrain';
  /** One sentence: what was decided and mainly why. */
  readonly summary: string;
  readonly triggers: readonly AcceptedTrigger[];
  readonly declined: readonly DeclinedSignal[];
}

export interface ArbitrationInput {
  readonly model: string;
  readonly signals: readonly TriggerSignal[];
  readonly state: ArbiterState;
  readonly policy: RetrainingPolicy;
  readonly now: number;
}

export interface Arbitration {
  readonly decision: RetrainingDecisionPlan;
  readonly state: ArbiterState;
}

const round = (value: number): number => Math.round(value * 1e4) / 1e4;
const percent = (value: number): string => `${round(value * 100)} %`;

/** Turns a model's pending signals into one decision and the arbiter's next state. */
export function arbitrate(input: ArbitrationInput): Arbitration {
  const { model, policy, now } = input;
  const declined: DeclinedSignal[] = [];
  const candidates: AcceptedTrigger[] = [];
  const disarmed = new Set(input.state.disarmed);
  const decline = (signal: TriggerSignal, reason: DeclineReason, detail: string): void => {
    declined.push({ kind: signal.kind, key: signal.key, at: signal.at, reason, detail });
  };

  const seen = new Set<string>();
  const ordered = [...input.signals].filter((s) => s.model === model).sort((a, b) => a.at - b.at || a.key.localeCompare(b.key));
  for (const signal of ordered) {
    if (seen.has(signal.key)) {
      decline(signal, 'duplicate', `signal ${signal.key} was already counted in this decision`);
      continue;
    }
    seen.add(signal.key);
    switch (signal.kind) {
      case 'metric-recovered':
        disarmed.delete(signal.metric);
        decline(signal, 'recovery', `${signal.metric} recovered: its drop counts again next time`);
        break;
      case 'metric':
        judgeMetric(signal, policy, disarmed, candidates, decline);
        break;
      case 'drift':
        if (!policy.retrainOnDrift) decline(signal, 'disabled', 'the policy does not retrain on drift alone');
        else {
          candidates.push({
            kind: 'drift',
            key: signal.key,
            at: signal.at,
            summary: `drift${signal.descriptor === null ? '' : ` in ${signal.descriptor}`}${signal.statistic === null ? '' : ` (${round(signal.statistic)})`}`,
            values: { descriptor: signal.descriptor, statistic: signal.statistic },
          });
        }
        break;
      case 'vulnerabilities':
        candidates.push({
          kind: 'vulnerabilities',
          key: signal.key,
          at: signal.at,
          summary: `red-team vulnerabilities of task ${signal.task} reached the threshold${signal.vulnerabilities === null ? '' : ` (${signal.vulnerabilities} of ${signal.threshold ?? '?'})`}`,
          values: { task: signal.task, vulnerabilities: signal.vulnerabilities, threshold: signal.threshold },
        });
        break;
      case 'fresh-data':
        candidates.push({ kind: 'fresh-data', key: signal.key, at: signal.at, summary: `fresh data ${signal.dataset}${signal.rows === null ? '' : ` (${signal.rows} rows)`}`, values: { dataset: signal.dataset, rows: signal.rows } });
        break;
      case 'schedule':
        candidates.push({
          kind: 'schedule',
          key: signal.key,
          at: signal.at,
          summary: `schedule "${signal.cron}" fired at ${new Date(signal.firedAt).toISOString()}`,
          values: { cron: signal.cron, firedAt: signal.firedAt },
        });
        break;
      case 'manual':
        candidates.push({
          kind: 'manual',
          key: signal.key,
          at: signal.at,
          summary: `requested by ${signal.actor}${signal.reason === null ? '' : `: ${signal.reason}`}`,
          values: { actor: signal.actor, reason: signal.reason },
        });
        break;
    }
  }

  // The cooldown runs from the last retrain decided; exempt triggers (new data, a person) pass.
  const last = input.state.lastRetrainAt;
  const coolingUntil = last === null ? null : last + policy.cooldownMs;
  const triggers: AcceptedTrigger[] = [];
  for (const candidate of candidates) {
    if (coolingUntil !== null && now < coolingUntil && !policy.cooldownExempt.includes(candidate.kind)) {
      declined.push({
        kind: candidate.kind === 'metric-drop' ? 'metric' : candidate.kind,
        key: candidate.key,
        at: candidate.at,
        reason: 'cooldown',
        detail: `${candidate.summary}; in cooldown until ${new Date(coolingUntil).toISOString()} after the retrain decided at ${new Date(last!).toISOString()}`,
      });
    } else triggers.push(candidate);
  }

  const retrain = triggers.length > 0;
  if (retrain) {
    for (const trigger of triggers) if (trigger.kind === 'metric-drop') disarmed.add(trigger.values.metric as LiveMetric);
  }
  const summary = retrain
    ? `retrain: ${triggers.map((t) => t.summary).join('; ')}${declined.length > 0 ? ` (${declined.length} signal(s) not acted on)` : ''}`
    : declined.length === 0
      ? 'no retrain: no signal'
      : `no retrain: ${[...new Set(declined.map((d) => d.reason))].join(', ')}`;
  return {
    decision: { model, decidedAt: now, outcome: retrain ? 'retrain' : 'no-retrain', summary, triggers, declined },
    state: { lastRetrainAt: retrain ? now : last, disarmed: [...disarmed].sort() },
  };
}

function judgeMetric(
  signal: Extract<TriggerSignal, { kind: 'metric' }>,
  policy: RetrainingPolicy,
  disarmed: Set<LiveMetric>,
  candidates: AcceptedTrigger[],
  decline: (signal: TriggerSignal, reason: DeclineReason, detail: string) => void,
): void {
  const rule = policy.metrics[signal.metric];
  const drop = signal.baseline - signal.value;
  const threshold = absoluteThreshold(rule, signal.baseline);
  const values: JsonObject = {
    metric: signal.metric,
    value: round(signal.value),
    baseline: round(signal.baseline),
    drop: round(drop),
    threshold: round(threshold),
    mode: rule.mode,
    support: signal.support,
  };
  const described = `${signal.metric} ${round(signal.value)} vs baseline ${round(signal.baseline)} (drop ${round(drop)}, threshold ${round(threshold)} = ${percent(rule.maxDrop)} ${rule.mode})`;
  if (!rule.enabled) return decline(signal, 'disabled', `${described}; the policy does not judge ${signal.metric}`);
  if (drop <= threshold) {
    // Hysteresis: a metric re-arms only once well back, not by creeping just under the threshold.
    if (drop <= threshold * policy.rearmFraction) disarmed.delete(signal.metric);
    return decline(signal, 'no-drop', `${described}: within tolerance`);
  }
  if (disarmed.has(signal.metric)) {
    return decline(signal, 'hysteresis', `${described}; has not recovered to within ${percent(policy.rearmFraction)} of the threshold since the retrain it last triggered`);
  }
  const required = minimumLabelledPredictions(signal.baseline, Math.min(threshold, signal.baseline), policy.alpha, policy.power);
  if (signal.support === null || signal.support < required) {
    return decline(
      signal,
      'insufficient-evidence',
      `${described}; ${signal.support ?? 'an unknown number of'} labelled predictions, ${required} needed to detect that drop at α=${policy.alpha} with power ${policy.power}`,
    );
  }
  candidates.push({ kind: 'metric-drop', key: signal.key, at: signal.at, summary: described, values: { ...values, required } });
}
