import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { abStatistics, compareProportions, sequentialCompareProportions, mirrors, pickArm, unitFromDigest, type TrafficSplit } from '../../../src/domain/deployments/traffic.js';
import { NO_READINGS } from '../../../src/domain/deployments/guardrails.js';

const split: TrafficSplit = {
  serving: [
    { arm: 'baseline', version: 1, percent: 70 },
    { arm: 'candidate', version: 2, percent: 30 },
  ],
  mirror: null,
};

describe('picking an arm', () => {
  it('follows the cumulative weights over [0, 1)', () => {
    assert.equal(pickArm(split.serving, 0).arm, 'baseline');
    assert.equal(pickArm(split.serving, 0.6999).arm, 'baseline');
    assert.equal(pickArm(split.serving, 0.7).arm, 'candidate');
    assert.equal(pickArm(split.serving, 0.9999999).arm, 'candidate');
    assert.throws(() => pickArm(split.serving, 1), RangeError);
    assert.throws(() => pickArm(split.serving, Number.NaN), RangeError);
    assert.throws(() => pickArm([], 0.5), RangeError);
  });

  it('an arm at 0 % never answers', () => {
    const allCandidate: TrafficSplit = { serving: [{ arm: 'baseline', version: 1, percent: 0 }, { arm: 'candidate', version: 2, percent: 100 }], mirror: null };
    assert.equal(pickArm(allCandidate.serving, 0).arm, 'candidate');
  });

  it('sticky by subject: an HMAC of the key always lands in one arm, and 10,000 subjects split within a point of the weights', () => {
    const unit = (subject: string) => unitFromDigest(createHmac('sha256', 'deployment-secret').update(subject).digest());
    let candidates = 0;
    for (let i = 0; i < 10_000; i++) {
      const subject = `user-${i}`;
      const arm = pickArm(split.serving, unit(subject)).arm;
      assert.equal(pickArm(split.serving, unit(subject)).arm, arm);
      if (arm === 'candidate') candidates++;
    }
    assert.ok(Math.abs(candidates / 10_000 - 0.3) < 0.01, `${candidates} of 10,000 in the 30 % arm`);
  });

  it('maps digests into [0, 1), using 53 bits', () => {
    assert.equal(unitFromDigest(new Uint8Array(32)), 0);
    const top = unitFromDigest(new Uint8Array(32).fill(255));
    assert.ok(top < 1 && top > 1 - 2 ** -52);
    assert.throws(() => unitFromDigest(new Uint8Array(6)), RangeError);
  });

  it('mirrors only the shadow share', () => {
    const shadow: TrafficSplit = { serving: split.serving, mirror: { arm: 'candidate', version: 2, percent: 25 } };
    assert.equal(mirrors(shadow.mirror, 0.2), true);
    assert.equal(mirrors(shadow.mirror, 0.25), false);
    assert.equal(mirrors(split.mirror, 0), false);
  });
});

describe('comparing two proportions', () => {
  it('matches Newcombe (1998) table II example: 56/70 vs 48/80', () => {
    // Newcombe's worked example (method 10): difference 0.2, interval 0.0524 to 0.3339.
    const result = compareProportions({ successes: 48, trials: 80 }, { successes: 56, trials: 70 });
    assert.ok(Math.abs(result.difference! - 0.2) < 1e-12);
    assert.ok(Math.abs(result.interval!.lower - 0.0524) < 5e-4, String(result.interval!.lower));
    assert.ok(Math.abs(result.interval!.upper - 0.3339) < 5e-4, String(result.interval!.upper));
    assert.ok(result.pValue! < 0.01 && result.pValue! > 0.005, String(result.pValue));
    assert.equal(result.significant, true);
  });

  it('equal arms are not significant; an empty arm gives no verdict; bad counts are refused', () => {
    const same = compareProportions({ successes: 50, trials: 100 }, { successes: 50, trials: 100 });
    assert.equal(same.difference, 0);
    assert.ok(Math.abs(same.pValue! - 1) < 1e-6);
    assert.equal(same.significant, false);
    assert.deepEqual(compareProportions({ successes: 0, trials: 0 }, { successes: 5, trials: 10 }), { difference: null, interval: null, pValue: null, significant: false });
    assert.throws(() => compareProportions({ successes: 11, trials: 10 }, { successes: 5, trials: 10 }), RangeError);
  });
});

