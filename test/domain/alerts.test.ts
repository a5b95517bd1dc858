import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_ALERT_RULES,
  acknowledge,
  alertFingerprint,
  applyRuleOverrides,
  decideObservation,
  judgeSignal,
  notificationBody,
  notificationTargets,
  planSilence,
  ruleApplies,
  silenceMatches,
  validateRules,
  validateSignal,
  validateWebhooks,
  webhookUrlProblem,
  webhookView,
  type Alert,
  type AlertRule,
  type AlertSignal,
  type EpisodeState,
  type Silence,
} from '../../src/domain/alerts/index.js';
import { WardenError } from '../../src/domain/errors.js';

const T0 = 1_750_000_000_000;
const MINUTE = 60_000;

function rule(id: string): AlertRule {
  const found = DEFAULT_ALERT_RULES.find((r) => r.id === id);
  assert.ok(found, id);
  return found;
}

interface Replayed {
  readonly transitions: Array<{ type: 'fired' | 'resolved'; alert: Alert }>;
  readonly states: Map<string, EpisodeState>;
  readonly decisions: string[];
}

/**
 * Feeds signals one minute apart through every applicable default rule, keeping each
 * fingerprint's state as the store would (one open episode, the last resolution time).
 */
function replay(signals: readonly AlertSignal[], options: { rules?: readonly AlertRule[]; silences?: readonly Silence[]; start?: number } = {}): Replayed {
  const rules = options.rules ?? DEFAULT_ALERT_RULES;
  const states = new Map<string, EpisodeState>();
  const transitions: Replayed['transitions'] = [];
  const decisions: string[] = [];
  let serial = 0;
  signals.forEach((signal, i) => {
    const now = (options.start ?? T0) + i * MINUTE;
    for (const r of rules.filter((candidate) => ruleApplies(candidate, signal))) {
      const fingerprint = alertFingerprint(r.id, signal);
      const state = states.get(fingerprint) ?? { open: null, lastResolvedAt: null };
      const decision = decideObservation(r, signal, { state, silences: options.silences ?? [], now, newId: `a${++serial}` });
      decisions.push(decision.action);
      if (decision.action === 'fire') {
        transitions.push({ type: 'fired', alert: decision.alert });
        states.set(fingerprint, { ...state, open: decision.alert });
      } else if (decision.action === 'still-firing' || decision.action === 'clearing') {
        states.set(fingerprint, { ...state, open: decision.alert });
      } else if (decision.action === 'resolve') {
        transitions.push({ type: 'resolved', alert: decision.alert });
        states.set(fingerprint, { open: null, lastResolvedAt: decision.alert.resolvedAt });
      }
    }
  });
  return { transitions, states, decisions };
}

/** A labelled-accuracy window of `spam-detector` v3 against its evaluation baseline 0.95, with the other three metrics healthy. */
function performance(accuracy: number): AlertSignal[] {
  return [
    { model: 'spam-detector', version: 3, kind: 'performance', metric: 'accuracy', value: accuracy, baseline: 0.95, details: { window: 'last-hour', labelled: 500 } },
    { model: 'spam-detector', version: 3, kind: 'performance', metric: 'f1', value: 0.93, baseline: 0.94 },
  ];
}

