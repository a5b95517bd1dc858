import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  arbitrate,
  DEFAULT_RETRAINING_POLICY,
  INITIAL_ARBITER_STATE,
  lastFiringIn,
  minimumLabelledPredictions,
  parseCron,
  planPromotion,
  requireHeld,
  retrainingPolicy,
  rolloutRequest,
  type ArbiterState,
  type TriggerSignal,
} from '../../src/domain/retraining/index.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
const policy = retrainingPolicy({ metrics: { accuracy: { maxDrop: 0.05, mode: 'relative' } }, cooldownMs: 6 * HOUR });

function accuracy(key: string, at: number, value: number, support: number | null = 5_000): TriggerSignal {
  return { kind: 'metric', model: 'spam', key, at, metric: 'accuracy', value, baseline: 0.9, support };
}

/** Seeded uniform numbers (mulberry32): the simulation is the same on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('retraining: evidence a drop needs', () => {
  it('follows the two-proportion formula (hand-computed: 0.85 vs 0.65 needs 73, 0.9 vs 0.855 needs 833)', () => {
    assert.equal(minimumLabelledPredictions(0.85, 0.2, 0.05, 0.8), 73);
    assert.equal(minimumLabelledPredictions(0.9, 0.045, 0.05, 0.8), 833);
  });

  it('needs more labels for a smaller drop, a stricter α or more power', () => {
    const base = minimumLabelledPredictions(0.9, 0.05, 0.05, 0.8);
    assert.ok(minimumLabelledPredictions(0.9, 0.02, 0.05, 0.8) > base);
    assert.ok(minimumLabelledPredictions(0.9, 0.05, 0.01, 0.8) > base);
    assert.ok(minimumLabelledPredictions(0.9, 0.05, 0.05, 0.95) > base);
  });

  it('at that many labels a z-test detects a real drop about as often as the power says', () => {
    const [p1, drop] = [0.9, 0.045];
    const n = minimumLabelledPredictions(p1, drop, 0.05, 0.8);
    const next = random(12);
    const trials = 1_500;
    let detected = 0;
    for (let trial = 0; trial < trials; trial++) {
      let a = 0;
      let b = 0;
      for (let i = 0; i < n; i++) {
        if (next() < p1) a++;
        if (next() < p1 - drop) b++;
      }
      const pooled = (a + b) / (2 * n);
      const z = (a / n - b / n) / Math.sqrt((2 * pooled * (1 - pooled)) / n);
      if (Math.abs(z) > 1.959964) detected++;
    }
    const rate = detected / trials;
    assert.ok(rate > 0.76 && rate < 0.84, `detection rate ${rate}`);
  });

  it('rejects impossible arguments, naming them', () => {
    assert.throws(() => minimumLabelledPredictions(0, 0.1, 0.05, 0.8), { field: 'baseline' });
    assert.throws(() => minimumLabelledPredictions(0.9, 0, 0.05, 0.8), { field: 'drop' });
    assert.throws(() => minimumLabelledPredictions(0.9, 0.1, 1, 0.8), { field: 'alpha' });
    assert.throws(() => minimumLabelledPredictions(0.9, 0.1, 0.05, 1), { field: 'power' });
  });
});

describe('retraining: cron schedules', () => {
  it('parses 5- or 6-field expressions and names the field on a bad one', () => {
    assert.equal(parseCron(' 0 3 * * * '), '0 3 * * *');
    assert.equal(parseCron('30 0 3 * * 1-5'), '30 0 3 * * 1-5');
    for (const bad of ['', '* * *', '61 * * * *', '0 3 * * * * *', 'every day', 42]) {
      assert.throws(() => parseCron(bad, 'schedule'), { code: 'VALIDATION_FAILED', field: 'schedule' }, String(bad));
    }
  });

  it('each firing belongs to exactly one tick, and a backlog collapses into the latest firing', () => {
    const at3 = Date.UTC(2026, 0, 1, 3);
    assert.equal(lastFiringIn('0 3 * * *', at3 - 60_000, at3), at3);
    assert.equal(lastFiringIn('0 3 * * *', at3, at3 + 60_000), null);
    assert.equal(lastFiringIn('0 3 * * *', at3 - 1, at3 - 1), null);
    // ticks every 7 minutes over a day of a five-minute schedule: 288 firings, each seen once
    let fired = 0;
    for (let tick = T0; tick < T0 + 24 * HOUR; tick += 7 * 60_000) {
      const firing = lastFiringIn('*/5 * * * *', tick, tick + 7 * 60_000);
      if (firing !== null) fired++;
    }
    assert.ok(fired > 200 && fired <= 206, `fired ${fired}`); // one per tick that holds a firing (1440/7 ≈ 206 ticks)
    assert.equal(lastFiringIn('0 * * * *', T0, T0 + 5 * HOUR + 1), T0 + 5 * HOUR);
  });
});

