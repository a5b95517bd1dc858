/**
 * Alerting's entry point. Monitoring hands it signals (`observe`, `observeMany`); each rule
 * that reads a signal decides, through the domain, whether its episode fires, keeps firing,
 * clears or resolves; the store applies the decision in one transaction with its event. The
 * API and the CLI list, acknowledge and silence through it.
 */
import {
  DEFAULT_ALERT_RULES,
  acknowledge,
  alertFingerprint,
  decideObservation,
  planSilence,
  retireAlert,
  ruleApplies,
  validateRules,
  validateSignal,
  type Alert,
  type AlertDecision,
  type AlertRule,
  type AlertSeverity,
  type AlertSignal,
  type AlertState,
  type Silence,
  type SilenceRequest,
} from '../domain/alerts/index.js';
import { WardenError, invalid } from '../domain/errors.js';
import { alertFiredEvent, alertResolvedEvent } from '../domain/events.js';
import { decodePageToken, encodePageToken } from '../domain/jobs.js';
import type { AlertStore } from '../domain/ports/alert-store.js';
import type { Clock, IdGenerator } from '../domain/ports/clock.js';
import type { DomainEvents, RedTeamFailedEvent, StageChangedEvent } from '../domain/ports/domain-events.js';

export interface AlertServiceDeps {
  readonly store: AlertStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Default: the platform's built-in rules. */
  readonly rules?: readonly AlertRule[];
  /** Told about each recorded alert event, so this process's subscribers read it at once. */
  readonly events?: Pick<DomainEvents, 'announceRecorded'>;
  readonly log?: (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => void;
}

/** What one rule made of one signal. */
export interface AlertOutcome {
  readonly rule: string;
  readonly fingerprint: string;
  readonly action: AlertDecision['action'];
  /** The episode as stored after the decision (fire, still-firing, clearing, resolve). */
  readonly alert?: Alert;
  /** cooldown: when a new episode may fire. */
  readonly until?: number;
}

export interface AlertListQuery {
  /** open, resolved, or all (default). */
  readonly state?: AlertState | 'all';
  readonly model?: string;
  readonly severity?: AlertSeverity;
  /** 1..500, default 50. */
  readonly limit?: number;
  readonly pageToken?: string;
}

export interface Actor {
  readonly name: string;
}

export const MAX_ALERT_PAGE = 500;
const DEFAULT_ALERT_PAGE = 50;
const MAX_SIGNALS = 1_000;
/** Attempts at one decision when another writer moved the episode in between (each re-reads it). */
const DECISION_ATTEMPTS = 5;

export class AlertService {
  private readonly ruleSet: readonly AlertRule[];

  constructor(private readonly deps: AlertServiceDeps) {
    this.ruleSet = validateRules(deps.rules ?? DEFAULT_ALERT_RULES);
  }

  rules(): readonly AlertRule[] {
    return this.ruleSet;
  }

  /** Hands one observation to every rule that reads it; VALIDATION_FAILED naming `signal.<field>`. */
  async observe(signal: AlertSignal): Promise<AlertOutcome[]> {
    return this.observeMany([signal]);
  }

  /**
   * Hands observations to the rules, in order (a window's metrics, drift descriptors and
   * detectors at once). All are validated before any is applied (`signals[i].<field>`).
   */
  async observeMany(signals: readonly AlertSignal[]): Promise<AlertOutcome[]> {
    if (!Array.isArray(signals) || signals.length > MAX_SIGNALS) throw invalid('signals', `signals must be a list of at most ${MAX_SIGNALS}`);
    signals.forEach((signal, i) => validateSignal(signal, signals.length === 1 ? 'signal' : `signals[${i}]`));
    const now = this.deps.clock.now();
    const silences = await this.deps.store.listSilences({ activeAt: now, limit: 1_000 });
    const outcomes: AlertOutcome[] = [];
    for (const signal of signals) {
      for (const rule of this.ruleSet.filter((r) => ruleApplies(r, signal))) outcomes.push(await this.apply(rule, signal, silences, now));
    }
    return outcomes;
  }

  /** A red-team campaign that an attack evaded (or that failed) fails the model's red-team rule. */
  async onRedTeamFailed(event: RedTeamFailedEvent): Promise<AlertOutcome[]> {
    return this.observe({
      model: event.model,
      version: event.version,
      kind: 'redteam',
      value: event.newVulnerabilities,
      breached: true,
      details: { campaignId: event.campaignId, verdict: event.verdict, attackSuccessRate: event.attackSuccessRate, newVulnerabilities: event.newVulnerabilities, task: event.task },
      at: event.at,
    });
  }

  /**
   * A version that leaves Production is no longer observed: its open episodes resolve as
   * `retired` (alert-resolved is raised), so they do not stay open for ever. Idempotent.
   */
  async onStageChanged(event: Pick<StageChangedEvent, 'model' | 'version' | 'from' | 'to'>): Promise<Alert[]> {
    if (event.from !== 'Production' || event.to === 'Production') return [];
    const open = (await this.deps.store.list({ state: 'open', model: event.model, limit: MAX_ALERT_PAGE })).filter((alert) => alert.version === event.version);
    const retired: Alert[] = [];
    for (const alert of open) {
      for (let attempt = 1; attempt <= DECISION_ATTEMPTS; attempt++) {
        const stored = await this.deps.store.get(alert.id);
        if (stored === undefined || stored.alert.state !== 'open') break;
        const next = retireAlert(stored.alert, this.deps.clock.now());
        if (await this.deps.store.update(next, stored.revision)) {
          this.deps.events?.announceRecorded(alertResolvedEvent(next));
          retired.push(next);
          break;
        }
      }
    }
    if (retired.length > 0) this.deps.log?.('info', 'alerts of a version that left Production retired', { model: event.model, version: event.version, alerts: retired.map((a) => a.id) });
    return retired;
  }

