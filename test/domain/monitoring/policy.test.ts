import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DRIFT_POLICY, DEFAULT_PERFORMANCE_DROP_POLICY, driftPolicy, performanceDropPolicy } from '../../../src/domain/monitoring/index.js';
import { WardenError } from '../../../src/domain/errors.js';

function failsOn(field: string, run: () => unknown) {
  assert.throws(run, (error: unknown) => error instanceof WardenError && error.code === 'VALIDATION_FAILED' && error.field === field);
}

describe('driftPolicy', () => {
  it('the defaults, or the defaults with valid overrides', () => {
    assert.equal(driftPolicy(undefined), DEFAULT_DRIFT_POLICY);
    assert.deepEqual(driftPolicy({ psiDrift: 0.25, minRows: 500 }), { ...DEFAULT_DRIFT_POLICY, psiDrift: 0.25, minRows: 500 });
  });

  it('names the bad field: unknown key, wrong type, out of range, inconsistent pair', () => {
    failsOn('drift', () => driftPolicy([]));
    failsOn('drift.psi', () => driftPolicy({ psi: 0.2 }));
    failsOn('drift.alpha', () => driftPolicy({ alpha: '0.01' }));
    failsOn('drift.alpha', () => driftPolicy({ alpha: 0 }));
    failsOn('drift.groups', () => driftPolicy({ groups: 2.5 }));
    failsOn('drift.psiWarning', () => driftPolicy({ psiWarning: 0.3 }));
    failsOn('rules.drift.minRows', () => driftPolicy({ minRows: 5000 }, 'rules.drift'));
  });
});

describe('performanceDropPolicy', () => {
  it('the defaults, or the defaults with valid overrides', () => {
    assert.equal(performanceDropPolicy(undefined), DEFAULT_PERFORMANCE_DROP_POLICY);
    assert.deepEqual(performanceDropPolicy({ mode: 'relative', maxDrop: 0.1, metrics: ['f1'], requireSignificance: false }), {
      ...DEFAULT_PERFORMANCE_DROP_POLICY,
      mode: 'relative',
      maxDrop: 0.1,
      metrics: ['f1'],
      requireSignificance: false,
    });
  });

  it('names the bad field', () => {
    failsOn('performance.mode', () => performanceDropPolicy({ mode: 'percent' }));
    failsOn('performance.maxDrop', () => performanceDropPolicy({ maxDrop: 1 }));
    failsOn('performance.minSupport', () => performanceDropPolicy({ minSupport: 0 }));
    failsOn('performance.metrics', () => performanceDropPolicy({ metrics: ['auc'] }));
    failsOn('performance.metrics', () => performanceDropPolicy({ metrics: ['f1', 'f1'] }));
    failsOn('performance.requireSignificance', () => performanceDropPolicy({ requireSignificance: 'yes' }));
    failsOn('performance.extra', () => performanceDropPolicy({ extra: 1 }));
  });
});
