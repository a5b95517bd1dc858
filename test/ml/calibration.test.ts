import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { calibrate, chooseThreshold, f1At, fitPlatt, fitWindowOffset, sigmoid } from '../../src/ml/calibration.js';
import { createRng } from '../../src/ml/random.js';

describe('calibration', () => {
  it('sigmoid is stable at the extremes', () => {
    assert.equal(sigmoid(0), 0.5);
    assert.ok(sigmoid(1000) === 1 && sigmoid(-1000) === 0);
  });

  it('Platt scaling recovers a known logistic relation', () => {
    // Labels drawn with P(y=1 | s) = sigmoid(2s − 1): the fit should find a≈2, b≈−1.
    const rng = createRng(5);
    const scores: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const s = rng.next() * 6 - 3;
      scores.push(s);
      labels.push(rng.next() < sigmoid(2 * s - 1) ? 1 : 0);
    }
    const c = fitPlatt(scores, labels);
    assert.ok(Math.abs(c.a - 2) < 0.15, `a = ${c.a}`);
    assert.ok(Math.abs(c.b + 1) < 0.15, `b = ${c.b}`);
    assert.ok(Math.abs(calibrate(0.5, c) - 0.5) < 0.05);
  });

  it('stays finite on separable scores', () => {
    const c = fitPlatt([-2, -1, 1, 2], [0, 0, 1, 1]);
    assert.ok(Number.isFinite(c.a) && Number.isFinite(c.b) && c.a > 0);
  });

  it('chooses the F1-maximising cut halfway between scores', () => {
    const labels = [1, 1, 0, 1, 0, 0];
    const scores = [0.9, 0.8, 0.7, 0.6, 0.2, 0.1];
    const t = chooseThreshold(labels, scores);
    assert.ok(Math.abs(t - 0.4) < 1e-12); // all three positives, one false positive: F1 = 6/7
    assert.ok(Math.abs(f1At(labels, scores, t) - 6 / 7) < 1e-12);
  });

  it('respects a false-positive-rate budget', () => {
    const labels = [1, 1, 0, 1, 0, 0];
    const scores = [0.9, 0.8, 0.7, 0.6, 0.2, 0.1];
    assert.ok(Math.abs(chooseThreshold(labels, scores, { objective: 'fpr', maxFpr: 0 }) - 0.75) < 1e-12);
    assert.ok(chooseThreshold(labels, scores, { objective: 'fpr', maxFpr: 0.34 }) < 0.6);
  });

  it('a fixed probability objective returns that cut', () => {
    assert.equal(chooseThreshold([1, 0], [0.9, 0.1], { objective: 'probability', probability: 0.5 }), 0.5);
  });
});

describe('fitWindowOffset', () => {
  it('lowers windows so their top 1 % on negative rows sits at the text margins’ top 1 %', () => {
    const n = 1000;
    const labels = Array.from({ length: n }, (_, i) => (i < 900 ? 0 : 1));
    const text = Array.from({ length: n }, (_, i) => (i < 900 ? -3 + (i % 100) / 50 : 2));
    const windows = text.map((m, i) => (i < 900 ? m + 1.5 : 9));
    const offset = fitWindowOffset(text, windows, labels);
    assert.ok(Math.abs(offset - 1.5) < 1e-9, `offset ${offset}`);
  });

  it('is 0 when windows are no more extreme than the text, or when no negative row has a window', () => {
    assert.equal(fitWindowOffset([1, 2, 3], [0, 1, 2], [0, 0, 0]), 0);
    assert.equal(fitWindowOffset([1, 2], [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY], [0, 0]), 0);
  });
});