  private async apply(rule: AlertRule, signal: AlertSignal, silences: readonly Silence[], now: number): Promise<AlertOutcome> {
    const fingerprint = alertFingerprint(rule.id, signal);
    const { store } = this.deps;
    for (let attempt = 1; ; attempt++) {
      const episode = await store.episode(fingerprint);
      const decision = decideObservation(rule, signal, {
        state: { open: episode.open?.alert ?? null, lastResolvedAt: episode.lastResolvedAt },
        silences,
        now,
        newId: this.deps.ids.next(),
      });
      const outcome = { rule: rule.id, fingerprint, action: decision.action };
      switch (decision.action) {
        case 'quiet':
        case 'no-verdict':
          return outcome;
        case 'cooldown':
          return { ...outcome, until: decision.until };
        case 'fire': {
          const fired = await store.fire(decision.alert);
          if (fired.fired) {
            this.deps.events?.announceRecorded(alertFiredEvent(decision.alert));
            this.deps.log?.('warn', 'alert fired', { alert: decision.alert.id, fingerprint, severity: decision.alert.severity, summary: decision.alert.summary });
            return { ...outcome, alert: decision.alert };
          }
          break; // another writer opened it first: decide again against theirs
        }
        default: {
          if (await store.update(decision.alert, episode.open?.revision ?? 0)) {
            if (decision.action === 'resolve') {
              this.deps.events?.announceRecorded(alertResolvedEvent(decision.alert));
              this.deps.log?.('info', 'alert resolved', { alert: decision.alert.id, fingerprint });
            }
            return { ...outcome, alert: decision.alert };
          }
        }
      }
      if (attempt >= DECISION_ATTEMPTS) throw new WardenError('VERSION_CONFLICT', `alert ${fingerprint} kept changing under concurrent writers; the next observation decides again`);
    }
  }

  async list(query: AlertListQuery = {}): Promise<{ alerts: Alert[]; nextPageToken?: string }> {
    const limit = query.limit ?? DEFAULT_ALERT_PAGE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ALERT_PAGE) throw invalid('limit', `limit must be from 1 to ${MAX_ALERT_PAGE}`);
    const after = query.pageToken === undefined ? undefined : decodePageToken(query.pageToken);
    const alerts = await this.deps.store.list({
      ...(query.state !== undefined && query.state !== 'all' ? { state: query.state } : {}),
      ...(query.model !== undefined ? { model: query.model } : {}),
      ...(query.severity !== undefined ? { severity: query.severity } : {}),
      limit: limit + 1,
      ...(after !== undefined ? { before: { firedAt: after.createdAt, id: after.id } } : {}),
    });
    // One more than asked tells whether another page exists.
    const page = alerts.slice(0, limit);
    const last = page.at(-1);
    return alerts.length > limit && last !== undefined ? { alerts: page, nextPageToken: encodePageToken({ createdAt: last.firedAt, id: last.id }) } : { alerts: page };
  }

  /** Throws ALERT_NOT_FOUND. */
  async get(id: string): Promise<Alert> {
    const stored = await this.deps.store.get(id);
    if (stored === undefined) throw new WardenError('ALERT_NOT_FOUND', `no alert ${id}; list them with \`warden alerts list\``);
    return stored.alert;
  }

  /** Records who saw the alert; acknowledging again keeps the first acknowledgement. Throws ALERT_NOT_FOUND. */
  async ack(id: string, actor: Actor): Promise<Alert> {
    for (let attempt = 1; ; attempt++) {
      const stored = await this.deps.store.get(id);
      if (stored === undefined) throw new WardenError('ALERT_NOT_FOUND', `no alert ${id}; list them with \`warden alerts list\``);
      const next = acknowledge(stored.alert, actor.name, this.deps.clock.now());
      if (next === stored.alert || (await this.deps.store.update(next, stored.revision))) return next;
      if (attempt >= DECISION_ATTEMPTS) throw new WardenError('VERSION_CONFLICT', `alert ${id} kept changing; try again`);
    }
  }

  /** Mutes the notifications of matching alerts that fire until it expires; VALIDATION_FAILED naming the field. */
  async silence(request: SilenceRequest, actor: Actor): Promise<Silence> {
    const silence = planSilence(request, { id: this.deps.ids.next(), actor: actor.name, now: this.deps.clock.now() });
    await this.deps.store.createSilence(silence);
    this.deps.log?.('info', 'alert silence created', { silence: silence.id, matchers: silence.matchers, expiresAt: silence.expiresAt, by: actor.name });
    return silence;
  }

  /** Ends a silence now (one that already ended or expired is returned as it is). Throws SILENCE_NOT_FOUND. */
  async unsilence(id: string, actor: Actor): Promise<Silence> {
    const ended = await this.deps.store.endSilence(id, actor.name, this.deps.clock.now());
    if (ended === undefined) throw new WardenError('SILENCE_NOT_FOUND', `no silence ${id}; list them with \`warden alerts silences\``);
    return ended;
  }

  /** Newest first; `active` only those in force now. */
  async silences(query: { readonly active?: boolean; readonly limit?: number } = {}): Promise<Silence[]> {
    const limit = query.limit ?? DEFAULT_ALERT_PAGE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ALERT_PAGE) throw invalid('limit', `limit must be from 1 to ${MAX_ALERT_PAGE}`);
    return this.deps.store.listSilences({ limit, ...(query.active === true ? { activeAt: this.deps.clock.now() } : {}) });
  }
}
