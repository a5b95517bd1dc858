import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  INITIAL_DETECTOR_STATE,
  baselineOf,
  calibrateDetector,
  detectorStep,
  nearThresholdShare,
  proportionScore,
  runDetector,
  type AnomalyDetectorKind,
} from '../../../src/domain/monitoring/index.js';
import { createRng, type Rng } from '../../../src/ml/random.js';

/** Poisson(mean) by Knuth's product of uniforms (fine for means up to a few hundred). */
function poisson(rng: Rng, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let product = rng.next();
  while (product > limit) {
    k++;
    product *= rng.next();
  }
  return k;
}
const requestsPerMinute = (rng: Rng, minutes: number, mean: number) => Float64Array.from({ length: minutes }, () => poisson(rng, mean));

describe('calibrated detectors on a synthetic stationary stream', () => {
  for (const kind of ['cusum', 'ewma'] as const satisfies readonly AnomalyDetectorKind[]) {
    it(`${kind}: the false-alarm rate on 200,000 fresh quiet readings is the target (1 in 1,000) within a factor of 2`, () => {
      const quiet = requestsPerMinute(createRng(1), 5000, 50);
      const detector = calibrateDetector(quiet, { kind, direction: 'both', targetFalseAlarmRate: 1e-3, random: createRng(2).next });
      const fresh = requestsPerMinute(createRng(3), 200_000, 50);
      const rate = runDetector(detector, fresh).length / fresh.length;
      assert.ok(rate >= 0.5e-3 && rate <= 2e-3, `${kind} false-alarm rate ${rate}`);
    });

    it(`${kind}: a 20 % rise in requests is caught within 15 readings, with no alarm before it`, () => {
      const rng = createRng(4);
      const detector = calibrateDetector(requestsPerMinute(rng, 5000, 50), { kind, direction: 'both', targetFalseAlarmRate: 1e-4, random: createRng(5).next });
      const stream = Float64Array.from({ length: 2000 }, (_, i) => poisson(rng, i < 1500 ? 50 : 60));
      const alarms = runDetector(detector, stream);
      assert.ok(alarms.length > 0, 'the shift was detected');
      assert.ok(alarms[0]!.index >= 1500 && alarms[0]!.index < 1515, `first alarm at ${alarms[0]!.index}`);
      assert.equal(alarms[0]!.direction, 'up');
    });
  }

  it('a one-sided detector ignores the other direction: requests falling to a third alarm "down" only', () => {
    const rng = createRng(6);
    const quiet = requestsPerMinute(rng, 3000, 50);
    const down = calibrateDetector(quiet, { kind: 'cusum', direction: 'down', targetFalseAlarmRate: 1e-4, random: createRng(7).next });
    const up = { ...down, direction: 'up' as const };
    const stream = Float64Array.from({ length: 400 }, (_, i) => poisson(rng, i < 200 ? 50 : 17));
    const alarms = runDetector(down, stream);
    assert.ok(alarms.length > 0 && alarms.every((a) => a.direction === 'down' && a.index >= 200));
    assert.equal(runDetector(up, stream).length, 0);
  });

  it('an error rate with varying traffic: standardised by proportionScore, 1 % → 3 % is caught', () => {
    const rng = createRng(8);
    const minute = (rate: number) => {
      const trials = 50 + rng.nextInt(150);
      let errors = 0;
      for (let t = 0; t < trials; t++) if (rng.next() < rate) errors++;
      return proportionScore(errors, trials, 0.01);
    };
    const quiet = Float64Array.from({ length: 5000 }, () => minute(0.01));
    const detector = calibrateDetector(quiet, { kind: 'cusum', direction: 'up', targetFalseAlarmRate: 1e-4, random: createRng(9).next });
    const stream = Float64Array.from({ length: 600 }, (_, i) => minute(i < 500 ? 0.01 : 0.03));
    const alarms = runDetector(detector, stream);
    assert.ok(alarms.length > 0 && alarms[0]!.index >= 500 && alarms[0]!.index < 520, JSON.stringify(alarms.slice(0, 3)));
  });

  it('100,000 stationary predictions: no anomaly on requests, positive rate or near-threshold share', () => {
    const threshold = 0.5;
    // One minute of traffic: about 100 predictions, 30 % positive, scores mostly far from the threshold.
    const minutes = (rng: Rng, predictions: number, nearShare: number) => {
      const requests: number[] = [];
      const positive: number[] = [];
      const near: number[] = [];
      let made = 0;
      while (made < predictions) {
        const n = poisson(rng, 100);
        const scores = Float64Array.from({ length: n }, () => {
          if (rng.next() < nearShare) return threshold - 0.1 * rng.next();
          return rng.next() < 0.3 ? 0.8 + 0.2 * rng.next() : 0.3 * rng.next();
        });
        let positives = 0;
        for (const s of scores) if (s >= threshold) positives++;
        requests.push(n);
        positive.push(proportionScore(positives, n, 0.3 * (1 - nearShare)));
        near.push(nearThresholdShare(scores, threshold, 0.1));
        made += n;
      }
      return { requests, positive, near };
    };
    const quiet = minutes(createRng(10), 300_000, 0.02);
    const random = createRng(11).next;
    const detectors = {
      requests: calibrateDetector(quiet.requests, { kind: 'cusum', direction: 'both', targetFalseAlarmRate: 1e-4, random }),
      positive: calibrateDetector(quiet.positive, { kind: 'cusum', direction: 'both', targetFalseAlarmRate: 1e-4, random }),
      near: calibrateDetector(quiet.near, { kind: 'ewma', direction: 'up', targetFalseAlarmRate: 1e-4, random }),
    };
    const live = minutes(createRng(12), 100_000, 0.02);
    for (const name of ['requests', 'positive', 'near'] as const) {
      assert.deepEqual(runDetector(detectors[name], live[name]), [], `${name} alarmed on stationary traffic`);
    }
    // The same near-threshold detector sees an attacker probing the boundary (2 % → 6 %).
    const probed = minutes(createRng(13), 20_000, 0.06);
    assert.ok(runDetector(detectors.near, probed.near).length > 0, 'evasion pressure detected');
  });
});

