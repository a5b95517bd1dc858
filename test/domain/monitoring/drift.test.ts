import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_DRIFT_POLICY,
  Histogram,
  buildReferenceProfile,
  chiSquareHomogeneity,
  compareDistributions,
  compareProfiles,
  groupBins,
  type DistributionProfile,
  type ProfileSpec,
} from '../../../src/domain/monitoring/index.js';
import { createRng, type Rng } from '../../../src/ml/random.js';

const SCORE: ProfileSpec = { layout: { kind: 'linear', min: 0, max: 1, bins: 100 }, scale: 'continuous' };
const VALUE: ProfileSpec = { layout: { kind: 'linear', min: -6, max: 6, bins: 120 }, scale: 'continuous' };
const COUNT: ProfileSpec = { layout: { kind: 'log1p', max: 1000, bins: 50 }, scale: 'discrete' };

const normals = (rng: Rng, n: number, mean = 0, sd = 1) => Float64Array.from({ length: n }, () => mean + sd * rng.nextGaussian());
// A classifier's scores: most near 0 or 1.
const scores = (rng: Rng, n: number, positiveRate = 0.3) =>
  Float64Array.from({ length: n }, () => {
    const u = rng.next() ** 3 / 2;
    return rng.next() < positiveRate ? 1 - u : u;
  });
const profile = (spec: ProfileSpec, values: ArrayLike<number>): DistributionProfile => {
  const h = new Histogram(spec);
  h.addAll(values);
  return h.toProfile();
};

describe('compareDistributions', () => {
  it('gives no verdict below the minimum sample, on either side', () => {
    const rng = createRng(1);
    const reference = profile(VALUE, normals(rng, 10_000));
    const result = compareDistributions('x', reference, profile(VALUE, normals(rng, 99, 3)));
    assert.equal(result.verdict, 'insufficient-data');
    assert.equal(result.effects, null);
    assert.equal(compareDistributions('x', profile(VALUE, normals(rng, 50)), profile(VALUE, normals(rng, 5000))).verdict, 'insufficient-data');
  });

  it('small windows: KS finds a half-sd shift in 300 rows, with D as the effect size', () => {
    const rng = createRng(2);
    const reference = profile(VALUE, normals(rng, 50_000));
    const result = compareDistributions('x', reference, profile(VALUE, normals(rng, 300, 0.5)));
    assert.equal(result.verdict, 'drift');
    assert.equal(result.decidedBy, 'ks');
    assert.ok(result.test!.pValue < 1e-4 && result.test!.effectSize > 0.12, JSON.stringify(result.test));
    assert.equal(result.test!.effectSize, result.effects!.ksDistance);
  });

  it('small windows: false alarms stay under the level over 300 stationary windows', () => {
    const rng = createRng(3);
    const reference = profile(VALUE, normals(rng, 50_000));
    let alarms = 0;
    for (let w = 0; w < 300; w++) {
      if (compareDistributions('x', reference, profile(VALUE, normals(rng, 100 + rng.nextInt(800)))).verdict === 'drift') alarms++;
    }
    // alpha = 0.01: 3 expected at most (binned KS is conservative); 8 would be p < 0.01 under the level.
    assert.ok(alarms <= 7, `${alarms} false alarms in 300 windows`);
  });

  it('small windows: discrete values get a chi-square test with Cramér’s V', () => {
    const rng = createRng(4);
    const counts = (n: number, rate: number) => Float64Array.from({ length: n }, () => (rng.next() < rate ? 1 + rng.nextInt(4) : 0));
    const reference = profile(COUNT, counts(20_000, 0.05));
    const quiet = compareDistributions('urls', reference, profile(COUNT, counts(500, 0.05)));
    assert.equal(quiet.verdict, 'stable');
    assert.equal(quiet.test!.name, 'chi-square');
    const moved = compareDistributions('urls', reference, profile(COUNT, counts(500, 0.2)));
    assert.equal(moved.verdict, 'drift');
    assert.equal(moved.decidedBy, 'chi-square');
    assert.ok(moved.test!.effectSize > 0.05 && moved.test!.effectSize < 1);
  });

  it('large windows: a small shift is not drift however small its p-value would be; PSI bands decide', () => {
    const rng = createRng(5);
    const reference = profile(VALUE, normals(rng, 200_000));
    const tiny = compareDistributions('x', reference, profile(VALUE, normals(rng, 200_000, 0.05)));
    assert.equal(tiny.verdict, 'stable');
    assert.equal(tiny.test, null);
    assert.ok(tiny.effects!.psi < 0.01);
    const some = compareDistributions('x', reference, profile(VALUE, normals(rng, 50_000, 0.35)));
    assert.equal(some.verdict, 'warning', `psi ${some.effects!.psi}`);
    const much = compareDistributions('x', reference, profile(VALUE, normals(rng, 50_000, 0.7)));
    assert.equal(much.verdict, 'drift');
    assert.equal(much.decidedBy, 'psi');
    assert.ok(much.effects!.psi > some.effects!.psi && much.effects!.jsDistance > some.effects!.jsDistance);
    // Wasserstein in reference sds ≈ the mean shift.
    assert.ok(Math.abs(much.effects!.wasserstein! - 0.7) < 0.05, `W ${much.effects!.wasserstein}`);
  });

  it('large windows: a shape change PSI underrates is caught by the JS distance', () => {
    const rng = createRng(6);
    const reference = profile(SCORE, scores(rng, 100_000));
    // Everything piles up in one decile: only some groups change, sharply.
    const live = profile(SCORE, Float64Array.from({ length: 5000 }, () => 0.5 + 0.01 * rng.next()));
    const result = compareDistributions('score', reference, live, { ...DEFAULT_DRIFT_POLICY, psiDrift: 1e9, psiWarning: 1e9 });
    assert.equal(result.verdict, 'drift');
    assert.equal(result.decidedBy, 'js-distance');
  });

  it('names the value ranges that moved most', () => {
    const rng = createRng(7);
    const reference = profile(SCORE, scores(rng, 50_000));
    const live = scores(rng, 5000);
    // Evasion pressure: 20 % of the window just under a 0.5 threshold.
    for (let i = 0; i < 1000; i++) live[i] = 0.45 + 0.05 * rng.next();
    const result = compareDistributions('score', reference, profile(SCORE, live));
    assert.equal(result.verdict, 'drift');
    const top = result.movedBins[0]!;
    assert.ok(top.lower <= 0.46 && top.upper >= 0.49, JSON.stringify(top));
    assert.ok(top.liveShare - top.referenceShare > 0.15);
    assert.equal(result.movedBins.length, DEFAULT_DRIFT_POLICY.movedBins);
  });

  it('values the reference never saw move a group it has little mass in', () => {
    const rng = createRng(8);
    const reference = profile(COUNT, new Float64Array(5000));
    const live = Float64Array.from({ length: 2000 }, (_, i) => (i % 10 === 0 ? 5 + rng.nextInt(20) : 0));
    const result = compareDistributions('invisible', reference, profile(COUNT, live));
    assert.equal(result.verdict, 'drift');
    assert.ok(result.effects!.psi > 0.3, `psi ${result.effects!.psi}`);
    assert.equal(result.effects!.wasserstein, null, 'the reference does not vary');
  });

  it('refuses to compare histograms binned differently', () => {
    assert.throws(() => compareDistributions('x', profile(SCORE, [0.1]), profile(VALUE, [0.1])), RangeError);
  });
});

