import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SqlTrackingStore } from '../../src/store/sql/sql-tracking-store.js';
import { TrackingService } from '../../src/services/tracking-service.js';
import { randomIds, systemClock } from '../../src/system/clock.js';
import { ProcessResourceMeter } from '../../src/jobs/resource-meter.js';
import { STORE_KINDS, openTestDatabase, type TestDatabase } from '../support/stores.js';

for (const kind of STORE_KINDS) {
  describe(`TrackingService on ${kind}`, () => {
    let test: TestDatabase;
    let service: TrackingService;
    const deleted: string[] = [];

    before(async () => {
      test = await openTestDatabase(kind);
      const gpuProbe = async () => ({ memoryMb: 2048, utilizationPct: 75 });
      service = new TrackingService({ store: new SqlTrackingStore(test.database), clock: systemClock, ids: randomIds, meter: new ProcessResourceMeter({ sampleIntervalMs: 10, gpuProbe }) });
      service.onRunDeleted((id) => {
        deleted.push(id);
      });
    });
    after(() => test.cleanup());

    it('creates runs in an experiment named on the fly, once, also under concurrency', async () => {
      const runs = await Promise.all(Array.from({ length: 6 }, () => service.createRun({ experimentName: 'spam-filter' })));
      assert.equal(new Set(runs.map((r) => r.experimentId)).size, 1);
      const experiment = await service.getExperiment('spam-filter');
      assert.equal(experiment.id, runs[0]?.experimentId);
      assert.deepEqual(await service.getExperiment(experiment.id), experiment);
      await assert.rejects(service.createRun({ experimentId: 'nope' }), { code: 'EXPERIMENT_NOT_FOUND' });
      await assert.rejects(service.createRun({}), { code: 'VALIDATION_FAILED', field: 'experimentId' });
    });

    it('logs single values, reads history pages and summarises the run', async () => {
      const run = await service.createRun({ experimentName: 'summary' });
      await service.setParam(run.id, 'lr', '0.1');
      await service.setParam(run.id, 'lr', '0.1');
      await assert.rejects(service.setParam(run.id, 'lr', '0.2'), { code: 'PARAM_CONFLICT' });
      await service.setTag(run.id, 'team', 'mail');
      for (let step = 0; step < 5; step += 1) await service.logMetric(run.id, { key: 'eval_f1', value: step / 10, step });
      const first = await service.getMetricHistory(run.id, 'eval_f1', { limit: 3 });
      assert.deepEqual(first.points.map((p) => p.step), [0, 1, 2]);
      const rest = await service.getMetricHistory(run.id, 'eval_f1', { limit: 3, pageToken: first.nextPageToken });
      assert.deepEqual(rest.points.map((p) => p.step), [3, 4]);
      assert.equal(rest.nextPageToken, undefined);
      // Change the first character: it carries six whole bits (the last one may only carry padding, or already be the replacement).
      const token = first.nextPageToken ?? '';
      const tampered = `${token.startsWith('A') ? 'B' : 'A'}${token.slice(1)}`;
      await assert.rejects(service.getMetricHistory(run.id, 'eval_f1', { pageToken: tampered }), { code: 'VALIDATION_FAILED' });
      await assert.rejects(service.getMetricHistory('missing', 'eval_f1'), { code: 'RUN_NOT_FOUND' });
      await service.endRun(run.id, 'FINISHED');
      const summary = await service.runSummary(run.id);
      assert.deepEqual(summary?.params, { lr: '0.1' });
      assert.deepEqual(summary?.metrics, { eval_f1: 0.4 });
      assert.equal(summary?.status, 'FINISHED');
      assert.equal(await service.runSummary('missing'), undefined);
    });

    it('resumes a KILLED run with its history; logMetricsOnce skips the (key, step) points the run already has', async () => {
      const run = await service.createRun({ experimentName: 'resumed' });
      await service.logBatch(run.id, { metrics: [1, 2].map((step) => ({ key: 'train_loss', value: 1 / step, step })) });
      await service.endRun(run.id, 'KILLED');
      await assert.rejects(service.logMetric(run.id, { key: 'train_loss', value: 0.3, step: 3 }), { code: 'RUN_NOT_ACTIVE' });
      const resumed = await service.resumeRun(run.id);
      assert.equal(resumed.status, 'RUNNING');
      assert.equal(resumed.endTime, null);
      assert.equal((await service.resumeRun(run.id)).status, 'RUNNING', 'a running run stays as it is');
      const written = await service.logMetricsOnce(run.id, [1, 2, 3, 3].map((step) => ({ key: 'train_loss', value: 1 / step, step })).concat([{ key: 'val_loss', value: 0.5, step: 1 }]));
      assert.equal(written, 2);
      assert.deepEqual((await service.getMetricHistory(run.id, 'train_loss')).points.map((p) => p.step), [1, 2, 3]);
      assert.deepEqual((await service.getMetricHistory(run.id, 'val_loss')).points.map((p) => p.step), [1]);
      await service.endRun(run.id, 'FINISHED');
      await assert.rejects(service.resumeRun(run.id), { code: 'RUN_NOT_ACTIVE' });
    });

    it('measures the work of a run and records its resource usage, even when the work fails', async () => {
      const run = await service.createRun({ experimentName: 'measured' });
      await assert.rejects(
        service.measure(run.id, async () => {
          // Burn 30 ms of CPU (not wall time: the machine is shared).
          const start = process.cpuUsage();
          while (process.cpuUsage(start).user < 30_000) Math.sqrt(Math.random());
          await new Promise((resolve) => setTimeout(resolve, 20));
          throw new Error('training diverged');
        }),
        /training diverged/,
      );
      const usage = (await service.getRun(run.id)).resourceUsage;
      assert.ok(usage);
      assert.ok(usage.cpuSeconds >= 0.03, `cpu ${usage.cpuSeconds}`);
      assert.ok(usage.wallSeconds >= 0.02, `wall ${usage.wallSeconds}`);
      assert.ok(usage.peakRssBytes > 1024 * 1024);
      assert.equal(usage.gpuMemoryMb, 2048);
      assert.equal(usage.gpuUtilizationPct, 75);
    });

    it('a status race ends the run once: the loser is RUN_NOT_ACTIVE', async () => {
      const run = await service.createRun({ experimentName: 'race' });
      const results = await Promise.allSettled([service.endRun(run.id, 'FINISHED'), service.endRun(run.id, 'KILLED'), service.endRun(run.id, 'FAILED')]);
      const won = results.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as { code: string }).code, 'RUN_NOT_ACTIVE');
      const final = await service.requireRun(run.id);
      assert.equal(final.status, (won[0] as PromiseFulfilledResult<{ status: string }>).value.status);
    });

    it('deletes a run and tells the listeners; an unknown run is RUN_NOT_FOUND', async () => {
      const run = await service.createRun({ experimentName: 'doomed' });
      await service.deleteRun(run.id);
      assert.deepEqual(deleted, [run.id]);
      await assert.rejects(service.getRun(run.id), { code: 'RUN_NOT_FOUND' });
      await assert.rejects(service.deleteRun(run.id), { code: 'RUN_NOT_FOUND' });
    });
  });
}
