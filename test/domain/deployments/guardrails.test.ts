import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BREACH_Z, DEFAULT_GUARDRAILS, guardrailPolicy, judgeGuardrails, NO_READINGS, type ArmReadings } from '../../../src/domain/deployments/guardrails.js';
import { WardenError } from '../../../src/domain/errors.js';

const policy = { ...DEFAULT_GUARDRAILS, minRequests: 10, minLabelled: 20 };

function arm(overrides: Partial<ArmReadings>): ArmReadings {
  return { ...NO_READINGS, requests: 100, positives: 30, p99Ms: 10, ...overrides };
}

function checks(verdict: ReturnType<typeof judgeGuardrails>): Record<string, boolean> {
  return Object.fromEntries(verdict.readings.map((reading) => [reading.check, reading.breached]));
}

describe('guardrail policy', () => {
  it('overrides the defaults key by key; unknown keys and out-of-range values name the field', () => {
    assert.deepEqual(guardrailPolicy(undefined), DEFAULT_GUARDRAILS);
    assert.equal(guardrailPolicy({ maxErrorRate: 0.5 }).maxErrorRate, 0.5);
    assert.equal(guardrailPolicy({ maxErrorRate: 0.5 }).maxP99Ms, DEFAULT_GUARDRAILS.maxP99Ms);
    for (const [value, field] of [
      [{ maxErrorRate: -0.1 }, 'guardrails.maxErrorRate'],
      [{ minRequests: 1.5 }, 'guardrails.minRequests'],
      [{ maxP99Ms: '100' }, 'guardrails.maxP99Ms'],
      [{ p99: 100 }, 'guardrails.p99'],
      [[1], 'guardrails'],
      [null, 'guardrails'],
    ] as const) {
      assert.throws(() => guardrailPolicy(value), (error: unknown) => error instanceof WardenError && error.field === field, JSON.stringify(value));
    }
  });
});

describe('judging a candidate', () => {
  it('too little candidate traffic is insufficient, never a pass', () => {
    assert.equal(judgeGuardrails(policy, arm({ requests: 9 }), arm({})).outcome, 'insufficient');
    assert.equal(judgeGuardrails({ ...policy, minRequests: 0 }, NO_READINGS, null).outcome, 'insufficient');
  });

  it('a healthy candidate passes every check that applies', () => {
    const verdict = judgeGuardrails(policy, arm({}), arm({ requests: 400, positives: 110 }));
    assert.equal(verdict.outcome, 'pass');
    assert.deepEqual(checks(verdict), { 'error-rate': false, 'p99-latency': false, 'positive-rate-shift': false });
  });

  it('errors, slow answers and a shifted positive rate each breach', () => {
    assert.deepEqual(checks(judgeGuardrails(policy, arm({ errors: 3 }), arm({}))), { 'error-rate': true, 'p99-latency': false, 'positive-rate-shift': false });
    assert.equal(checks(judgeGuardrails(policy, arm({ p99Ms: 61 }), arm({ p99Ms: 30 })))['p99-latency'], true, 'more than twice the baseline');
    assert.equal(checks(judgeGuardrails(policy, arm({ p99Ms: 59 }), arm({ p99Ms: 30 })))['p99-latency'], false);
    assert.equal(checks(judgeGuardrails(policy, arm({ p99Ms: 19 }), arm({ p99Ms: 2 })))['p99-latency'], false, 'a ratio under 20 ms is noise');
    assert.equal(checks(judgeGuardrails(policy, arm({ p99Ms: 300 }), null))['p99-latency'], true, 'the absolute limit without a baseline');
    assert.equal(checks(judgeGuardrails(policy, arm({ positives: 60 }), arm({ positives: 30 })))['positive-rate-shift'], true);
  });

  it('a comparative check breaches on evidence, not on a point estimate a hair past its limit', () => {
    // 0.45 against 0.30 is 0.05 past the 0.1 limit: under a standard error on 100 requests an arm, 3 on 2,000.
    const shift = (requests: number) => judgeGuardrails(policy, arm({ requests, positives: 0.45 * requests }), arm({ requests, positives: 0.3 * requests })).readings.find((r) => r.check === 'positive-rate-shift')!;
    assert.deepEqual([shift(100).breached, shift(2_000).breached], [false, true]);
    assert.ok(shift(100).z! > 0 && shift(100).z! < BREACH_Z, String(shift(100).z));
    assert.ok(shift(2_000).z! >= BREACH_Z, String(shift(2_000).z));
    // A candidate within its limit reads a negative z; the absolute checks carry none.
    const within = judgeGuardrails(policy, arm({ positives: 32 }), arm({ positives: 30 })).readings;
    assert.ok(within.find((r) => r.check === 'positive-rate-shift')!.z! < 0);
    assert.equal(within.find((r) => r.check === 'error-rate')!.z, undefined);
    // The canary the retraining loop once rolled back: precision 49/53 against 42/43, 0.0022 past the 0.05 drop.
    const counts = (tp: number, fp: number) => ({ labelled: tp + fp, truePositives: tp, falsePositives: fp, falseNegatives: 0 });
    const precision = judgeGuardrails({ ...policy, minLabelled: 40 }, arm(counts(49, 4)), arm(counts(42, 1))).readings.find((r) => r.check === 'precision')!;
    assert.ok(precision.candidate < precision.limit);
    assert.equal(precision.breached, false, JSON.stringify(precision));
    // Precision 0.85 against 0.98 (0.08 past the limit): noise on 40 labels, a breach on 400.
    const drop = (scale: number) => judgeGuardrails(policy, arm(counts(34 * scale, 6 * scale)), arm(counts(49 * scale, scale))).readings.find((r) => r.check === 'precision')!.breached;
    assert.deepEqual([drop(1), drop(10)], [false, true]);
  });

  it('the positive rate is taken over answered requests, so errors do not look like a shift', () => {
    const verdict = judgeGuardrails({ ...policy, maxErrorRate: 1 }, arm({ requests: 200, errors: 100, positives: 30 }), arm({ positives: 30 }));
    const shift = verdict.readings.find((reading) => reading.check === 'positive-rate-shift')!;
    assert.equal(shift.candidate, 0.3);
    assert.equal(shift.breached, false);
  });

  it('precision and recall are judged only with enough labels on both arms', () => {
    const labelled = { labelled: 40, truePositives: 20, falsePositives: 2, falseNegatives: 2 };
    const worse = { labelled: 40, truePositives: 12, falsePositives: 8, falseNegatives: 10 };
    assert.deepEqual(Object.keys(checks(judgeGuardrails(policy, arm({ ...worse, labelled: 19 }), arm(labelled)))).sort(), ['error-rate', 'p99-latency', 'positive-rate-shift']);
    const verdict = judgeGuardrails(policy, arm(worse), arm(labelled));
    assert.equal(verdict.outcome, 'breach');
    assert.deepEqual(checks(verdict), { 'error-rate': false, 'p99-latency': false, 'positive-rate-shift': false, precision: true, recall: true });
    assert.equal(judgeGuardrails(policy, arm(labelled), arm(labelled)).outcome, 'pass');
  });
});