describe('alert rules', () => {
  it('defaults cover every platform trigger with a severity, and validate', () => {
    const ids = DEFAULT_ALERT_RULES.map((r) => r.id);
    assert.deepEqual(ids, ['accuracy-drop', 'f1-drop', 'precision-drop', 'recall-drop', 'drift', 'anomaly', 'inference-errors', 'data-quality', 'redteam-failure', 'approval-needed']);
    assert.equal(validateRules(DEFAULT_ALERT_RULES), DEFAULT_ALERT_RULES);
    assert.throws(() => validateRules([rule('drift'), rule('drift')]), (e: unknown) => e instanceof WardenError && e.field === 'rules[1].id');
    assert.throws(() => validateRules([{ ...rule('drift'), clearAfter: 0 }]), (e: unknown) => e instanceof WardenError && e.field === 'rules[0].clearAfter');
  });

  it('a drop is relative to the baseline: more than 5 % breaches, 5 % exactly does not, no baseline falls back to the producer', () => {
    const accuracy = rule('accuracy-drop');
    const signal = (value: number, baseline?: number | null, breached?: boolean): AlertSignal => ({ model: 'm', kind: 'performance', metric: 'accuracy', value, baseline, ...(breached === undefined ? {} : { breached }) });
    assert.equal(judgeSignal(accuracy, signal(0.874, 0.95)), 'breach', '8 % below');
    assert.equal(judgeSignal(accuracy, signal(0.9025, 0.95)), 'clear', 'exactly 5 % below');
    assert.equal(judgeSignal(accuracy, signal(0.96, 0.95)), 'clear', 'better than baseline');
    assert.equal(judgeSignal(accuracy, signal(0.5, null)), 'unknown');
    assert.equal(judgeSignal(accuracy, signal(0.5, null, true)), 'breach');
    assert.equal(judgeSignal(accuracy, signal(0.874, 0.95, false)), 'unknown', 'the producer found the drop not significant: no verdict');
    assert.equal(judgeSignal(accuracy, signal(0.874, 0.95, true)), 'breach');
    assert.equal(judgeSignal(accuracy, signal(0.95, 0.95, true)), 'clear', "within the rule's threshold, whatever the producer's own limit");
    assert.equal(judgeSignal(rule('inference-errors'), { model: 'm', kind: 'inference-errors', value: 0.06 }), 'breach');
    assert.equal(judgeSignal(rule('inference-errors'), { model: 'm', kind: 'inference-errors', value: 0.05 }), 'clear');
    assert.equal(judgeSignal(rule('drift'), { model: 'm', kind: 'drift', value: 0.31 }), 'unknown', 'a drift signal without a verdict says nothing');
  });

  it('overrides change a rule by id and keep the others', () => {
    const rules = applyRuleOverrides(DEFAULT_ALERT_RULES, { 'recall-drop': { threshold: 0.1, clearAfter: 5 }, anomaly: { enabled: false } });
    const recall = rules.find((r) => r.id === 'recall-drop')!;
    assert.deepEqual([recall.condition, recall.clearAfter, recall.severity], [{ op: 'drop', threshold: 0.1, relative: true }, 5, 'critical']);
    assert.equal(judgeSignal(recall, { model: 'm', kind: 'performance', metric: 'recall', value: 0.874, baseline: 0.95 }), 'clear', '8 % is within 10 %');
    assert.equal(rules.find((r) => r.id === 'anomaly')!.enabled, false);
    assert.deepEqual(rules.map((r) => r.id), DEFAULT_ALERT_RULES.map((r) => r.id));
    assert.throws(() => applyRuleOverrides(DEFAULT_ALERT_RULES, { anomaly: { threshold: 1 } }), (e: unknown) => e instanceof WardenError && e.field === 'anomaly.threshold');
  });

  it('rules apply by signal kind and metric', () => {
    const f1: AlertSignal = { model: 'm', kind: 'performance', metric: 'f1', value: 0.5, baseline: 0.9 };
    assert.deepEqual(DEFAULT_ALERT_RULES.filter((r) => ruleApplies(r, f1)).map((r) => r.id), ['f1-drop']);
    assert.deepEqual(DEFAULT_ALERT_RULES.filter((r) => ruleApplies(r, { kind: 'anomaly', metric: 'p99-latency' })).map((r) => r.id), ['anomaly']);
    assert.equal(ruleApplies({ ...rule('f1-drop'), enabled: false }, f1), false);
  });

  it('signals are validated field by field', () => {
    for (const [signal, field] of [
      [{ model: 'Bad Name', kind: 'drift', value: 1 }, 'signal.model'],
      [{ model: 'm', kind: 'weather', value: 1 }, 'signal.kind'],
      [{ model: 'm', kind: 'drift', value: Number.NaN }, 'signal.value'],
      [{ model: 'm', kind: 'drift', value: 1, version: 0 }, 'signal.version'],
      [{ model: 'm', kind: 'drift', value: 1, metric: 'a b' }, 'signal.metric'],
      [{ model: 'm', kind: 'drift', value: 1, baseline: '0.9' }, 'signal.baseline'],
      [{ model: 'm', kind: 'drift', value: 1, breached: 'yes' }, 'signal.breached'],
      [{ model: 'm', kind: 'drift', value: 1, details: [] }, 'signal.details'],
    ] as const) {
      assert.throws(() => validateSignal(signal as unknown as AlertSignal), (e: unknown) => e instanceof WardenError && e.field === field, field);
    }
  });
});

