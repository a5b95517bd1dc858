import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { erfc, mcnemar, normalQuantile, pairedComparison } from '../../src/domain/evaluation/index.js';

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);

/**
 * Builds rows from a paired 2×2 table: `both` rows both right, `onlyA` only A right, `onlyB`
 * only B right, `neither` both wrong, with labels alternating 1/0 so each class is present.
 */
function rowsFrom(table: { both: number; onlyA: number; onlyB: number; neither: number }) {
  const labels: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  const push = (aRight: boolean, bRight: boolean) => {
    const y = labels.length % 2;
    labels.push(y);
    a.push(aRight ? y : 1 - y);
    b.push(bRight ? y : 1 - y);
  };
  for (let i = 0; i < table.both; i++) push(true, true);
  for (let i = 0; i < table.onlyA; i++) push(true, false);
  for (let i = 0; i < table.onlyB; i++) push(false, true);
  for (let i = 0; i < table.neither; i++) push(false, false);
  return { labels: Uint8Array.from(labels), a: Uint8Array.from(a), b: Uint8Array.from(b) };
}

describe('McNemar', () => {
  it('exact: b=1, c=7 gives 2·(1+8)/2⁸ = 0.0703125', () => {
    const t = mcnemar(1, 7);
    assert.equal(t.method, 'exact-binomial');
    assert.equal(t.discordant, 8);
    assert.equal(t.statistic, null);
    close(t.pValue, 18 / 256, 1e-15, 'p');
  });

  it('exact: b=17, c=3 gives 2·(1+20+190+1140)/2²⁰, symmetric in b and c', () => {
    close(mcnemar(17, 3).pValue, 2702 / 1048576, 1e-15, 'p');
    close(mcnemar(3, 17).pValue, 2702 / 1048576, 1e-15, 'p swapped');
  });

  it('exact: equal discordant counts give p = 1 (capped), no discordant rows give p = 1', () => {
    assert.equal(mcnemar(12, 12).pValue, 1);
    assert.deepEqual(mcnemar(0, 0), { method: 'exact-binomial', discordant: 0, statistic: null, pValue: 1 });
  });

  it('χ² with continuity correction from 25 discordant rows: Agresti\'s approval ratings (b=150, c=86)', () => {
    // Agresti, Categorical Data Analysis, §10.1: (|150 − 86| − 1)² / 236 = 3969 / 236 = 16.818;
    // P(χ²₁ > 16.818) = erfc(√8.409) = 4.1146e-5.
    const t = mcnemar(150, 86);
    assert.equal(t.method, 'chi-square-cc');
    assert.equal(t.discordant, 236);
    close(t.statistic ?? Number.NaN, 3969 / 236, 1e-12, 'statistic');
    close(t.pValue, 4.1146e-5, 1e-8, 'p');
  });

  it('χ²: b=30, c=10 gives (20 − 1)² / 40 = 9.025, p = 0.002663', () => {
    const t = mcnemar(30, 10);
    close(t.statistic ?? Number.NaN, 9.025, 1e-12, 'statistic');
    close(t.pValue, 0.0026631, 1e-6, 'p');
  });

  it('the switch-over point is configurable and sits at 25 by default', () => {
    assert.equal(mcnemar(12, 12).method, 'exact-binomial');
    assert.equal(mcnemar(12, 13).method, 'chi-square-cc');
    assert.equal(mcnemar(150, 86, 1000).method, 'exact-binomial');
    // The exact and χ² forms agree roughly where both are reasonable.
    close(mcnemar(150, 86, 1000).pValue, mcnemar(150, 86).pValue, 2e-5, 'exact vs χ²');
  });

  it('the exact form does not underflow for thousands of discordant rows', () => {
    const p = mcnemar(1500, 1500, 10_000).pValue;
    assert.ok(p > 0.9 && p <= 1, `p = ${p}`);
  });
});