describe('compareProfiles', () => {
  const specs = { score: SCORE, value: VALUE, urls: COUNT };
  const columns = (rng: Rng, n: number, shift = 0) => ({
    score: scores(rng, n),
    value: normals(rng, n, shift),
    urls: Float64Array.from({ length: n }, () => (rng.next() < 0.1 ? 1 : 0)),
  });

  it('100k stationary rows: every value stable, nothing named', () => {
    const rng = createRng(9);
    const reference = buildReferenceProfile(specs, columns(rng, 100_000));
    const live = buildReferenceProfile(specs, columns(rng, 100_000));
    const report = compareProfiles(reference, live.distributions);
    assert.equal(report.verdict, 'stable');
    assert.deepEqual(report.drifted, []);
    assert.deepEqual(report.warnings, []);
    for (const result of report.results) assert.ok(result.effects!.psi < 0.01, `${result.name}: ${result.effects!.psi}`);
  });

  it('names only the value that moved, and splits alpha over the values on small windows', () => {
    const rng = createRng(10);
    const reference = buildReferenceProfile(specs, columns(rng, 50_000));
    const live = buildReferenceProfile(specs, columns(rng, 500, 1));
    const report = compareProfiles(reference, live.distributions);
    assert.equal(report.verdict, 'drift');
    assert.deepEqual(report.drifted, ['value']);
    const value = report.results.find((r) => r.name === 'value')!;
    assert.equal(value.test!.alpha, DEFAULT_DRIFT_POLICY.alpha / 3);
  });

  it('a value the window lacks has insufficient data; all lacking → no verdict', () => {
    const rng = createRng(11);
    const reference = buildReferenceProfile(specs, columns(rng, 5000));
    const live = buildReferenceProfile({ score: SCORE }, columns(rng, 5000));
    const report = compareProfiles(reference, live.distributions);
    assert.deepEqual([...report.insufficient].sort(), ['urls', 'value']);
    assert.equal(report.verdict, 'stable');
    assert.equal(compareProfiles(reference, {}).verdict, 'insufficient-data');
  });
});

describe('helpers', () => {
  it('groupBins keeps a point mass apart and gives unseen tail bins a group', () => {
    assert.deepEqual(groupBins([90, 0, 5, 5, 0, 0], 10), [0, 1, 4]);
    assert.deepEqual(groupBins([100, 0, 0, 0], 10), [0, 1]);
    assert.deepEqual(groupBins([10, 10, 10, 10], 2), [0, 2]);
  });

  it('chi-square homogeneity: the textbook 2×2 table', () => {
    // [[20, 30], [30, 20]]: χ² = 4, df = 1, p = 0.0455, V = 0.2.
    const result = chiSquareHomogeneity([20, 30], [30, 20]);
    assert.ok(Math.abs(result.statistic - 4) < 1e-12);
    assert.equal(result.df, 1);
    assert.ok(Math.abs(result.pValue - 0.0455003) < 1e-6);
    assert.ok(Math.abs(result.cramersV - 0.2) < 1e-12);
  });
});