describe('alert episodes over a replayed stream', () => {
  it('accuracy dropping 8 % fires exactly one alert, the right one, and resolves once it has recovered for 3 observations', () => {
    const stream = [
      ...Array.from({ length: 5 }, () => performance(0.95)),
      ...Array.from({ length: 10 }, () => performance(0.874)), // 8 % below 0.95
      ...Array.from({ length: 5 }, () => performance(0.95)),
    ].flat();
    const { transitions } = replay(stream);
    assert.deepEqual(transitions.map((t) => [t.type, t.alert.rule]), [['fired', 'accuracy-drop'], ['resolved', 'accuracy-drop']]);
    const fired = transitions[0]!.alert;
    assert.equal(fired.fingerprint, 'accuracy-drop/spam-detector/v3/accuracy');
    assert.equal(fired.severity, 'critical');
    assert.equal(fired.kind, 'performance');
    assert.equal(fired.summary, 'accuracy of spam-detector v3 is 0.874, 8.0 % below its baseline 0.950');
    assert.deepEqual(fired.details, { window: 'last-hour', labelled: 500 });
    const resolved = transitions[1]!.alert;
    assert.equal(resolved.id, fired.id, 'the same episode resolves');
    assert.equal(resolved.breaches, 10);
    assert.equal(resolved.resolution, 'cleared');
    // One signal a minute, accuracy every other one: breaches at minutes 10, 12, …, 28; clear at 30, 32, 34 → resolved at the third clear.
    assert.equal(resolved.firedAt, T0 + 10 * MINUTE);
    assert.equal(resolved.resolvedAt, T0 + 34 * MINUTE);
  });

  it('a flapping signal is one episode, not a storm: alternating breach and clear never reaches the clear streak', () => {
    const stream = Array.from({ length: 200 }, (_, i): AlertSignal => ({ model: 'm', version: 1, kind: 'drift', metric: 'score_psi', value: i % 2 === 0 ? 0.3 : 0.05, breached: i % 2 === 0 }));
    const { transitions, states } = replay(stream);
    assert.deepEqual(transitions.map((t) => t.type), ['fired']);
    assert.equal(states.get('drift/m/v1/score_psi')?.open?.breaches, 100);
  });

  it('a signal that clears and breaches again within the cooldown opens no second episode; after the cooldown it does', () => {
    const breach: AlertSignal = { model: 'm', kind: 'inference-errors', value: 0.2 };
    const clear: AlertSignal = { model: 'm', kind: 'inference-errors', value: 0 };
    // inference-errors: clearAfter 3, cooldown 15 min; one observation a minute.
    const stream = [breach, clear, clear, clear, ...Array.from({ length: 14 }, () => breach), breach];
    const { transitions, decisions } = replay(stream);
    assert.deepEqual(transitions.map((t) => t.type), ['fired', 'resolved', 'fired']);
    assert.equal(decisions.filter((d) => d === 'cooldown').length, 14, 'resolved at minute 3: minutes 4..17 are within 15 minutes');
    assert.equal(transitions[2]!.alert.firedAt, T0 + 18 * MINUTE);
    assert.notEqual(transitions[2]!.alert.id, transitions[0]!.alert.id);
  });

  it('fingerprints separate versions and metrics, so each gets its own episode', () => {
    const stream: AlertSignal[] = [
      { model: 'm', version: 1, kind: 'performance', metric: 'recall', value: 0.5, baseline: 0.9 },
      { model: 'm', version: 2, kind: 'performance', metric: 'recall', value: 0.5, baseline: 0.9 },
      { model: 'm', version: 2, kind: 'performance', metric: 'precision', value: 0.5, baseline: 0.9 },
      { model: 'm', version: 2, kind: 'performance', metric: 'precision', value: 0.5, baseline: 0.9 },
    ];
    assert.deepEqual(replay(stream).transitions.map((t) => t.alert.fingerprint), ['recall-drop/m/v1/recall', 'recall-drop/m/v2/recall', 'precision-drop/m/v2/precision']);
  });

  it('an observation without a verdict changes nothing, and an unbroken clear stream is quiet', () => {
    const { transitions, decisions } = replay([
      { model: 'm', kind: 'performance', metric: 'accuracy', value: 0.5 },
      { model: 'm', kind: 'performance', metric: 'accuracy', value: 0.95, baseline: 0.95 },
    ]);
    assert.deepEqual(transitions, []);
    assert.deepEqual(decisions, ['no-verdict', 'quiet']);
  });

  it('a silence that matches marks the new episode muted; ack keeps the first acknowledgement', () => {
    const silence = planSilence({ matchers: { model: 'm', rule: 'drift' }, durationMinutes: 60, reason: 'retraining now' }, { id: 's1', actor: 'alice', now: T0 });
    const { transitions } = replay([{ model: 'm', kind: 'drift', value: 1, breached: true }], { silences: [silence] });
    assert.equal(transitions[0]!.alert.silencedBy, 's1');
    assert.deepEqual(notificationTargets(validateWebhooks([{ name: 'ops', url: 'https://hooks.example.com/x', secret: 'x'.repeat(16) }]), transitions[0]!.alert), []);
    const later = replay([{ model: 'm', kind: 'drift', value: 1, breached: true }], { silences: [silence], start: T0 + 61 * MINUTE });
    assert.equal(later.transitions[0]!.alert.silencedBy, null, 'expired');
    const acked = acknowledge(transitions[0]!.alert, 'bob', T0 + 5);
    assert.deepEqual([acked.ackedBy, acked.ackedAt], ['bob', T0 + 5]);
    assert.equal(acknowledge(acked, 'carol', T0 + 9), acked);
  });
});