describe('retraining: policy', () => {
  it('defaults to a 5 % relative drop on every metric and applies overrides', () => {
    assert.deepEqual(DEFAULT_RETRAINING_POLICY.metrics.f1, { maxDrop: 0.05, mode: 'relative', enabled: true });
    const custom = retrainingPolicy({ metrics: { recall: { maxDrop: 0.02, mode: 'absolute' } }, schedule: '0 3 * * 1', cooldownExempt: ['manual'] });
    assert.deepEqual(custom.metrics.recall, { maxDrop: 0.02, mode: 'absolute', enabled: true });
    assert.deepEqual(custom.metrics.accuracy, DEFAULT_RETRAINING_POLICY.metrics.accuracy);
    assert.equal(custom.schedule, '0 3 * * 1');
    assert.deepEqual(custom.cooldownExempt, ['manual']);
  });

  it('rejects unknown settings and bad values, naming the field', () => {
    for (const [overrides, field] of [
      [[], 'retraining'],
      [{ speed: 1 }, 'retraining.speed'],
      [{ metrics: { auc: {} } }, 'retraining.metrics.auc'],
      [{ metrics: { f1: { maxDrop: 1 } } }, 'retraining.metrics.f1.maxDrop'],
      [{ metrics: { f1: { mode: 'percent' } } }, 'retraining.metrics.f1.mode'],
      [{ metrics: { f1: { enabled: 'yes' } } }, 'retraining.metrics.f1.enabled'],
      [{ cooldownMs: -1 }, 'retraining.cooldownMs'],
      [{ cooldownMs: '1h' }, 'retraining.cooldownMs'],
      [{ cooldownExempt: ['cosmic-ray'] }, 'retraining.cooldownExempt'],
      [{ alpha: 0 }, 'retraining.alpha'],
      [{ power: 1.2 }, 'retraining.power'],
      [{ rearmFraction: 1 }, 'retraining.rearmFraction'],
      [{ retrainOnDrift: 1 }, 'retraining.retrainOnDrift'],
      [{ schedule: '* *' }, 'retraining.schedule'],
    ] as const) {
      assert.throws(() => retrainingPolicy(overrides), { code: 'VALIDATION_FAILED', field }, JSON.stringify(overrides));
    }
  });
});

