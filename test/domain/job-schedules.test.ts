import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_SCHEDULE_EVERY_MS, planSchedule, scheduleWindow, windowJob } from '../../src/domain/job-schedules.js';
import { planEnqueue } from '../../src/domain/jobs.js';

describe('job schedules', () => {
  it('validates a schedule, naming the field; the payload follows the enqueue rules', () => {
    const base = { name: 'sweep-artifacts', everyMs: 60_000, kind: 'sweep-artifacts' as const };
    assert.deepEqual(planSchedule(base), { ...base, payload: {} });
    for (const [change, field] of [
      [{ name: '' }, 'name'],
      [{ name: '-x' }, 'name'],
      [{ name: 'x'.repeat(101) }, 'name'],
      [{ everyMs: 99 }, 'everyMs'],
      [{ everyMs: 1000.5 }, 'everyMs'],
      [{ everyMs: MAX_SCHEDULE_EVERY_MS + 1 }, 'everyMs'],
      [{ kind: 'nap' }, 'kind'],
      [{ payload: [] }, 'payload'],
    ] as const) {
      assert.throws(() => planSchedule({ ...base, ...(change as object) }), { code: 'VALIDATION_FAILED', field }, JSON.stringify(change));
    }
  });

  it("a window's job is due at the window's start, keyed by name, period and window, one at a time, never retried", () => {
    const schedule = planSchedule({ name: 'scan', everyMs: 1_000, kind: 'scan-fresh-data', payload: { a: 1 } });
    assert.equal(scheduleWindow(1_000, 12_999), 12);
    assert.equal(scheduleWindow(1_000, 13_000), 13);
    const job = windowJob(schedule, 12);
    assert.deepEqual(job, {
      kind: 'scan-fresh-data',
      payload: { a: 1 },
      idempotencyKey: 'schedule:scan:1000:12',
      runAt: 12_000,
      dedupeKey: 'schedule:scan',
      maxAttempts: 1,
    });
    assert.notEqual(windowJob({ ...schedule, everyMs: 2_000 }, 12).idempotencyKey, job.idempotencyKey, 'another period never reuses a key');
    assert.equal(planEnqueue(job, 'id', 13_500).runAt, 12_000);
  });
});