describe('A/B statistics', () => {
  // 100 labelled each: baseline 60 TP, 20 FP, 10 FN, 10 TN (accuracy 0.70); candidate 70 TP, 5 FP, 5 FN, 20 TN (0.90).
  const baseline = { requests: 210, errors: 10, p99Ms: 12, positives: 120, labelled: 100, truePositives: 60, falsePositives: 20, falseNegatives: 10 };
  const candidate = { requests: 200, errors: 0, p99Ms: 15, positives: 90, labelled: 100, truePositives: 70, falsePositives: 5, falseNegatives: 5 };

  it('gives each arm its rates from the counts and tests the decision metric', () => {
    const stats = abStatistics({ baseline, candidate }, 'accuracy', 50);
    assert.deepEqual(stats.arms.baseline.metrics.accuracy, { successes: 70, trials: 100, value: 0.7 });
    assert.deepEqual(stats.arms.candidate.metrics.accuracy, { successes: 90, trials: 100, value: 0.9 });
    assert.deepEqual(stats.arms.baseline.metrics.precision, { successes: 60, trials: 80, value: 0.75 });
    assert.deepEqual(stats.arms.candidate.metrics.recall, { successes: 70, trials: 75, value: 70 / 75 });
    assert.equal(stats.arms.baseline.errorRate, 10 / 210);
    assert.equal(stats.arms.baseline.positiveRate, 120 / 200, 'positives over answered requests');
    assert.deepEqual(stats.comparison, compareProportions({ successes: 70, trials: 100 }, { successes: 90, trials: 100 }));
    assert.equal(stats.verdict, 'candidate-better');
    assert.equal(abStatistics({ baseline: candidate, candidate: baseline }, 'accuracy', 50).verdict, 'baseline-better');
  });

  it('gives no verdict below minTrials on either arm, nor on an arm without traffic; refuses an unknown metric', () => {
    assert.equal(abStatistics({ baseline, candidate }, 'accuracy', 101).verdict, 'insufficient-data');
    // Precision's trials are the predicted positives: 80 and 75, both under 76 only on the candidate.
    assert.equal(abStatistics({ baseline, candidate }, 'precision', 76).verdict, 'insufficient-data');
    const empty = abStatistics({ baseline, candidate: NO_READINGS }, 'recall', 1);
    assert.equal(empty.verdict, 'insufficient-data');
    assert.equal(empty.arms.candidate.errorRate, null);
    assert.equal(empty.arms.candidate.metrics.recall.value, null);
    const same = abStatistics({ baseline, candidate: baseline }, 'accuracy', 50);
    assert.equal(same.verdict, 'no-significant-difference');
    assert.throws(() => abStatistics({ baseline, candidate }, 'f1' as never, 50), RangeError);
  });
});

describe('the sequential test an A/B verdict follows', () => {
  /** A deterministic stream of uniforms (mulberry32), so the simulated tests are the same each run. */
  function uniforms(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  /** A/A tests (both arms right 80 % of the time) read after every 10 labels up to 2,000 an arm: the share that ever looked significant. */
  function falseAlarms(test: (a: { successes: number; trials: number }, b: { successes: number; trials: number }) => boolean): number {
    const runs = 200;
    let alarmed = 0;
    for (let run = 0; run < runs; run++) {
      const random = uniforms(1_000 + run);
      const a = { successes: 0, trials: 0 };
      const b = { successes: 0, trials: 0 };
      for (let label = 1; label <= 2_000; label++) {
        for (const arm of [a, b]) {
          arm.trials++;
          if (random() < 0.8) arm.successes++;
        }
        if (label % 10 === 0 && label >= 50 && test(a, b)) {
          alarmed++;
          break;
        }
      }
    }
    return alarmed / runs;
  }

  it('keeps its false alarms under 5 % when looked at after every 10 labels, where the fixed-sample test raises several times as many', () => {
    const fixed = falseAlarms((a, b) => compareProportions(a, b).significant);
    const sequential = falseAlarms((a, b) => sequentialCompareProportions(a, b).significant);
    assert.ok(fixed > 0.15, `the fixed-sample test watched 196 times: ${fixed}`);
    assert.ok(sequential <= 0.05, `the sequential test watched 196 times: ${sequential}`);
  });

  it('still finds a real difference, later than the fixed-sample test would at one look', () => {
    assert.equal(sequentialCompareProportions({ successes: 70, trials: 100 }, { successes: 90, trials: 100 }).significant, true);
    assert.equal(sequentialCompareProportions({ successes: 80, trials: 100 }, { successes: 88, trials: 100 }).significant, false, 'p 0.12 at one look: not yet');
    assert.equal(sequentialCompareProportions({ successes: 800, trials: 1_000 }, { successes: 880, trials: 1_000 }).significant, true);
    // An arm at 0 % against one at 100 % keeps a variance: a finite, tiny p-value.
    const extreme = sequentialCompareProportions({ successes: 0, trials: 30 }, { successes: 30, trials: 30 });
    assert.ok(extreme.pValue! > 0 && extreme.pValue! < 1e-6, String(extreme.pValue));
    assert.deepEqual(sequentialCompareProportions({ successes: 0, trials: 0 }, { successes: 3, trials: 5 }).pValue, null);
    // Equal arms: no evidence at all.
    assert.equal(sequentialCompareProportions({ successes: 50, trials: 100 }, { successes: 50, trials: 100 }).pValue, 1);
  });

  it('decides the verdict; the fixed-sample p-value is still reported beside it', () => {
    const baseline = { requests: 100, errors: 0, p99Ms: 5, positives: 50, labelled: 100, truePositives: 40, falsePositives: 10, falseNegatives: 10 };
    const candidate = { ...baseline, truePositives: 44, falsePositives: 6, falseNegatives: 6 };
    const stats = abStatistics({ baseline, candidate }, 'accuracy', 50);
    // 0.80 → 0.88 on 100 labels each: p ≈ 0.12 fixed-sample; not significant either way, and the sequential test is stricter.
    assert.equal(stats.verdict, 'no-significant-difference');
    assert.ok(stats.sequential.pValue! > stats.comparison.pValue!);
  });
});
