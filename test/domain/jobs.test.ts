import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WardenError, invalid } from '../../src/domain/errors.js';
import {
  JOB_STATES,
  TERMINAL_JOB_STATES,
  advanceProgress,
  assertMove,
  canMove,
  decideAttempt,
  decideCancel,
  decideRecovery,
  decideRetry,
  describeFailure,
  encodePageToken,
  isOrphaned,
  jobRunMs,
  parseJobFilter,
  planEnqueue,
  progressIsUrgent,
  validateProgress,
  type ProgressReport,
} from '../../src/domain/jobs.js';

const NOW = 1_700_000_000_000;
const policy = { baseDelayMs: 1_000, maxDelayMs: 5_000 };

describe('job state moves', () => {
  it('never leaves a terminal state', () => {
    for (const terminal of TERMINAL_JOB_STATES) {
      for (const to of JOB_STATES) assert.equal(canMove(terminal, to), false, `${terminal} → ${to}`);
    }
  });

  it('allows the moves of the lifecycle and refuses the rest', () => {
    assert.ok(canMove('queued', 'running'));
    assert.ok(canMove('queued', 'cancelled'));
    assert.ok(canMove('running', 'succeeded'));
    assert.ok(canMove('running', 'queued'), 'retry or crash recovery');
    assert.equal(canMove('queued', 'succeeded'), false);
    assert.throws(() => assertMove({ id: 'j', state: 'succeeded' }, 'running'), { code: 'VERSION_CONFLICT' });
  });
});

describe('jobRunMs', () => {
  it('counts from the job’s start, not from when it was queued; from its creation if it never started; nothing before it ends', () => {
    assert.equal(jobRunMs({ createdAt: NOW, startedAt: NOW + 72_000, finishedAt: NOW + 108_000 }), 36_000);
    assert.equal(jobRunMs({ createdAt: NOW, startedAt: null, finishedAt: NOW + 2_500 }), 2_500);
    assert.equal(jobRunMs({ createdAt: NOW, startedAt: NOW + 5, finishedAt: null }), undefined);
  });
});

describe('decideRetry', () => {
  it('backs off exponentially and caps the delay', () => {
    const delays = [1, 2, 3, 4, 5].map((attempts) => {
      const d = decideRetry({ attempts, maxAttempts: 10 }, new Error('x'), NOW, policy);
      assert.equal(d.action, 'retry');
      return d.action === 'retry' ? d.delayMs : -1;
    });
    assert.deepEqual(delays, [1_000, 2_000, 4_000, 5_000, 5_000]);
    const d = decideRetry({ attempts: 1, maxAttempts: 3 }, new Error('x'), NOW, policy);
    assert.equal(d.action === 'retry' && d.runAt, NOW + 1_000);
  });

  it('fails when attempts are spent, keeping the error', () => {
    const d = decideRetry({ attempts: 3, maxAttempts: 3 }, new Error('disk full'), NOW, policy);
    assert.deepEqual(d, { action: 'fail', error: { code: 'JOB_FAILED', message: 'disk full', retryable: true } });
  });

  it('does not retry input-like WardenErrors or errors marked retryable: false', () => {
    assert.equal(decideRetry({ attempts: 1, maxAttempts: 5 }, invalid('payload.model', 'bad'), NOW).action, 'fail');
    assert.equal(decideRetry({ attempts: 1, maxAttempts: 5 }, new WardenError('MODEL_NOT_FOUND', 'gone'), NOW).action, 'fail');
    assert.equal(decideRetry({ attempts: 1, maxAttempts: 5 }, new WardenError('STORE_UNAVAILABLE', 'down'), NOW).action, 'retry');
    assert.equal(decideRetry({ attempts: 1, maxAttempts: 5 }, Object.assign(new Error('x'), { retryable: false }), NOW).action, 'fail');
    assert.equal(describeFailure('plain string').message, 'plain string');
  });
});

