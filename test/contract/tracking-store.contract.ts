/**
 * The TrackingStore contract: every adapter runs this suite (SQLite AND PostgreSQL).
 * Objects are built with the domain functions, exactly as the service builds them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isWardenError, type ErrorCode } from '../../src/domain/errors.js';
import type { TrackingStore } from '../../src/domain/ports/tracking-store.js';
import { newExperiment, type Experiment } from '../../src/domain/tracking/experiment.js';
import { validateLogBatch, type LogBatchInput } from '../../src/domain/tracking/run-data.js';
import { newRun, planRunUpdate, type Run, type RunPatchInput } from '../../src/domain/tracking/run.js';
import { parseRunSearch, type RunSearchInput } from '../../src/domain/tracking/run-search.js';

export interface TrackingStoreHarness {
  readonly store: TrackingStore;
  /** The same database through a second connection, as another process has it. */
  readonly other: TrackingStore;
  cleanup(): Promise<void>;
}

let counter = 0;
const id = (prefix: string): string => `${prefix}${Date.now().toString(36)}${(counter++).toString(36).padStart(4, '0')}`;
const NOW = 1_700_000_000_000;

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isWardenError(error), `expected a WardenError ${code}, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

export function trackingStoreContract(name: string, open: () => Promise<TrackingStoreHarness>): void {
  describe(`TrackingStore contract: ${name}`, () => {
    let harness: TrackingStoreHarness;
    let store: TrackingStore;

    before(async () => {
      harness = await open();
      store = harness.store;
    });
    after(async () => {
      await harness.cleanup();
    });

    async function experiment(nameText = id('exp-')): Promise<Experiment> {
      const e = newExperiment({ name: nameText, description: 'd', tags: { owner: 'ml' } }, id('e'), NOW);
      await store.createExperiment(e);
      return e;
    }

    async function run(exp: Experiment, input: { name?: string; startTime?: number; tags?: Record<string, string> } = {}): Promise<Run> {
      return store.createRun(newRun(input, exp, id('r'), NOW));
    }

    const log = (runId: string, input: LogBatchInput): Promise<void> => store.logBatch(runId, validateLogBatch(input, NOW));

    async function update(runId: string, patch: RunPatchInput, now = NOW + 1000) {
      const info = await store.getRunInfo(runId);
      assert.ok(info);
      return store.updateRun(runId, planRunUpdate(info, patch, now));
    }

    const search = (input: RunSearchInput) => store.searchRuns(parseRunSearch(input));

    describe('experiments', () => {
      it('creates, finds by id and by name, and refuses a duplicate name', async () => {
        const e = await experiment();
        assert.deepEqual(await store.getExperiment(e.id), e);
        assert.deepEqual(await store.getExperimentByName(e.name), e);
        assert.equal(await store.getExperiment('missing'), undefined);
        await rejectsWith(store.createExperiment({ ...e, id: id('e') }), 'EXPERIMENT_ALREADY_EXISTS');
      });

      it('lists by name with offset and limit', async () => {
        const prefix = id('list-');
        for (const suffix of ['c', 'a', 'b']) await experiment(`${prefix}-${suffix}`);
        const all = (await store.listExperiments(0, 10_000)).filter((e) => e.name.startsWith(prefix)).map((e) => e.name);
        assert.deepEqual(all, [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`]);
        const everything = await store.listExperiments(0, 10_000);
        const page = await store.listExperiments(1, 2);
        assert.deepEqual(page, everything.slice(1, 3));
      });
    });

    describe('runs', () => {
      it('creates a RUNNING run with its tags; an unknown experiment is EXPERIMENT_NOT_FOUND', async () => {
        const e = await experiment();
        const r = await run(e, { name: 'first', tags: { team: 'mail' } });
        const loaded = await store.getRun(r.id);
        assert.deepEqual(loaded, { ...r, params: {}, metrics: {} });
        assert.equal(loaded?.status, 'RUNNING');
        assert.equal(loaded?.name, 'first');
        assert.deepEqual(loaded?.tags, { team: 'mail' });
        const ghost = { ...e, id: 'no-such-experiment' };
        await rejectsWith(store.createRun(newRun({}, ghost, id('r'), NOW)), 'EXPERIMENT_NOT_FOUND');
        assert.equal(await store.getRun('missing'), undefined);
      });

      it('ends a run with its end time and resource usage; a stale plan is VERSION_CONFLICT', async () => {
        const r = await run(await experiment());
        const usage = { cpuSeconds: 1.5, peakRssBytes: 1024 ** 2, wallSeconds: 2, gpuMemoryMb: 512, gpuUtilizationPct: 40 };
        const planOnRunning = planRunUpdate(r, { status: 'KILLED' }, NOW + 5);
        const ended = await update(r.id, { status: 'FINISHED', resourceUsage: usage }, NOW + 5000);
        assert.equal(ended.status, 'FINISHED');
        assert.equal(ended.endTime, NOW + 5000);
        assert.deepEqual(ended.resourceUsage, usage);
        await rejectsWith(store.updateRun(r.id, planOnRunning), 'VERSION_CONFLICT');
        assert.equal((await store.getRunInfo(r.id))?.status, 'FINISHED');
        await rejectsWith(store.updateRun('missing', planOnRunning), 'RUN_NOT_FOUND');
      });
    });

    describe('log batch', () => {
      it('appends metric history and keeps the latest point per key (step, then timestamp)', async () => {
        const r = await run(await experiment());
        await log(r.id, {
          metrics: [
            { key: 'loss', value: 0.9, step: 0, timestamp: NOW },
            { key: 'loss', value: 0.5, step: 2, timestamp: NOW + 2 },
            { key: 'loss', value: 0.7, step: 1, timestamp: NOW + 3 },
            { key: 'acc', value: 0.8, step: 0, timestamp: NOW },
          ],
        });
        // An older step logged later does not replace the latest; a later timestamp at the same step does.
        await log(r.id, {
          metrics: [
            { key: 'loss', value: 0.6, step: 1, timestamp: NOW + 10 },
            { key: 'acc', value: 0.85, step: 0, timestamp: NOW + 10 },
          ],
        });
        const loaded = await store.getRun(r.id);
        assert.deepEqual(loaded?.metrics, {
          loss: { key: 'loss', value: 0.5, step: 2, timestamp: NOW + 2 },
          acc: { key: 'acc', value: 0.85, step: 0, timestamp: NOW + 10 },
        });
        const history = await store.getMetricHistory(r.id, 'loss', 0, 100);
        assert.deepEqual(
          history.map((p) => [p.step, p.value]),
          [
            [0, 0.9],
            [1, 0.7],
            [1, 0.6],
            [2, 0.5],
          ],
        );
        assert.deepEqual(
          (await store.getMetricHistory(r.id, 'loss', 1, 2)).map((p) => p.value),
          [0.7, 0.6],
        );
        assert.deepEqual(await store.getMetricHistory(r.id, 'missing', 0, 10), []);
      });

      it('stores 1,000 metrics in one batch and 10,000 points of one key across batches, in order', async () => {
        const r = await run(await experiment());
        for (let b = 0; b < 10; b += 1) {
          const metrics = Array.from({ length: 1000 }, (_, i) => ({ key: 'loss', value: 1 / (b * 1000 + i + 1), step: b * 1000 + i, timestamp: NOW + i }));
          await log(r.id, { metrics });
        }
        const history = await store.getMetricHistory(r.id, 'loss', 0, 20_000);
        assert.equal(history.length, 10_000);
        assert.ok(history.every((p, i) => p.step === i && p.value === 1 / (i + 1)));
        assert.deepEqual((await store.getRun(r.id))?.metrics.loss, { key: 'loss', value: 1 / 10_000, step: 9_999, timestamp: NOW + 999 });
      });

      it('params are write-once: same value is a no-op, a different value is PARAM_CONFLICT and the whole batch is discarded', async () => {
        const r = await run(await experiment());
        await log(r.id, { params: [{ key: 'lr', value: '0.1' }, { key: 'epochs', value: '3' }], tags: [{ key: 't', value: '1' }] });
        await log(r.id, { params: [{ key: 'lr', value: '0.1' }] });
        await rejectsWith(
          log(r.id, {
            metrics: [{ key: 'loss', value: 1, step: 0 }],
            params: [{ key: 'new', value: 'x' }, { key: 'lr', value: '0.2' }],
            tags: [{ key: 't', value: '2' }],
          }),
          'PARAM_CONFLICT',
        );
        const loaded = await store.getRun(r.id);
        assert.deepEqual(loaded?.params, { lr: '0.1', epochs: '3' });
        assert.deepEqual(loaded?.tags, { t: '1' });
        assert.deepEqual(loaded?.metrics, {});
        assert.deepEqual(await store.getMetricHistory(r.id, 'loss', 0, 10), []);
      });

      it('batches with params from two connections at once all land: a transaction that lost the race runs again', async () => {
        // SQLite in WAL mode refuses at once (SQLITE_BUSY_SNAPSHOT, busy_timeout does not help)
        // a transaction that read and then writes after another connection committed.
        const exp = await experiment();
        const [mine, theirs] = [await run(exp), await run(exp)];
        const batches = Array.from({ length: 40 }, (_, i) => [
          log(mine.id, { params: [{ key: `p${i}`, value: String(i) }] }),
          harness.other.logBatch(theirs.id, validateLogBatch({ params: [{ key: `p${i}`, value: String(i) }] }, NOW)),
        ]).flat();
        const failed = (await Promise.allSettled(batches)).flatMap((result) => (result.status === 'rejected' ? [String(result.reason)] : []));
        assert.deepEqual(failed, []);
        assert.equal(Object.keys((await store.getRun(mine.id))!.params).length, 40);
        assert.equal(Object.keys((await store.getRun(theirs.id))!.params).length, 40);
      });

      it('of 12 concurrent batches setting one param to different values, exactly one wins', async () => {
        const r = await run(await experiment());
        const results = await Promise.allSettled(
          Array.from({ length: 12 }, (_, i) => log(r.id, { params: [{ key: 'seed', value: String(i) }], metrics: [{ key: `m${i}`, value: i, step: 0 }] })),
        );
        const won = results.flatMap((result, i) => (result.status === 'fulfilled' ? [i] : []));
        assert.equal(won.length, 1);
        for (const result of results) {
          if (result.status === 'rejected') assert.equal((result.reason as { code?: string }).code, 'PARAM_CONFLICT');
        }
        const loaded = await store.getRun(r.id);
        assert.deepEqual(loaded?.params, { seed: String(won[0]) });
        assert.deepEqual(Object.keys(loaded?.metrics ?? {}), [`m${won[0]}`]);
      });

      it('an ended run refuses metrics and params (RUN_NOT_ACTIVE) but takes tags; a missing run is RUN_NOT_FOUND', async () => {
        const r = await run(await experiment());
        await update(r.id, { status: 'FAILED' });
        await rejectsWith(log(r.id, { metrics: [{ key: 'loss', value: 1, step: 0 }] }), 'RUN_NOT_ACTIVE');
        await rejectsWith(log(r.id, { params: [{ key: 'a', value: 'b' }] }), 'RUN_NOT_ACTIVE');
        await log(r.id, { tags: [{ key: 'note', value: 'oom' }] });
        assert.deepEqual((await store.getRun(r.id))?.tags, { note: 'oom' });
        await rejectsWith(log('missing', { metrics: [{ key: 'loss', value: 1, step: 0 }] }), 'RUN_NOT_FOUND');
        await rejectsWith(log('missing', {}), 'RUN_NOT_FOUND');
      });

      it('tags are last-write-wins', async () => {
        const r = await run(await experiment(), { tags: { stage: 'a' } });
        await log(r.id, { tags: [{ key: 'stage', value: 'b' }, { key: 'x', value: 'y' }] });
        assert.deepEqual((await store.getRun(r.id))?.tags, { stage: 'b', x: 'y' });
      });
    });

    describe('search', () => {
      let exp: Experiment;
      let other: Experiment;
      const runs: Run[] = [];

      before(async () => {
        exp = await experiment();
        other = await experiment();
        for (let i = 0; i < 30; i += 1) {
          const r = await run(exp, { name: `run-${i}`, startTime: NOW + i, tags: { team: i % 2 === 0 ? 'mail' : 'web' } });
          const metrics = i % 10 === 9 ? [] : [{ key: 'eval_f1', value: i / 100, step: 0 }];
          await log(r.id, { params: [{ key: 'lr', value: i % 3 === 0 ? '0.1' : '0.01' }], metrics: [...metrics, { key: 'loss', value: 1 - i / 100, step: 0 }] });
          if (i % 5 === 0) await update(r.id, { status: 'FINISHED' });
          runs.push(r);
        }
        await run(other, { name: 'elsewhere', tags: { team: 'mail' } });
      });

      const names = (page: { runs: readonly Run[] }): string[] => page.runs.map((r) => r.name);

      it('filters by metric, param, tag and status, joined with and', async () => {
        const page = await search({ experimentIds: [exp.id], filter: `metrics.eval_f1 > 0.1 and params.lr = '0.1' and tags.team = 'mail'`, orderBy: 'start_time ASC' });
        // i ≥ 11, i % 3 == 0, even, with eval_f1 (i % 10 != 9).
        assert.deepEqual(names(page), ['run-12', 'run-18', 'run-24']);
        assert.equal(page.nextPageToken, undefined);
        const finished = await search({ experimentIds: [exp.id], filter: `status = 'FINISHED'`, orderBy: 'start_time ASC' });
        assert.deepEqual(names(finished), ['run-0', 'run-5', 'run-10', 'run-15', 'run-20', 'run-25']);
        const notMail = await search({ experimentIds: [exp.id], filter: `tags.team != 'mail' and metrics.loss <= 0.75`, orderBy: 'start_time ASC' });
        assert.deepEqual(names(notMail), ['run-25', 'run-27', 'run-29']);
        const first = await search({ experimentIds: [exp.id], filter: `params.lr = '0.1' and status != 'FINISHED' and start_time >= ${NOW + 20}`, orderBy: 'start_time ASC' });
        assert.deepEqual(names(first), ['run-21', 'run-24', 'run-27']);
        const byName = await search({ filter: `name = 'elsewhere'` });
        assert.deepEqual(names(byName), ['elsewhere']);
      });

      it('returned runs carry params, tags and latest metrics', async () => {
        const page = await search({ experimentIds: [exp.id], filter: `name = 'run-3'` });
        const found = page.runs[0];
        assert.ok(found);
        assert.deepEqual(found.params, { lr: '0.1' });
        assert.deepEqual(found.tags, { team: 'web' });
        assert.equal(found.metrics.eval_f1?.value, 0.03);
        assert.equal(found.metrics.loss?.value, 0.97);
      });

      it('orders by a metric either way, runs without it last', async () => {
        const desc = await search({ experimentIds: [exp.id], orderBy: 'metrics.eval_f1 DESC', limit: 100 });
        const expectedDesc = [...runs.keys()].filter((i) => i % 10 !== 9).sort((a, b) => b - a);
        assert.deepEqual(names(desc).slice(0, 27), expectedDesc.map((i) => `run-${i}`));
        // The three without eval_f1 come last, newest first.
        assert.deepEqual(names(desc).slice(27), ['run-29', 'run-19', 'run-9']);
        const asc = await search({ experimentIds: [exp.id], orderBy: 'metrics.eval_f1 ASC', limit: 100 });
        assert.deepEqual(names(asc).slice(0, 3), ['run-0', 'run-1', 'run-2']);
        assert.deepEqual(names(asc).slice(27), ['run-29', 'run-19', 'run-9']);
        // Ordered by the metric a filter clause already requires (the indexed path), paged.
        const filteredDesc = await search({ experimentIds: [exp.id], filter: `metrics.eval_f1 >= 0.1 and params.lr = '0.01'`, orderBy: 'metrics.eval_f1 DESC', limit: 5 });
        const expectedFiltered = [...runs.keys()].filter((i) => i % 10 !== 9 && i >= 10 && i % 3 !== 0).sort((a, b) => b - a);
        assert.deepEqual(names(filteredDesc), expectedFiltered.slice(0, 5).map((i) => `run-${i}`));
        const filteredNext = await search({ experimentIds: [exp.id], filter: `metrics.eval_f1 >= 0.1 and params.lr = '0.01'`, orderBy: 'metrics.eval_f1 DESC', limit: 5, pageToken: filteredDesc.nextPageToken });
        assert.deepEqual(names(filteredNext), expectedFiltered.slice(5, 10).map((i) => `run-${i}`));
        const filteredAsc = await search({ experimentIds: [exp.id], filter: 'metrics.eval_f1 < 0.05', orderBy: 'metrics.eval_f1 ASC' });
        assert.deepEqual(names(filteredAsc), ['run-0', 'run-1', 'run-2', 'run-3', 'run-4']);
        const newest = await search({ experimentIds: [exp.id], limit: 2 });
        assert.deepEqual(names(newest), ['run-29', 'run-28']);
      });

      it('pages through the results with tokens, without gaps or repeats', async () => {
        const seen: string[] = [];
        let token: string | undefined;
        let pages = 0;
        do {
          const page = await search({ experimentIds: [exp.id], orderBy: 'metrics.loss ASC', limit: 7, pageToken: token });
          seen.push(...names(page));
          token = page.nextPageToken;
          pages += 1;
        } while (token !== undefined);
        assert.equal(pages, 5);
        assert.deepEqual(
          seen,
          [...runs.keys()].sort((a, b) => b - a).map((i) => `run-${i}`),
        );
      });

      it('without experiment ids searches every experiment', async () => {
        const page = await search({ filter: `tags.team = 'mail'`, limit: 5_000 });
        assert.ok(names(page).includes('elsewhere'));
        const scoped = await search({ experimentIds: [other.id] });
        assert.deepEqual(names(scoped), ['elsewhere']);
      });
    });

    describe('delete', () => {
      it('removes the run with its params, tags and history; a second delete is false', async () => {
        const e = await experiment();
        const r = await run(e, { tags: { a: 'b' } });
        await log(r.id, { params: [{ key: 'lr', value: '1' }], metrics: [{ key: 'loss', value: 1, step: 0 }] });
        assert.equal(await store.deleteRun(r.id), true);
        assert.equal(await store.getRun(r.id), undefined);
        assert.deepEqual(await store.getMetricHistory(r.id, 'loss', 0, 10), []);
        assert.equal(await store.deleteRun(r.id), false);
        await rejectsWith(log(r.id, { metrics: [{ key: 'loss', value: 1, step: 0 }] }), 'RUN_NOT_FOUND');
        const page = await search({ experimentIds: [e.id] });
        assert.deepEqual(page.runs, []);
        // A new run with the same param key is unaffected by the deleted one.
        const again = await run(e);
        await log(again.id, { params: [{ key: 'lr', value: '2' }] });
        assert.deepEqual((await store.getRun(again.id))?.params, { lr: '2' });
      });
    });
  });
}
