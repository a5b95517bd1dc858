import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WardenError, type ErrorCode } from '../../src/domain/errors.js';
import { newExperiment, validateExperimentName } from '../../src/domain/tracking/experiment.js';
import { assertParamsWriteOnce, isLaterPoint, latestPerKey, LOG_BATCH_LIMITS, validateLogBatch, validateMetric } from '../../src/domain/tracking/run-data.js';
import { assertRunAcceptsData, canMoveRun, newRun, planRunResume, planRunUpdate, RUN_STATUSES, validateResourceUsage, type RunInfo } from '../../src/domain/tracking/run.js';
import { decodeOffsetToken, encodeOffsetToken, nextPageToken, parseRunFilter, parseRunOrder, parseRunSearch } from '../../src/domain/tracking/run-search.js';

const NOW = 1_700_000_000_000;

function throwsWith(fn: () => unknown, code: ErrorCode, field?: string, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof WardenError, String(error));
    assert.equal(error.code, code);
    if (field !== undefined) assert.equal(error.field, field);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  });
}

const running: RunInfo = { id: 'run1', experimentId: 'e1', name: 'r', status: 'RUNNING', startTime: NOW, endTime: null, resourceUsage: null };

describe('experiments', () => {
  it('accepts letters, digits, . _ - and refuses anything else', () => {
    assert.equal(validateExperimentName('spam-detector_v2.1'), 'spam-detector_v2.1');
    for (const bad of ['', '-lead', 'has space', 'a/b', '../x', 'x'.repeat(129), 42]) throwsWith(() => validateExperimentName(bad), 'VALIDATION_FAILED', 'name');
  });

  it('builds an experiment with validated tags', () => {
    assert.deepEqual(newExperiment({ name: 'e', tags: { team: 'mail' } }, 'id1', NOW), { id: 'id1', name: 'e', description: '', tags: { team: 'mail' }, createdAt: NOW });
    throwsWith(() => newExperiment({ name: 'e', tags: { 'bad key': 'x' } }, 'id1', NOW), 'VALIDATION_FAILED', 'tags[0].key');
    throwsWith(() => newExperiment({ name: 'e', description: 5 }, 'id1', NOW), 'VALIDATION_FAILED', 'description');
  });
});