describe('decideAttempt and decideRecovery', () => {
  const job = { attempts: 1, maxAttempts: 3, cancelRequested: false };
  it('a returned handler succeeds, even after a late cancel', () => {
    assert.deepEqual(decideAttempt({ ...job, cancelRequested: true }, { type: 'returned', result: 1 }, NOW), { state: 'succeeded', result: 1 });
  });
  it('a throw after a cancel request ends cancelled, never retried', () => {
    assert.equal(decideAttempt({ ...job, cancelRequested: true }, { type: 'threw', error: new Error('aborted') }, NOW).state, 'cancelled');
  });
  it('a throw is retried while attempts remain', () => {
    const d = decideAttempt(job, { type: 'threw', error: new Error('flaky') }, NOW, policy);
    assert.deepEqual(d, { state: 'queued', runAt: NOW + 1_000, error: { code: 'JOB_FAILED', message: 'flaky', retryable: true } });
  });
  it('recovers a crashed job at once, or fails it when attempts are spent', () => {
    assert.equal(decideRecovery(job, NOW).state, 'queued');
    assert.equal(decideRecovery({ ...job, attempts: 3 }, NOW).state, 'failed');
    assert.equal(decideRecovery({ ...job, cancelRequested: true }, NOW).state, 'cancelled');
  });
  it('a running job is orphaned once its lease passed', () => {
    assert.equal(isOrphaned({ state: 'running', leaseUntil: NOW + 1 }, NOW), false);
    assert.equal(isOrphaned({ state: 'running', leaseUntil: NOW - 1 }, NOW), true);
    assert.equal(isOrphaned({ state: 'queued', leaseUntil: null }, NOW), false);
  });
});

describe('decideCancel', () => {
  it('cancels queued jobs now, requests running ones, refuses terminal ones', () => {
    assert.deepEqual(decideCancel({ id: 'a', state: 'queued', cancelRequested: false }), { action: 'cancel-now' });
    assert.deepEqual(decideCancel({ id: 'a', state: 'running', cancelRequested: false }), { action: 'request' });
    assert.deepEqual(decideCancel({ id: 'a', state: 'running', cancelRequested: true }), { action: 'already-requested' });
    for (const state of TERMINAL_JOB_STATES) {
      assert.throws(() => decideCancel({ id: 'a', state, cancelRequested: false }), { code: 'JOB_NOT_CANCELLABLE' });
    }
  });
});

describe('planEnqueue', () => {
  it('fills defaults', () => {
    assert.deepEqual(planEnqueue({ kind: 'train' }, 'id1', NOW), {
      id: 'id1',
      kind: 'train',
      payload: {},
      idempotencyKey: null,
      dedupeKey: null,
      maxAttempts: 3,
      runAt: NOW,
      createdAt: NOW,
    });
    assert.equal(planEnqueue({ kind: 'retrain', dedupeKey: 'retrain:abc' }, 'id2', NOW).dedupeKey, 'retrain:abc');
  });
  it('names the bad field', () => {
    const bad: Array<[unknown, string]> = [
      [{ kind: 'deploy' }, 'kind'],
      [{ kind: 'train', payload: [] }, 'payload'],
      [{ kind: 'train', payload: { big: 'x'.repeat(300_000) } }, 'payload'],
      [{ kind: 'train', idempotencyKey: '' }, 'idempotencyKey'],
      [{ kind: 'train', dedupeKey: 'has space' }, 'dedupeKey'],
      [{ kind: 'train', maxAttempts: 21 }, 'maxAttempts'],
      [{ kind: 'train', maxAttempts: 1.5 }, 'maxAttempts'],
      [{ kind: 'train', runAt: -1 }, 'runAt'],
    ];
    for (const [request, field] of bad) {
      assert.throws(() => planEnqueue(request as never, 'id', NOW), { code: 'VALIDATION_FAILED', field }, JSON.stringify(request).slice(0, 80));
    }
  });
});

