import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { withRole } from '../../src/startup/roles.js';

describe('withRole', () => {
  it('adds a role in the canonical order (api, worker, scheduler) and never twice', () => {
    assert.deepEqual(withRole(['scheduler', 'worker'], 'api', true), ['api', 'worker', 'scheduler']);
    assert.deepEqual(withRole(['api', 'worker'], 'api', true), ['api', 'worker']);
  });

  it('removes a role and keeps the others in order', () => {
    assert.deepEqual(withRole(['api', 'worker', 'scheduler'], 'api', false), ['worker', 'scheduler']);
    assert.deepEqual(withRole(['worker'], 'scheduler', false), ['worker']);
  });
});