describe('run status', () => {
  it('moves RUNNING to an end once; an ended run never moves again; same status is a no-op', () => {
    assert.deepEqual([...RUN_STATUSES], ['RUNNING', 'FINISHED', 'FAILED', 'KILLED']);
    for (const to of ['FINISHED', 'FAILED', 'KILLED'] as const) {
      assert.equal(canMoveRun('RUNNING', to), true);
      assert.equal(canMoveRun(to, 'RUNNING'), false);
      assert.equal(canMoveRun(to, to), true);
    }
    assert.equal(canMoveRun('FINISHED', 'FAILED'), false);
  });

  it('ending stamps the end time (now, or given, never before start)', () => {
    assert.deepEqual(planRunUpdate(running, { status: 'FINISHED' }, NOW + 10), { expectedStatus: 'RUNNING', changes: { status: 'FINISHED', endTime: NOW + 10 } });
    assert.deepEqual(planRunUpdate(running, { status: 'KILLED', endTime: NOW + 3 }, NOW + 10).changes, { status: 'KILLED', endTime: NOW + 3 });
    throwsWith(() => planRunUpdate(running, { status: 'FAILED', endTime: NOW - 1 }, NOW + 10), 'VALIDATION_FAILED', 'endTime');
    throwsWith(() => planRunUpdate(running, { endTime: NOW + 5 }, NOW + 10), 'VALIDATION_FAILED', 'endTime');
    throwsWith(() => planRunUpdate(running, { status: 'DONE' }, NOW), 'VALIDATION_FAILED', 'status');
    assert.deepEqual(planRunUpdate(running, { status: 'RUNNING' }, NOW).changes, {});
  });

  it('an ended run refuses a new status (RUN_NOT_ACTIVE) but can be renamed and given resource usage', () => {
    const ended: RunInfo = { ...running, status: 'FINISHED', endTime: NOW + 1 };
    throwsWith(() => planRunUpdate(ended, { status: 'FAILED' }, NOW), 'RUN_NOT_ACTIVE', 'status');
    const usage = { cpuSeconds: 1, peakRssBytes: 2, wallSeconds: 3 };
    assert.deepEqual(planRunUpdate(ended, { name: ' renamed ', resourceUsage: usage }, NOW).changes, { name: 'renamed', resourceUsage: usage });
  });

  it('only a KILLED run is resumed (by its job\'s next attempt): back to RUNNING, end time cleared', () => {
    assert.deepEqual(planRunResume({ ...running, status: 'KILLED', endTime: NOW + 1 }), { expectedStatus: 'KILLED', changes: { status: 'RUNNING', endTime: null } });
    assert.deepEqual(planRunResume(running), { expectedStatus: 'RUNNING', changes: {} });
    throwsWith(() => planRunResume({ ...running, status: 'FINISHED', endTime: NOW + 1 }), 'RUN_NOT_ACTIVE', 'status');
    throwsWith(() => planRunResume({ ...running, status: 'FAILED', endTime: NOW + 1 }), 'RUN_NOT_ACTIVE', 'status');
  });

  it('validates resource usage, GPU figures optional', () => {
    assert.deepEqual(validateResourceUsage({ cpuSeconds: 1, peakRssBytes: 2, wallSeconds: 3, gpuUtilizationPct: 50 }), {
      cpuSeconds: 1,
      peakRssBytes: 2,
      wallSeconds: 3,
      gpuUtilizationPct: 50,
    });
    throwsWith(() => validateResourceUsage({ cpuSeconds: 1, peakRssBytes: 2 }), 'VALIDATION_FAILED', 'resourceUsage.wallSeconds');
    throwsWith(() => validateResourceUsage({ cpuSeconds: -1, peakRssBytes: 2, wallSeconds: 3 }), 'VALIDATION_FAILED', 'resourceUsage.cpuSeconds');
    throwsWith(() => validateResourceUsage({ cpuSeconds: 1, peakRssBytes: 2, wallSeconds: 3, gpuUtilizationPct: 101 }), 'VALIDATION_FAILED', 'resourceUsage.gpuUtilizationPct');
  });

  it('new runs start RUNNING with a default name; only a running run accepts metrics and params', () => {
    const run = newRun({}, newExperiment({ name: 'e' }, 'e1', NOW), 'abcdefghijkl', NOW);
    assert.equal(run.info.status, 'RUNNING');
    assert.equal(run.info.name, 'run-efghijkl');
    assert.equal(run.info.startTime, NOW);
    throwsWith(() => newRun({ name: '' }, newExperiment({ name: 'e' }, 'e1', NOW), 'x', NOW), 'VALIDATION_FAILED', 'name');
    assertRunAcceptsData(running, { metrics: 1, params: 1 });
    assertRunAcceptsData({ ...running, status: 'KILLED' }, { metrics: 0, params: 0 });
    throwsWith(() => assertRunAcceptsData({ ...running, status: 'KILLED' }, { metrics: 1, params: 0 }), 'RUN_NOT_ACTIVE');
  });
});