describe('silences', () => {
  const target = { fingerprint: 'drift/m/v1/-', rule: 'drift', model: 'm', version: 1, metric: null, severity: 'warning' as const };
  const plan = (matchers: object, extra: object = { durationMinutes: 10 }) => planSilence({ matchers, reason: 'why', ...extra } as never, { id: 's', actor: 'a', now: T0 });

  it('match every named field while in force, and not once expired or ended', () => {
    assert.equal(silenceMatches(plan({ fingerprint: 'drift/m/v1/-' }), target, T0), true);
    assert.equal(silenceMatches(plan({ model: 'm', severity: 'warning' }), target, T0), true);
    assert.equal(silenceMatches(plan({ model: 'm', severity: 'critical' }), target, T0), false);
    assert.equal(silenceMatches(plan({ model: 'm' }), target, T0 + 10 * MINUTE), false, 'expired');
    assert.equal(silenceMatches({ ...plan({ model: 'm' }), endedAt: T0 + 1, endedBy: 'b' }, target, T0 + 2), false, 'ended early');
  });

  it('refuse a silence without matchers, with unknown ones, without a reason or an end, naming the field', () => {
    for (const [matchers, extra, field] of [
      [{}, { durationMinutes: 5 }, 'matchers'],
      [{ colour: 'red' }, { durationMinutes: 5 }, 'matchers.colour'],
      [{ severity: 'loud' }, { durationMinutes: 5 }, 'matchers.severity'],
      [{ model: 'm' }, {}, 'durationMinutes'],
      [{ model: 'm' }, { durationMinutes: 5, expiresAt: T0 + 1 }, 'durationMinutes'],
      [{ model: 'm' }, { expiresAt: T0 - 1 }, 'expiresAt'],
      [{ model: 'm' }, { durationMinutes: 91 * 24 * 60 }, 'durationMinutes'],
      [{ model: 'm' }, { durationMinutes: 5, reason: ' ' }, 'reason'],
    ] as const) {
      assert.throws(() => plan(matchers, extra), (e: unknown) => e instanceof WardenError && e.field === field, JSON.stringify([matchers, extra]));
    }
  });
});

