/**
 * Alert episodes: consecutive breaches of one fingerprint (rule + model + version + metric)
 * are one alert, fired once, resolved after `clearAfter` clear observations in a row, and a
 * new episode of the same fingerprint cannot fire within the rule's cooldown after the last
 * one resolved. Pure: the store keeps at most one open alert per fingerprint and applies
 * these decisions in one transaction each.
 */
import type { JsonObject } from '../jobs.js';
import { describeSignal, judgeSignal, type AlertRule, type AlertSeverity, type AlertSignal, type SignalKind, type Verdict } from './rules.js';
import { silenceMatches, type Silence } from './silences.js';

export const ALERT_STATES = ['open', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/**
 * Why an episode resolved: its condition `cleared` (the rule's clear streak), or it was
 * `retired` because the version it watched stopped serving (left Production), so nothing will
 * observe it again.
 */
export const ALERT_RESOLUTIONS = ['cleared', 'retired'] as const;
export type AlertResolution = (typeof ALERT_RESOLUTIONS)[number];

export interface Alert {
  readonly id: string;
  readonly fingerprint: string;
  readonly rule: string;
  readonly kind: SignalKind;
  readonly severity: AlertSeverity;
  readonly model: string;
  readonly version: number | null;
  readonly metric: string | null;
  readonly state: AlertState;
  /** The latest breaching observation, in words. */
  readonly summary: string;
  readonly value: number;
  readonly baseline: number | null;
  /** The latest breaching observation's details. */
  readonly details: JsonObject;
  readonly firedAt: number;
  readonly lastBreachAt: number;
  /** The latest observation of any verdict. */
  readonly lastSeenAt: number;
  readonly resolvedAt: number | null;
  readonly resolution: AlertResolution | null;
  /** Breaching observations in this episode (the first included). */
  readonly breaches: number;
  /** Clear observations in a row since the last breach. */
  readonly clearStreak: number;
  readonly ackedAt: number | null;
  readonly ackedBy: string | null;
  /** The silence that matched when it fired: its notifications are muted (the record and events are not). */
  readonly silencedBy: string | null;
}

/** What the store knows about a fingerprint when a signal arrives. */
export interface EpisodeState {
  readonly open: Alert | null;
  /** When the latest resolved episode of the fingerprint resolved. */
  readonly lastResolvedAt: number | null;
}

export type AlertDecision =
  /** A new episode: insert it (the store refuses a second open one) and raise alert-fired. */
  | { readonly action: 'fire'; readonly alert: Alert }
  /** The open episode breached again: update it, no event. */
  | { readonly action: 'still-firing'; readonly alert: Alert }
  /** A clear observation, not yet `clearAfter` in a row: update the streak, no event. */
  | { readonly action: 'clearing'; readonly alert: Alert }
  /** Enough clear observations: mark it resolved and raise alert-resolved. */
  | { readonly action: 'resolve'; readonly alert: Alert }
  /** A breach within the cooldown after the last episode: nothing is written. */
  | { readonly action: 'cooldown'; readonly until: number }
  /** Nothing open and nothing wrong, or nothing to judge: nothing is written. */
  | { readonly action: 'quiet' | 'no-verdict' };

/** One alert per rule, model, version and metric: `rule/model/v3/metric` (`-` for none). */
export function alertFingerprint(rule: string, signal: Pick<AlertSignal, 'model' | 'version' | 'metric'>): string {
  const version = signal.version === undefined || signal.version === null ? '-' : `v${signal.version}`;
  return `${rule}/${signal.model}/${version}/${signal.metric ?? '-'}`;
}

export interface ObservationContext {
  readonly state: EpisodeState;
  /** The silences in force now (expired ones are ignored anyway). */
  readonly silences: readonly Silence[];
  readonly now: number;
  /** The id a new episode gets if this observation fires one. */
  readonly newId: string;
}

/** Decides what one signal does to the episode of `rule` × the signal's fingerprint. */
export function decideObservation(rule: AlertRule, signal: AlertSignal, context: ObservationContext): AlertDecision {
  const verdict: Verdict = judgeSignal(rule, signal);
  if (verdict === 'unknown') return { action: 'no-verdict' };
  const { state, now } = context;
  const open = state.open;
  const observedAt = signal.at ?? now;
  if (open !== null) {
    if (verdict === 'breach') {
      return {
        action: 'still-firing',
        alert: { ...open, ...observed(rule, signal), lastBreachAt: observedAt, lastSeenAt: observedAt, breaches: open.breaches + 1, clearStreak: 0 },
      };
    }
    const clearStreak = open.clearStreak + 1;
    if (clearStreak >= rule.clearAfter) {
      return { action: 'resolve', alert: { ...open, state: 'resolved', resolvedAt: observedAt, resolution: 'cleared', lastSeenAt: observedAt, clearStreak } };
    }
    return { action: 'clearing', alert: { ...open, lastSeenAt: observedAt, clearStreak } };
  }
  if (verdict === 'clear') return { action: 'quiet' };
  if (state.lastResolvedAt !== null && observedAt < state.lastResolvedAt + rule.cooldownMs) {
    return { action: 'cooldown', until: state.lastResolvedAt + rule.cooldownMs };
  }
  const fingerprint = alertFingerprint(rule.id, signal);
  const key = { fingerprint, rule: rule.id, model: signal.model, version: signal.version ?? null, metric: signal.metric ?? null, severity: rule.severity };
  const silence = context.silences.find((s) => silenceMatches(s, key, now));
  return {
    action: 'fire',
    alert: {
      id: context.newId,
      ...key,
      kind: rule.signal,
      state: 'open',
      ...observed(rule, signal),
      firedAt: observedAt,
      lastBreachAt: observedAt,
      lastSeenAt: observedAt,
      resolvedAt: null,
      resolution: null,
      breaches: 1,
      clearStreak: 0,
      ackedAt: null,
      ackedBy: null,
      silencedBy: silence?.id ?? null,
    },
  };
}

function observed(rule: AlertRule, signal: AlertSignal): Pick<Alert, 'summary' | 'value' | 'baseline' | 'details'> {
  return { summary: describeSignal(rule, signal), value: signal.value, baseline: signal.baseline ?? null, details: signal.details ?? {} };
}

/** An open episode of a version that no longer serves, resolved as `retired` at `now`; anything else unchanged. */
export function retireAlert(alert: Alert, now: number): Alert {
  return alert.state === 'open' ? { ...alert, state: 'resolved', resolvedAt: now, resolution: 'retired' } : alert;
}

/** Acknowledged by `actor` at `now`; an alert already acknowledged keeps its first acknowledgement. */
export function acknowledge(alert: Alert, actor: string, now: number): Alert {
  return alert.ackedAt !== null ? alert : { ...alert, ackedAt: now, ackedBy: actor };
}
