import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeProgress, followJobs } from '../../src/cli/job-progress-log.js';
import { ranFor } from '../../src/cli/commands/jobs.js';
import type { JobContext } from '../../src/domain/ports/job-queue.js';
import type { JsonValue } from '../../src/domain/jobs.js';
import { jobEnded, until } from '../support/wait.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';

describe('followJobs (the first start’s progress lines)', () => {
  let platform: TestPlatform;
  let release: (() => void) | undefined;

  before(async () => {
    platform = await openTestPlatform('sqlite');
    await platform.services.jobs.startWorkers({
      async evaluate(ctx: JobContext): Promise<JsonValue> {
        const payload = ctx.payload as { hold?: boolean };
        if (payload.hold === true) await new Promise<void>((resolve) => (release = resolve));
        for (let epoch = 1; epoch <= 2; epoch++) {
          ctx.reportProgress({ fraction: epoch / 2, phase: 'evaluate', epoch, totalEpochs: 2, throughput: 250, throughputUnit: 'docs/s' });
          await sleep(20);
        }
        return { model: 'mail-spam', semver: 'v1.0', stage: 'Staging', metrics: { eval_accuracy: 0.95, eval_f1: 0.9 } };
      },
    });
  });
  after(async () => {
    release?.();
    await platform.close();
  });

  it('prints one line per phase and epoch, then the outcome with how long the job ran, as `jobs list` says it, not since it was queued', async () => {
    // The first job holds the only worker slot, so the second waits in the queue first.
    const first = await platform.services.jobs.enqueue({ kind: 'evaluate', payload: { model: 'mail-spam', hold: true } });
    const second = await platform.services.jobs.enqueue({ kind: 'evaluate', payload: { model: 'mail-spam' } });
    const lines: string[] = [];
    followJobs(platform.services.jobs, [second], (line) => lines.push(line));
    await until(() => release, 'the first job holds the worker');
    await sleep(300);
    release!();
    await jobEnded(platform.services.jobs, first.id);
    const ended = await jobEnded(platform.services.jobs, second.id);
    const outcome = await until(() => lines.find((line) => line.includes('succeeded')), 'the outcome line');
    const label = `[mail-spam ${second.id.slice(0, 8)}]`;
    assert.ok(lines.includes(`${label} ${describeProgress({ fraction: 0.5, phase: 'evaluate', epoch: 1, totalEpochs: 2, throughput: 250, throughputUnit: 'docs/s', updatedAt: 0 })}`), lines.join('\n'));
    assert.equal(outcome, `${label} succeeded: mail-spam v1.0 → Staging eval_accuracy 0.9500 eval_f1 0.9000 (ran ${ranFor(ended)})`);
    assert.ok(ended.startedAt! - ended.createdAt >= 300, 'it waited in the queue before it ran');
  });
});