describe('retraining: arbitration', () => {
  it('all pending signals of a model become one decision that records every trigger and its values', () => {
    const signals: TriggerSignal[] = [
      accuracy('alert:1', T0 + 1, 0.8),
      { kind: 'drift', model: 'spam', key: 'alert:2', at: T0 + 2, descriptor: 'psi:score', statistic: 0.31 },
      { kind: 'fresh-data', model: 'spam', key: 'fresh:abc', at: T0 + 3, dataset: 'spam-fresh', rows: 120 },
      { kind: 'vulnerabilities', model: 'spam', key: 'redteam:7', at: T0 + 4, task: 'spam', vulnerabilities: 10, threshold: 10 },
      { kind: 'schedule', model: 'spam', key: 'schedule:spam:1', at: T0 + 5, cron: '0 3 * * *', firedAt: T0 },
      { kind: 'manual', model: 'spam', key: 'manual:k', at: T0 + 6, actor: 'ana', reason: 'new campaign' },
      { kind: 'manual', model: 'other', key: 'manual:x', at: T0 + 6, actor: 'ana', reason: null },
    ];
    const { decision, state } = arbitrate({ model: 'spam', signals, state: INITIAL_ARBITER_STATE, policy, now: T0 + 10 });
    assert.equal(decision.outcome, 'retrain');
    assert.deepEqual(
      decision.triggers.map((t) => t.kind),
      ['metric-drop', 'drift', 'fresh-data', 'vulnerabilities', 'schedule', 'manual'],
    );
    assert.deepEqual(decision.triggers[0]!.values, { metric: 'accuracy', value: 0.8, baseline: 0.9, drop: 0.1, threshold: 0.045, mode: 'relative', support: 5_000, required: 833 });
    assert.deepEqual(decision.declined, []);
    assert.match(decision.summary, /^retrain: accuracy 0\.8 vs baseline 0\.9/);
    assert.deepEqual(state, { lastRetrainAt: T0 + 10, disarmed: ['accuracy'] });
  });

  it('de-duplicates: the same key twice is one trigger, and the second is recorded as a duplicate', () => {
    const { decision } = arbitrate({ model: 'spam', signals: [accuracy('alert:1', T0, 0.8), accuracy('alert:1', T0 + 5, 0.8)], state: INITIAL_ARBITER_STATE, policy, now: T0 + 10 });
    assert.equal(decision.triggers.length, 1);
    assert.deepEqual(decision.declined.map((d) => [d.key, d.reason]), [['alert:1', 'duplicate']]);
  });

  it('a drop within tolerance or seen on too few labels is declined with the numbers', () => {
    const small = arbitrate({ model: 'spam', signals: [accuracy('a', T0, 0.87)], state: INITIAL_ARBITER_STATE, policy, now: T0 });
    assert.equal(small.decision.outcome, 'no-retrain');
    assert.equal(small.decision.declined[0]!.reason, 'no-drop');
    const thin = arbitrate({ model: 'spam', signals: [accuracy('b', T0, 0.8, 200), accuracy('c', T0 + 1, 0.8, null)], state: INITIAL_ARBITER_STATE, policy, now: T0 });
    assert.equal(thin.decision.outcome, 'no-retrain');
    assert.deepEqual(thin.decision.declined.map((d) => d.reason), ['insufficient-evidence', 'insufficient-evidence']);
    assert.match(thin.decision.declined[0]!.detail, /200 labelled predictions, 833 needed to detect that drop at α=0\.05 with power 0\.8/);
    assert.equal(thin.state.lastRetrainAt, null);
  });

  it('an absolute rule measures the drop in points', () => {
    const absolute = retrainingPolicy({ metrics: { accuracy: { maxDrop: 0.05, mode: 'absolute' } } });
    assert.equal(arbitrate({ model: 'spam', signals: [accuracy('a', T0, 0.86)], state: INITIAL_ARBITER_STATE, policy: absolute, now: T0 }).decision.outcome, 'no-retrain');
    assert.equal(arbitrate({ model: 'spam', signals: [accuracy('a', T0, 0.84)], state: INITIAL_ARBITER_STATE, policy: absolute, now: T0 }).decision.outcome, 'retrain');
  });

  it('the cooldown declines automatic triggers but lets fresh data, vulnerabilities and people through', () => {
    const state: ArbiterState = { lastRetrainAt: T0, disarmed: [] };
    const cooled = arbitrate({
      model: 'spam',
      signals: [accuracy('a', T0 + HOUR, 0.8), { kind: 'schedule', model: 'spam', key: 's', at: T0 + HOUR, cron: '0 * * * *', firedAt: T0 + HOUR }],
      state,
      policy,
      now: T0 + HOUR,
    });
    assert.equal(cooled.decision.outcome, 'no-retrain');
    assert.deepEqual(cooled.decision.declined.map((d) => [d.kind, d.reason]), [['metric', 'cooldown'], ['schedule', 'cooldown']]);
    assert.match(cooled.decision.declined[0]!.detail, /in cooldown until 2026-01-01T06:00:00\.000Z/);
    assert.deepEqual(cooled.state, state);
    const manual = arbitrate({ model: 'spam', signals: [{ kind: 'manual', model: 'spam', key: 'm', at: T0 + HOUR, actor: 'ana', reason: null }], state, policy, now: T0 + HOUR });
    assert.equal(manual.decision.outcome, 'retrain');
    assert.equal(arbitrate({ model: 'spam', signals: [accuracy('a', T0 + 7 * HOUR, 0.8)], state, policy, now: T0 + 7 * HOUR }).decision.outcome, 'retrain');
  });

  it('hysteresis: a metric that triggered counts again only once it was seen well back (or its alert resolved)', () => {
    const state: ArbiterState = { lastRetrainAt: T0, disarmed: ['accuracy'] };
    const later = T0 + 24 * HOUR;
    const still = arbitrate({ model: 'spam', signals: [accuracy('a', later, 0.8)], state, policy, now: later });
    assert.equal(still.decision.declined[0]!.reason, 'hysteresis');
    // 0.87 is within the threshold (0.045) but not within half of it: still disarmed
    const near = arbitrate({ model: 'spam', signals: [accuracy('b', later, 0.87), accuracy('c', later + 1, 0.8)], state, policy, now: later });
    assert.equal(near.decision.outcome, 'no-retrain');
    const back = arbitrate({ model: 'spam', signals: [accuracy('d', later, 0.89), accuracy('e', later + 1, 0.8)], state, policy, now: later });
    assert.equal(back.decision.outcome, 'retrain');
    const resolved = arbitrate({
      model: 'spam',
      signals: [{ kind: 'metric-recovered', model: 'spam', key: 'r', at: later, metric: 'accuracy' }, accuracy('f', later + 1, 0.8)],
      state,
      policy,
      now: later,
    });
    assert.equal(resolved.decision.outcome, 'retrain');
  });

  it('a flapping metric causes no retrain storm: a week of crossings every 10 minutes retrains a handful of times', () => {
    let state = INITIAL_ARBITER_STATE;
    const decisions: string[] = [];
    const next = random(3);
    for (let step = 0; step < 7 * 24 * 6; step++) {
      const now = T0 + step * 10 * 60_000;
      // flaps across the threshold (0.855): 0.84 … 0.87, never back within half of it
      const value = next() < 0.5 ? 0.84 : 0.87;
      const result = arbitrate({ model: 'spam', signals: [accuracy(`alert:${step}`, now, value)], state, policy, now });
      state = result.state;
      decisions.push(result.decision.outcome);
    }
    assert.equal(decisions.filter((d) => d === 'retrain').length, 1);
  });

  it('a metric that truly recovers and drops again retrains again, but never inside the cooldown', () => {
    let state = INITIAL_ARBITER_STATE;
    let retrains = 0;
    for (let step = 0; step < 48; step++) {
      const now = T0 + step * HOUR;
      const value = step % 2 === 0 ? 0.8 : 0.9; // drop, full recovery, drop, …
      const result = arbitrate({ model: 'spam', signals: [accuracy(`s${step}`, now, value)], state, policy, now });
      if (result.decision.outcome === 'retrain') {
        if (state.lastRetrainAt !== null) assert.ok(now - state.lastRetrainAt >= 6 * HOUR);
        retrains++;
      }
      state = result.state;
    }
    assert.equal(retrains, 8); // drops at every even hour, retrains at hours 0, 6, 12, …, 42
  });

  it('drift counts only when the policy says so; a disabled metric is not judged', () => {
    const off = retrainingPolicy({ retrainOnDrift: false, metrics: { f1: { enabled: false } } });
    const { decision } = arbitrate({
      model: 'spam',
      signals: [
        { kind: 'drift', model: 'spam', key: 'd', at: T0, descriptor: null, statistic: null },
        { kind: 'metric', model: 'spam', key: 'f', at: T0, metric: 'f1', value: 0.1, baseline: 0.9, support: 10_000 },
      ],
      state: INITIAL_ARBITER_STATE,
      policy: off,
      now: T0,
    });
    assert.equal(decision.outcome, 'no-retrain');
    assert.deepEqual(decision.declined.map((d) => d.reason), ['disabled', 'disabled']);
    assert.equal(decision.summary, 'no retrain: disabled');
  });
});