describe('metrics, params and batches', () => {
  it('a metric has a finite value, a whole step ≥ 0 and a ms timestamp (default now)', () => {
    assert.deepEqual(validateMetric({ key: 'eval/f1', value: 0.5 }, 'm', NOW), { key: 'eval/f1', value: 0.5, step: 0, timestamp: NOW });
    throwsWith(() => validateMetric({ key: 'a', value: Number.NaN }, 'm', NOW), 'VALIDATION_FAILED', 'm.value');
    throwsWith(() => validateMetric({ key: 'a', value: Number.POSITIVE_INFINITY }, 'm', NOW), 'VALIDATION_FAILED', 'm.value');
    throwsWith(() => validateMetric({ key: 'a', value: '1' }, 'm', NOW), 'VALIDATION_FAILED', 'm.value');
    throwsWith(() => validateMetric({ key: 'a', value: 1, step: 1.5 }, 'm', NOW), 'VALIDATION_FAILED', 'm.step');
    throwsWith(() => validateMetric({ key: 'a', value: 1, step: -1 }, 'm', NOW), 'VALIDATION_FAILED', 'm.step');
    throwsWith(() => validateMetric({ key: 'a', value: 1, timestamp: -5 }, 'm', NOW), 'VALIDATION_FAILED', 'm.timestamp');
    throwsWith(() => validateMetric({ key: 'a b', value: 1 }, 'm', NOW), 'VALIDATION_FAILED', 'm.key');
    throwsWith(() => validateMetric({ key: '', value: 1 }, 'm', NOW), 'VALIDATION_FAILED', 'm.key');
  });

  it('validates a batch whole: limits, then each entry by position', () => {
    const ok = validateLogBatch({ metrics: [{ key: 'a', value: 1, step: 0 }], params: [{ key: 'lr', value: '0.1' }, { key: 'lr', value: '0.1' }], tags: [{ key: 't', value: 'x' }, { key: 't', value: 'y' }] }, NOW);
    assert.deepEqual(ok.params, [{ key: 'lr', value: '0.1' }]);
    assert.deepEqual(ok.tags, [{ key: 't', value: 'y' }]);
    const metrics = Array.from({ length: LOG_BATCH_LIMITS.metrics + 1 }, () => ({ key: 'a', value: 1 }));
    throwsWith(() => validateLogBatch({ metrics }, NOW), 'VALIDATION_FAILED', 'metrics', /1001 entries; at most 1000/);
    const params = Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'x' }));
    throwsWith(() => validateLogBatch({ params }, NOW), 'VALIDATION_FAILED', 'params');
    const tags = Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: 'x' }));
    throwsWith(() => validateLogBatch({ tags }, NOW), 'VALIDATION_FAILED', 'tags');
    throwsWith(() => validateLogBatch({ metrics: [{ key: 'a', value: 1 }, { key: 'b', value: 'x' }] }, NOW), 'VALIDATION_FAILED', 'metrics[1].value');
    throwsWith(() => validateLogBatch({ metrics: 'nope' }, NOW), 'VALIDATION_FAILED', 'metrics');
    throwsWith(() => validateLogBatch({ params: [{ key: 'lr', value: '1' }, { key: 'lr', value: '2' }] }, NOW), 'PARAM_CONFLICT', 'params[1].value');
    assert.equal(validateLogBatch({ metrics: metrics.slice(0, LOG_BATCH_LIMITS.metrics) }, NOW).metrics.length, 1000);
  });

  it('params are write-once: same value passes, a different one is PARAM_CONFLICT naming the key', () => {
    const stored = new Map([['lr', '0.1']]);
    assertParamsWriteOnce([{ key: 'lr', value: '0.1' }, { key: 'new', value: 'x' }], stored);
    throwsWith(() => assertParamsWriteOnce([{ key: 'lr', value: '0.2' }], stored), 'PARAM_CONFLICT', undefined, /param "lr" is already "0.1"/);
  });

  it('the latest point is the highest step, then the latest timestamp, then the largest value', () => {
    const p = (step: number, timestamp: number, value: number) => ({ key: 'k', step, timestamp, value });
    assert.equal(isLaterPoint(p(2, 0, 0), p(1, 9, 9)), true);
    assert.equal(isLaterPoint(p(1, 5, 0), p(1, 4, 9)), true);
    assert.equal(isLaterPoint(p(1, 5, 2), p(1, 5, 1)), true);
    assert.equal(isLaterPoint(p(1, 5, 1), p(1, 5, 1)), false);
    assert.deepEqual(latestPerKey([p(1, 0, 1), { ...p(0, 0, 5), key: 'j' }, p(3, 0, 2), p(2, 9, 3)]), [p(3, 0, 2), { ...p(0, 0, 5), key: 'j' }]);
  });
});

