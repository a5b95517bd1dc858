import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_PERFORMANCE_DROP_POLICY,
  LastLabelled,
  TimeBucketedCounts,
  addConfusion,
  addExpectedConfusion,
  compareWithBaseline,
  estimatePerformance,
  expectedConfusion,
  livePerformance,
  type ConfusionCounts,
} from '../../../src/domain/monitoring/index.js';
import { createRng, type Rng } from '../../../src/ml/random.js';

const close = (actual: number | null, expected: number, tolerance: number, what: string) =>
  assert.ok(actual !== null && Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);

/** A labelled prediction stream: 40 % positives, each prediction right with probability `accuracy`. */
function labelledStream(rng: Rng, n: number, accuracy: number): { labels: Uint8Array; predicted: Uint8Array } {
  const labels = new Uint8Array(n);
  const predicted = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.next() < 0.4 ? 1 : 0;
    predicted[i] = rng.next() < accuracy ? labels[i]! : 1 - labels[i]!;
  }
  return { labels, predicted };
}
const countsOf = (labels: Uint8Array, predicted: Uint8Array): ConfusionCounts => {
  const window = new LastLabelled(labels.length);
  for (let i = 0; i < labels.length; i++) window.add(labels[i]!, predicted[i]!);
  return window.counts();
};

describe('livePerformance', () => {
  it('point values and Wilson intervals of accuracy, precision and recall', () => {
    const live = livePerformance({ tp: 40, fp: 10, tn: 45, fn: 5 });
    assert.equal(live.labelled, 100);
    close(live.metrics.accuracy.value, 0.85, 1e-12, 'accuracy');
    close(live.metrics.precision.value, 0.8, 1e-12, 'precision');
    close(live.metrics.recall.value, 40 / 45, 1e-12, 'recall');
    // Wilson 95 % for 85/100: [0.7672, 0.9069].
    close(live.metrics.accuracy.lower, 0.7672, 1e-4, 'lower');
    close(live.metrics.accuracy.upper, 0.9069, 1e-4, 'upper');
    assert.equal(live.metrics.precision.support, 50);
  });

  it('F1 through the threat score: the value matches 2PR/(P+R) and the interval holds it', () => {
    const live = livePerformance({ tp: 40, fp: 10, tn: 45, fn: 5 });
    const p = 0.8;
    const r = 40 / 45;
    const f1 = live.metrics.f1;
    close(f1.value, (2 * p * r) / (p + r), 1e-12, 'f1');
    assert.ok(f1.lower! < f1.value! && f1.value! < f1.upper! && f1.upper! <= 1);
    assert.equal(f1.support, 55);
  });

  it('the F1 interval covers the true F1 about 95 % of the time (seeded simulation)', () => {
    const rng = createRng(1);
    // True rates per row: tp 0.3, fp 0.05, fn 0.1, tn 0.55 → F1 = 0.6 / 0.75 = 0.8.
    let covered = 0;
    const trials = 400;
    for (let t = 0; t < trials; t++) {
      const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
      for (let i = 0; i < 300; i++) {
        const u = rng.next();
        if (u < 0.3) c.tp++;
        else if (u < 0.35) c.fp++;
        else if (u < 0.45) c.fn++;
        else c.tn++;
      }
      const f1 = livePerformance(c).metrics.f1;
      if (f1.lower! <= 0.8 && 0.8 <= f1.upper!) covered++;
    }
    assert.ok(covered / trials > 0.92 && covered / trials < 0.98, `coverage ${covered / trials}`);
  });

  it('undefined metrics are null, not 0', () => {
    const live = livePerformance({ tp: 0, fp: 0, tn: 20, fn: 0 });
    assert.equal(live.metrics.precision.value, null);
    assert.equal(live.metrics.recall.value, null);
    assert.equal(live.metrics.f1.value, null);
    assert.equal(live.metrics.accuracy.value, 1);
  });
});

describe('sliding windows', () => {
  it('LastLabelled keeps the counts of exactly the last N', () => {
    const window = new LastLabelled(3);
    window.add(1, 1);
    window.add(0, 1);
    window.add(1, 0);
    assert.deepEqual(window.counts(), { tp: 1, fp: 1, tn: 0, fn: 1 });
    window.add(0, 0); // pushes out the (1, 1)
    assert.deepEqual(window.counts(), { tp: 0, fp: 1, tn: 1, fn: 1 });
  });

  it('TimeBucketedCounts answers the last hour and the last day from minute buckets, forgetting older ones', () => {
    const minute = 60_000;
    const counts = new TimeBucketedCounts(minute, 1440);
    const start = Date.UTC(2026, 0, 1);
    for (let m = 0; m < 3 * 1440; m++) counts.addPrediction(start + m * minute, m % 2, 1);
    const now = start + (3 * 1440 - 1) * minute;
    const hour = counts.counts(now, 60 * minute);
    assert.equal(hour.tp + hour.fp, 60);
    assert.deepEqual(hour, { tp: 30, fp: 30, tn: 0, fn: 0 });
    const day = counts.counts(now, 1440 * minute);
    assert.equal(day.tp + day.fp, 1440);
    // A late record older than the buckets' span is dropped, not added to today's slot.
    counts.add(start, { tp: 100, fp: 0, tn: 0, fn: 0 });
    assert.deepEqual(counts.counts(now, 1440 * minute), day);
    // Nothing happened in the last hour after a quiet day.
    assert.deepEqual(counts.counts(now + 2 * 1440 * minute, 60 * minute), { tp: 0, fp: 0, tn: 0, fn: 0 });
  });

  it('addConfusion sums counts', () => {
    assert.deepEqual(addConfusion({ tp: 1, fp: 2, tn: 3, fn: 4 }, { tp: 1, fp: 1, tn: 1, fn: 1 }), { tp: 2, fp: 3, tn: 4, fn: 5 });
  });
});