describe('progress', () => {
  const report = (fraction: number, extra: Partial<ProgressReport> = {}): ProgressReport => ({ fraction, phase: 'train', ...extra });

  it('derives the ETA from the observed rate', () => {
    const first = advanceProgress(undefined, report(0.1), NOW);
    assert.equal(first.progress.etaSeconds, undefined, 'one sample gives no rate');
    const second = advanceProgress(first.rate, report(0.2), NOW + 1_000); // 0.1 per second
    assert.equal(second.progress.etaSeconds, 8);
    const third = advanceProgress(second.rate, report(0.3), NOW + 2_000);
    assert.equal(third.progress.etaSeconds, 7);
    assert.equal(third.progress.updatedAt, NOW + 2_000);
  });

  it('a stall slows the ETA no further than the average pace since the phase began', () => {
    let step = advanceProgress(undefined, report(0), NOW);
    step = advanceProgress(step.rate, report(0.5), NOW + 10_000); // 0.05 per second
    // Hundreds of reports at one fraction (a step that reports without moving): the smoothed pace decays towards 0.
    for (let i = 1; i <= 300; i++) step = advanceProgress(step.rate, report(0.5), NOW + 10_000 + 10 * i);
    assert.ok(step.rate.perSecond! < 1e-40);
    // Bounded by the average since the start: 0.5 in 13 s, so the other half in 13 s.
    assert.equal(step.progress.etaSeconds, 13);
  });

  it('keeps the handler ETA, reports 0 when done, and forgets the pace when a phase restarts', () => {
    assert.equal(advanceProgress(undefined, report(0.5, { etaSeconds: 42 }), NOW).progress.etaSeconds, 42);
    assert.equal(advanceProgress(undefined, report(1), NOW).progress.etaSeconds, 0);
    const a = advanceProgress(undefined, report(0.5), NOW);
    const b = advanceProgress(a.rate, report(0.1, { phase: 'evaluate' }), NOW + 1_000);
    assert.equal(b.rate.perSecond, undefined);
    assert.equal(b.progress.etaSeconds, undefined);
  });

  it('validates every field and names it', () => {
    const bad: Array<[unknown, string]> = [
      [{ fraction: 1.5, phase: 'x' }, 'progress.fraction'],
      [{ fraction: Number.NaN, phase: 'x' }, 'progress.fraction'],
      [{ fraction: 0.5, phase: '' }, 'progress.phase'],
      [{ fraction: 0.5, phase: 'x', epoch: -1 }, 'progress.epoch'],
      [{ fraction: 0.5, phase: 'x', epoch: 3, totalEpochs: 2 }, 'progress.epoch'],
      [{ fraction: 0.5, phase: 'x', step: 11, totalSteps: 10 }, 'progress.step'],
      [{ fraction: 0.5, phase: 'x', throughput: Infinity }, 'progress.throughput'],
      [{ fraction: 0.5, phase: 'x', message: 'm'.repeat(501) }, 'progress.message'],
    ];
    for (const [value, field] of bad) assert.throws(() => validateProgress(value as ProgressReport), { code: 'VALIDATION_FAILED', field });
  });

  it('writes phase and epoch changes and completion at once', () => {
    const p = (fraction: number, phase = 'train', epoch?: number) => ({ fraction, phase, epoch, updatedAt: NOW });
    assert.equal(progressIsUrgent(null, p(0.1)), true);
    assert.equal(progressIsUrgent(p(0.1), p(0.2)), false);
    assert.equal(progressIsUrgent(p(0.1), p(0.2, 'evaluate')), true);
    assert.equal(progressIsUrgent(p(0.1, 'train', 1), p(0.2, 'train', 2)), true);
    assert.equal(progressIsUrgent(p(0.9), p(1)), true);
  });
});

describe('job list filter', () => {
  it('round-trips page tokens and rejects forged ones', () => {
    const token = encodePageToken({ createdAt: NOW, id: 'abc_123' });
    assert.deepEqual(parseJobFilter({ pageToken: token }).after, { createdAt: NOW, id: 'abc_123' });
    assert.throws(() => parseJobFilter({ pageToken: 'bm9wZQ' }), { field: 'pageToken' });
    assert.throws(() => parseJobFilter({ limit: 0 }), { field: 'limit' });
    assert.throws(() => parseJobFilter({ kind: 'x' as never }), { field: 'kind' });
  });
});
