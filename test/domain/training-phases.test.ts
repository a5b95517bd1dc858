import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EVALUATION_PROGRESS, REGISTERING_STEPS, TRAINING_JOB_PHASES, TRAINING_PROGRESS, fractionIn } from '../../src/domain/training-phases.js';

describe('training job phases', () => {
  it('lists the phases in the order a job goes through them', () => {
    assert.deepEqual(TRAINING_JOB_PHASES, ['loading', 'featurising', 'training', 'calibrating', 'evaluating', 'registering']);
  });

  it('gives each part of a training job its own share of 0 → 1, in order and without overlap', () => {
    const ranges = [TRAINING_PROGRESS.loading, TRAINING_PROGRESS.training, TRAINING_PROGRESS.evaluating, TRAINING_PROGRESS.registering];
    assert.equal(ranges[0]!.from, 0);
    assert.equal(ranges.at(-1)!.to, 1);
    for (const [i, range] of ranges.entries()) {
      assert.ok(range.from < range.to, `range ${i} is not empty`);
      if (i > 0) assert.ok(range.from >= ranges[i - 1]!.to, `range ${i} starts after the previous one ends`);
    }
  });

  it('places the registering steps inside registering, in order, ending at 1', () => {
    const steps = [REGISTERING_STEPS.storingArtifact, REGISTERING_STEPS.comparingWithProduction, REGISTERING_STEPS.registeringVersion, REGISTERING_STEPS.done];
    assert.equal(steps[0], TRAINING_PROGRESS.registering.from);
    assert.equal(steps.at(-1), 1);
    assert.deepEqual([...steps].sort((a, b) => a - b), steps);
  });

  it('covers an evaluate job from 0 to 1', () => {
    assert.equal(EVALUATION_PROGRESS.loading.from, 0);
    assert.equal(EVALUATION_PROGRESS.loading.to, EVALUATION_PROGRESS.evaluating.from);
    assert.equal(EVALUATION_PROGRESS.evaluating.to, 1);
  });
});

describe('fractionIn', () => {
  it('maps 0 → 1 onto the range', () => {
    assert.equal(fractionIn(TRAINING_PROGRESS.training, 0), 0.05);
    assert.ok(Math.abs(fractionIn(TRAINING_PROGRESS.training, 0.5) - 0.45) < 1e-12);
    assert.equal(fractionIn(TRAINING_PROGRESS.training, 1), 0.85);
  });

  it('clamps what a trainer over- or under-reports, and treats a non-number as the start', () => {
    assert.equal(fractionIn(TRAINING_PROGRESS.training, 1.7), 0.85);
    assert.equal(fractionIn(TRAINING_PROGRESS.training, -0.2), 0.05);
    assert.equal(fractionIn(TRAINING_PROGRESS.training, Number.NaN), 0.05);
  });
});