describe('pairedComparison', () => {
  it('counts the 2×2 table and takes McNemar on the discordant rows', () => {
    const { labels, a, b } = rowsFrom({ both: 5, onlyA: 1, onlyB: 7, neither: 2 });
    const result = pairedComparison(labels, a, b);
    assert.deepEqual(result.counts, { rows: 15, bothRight: 5, onlyARight: 1, onlyBRight: 7, bothWrong: 2 });
    assert.equal(result.mcnemar.method, 'exact-binomial');
    close(result.mcnemar.pValue, 18 / 256, 1e-15, 'p');
  });

  it('lists the first N flipped rows each way, in row order', () => {
    const { labels, a, b } = rowsFrom({ both: 3, onlyA: 4, onlyB: 6, neither: 1 });
    const result = pairedComparison(labels, a, b, { maxFlips: 3 });
    assert.deepEqual(result.flips.onlyARight, [3, 4, 5]);
    assert.deepEqual(result.flips.onlyBRight, [7, 8, 9]);
    assert.deepEqual(pairedComparison(labels, a, b, { maxFlips: 0 }).flips, { onlyARight: [], onlyBRight: [] });
  });

  it("accuracy difference with Newcombe's paired interval: Bentur et al. (1, 1, 7, 12)", () => {
    // Fagerland, Lydersen & Laake, Statistical Analysis of Contingency Tables, ch. 8: the
    // Newcombe square-and-add interval for p₁ − p₂ is (−0.5069, −0.0256) with p₁ − p₂ = −0.2857.
    // Here A is the first test, so B − A = +0.2857 in (0.0256, 0.5069).
    const { labels, a, b } = rowsFrom({ both: 1, onlyA: 1, onlyB: 7, neither: 12 });
    const acc = pairedComparison(labels, a, b).deltas.accuracy;
    close(acc.a, 2 / 21, 1e-12, 'accuracy A');
    close(acc.b, 8 / 21, 1e-12, 'accuracy B');
    close(acc.delta, 6 / 21, 1e-12, 'delta');
    assert.equal(acc.ci?.method, 'newcombe-paired');
    assert.equal(acc.ci?.level, 0.95);
    close(acc.ci?.lower ?? Number.NaN, 0.025559, 1e-5, 'lower');
    close(acc.ci?.upper ?? Number.NaN, 0.506920, 1e-5, 'upper');
  });

  it('Cavo et al. (59, 6, 16, 80): A − B in (−0.1186, −0.0046), so B − A in (0.0046, 0.1186)', () => {
    const { labels, a, b } = rowsFrom({ both: 59, onlyA: 6, onlyB: 16, neither: 80 });
    // Here A − B = (6 − 16)/161 = −0.0621; B − A is its mirror.
    const acc = pairedComparison(labels, a, b).deltas.accuracy;
    close(acc.delta, 10 / 161, 1e-12, 'delta');
    close(acc.ci?.lower ?? Number.NaN, 0.004625, 1e-5, 'lower');
    close(acc.ci?.upper ?? Number.NaN, 0.118621, 1e-5, 'upper');
  });

  it('recall and FPR are paired over positives and negatives only', () => {
    // Positives: A catches 3 of 4, B catches 4 of 4. Negatives: A flags 0 of 4, B flags 2 of 4.
    const labels = Uint8Array.from([1, 1, 1, 1, 0, 0, 0, 0]);
    const a = Uint8Array.from([1, 1, 1, 0, 0, 0, 0, 0]);
    const b = Uint8Array.from([1, 1, 1, 1, 1, 1, 0, 0]);
    const { deltas } = pairedComparison(labels, a, b);
    assert.equal(deltas.recall?.a, 0.75);
    assert.equal(deltas.recall?.b, 1);
    assert.equal(deltas.recall?.delta, 0.25);
    assert.equal(deltas.fpr?.a, 0);
    assert.equal(deltas.fpr?.b, 0.5);
    assert.equal(deltas.fpr?.delta, 0.5);
    const ci = deltas.fpr?.ci;
    assert.ok(ci !== null && ci !== undefined && ci.lower < 0.5 && ci.upper > 0.5, `FPR interval ${JSON.stringify(ci)} contains the delta`);
  });

  it('recall is null without positives and FPR null without negatives', () => {
    const ones = Uint8Array.from([1, 1, 1]);
    const zeros = Uint8Array.from([0, 0, 0]);
    const r = pairedComparison(ones, ones, zeros);
    assert.equal(r.deltas.fpr, null);
    assert.equal(r.deltas.recall?.delta, -1);
    assert.equal(pairedComparison(zeros, ones, zeros).deltas.recall, null);
  });

  it('identical predictions: no discordant rows, p = 1, a zero delta whose interval still has width', () => {
    const { labels, a } = rowsFrom({ both: 40, onlyA: 0, onlyB: 0, neither: 10 });
    const r = pairedComparison(labels, a, a);
    assert.equal(r.mcnemar.pValue, 1);
    assert.equal(r.deltas.accuracy.delta, 0);
    assert.ok((r.deltas.accuracy.ci?.lower ?? 0) < 0 && (r.deltas.accuracy.ci?.upper ?? 0) > 0);
  });

  it('a wider level gives a wider interval', () => {
    const { labels, a, b } = rowsFrom({ both: 30, onlyA: 4, onlyB: 9, neither: 7 });
    const narrow = pairedComparison(labels, a, b, { confidence: 0.8 }).deltas.accuracy.ci!;
    const wide = pairedComparison(labels, a, b, { confidence: 0.99 }).deltas.accuracy.ci!;
    assert.ok(wide.lower < narrow.lower && wide.upper > narrow.upper);
  });

  it('refuses arrays of different lengths, empty arrays, values other than 0/1 and bad options', () => {
    const one = Uint8Array.from([1]);
    assert.throws(() => pairedComparison(one, one, Uint8Array.from([1, 0])), RangeError);
    assert.throws(() => pairedComparison(new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)), RangeError);
    assert.throws(() => pairedComparison(one, Uint8Array.from([2]), one), RangeError);
    assert.throws(() => pairedComparison(one, one, one, { maxFlips: -1 }), RangeError);
    assert.throws(() => pairedComparison(one, one, one, { confidence: 1 }), RangeError);
  });
});

describe('numerical helpers', () => {
  it('erfc and the normal quantile match tabulated values', () => {
    close(erfc(0), 1, 1e-7, 'erfc(0)');
    close(erfc(1), 0.157299207, 1e-7, 'erfc(1)');
    close(erfc(-1), 1.842700793, 1e-7, 'erfc(-1)');
    close(normalQuantile(0.975), 1.959963985, 1e-8, 'z 0.975');
    close(normalQuantile(0.005), -2.575829304, 1e-8, 'z 0.005');
    close(normalQuantile(0.5), 0, 1e-12, 'z 0.5');
  });
});