describe('detector pieces', () => {
  it('a CUSUM step accumulates beyond the allowance and restarts after its alarm', () => {
    const detector = { kind: 'cusum', baseline: { mean: 10, sd: 2 }, direction: 'both', allowance: 0.5, threshold: 2 } as const;
    const first = detectorStep(detector, INITIAL_DETECTOR_STATE, 14); // z = 2 → upper 1.5
    assert.equal(first.zScore, 2);
    assert.deepEqual(first.state, { upper: 1.5, lower: 0 });
    assert.equal(first.alarm, null);
    const second = detectorStep(detector, first.state, 13); // z = 1.5 → upper 2.5 > 2
    assert.equal(second.alarm, 'up');
    assert.equal(second.statistic, 2.5);
    assert.deepEqual(second.state, INITIAL_DETECTOR_STATE);
  });

  it('baselineOf: a spike does not widen the spread; a constant stream gets a hair of spread', () => {
    const values = Float64Array.from({ length: 101 }, (_, i) => 100 + (i % 11) - 5);
    const clean = baselineOf(values);
    values[50] = 1e6;
    const spiked = baselineOf(values);
    assert.equal(spiked.mean, clean.mean);
    assert.ok(Math.abs(spiked.sd - clean.sd) < 0.2, `${spiked.sd} vs ${clean.sd}`);
    const constant = baselineOf(new Float64Array(50));
    assert.equal(constant.mean, 0);
    assert.ok(constant.sd > 0 && constant.sd < 1e-6);
    // Mostly zeros with a few events: the MAD is 0, the sd is not.
    const sparse = baselineOf(Float64Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? 1 : 0)));
    assert.ok(sparse.sd > 0.2);
    assert.throws(() => baselineOf([1]), RangeError);
  });

  it('nearThresholdShare and proportionScore', () => {
    assert.equal(nearThresholdShare([0.1, 0.41, 0.49, 0.5, 0.9], 0.5, 0.1), 0.4);
    assert.equal(nearThresholdShare([], 0.5, 0.1), 0);
    assert.equal(proportionScore(10, 100, 0.1), 0);
    assert.ok(Math.abs(proportionScore(19, 100, 0.1) - 3) < 1e-12);
    assert.equal(proportionScore(0, 0, 0.1), 0);
    assert.ok(Number.isFinite(proportionScore(3, 100, 0)));
  });

  it('calibration refuses a rate outside (0, 0.5)', () => {
    assert.throws(() => calibrateDetector([1, 2, 3], { kind: 'cusum', direction: 'up', targetFalseAlarmRate: 0, random: Math.random }), RangeError);
  });
});