describe('retraining: promotion of a retrained version', () => {
  const cleared = { version: 3, stage: 'Staging', status: 'READY', cleared: true, gate: 'holds up against the champion', comparedWith: 2 };

  it('the policy: a canary by default; mode, strategy and the rollout options validated, naming the field', () => {
    assert.deepEqual(rolloutRequest(DEFAULT_RETRAINING_POLICY.promotion), { strategy: 'canary' });
    const custom = retrainingPolicy({ promotion: { mode: 'approval', steps: [10, 100], bakeSeconds: 30 } });
    assert.deepEqual([custom.promotion.mode, rolloutRequest(custom.promotion)], ['approval', { strategy: 'canary', steps: [10, 100], bakeSeconds: 30 }]);
    const linear = retrainingPolicy({ promotion: { strategy: 'linear', stepPercent: 25 } }, 'retraining', custom);
    assert.deepEqual(rolloutRequest(linear.promotion), { strategy: 'linear', bakeSeconds: 30, stepPercent: 25 }, 'steps belong to canary: dropped with it');
    const refusals: Array<[unknown, RegExp]> = [
      [{ mode: 'sometimes' }, /retraining\.promotion\.mode/],
      [{ strategy: 'direct' }, /retraining\.promotion\.strategy/],
      [{ steps: [50, 90] }, /retraining\.promotion\.steps/],
      [{ strategy: 'blue-green', steps: [50, 100] }, /retraining\.promotion\.steps/],
      [{ guardrails: { maxErrorRate: 2 } }, /retraining\.promotion\.guardrails/],
      [{ rollback: true }, /retraining\.promotion\.rollback/],
    ];
    for (const [promotion, field] of refusals) assert.throws(() => retrainingPolicy({ promotion }), (e: Error & { field?: string }) => field.test(e.field ?? ''), JSON.stringify(promotion));
    assert.throws(() => retrainingPolicy({ trainOnFeedback: 'yes' }), /trainOnFeedback must be a boolean/);
    assert.throws(() => retrainingPolicy({ feedbackMaxRows: 0 }), /feedbackMaxRows/);
  });

  it('plans a rollout, a hold or no promotion, saying why', () => {
    const automatic = DEFAULT_RETRAINING_POLICY.promotion;
    const approval = retrainingPolicy({ promotion: { mode: 'approval' } }).promotion;
    assert.equal(planPromotion(automatic, cleared, 2).action, 'rollout');
    assert.match(planPromotion(approval, cleared, 2).reason, /holds retrains for an admin's approval/);
    assert.deepEqual(planPromotion(automatic, { ...cleared, cleared: false, gate: 'the challenger is worse than the champion' }, 2), { action: 'reject', reason: 'not promoted: the challenger is worse than the champion' });
    assert.match(planPromotion(automatic, cleared, 4).reason, /compared with version 2, and Production is now version 4/);
    assert.equal(planPromotion(automatic, { ...cleared, comparedWith: null }, null).action, 'hold');
    assert.equal(planPromotion(automatic, { ...cleared, status: 'FAILED' }, 2).action, 'reject');
  });

  it('approving or rejecting needs a held version not yet settled', () => {
    assert.throws(() => requireHeld([{ kind: 'queued' }], 'd1'), /not holding a version/);
    assert.throws(() => requireHeld([{ kind: 'held' }, { kind: 'rejected' }], 'd1'), /already settled \(rejected\)/);
    assert.doesNotThrow(() => requireHeld([{ kind: 'queued' }, { kind: 'held' }], 'd1'));
  });
});