describe('webhooks', () => {
  it('accept https, and http only to loopback; refuse credentials, fragments and other schemes', () => {
    assert.equal(webhookUrlProblem('https://hooks.slack.com/services/T/B/X'), undefined);
    assert.equal(webhookUrlProblem('http://127.0.0.1:8080/hook'), undefined);
    assert.equal(webhookUrlProblem('http://[::1]:8080/hook'), undefined);
    assert.match(webhookUrlProblem('http://example.com/hook') ?? '', /https/);
    assert.match(webhookUrlProblem('https://user:pw@example.com/') ?? '', /credentials/);
    assert.match(webhookUrlProblem('https://example.com/#x') ?? '', /fragment/);
    assert.match(webhookUrlProblem('file:///etc/passwd') ?? '', /https/);
    assert.match(webhookUrlProblem('https://example.com/a b') ?? '', /spaces/);
    assert.match(webhookUrlProblem('/relative') ?? '', /absolute/);
  });

  it('validate the configured list, naming the entry and field; a json webhook needs a secret', () => {
    const ok = validateWebhooks([{ name: 'slack', url: 'https://hooks.slack.com/services/T/B/X', format: 'slack', minSeverity: 'critical' }]);
    assert.deepEqual(webhookView(ok[0]!), { name: 'slack', origin: 'https://hooks.slack.com', format: 'slack', minSeverity: 'critical', signed: false });
    for (const [list, field] of [
      [{}, 'webhooks'],
      [[{ name: 'a', url: 'https://x.example', secret: 'short' }], '[0].secret'],
      [[{ name: 'a', url: 'https://x.example' }], '[0].secret'],
      [[{ name: 'a', url: 'ftp://x.example', secret: 'x'.repeat(16) }], '[0].url'],
      [[{ name: 'a', url: 'https://x.example', secret: 'x'.repeat(16), extra: 1 }], '[0].extra'],
      [[{ name: 'a', url: 'https://x.example', format: 'slack' }, { name: 'a', url: 'https://y.example', format: 'slack' }], '[1].name'],
      [[{ name: 'a', url: 'https://x.example', format: 'teams' }], '[0].format'],
    ] as const) {
      assert.throws(() => validateWebhooks(list), (e: unknown) => e instanceof WardenError && e.field === field, field);
    }
  });

  it('send critical alerts to a critical webhook and warnings only to those that want them', () => {
    const targets = validateWebhooks([
      { name: 'pager', url: 'https://pager.example', secret: 'x'.repeat(16), minSeverity: 'critical' },
      { name: 'chat', url: 'https://chat.example', format: 'slack', minSeverity: 'info' },
    ]);
    const fired = replay([{ model: 'm', kind: 'drift', value: 1, breached: true }]).transitions[0]!.alert;
    assert.deepEqual(notificationTargets(targets, fired).map((t) => t.name), ['chat']);
    assert.deepEqual(notificationTargets(targets, { ...fired, severity: 'critical' }).map((t) => t.name), ['pager', 'chat']);
  });

  it('bodies: Warden JSON with the alert, or Slack {text, blocks}', () => {
    const fired = replay(performance(0.874)).transitions[0]!.alert;
    const json = notificationBody(fired, 'fired', 'json', T0);
    assert.equal(json.type, 'alert-fired');
    assert.equal((json.alert as { rule: string }).rule, 'accuracy-drop');
    const slack = notificationBody({ ...fired, state: 'resolved', resolvedAt: T0 + 1 }, 'resolved', 'slack', T0);
    assert.match(String(slack.text), /^:white_check_mark: \[RESOLVED\] accuracy-drop for spam-detector v3: accuracy of spam-detector v3 is 0.874/);
    assert.ok(Array.isArray(slack.blocks) && slack.blocks.length === 2);
  });
});