describe('compareWithBaseline', () => {
  const baseline = { accuracy: 0.93, precision: 0.92, recall: 0.91, f1: 0.915 };

  it('an 8 % accuracy drop over the last 1,000 labelled predictions is detected and named', () => {
    const { labels, predicted } = labelledStream(createRng(2), 1000, 0.85);
    const comparison = compareWithBaseline(livePerformance(countsOf(labels, predicted)), { accuracy: 0.93 });
    assert.equal(comparison.verdict, 'degraded');
    assert.deepEqual(comparison.degraded, ['accuracy']);
    const accuracy = comparison.metrics[0]!;
    assert.ok(accuracy.drop! > 0.06 && accuracy.live.upper! < 0.93, JSON.stringify(accuracy));
  });

  it('the same accuracy as at deployment is ok on every metric', () => {
    const { labels, predicted } = labelledStream(createRng(3), 1000, 0.93);
    const comparison = compareWithBaseline(livePerformance(countsOf(labels, predicted)), { accuracy: 0.93 });
    assert.equal(comparison.verdict, 'ok');
    assert.deepEqual(comparison.degraded, []);
  });

  it('few labels: no verdict; noise on a small window is no drop when significance is required', () => {
    const few = compareWithBaseline(livePerformance({ tp: 20, fp: 2, tn: 20, fn: 3 }), baseline);
    assert.equal(few.verdict, 'insufficient-data');
    // 40 rows at 0.875 (judged from 30 rows): below the 0.88 limit, but the interval reaches the baseline.
    const policy = { ...DEFAULT_PERFORMANCE_DROP_POLICY, minSupport: 30 };
    const small = livePerformance({ tp: 15, fp: 3, tn: 20, fn: 2 });
    close(small.metrics.accuracy.value, 0.875, 1e-12, 'accuracy');
    assert.ok(small.metrics.accuracy.upper! > 0.93);
    assert.equal(compareWithBaseline(small, { accuracy: 0.93 }, policy).verdict, 'ok');
    assert.equal(compareWithBaseline(small, { accuracy: 0.93 }, { ...policy, requireSignificance: false }).verdict, 'degraded');
  });

  it('relative mode: the limit is a share of the baseline', () => {
    const live = livePerformance({ tp: 300, fp: 100, tn: 500, fn: 100 }); // precision 0.75
    const absolute = compareWithBaseline(live, { precision: 0.8 });
    assert.equal(absolute.metrics[0]!.limit, 0.75);
    assert.equal(absolute.verdict, 'ok');
    const relative = compareWithBaseline(live, { precision: 0.8 }, { ...DEFAULT_PERFORMANCE_DROP_POLICY, mode: 'relative', maxDrop: 0.05 });
    close(relative.metrics[0]!.limit, 0.76, 1e-12, 'limit');
    assert.equal(relative.verdict, 'degraded');
  });
});

describe('label-free estimate (CBPE)', () => {
  /** Calibrated scores: each row's label is drawn with its own score as probability. */
  function calibrated(rng: Rng, n: number) {
    const scores = new Float64Array(n);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const p = rng.next() < 0.35 ? 0.5 + 0.5 * rng.next() ** 0.5 : 0.5 * rng.next() ** 2;
      scores[i] = p;
      labels[i] = rng.next() < p ? 1 : 0;
    }
    return { scores, labels };
  }

  it('tracks the realised metrics of calibrated scores within its interval, marked as an estimate', () => {
    const rng = createRng(4);
    let covered = 0;
    const trials = 100;
    for (let t = 0; t < trials; t++) {
      const { scores, labels } = calibrated(rng, 2000);
      const estimate = estimatePerformance(expectedConfusion(scores, 0.5));
      const predicted = Uint8Array.from(scores, (s) => (s >= 0.5 ? 1 : 0));
      const actual = livePerformance(countsOf(labels, predicted)).metrics;
      let all = true;
      for (const metric of ['accuracy', 'precision', 'recall', 'f1'] as const) {
        const m = estimate.metrics[metric];
        if (!(m.lower! <= actual[metric].value! && actual[metric].value! <= m.upper!)) all = false;
      }
      if (all) covered++;
      if (t === 0) {
        assert.equal(estimate.estimated, true);
        assert.equal(estimate.method, 'cbpe');
        close(estimate.metrics.accuracy.value, actual.accuracy.value!, 0.03, 'accuracy estimate');
      }
    }
    // Four 95 % intervals at once: most trials have all four right.
    assert.ok(covered >= 80, `${covered} of ${trials}`);
  });

  it('expected counts merge by addition (two intervals = the whole)', () => {
    const { scores } = calibrated(createRng(5), 1000);
    const whole = expectedConfusion(scores, 0.5);
    const merged = addExpectedConfusion(expectedConfusion(scores.subarray(0, 400), 0.5), expectedConfusion(scores.subarray(400), 0.5));
    assert.equal(merged.predictedPositive.rows, whole.predictedPositive.rows);
    close(merged.predictedNegative.sumProbability, whole.predictedNegative.sumProbability, 1e-9, 'sum');
    assert.equal(estimatePerformance(expectedConfusion([], 0.5)).metrics.accuracy.value, null);
  });
});