describe('run search', () => {
  it('parses metrics, params, tags and attributes joined with and', () => {
    assert.deepEqual(parseRunFilter(`params.lr = '0.1' and metrics.eval_f1 > 0.9 AND tags.team = "x" and status = 'FINISHED'`), [
      { kind: 'param', key: 'lr', op: '=', value: '0.1' },
      { kind: 'metric', key: 'eval_f1', op: '>', value: 0.9 },
      { kind: 'tag', key: 'team', op: '=', value: 'x' },
      { kind: 'status', op: '=', value: 'FINISHED' },
    ]);
    assert.deepEqual(parseRunFilter('metrics.eval.f1>=-1e-3 and metrics.`f1 score` != 2 and start_time < 5 and attributes.name != \'it\'\'s\''), [
      { kind: 'metric', key: 'eval.f1', op: '>=', value: -0.001 },
      { kind: 'metric', key: 'f1 score', op: '!=', value: 2 },
      { kind: 'start_time', op: '<', value: 5 },
      { kind: 'name', op: '!=', value: "it's" },
    ]);
    assert.deepEqual(parseRunFilter('   '), []);
    assert.deepEqual(parseRunFilter(undefined), []);
  });

  it('names the position and the problem in a bad filter', () => {
    throwsWith(() => parseRunFilter('metrics.f1 >'), 'VALIDATION_FAILED', 'filter', /at character 13: expected a value after metrics.f1 >/);
    throwsWith(() => parseRunFilter("metrics.f1 > 'high'"), 'VALIDATION_FAILED', 'filter', /at character 14: metrics.f1 compares numbers/);
    throwsWith(() => parseRunFilter('params.lr = 0.1'), 'VALIDATION_FAILED', 'filter', /at character 13: .*put the value in quotes/);
    throwsWith(() => parseRunFilter("params.lr > '1'"), 'VALIDATION_FAILED', 'filter', /only = and != are allowed/);
    throwsWith(() => parseRunFilter("status = 'DONE'"), 'VALIDATION_FAILED', 'filter', /at character 10: status 'DONE' is not one of RUNNING/);
    throwsWith(() => parseRunFilter('metrics.a > 1 or metrics.b > 2'), 'VALIDATION_FAILED', 'filter', /at character 15: expected 'and'.*only and is supported/);
    throwsWith(() => parseRunFilter('colour = 1'), 'VALIDATION_FAILED', 'filter', /at character 1: unknown field 'colour'/);
    throwsWith(() => parseRunFilter("tags.team = 'x"), 'VALIDATION_FAILED', 'filter', /at character 13: the quote ' is never closed/);
    throwsWith(() => parseRunFilter('metrics.a ; 1'), 'VALIDATION_FAILED', 'filter', /unexpected character ';'/);
  });

  it('parses the order: a metric or a time, with a direction', () => {
    assert.deepEqual(parseRunOrder('metrics.eval_f1 DESC'), { kind: 'metric', key: 'eval_f1', direction: 'DESC' });
    assert.deepEqual(parseRunOrder('metrics.loss asc'), { kind: 'metric', key: 'loss', direction: 'ASC' });
    assert.deepEqual(parseRunOrder('start_time'), { kind: 'start_time', direction: 'DESC' });
    assert.deepEqual(parseRunOrder(undefined), { kind: 'start_time', direction: 'DESC' });
    throwsWith(() => parseRunOrder('metrics.f1 sideways'), 'VALIDATION_FAILED', 'order_by', /at character 12: expected ASC or DESC/);
    throwsWith(() => parseRunOrder('params.lr'), 'VALIDATION_FAILED', 'order_by');
    throwsWith(() => parseRunOrder('status'), 'VALIDATION_FAILED', 'order_by');
  });

  it('page tokens continue only the search that made them', () => {
    const query = parseRunSearch({ filter: 'metrics.f1 > 0.5', orderBy: 'metrics.f1 DESC', limit: 10 });
    assert.equal(nextPageToken(query, 10), undefined);
    const token = nextPageToken(query, 11);
    assert.ok(token);
    assert.equal(parseRunSearch({ filter: 'metrics.f1 > 0.5', orderBy: 'metrics.f1 DESC', limit: 10, pageToken: token }).offset, 10);
    throwsWith(() => parseRunSearch({ filter: 'metrics.f1 > 0.6', orderBy: 'metrics.f1 DESC', pageToken: token }), 'VALIDATION_FAILED', 'page_token');
    throwsWith(() => parseRunSearch({ pageToken: 'garbage!' }), 'VALIDATION_FAILED', 'page_token');
    throwsWith(() => parseRunSearch({ limit: 0 }), 'VALIDATION_FAILED', 'limit');
    throwsWith(() => parseRunSearch({ limit: 5001 }), 'VALIDATION_FAILED', 'limit');
    assert.equal(decodeOffsetToken(encodeOffsetToken(40, 'history:r1:loss'), 'history:r1:loss'), 40);
    throwsWith(() => decodeOffsetToken(encodeOffsetToken(40, 'history:r1:loss'), 'history:r2:loss'), 'VALIDATION_FAILED', 'page_token');
  });
});
