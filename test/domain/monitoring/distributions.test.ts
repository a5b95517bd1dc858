import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chiSquareSurvival, gammaQ, kolmogorovSurvival, ksPValue, lnGamma } from '../../../src/domain/monitoring/index.js';

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);

describe('tail probabilities', () => {
  it('lnGamma matches factorials and Γ(½) = √π', () => {
    close(lnGamma(5), Math.log(24), 1e-9, 'ln 4!');
    close(lnGamma(11), Math.log(3628800), 1e-9, 'ln 10!');
    close(lnGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-9, 'ln Γ(½)');
  });

  it('gammaQ(1, x) is e^-x on both sides of the series/continued-fraction switch', () => {
    for (const x of [0, 0.1, 1.5, 2, 7, 30]) close(gammaQ(1, x), Math.exp(-x), 1e-12, `Q(1, ${x})`);
  });

  it('chi-square critical values from the tables give their levels', () => {
    close(chiSquareSurvival(3.841459, 1), 0.05, 1e-6, 'df 1, 95 %');
    close(chiSquareSurvival(6.634897, 1), 0.01, 1e-6, 'df 1, 99 %');
    close(chiSquareSurvival(18.307038, 10), 0.05, 1e-6, 'df 10, 95 %');
    close(chiSquareSurvival(124.342113, 100), 0.05, 1e-6, 'df 100, 95 %');
    assert.equal(chiSquareSurvival(0, 3), 1);
  });

  it("Kolmogorov's distribution: Q(1.3581) = 0.05, Q(1.6276) = 0.01, 1 at 0", () => {
    close(kolmogorovSurvival(1.358099), 0.05, 1e-5, '95 %');
    close(kolmogorovSurvival(1.627624), 0.01, 1e-5, '99 %');
    assert.equal(kolmogorovSurvival(0), 1);
    close(kolmogorovSurvival(0.05), 1, 1e-12, 'tiny λ');
  });

  it('the KS p-value falls as either sample grows for the same distance', () => {
    const small = ksPValue(0.1, 200, 200);
    const larger = ksPValue(0.1, 2000, 2000);
    assert.ok(small > 0.05 && larger < 1e-6, `${small}, ${larger}`);
    assert.ok(ksPValue(0.1, 200, 1e7) < ksPValue(0.1, 200, 200));
  });

  it('refuses arguments outside the domain', () => {
    assert.throws(() => lnGamma(0), RangeError);
    assert.throws(() => gammaQ(-1, 1), RangeError);
    assert.throws(() => chiSquareSurvival(1, 0), RangeError);
  });
});
