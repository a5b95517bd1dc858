/**
 * ComparisonService through the real platform on SQLite and PostgreSQL: models trained here
 * on a small synthetic corpus, compared on the rows both held out, on a named dataset, or
 * (without such rows) by their recorded metrics with no winner.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WardenError } from '../../src/domain/errors.js';
import { mcnemar } from '../../src/domain/evaluation/index.js';
import { ComparisonService, type ModelComparison } from '../../src/services/comparison-service.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { STORE_KINDS } from '../support/stores.js';
import { SMALL_FEATURES, syntheticRows, waitForJob } from '../support/training.js';

const actor = { name: 'test' };

function isCode(code: string, field?: string) {
  return (error: unknown) => error instanceof WardenError && error.code === code && (field === undefined || error.field === field);
}

const metric = (c: ModelComparison, key: string) => {
  const row = c.metrics.find((m) => m.metric === key);
  assert.ok(row, `metric ${key} in ${c.metrics.map((m) => m.metric).join(', ')}`);
  return row;
};

/** Invariants every scored comparison keeps, whatever the rows. */
function checkScored(c: ModelComparison): void {
  assert.equal(c.sameRows, true);
  assert.ok(c.paired !== null && c.flips !== null);
  const { counts, mcnemar: test } = c.paired;
  assert.equal(counts.rows, c.rows.count);
  assert.equal(counts.bothRight + counts.onlyARight + counts.onlyBRight + counts.bothWrong, c.rows.count);
  assert.deepEqual(test, mcnemar(counts.onlyARight, counts.onlyBRight));
  const accuracy = metric(c, 'accuracy');
  assert.ok(Math.abs(accuracy.a! - (counts.bothRight + counts.onlyARight) / counts.rows) < 1e-12);
  assert.ok(Math.abs(accuracy.b! - (counts.bothRight + counts.onlyBRight) / counts.rows) < 1e-12);
  assert.ok(accuracy.ci !== null && accuracy.ci.lower <= accuracy.delta! && accuracy.delta! <= accuracy.ci.upper);
  assert.equal(metric(c, 'rows').a, c.rows.count);
  for (const m of c.metrics) if (m.direction === 'none') assert.equal(m.winner, null, `${m.metric} is not won`);
  for (const f of c.flips.onlyARight) assert.ok(f.a.label === f.label && f.b.label !== f.label, `row ${f.row}: only a is right`);
  for (const f of c.flips.onlyBRight) assert.ok(f.b.label === f.label && f.a.label !== f.label, `row ${f.row}: only b is right`);
  assert.equal(c.flips.onlyARight.length, Math.min(5, counts.onlyARight));
  assert.equal(c.flips.onlyBRight.length, Math.min(5, counts.onlyBRight));
}

for (const kind of STORE_KINDS)
describe(`ComparisonService on ${kind}`, () => {
  let p: TestPlatform;

  before(async () => {
    p = await openTestPlatform(kind, { WARDEN_WORKER_CONCURRENCY: '1' });
    const { datasets, training, jobs, registry } = p.services;
    await datasets.registerRows(syntheticRows(300), { name: 'synth', origin: 'upload' });
    await datasets.registerRows(syntheticRows(200, 7), { name: 'synth-b', origin: 'upload' });
    // What cmp-mix trains on (synth then synth-b, merged), as a dataset the tests can split.
    await datasets.merge('synth-mixed', [{ name: 'synth', version: 1 }, { name: 'synth-b', version: 1 }]);
    // A long text, to see flipped examples truncated.
    await datasets.registerRows(
      [...syntheticRows(120, 11), { text: `free cash prize ${'lorem ipsum '.repeat(60)}`, label: 0 }],
      { name: 'probe', origin: 'upload' },
    );
    const train = async (model: string, family: string, names: string[], recipe: Record<string, unknown> = {}) => {
      const job = await waitForJob(jobs, (await training.enqueueTraining({ model, family, dataset: { datasets: names }, recipe: { featurizer: SMALL_FEATURES, ...recipe }, task: 'spam' }, actor)).id);
      assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
    };
    await train('cmp-lr', 'lr', ['synth'], { hyperParameters: { epochs: 3 } });
    await train('cmp-nb', 'nb', ['synth']);
    await train('cmp-mix', 'lr', ['synth', 'synth-b'], { hyperParameters: { epochs: 3 } });
    await train('cmp-seed', 'nb', ['synth'], { split: { seed: 7, test: 0.2, validation: 0.1 } });
    await train('cmp-b', 'nb', ['synth-b']);
    await registry.createModel({ name: 'cmp-hand', task: 'spam' }, actor);
    await registry.registerVersion('cmp-hand', { metrics: { eval_accuracy: 0.5, eval_f1: 0.4, eval_docs_per_second: 9 } }, actor);
  });
  after(async () => p.close());

  it('two models trained on the same data and split: scored on the same held-out rows, reproducing their eval metrics', async () => {
    const { comparison, registry } = p.services;
    const c = await comparison.compare({ a: 'cmp-lr@v1.0', b: 'cmp-nb@v1.0' });
    assert.equal(c.relation, 'different-models');
    assert.deepEqual([c.a.model, c.a.semver, c.b.model, c.b.semver], ['cmp-lr', 'v1.0', 'cmp-nb', 'v1.0']);
    assert.equal(c.rows.source, 'held-out');
    checkScored(c);
    // The rebuilt held-out rows are the very rows the training evaluated on.
    const [lr, nb] = [await registry.getVersion('cmp-lr', 1), await registry.getVersion('cmp-nb', 1)];
    assert.equal(c.rows.count, lr.metrics.eval_rows);
    for (const key of ['accuracy', 'f1', 'roc_auc', 'fp', 'fn']) {
      assert.ok(Math.abs(metric(c, key).a! - lr.metrics[`eval_${key}`]!) < 1e-9, `a ${key}`);
      assert.ok(Math.abs(metric(c, key).b! - nb.metrics[`eval_${key}`]!) < 1e-9, `b ${key}`);
    }
    assert.equal(metric(c, 'fp').direction, 'lower');
    assert.equal(metric(c, 'threshold').winner, null);
  });

  it('the same-model form still works, with the lineage relation', async () => {
    const { comparison, training, jobs } = p.services;
    const retrain = await waitForJob(jobs, (await training.enqueueRetrain('cmp-lr', actor)).id);
    assert.equal(retrain.state, 'succeeded', JSON.stringify(retrain.error));
    const c = await comparison.compare({ model: 'cmp-lr', a: '1', b: 'v1.1' });
    assert.equal(c.relation, 'ancestor');
    assert.equal(c.rows.source, 'held-out');
    checkScored(c);
    // The retrain on unchanged data made the same artifact: it is loaded (and scored) once, and agrees with itself on every row.
    const [v1, v2] = await Promise.all([p.services.registry.getVersion('cmp-lr', 1), p.services.registry.getVersion('cmp-lr', 2)]);
    assert.equal(v2.artifactDigest, v1.artifactDigest);
    const loads: string[] = [];
    const counting = new ComparisonService({ ...p.services, models: { loadByDigest: (digest) => (loads.push(digest), p.services.models.loadByDigest(digest)) } });
    const fresh = await counting.compare({ model: 'cmp-lr', a: '1', b: 'v1.1' });
    assert.deepEqual(loads, [v1.artifactDigest]);
    assert.equal(fresh.paired!.counts.onlyARight + fresh.paired!.counts.onlyBRight, 0);
    assert.deepEqual(fresh.metrics, c.metrics);
    // Asked again after v1.1 changed stage: the same scores (versions never change), the stage as it is now.
    await p.services.registry.archive('cmp-lr', 2, actor, 'compared and set aside');
    const again = await comparison.compare({ model: 'cmp-lr', a: '1', b: 'v1.1' });
    assert.equal(again.b.stage, 'Archived');
    assert.notEqual(c.b.stage, 'Archived');
    const { a: _a, b: _b, ...scores } = again;
    const { a: _a0, b: _b0, ...before } = c;
    assert.deepEqual(scores, before);
  });

  it('versions trained on different data are scored only on the held-out rows neither trained on', async () => {
    const { comparison, datasets } = p.services;
    // The splits as the trainings made them (default split spec), rebuilt through DatasetService.
    const [lrSplit, mixSplit, bSplit] = await Promise.all([datasets.split('synth', 1), datasets.split('synth-mixed', 1), datasets.split('synth-b', 1)]);
    const key = (r: { text: string; label: number }) => `${r.label}:${r.text}`;
    const expectedRows = (x: typeof lrSplit, y: typeof lrSplit) => {
      const seen = new Set([...x.train, ...x.validation, ...y.train, ...y.validation].map(key));
      return new Set([...x.test, ...y.test].map(key).filter((k) => !seen.has(k)));
    };

    const mixed = await comparison.compare({ a: 'cmp-lr@v1.0', b: 'cmp-mix@v1.0', flips: 50 });
    const expected = expectedRows(lrSplit, mixSplit);
    assert.ok(expected.size > 0);
    assert.equal(mixed.rows.source, 'held-out');
    assert.equal(mixed.rows.count, expected.size);
    assert.match(mixed.note, /neither version trained on/);
    checkScoredWithFlips(mixed, 50);
    for (const f of [...mixed.flips!.onlyARight, ...mixed.flips!.onlyBRight]) assert.ok(expected.has(`${f.label}:${f.text}`), `flipped row ${f.row} is held out by both`);

    // Disjoint data: each version's test rows are unseen by the other, so both sets count.
    const disjoint = await comparison.compare({ a: 'cmp-lr@v1.0', b: 'cmp-b@v1.0' });
    assert.equal(disjoint.rows.count, expectedRows(lrSplit, bSplit).size);
    assert.equal(disjoint.rows.count, lrSplit.test.length + bSplit.test.length);
    checkScored(disjoint);
  });

  it('scores both on a named dataset, with truncated flipped examples', async () => {
    const c = await p.services.comparison.compare({ a: 'cmp-lr@v1.0', b: 'cmp-seed@v1.0', dataset: 'probe@1', flips: 50 });
    assert.equal(c.rows.source, 'dataset');
    assert.equal(c.rows.count, 121);
    assert.equal(c.rows.dataset?.name, 'probe');
    assert.equal(c.rows.dataset?.version, 1);
    checkScoredWithFlips(c, 50);
    for (const f of [...c.flips!.onlyARight, ...c.flips!.onlyBRight]) assert.ok(f.text.length <= 200, `flip text of ${f.text.length} characters`);
    assert.equal(c.rows.excluded, 0);
    assert.match(c.note, /all 121 rows of dataset probe v1/);
    const latest = await p.services.comparison.compare({ a: 'cmp-lr@v1.0', b: 'cmp-seed@v1.0', dataset: 'probe', flips: 0 });
    assert.equal(latest.rows.count, 121);
    assert.deepEqual(latest.flips, { onlyARight: [], onlyBRight: [] });
  });

  it('on a named dataset, leaves out the rows either version trained on', async () => {
    const { comparison, datasets } = p.services;
    // Both trained on synth with the default split: only its test rows are fair to score.
    const split = await datasets.split('synth', 1);
    const c = await comparison.compare({ a: 'cmp-lr@v1.0', b: 'cmp-nb@v1.0', dataset: 'synth' });
    assert.equal(c.rows.source, 'dataset');
    assert.equal(c.rows.count, split.test.length);
    assert.equal(c.rows.excluded, 300 - split.test.length);
    assert.match(c.note, new RegExp(`${split.test.length} of the 300 rows of dataset synth v1, leaving out ${300 - split.test.length}`));
    checkScored(c);
    // Rows neither trained on are all kept; rows one of them trained on are left out.
    const unseen = await comparison.compare({ a: 'cmp-lr@v1.0', b: 'cmp-nb@v1.0', dataset: 'synth-b' });
    assert.deepEqual([unseen.rows.count, unseen.rows.excluded], [200, 0]);
    const mixed = await comparison.compare({ a: 'cmp-mix@v1.0', b: 'cmp-b@v1.0', dataset: 'synth-b' });
    const [bSplit, mixSplit] = [await datasets.split('synth-b', 1), await datasets.split('synth-mixed', 1)];
    const seen = new Set([...bSplit.train, ...bSplit.validation, ...mixSplit.train, ...mixSplit.validation].map((r) => `${r.label}:${r.text}`));
    const rowsB = await datasets.readRows('synth-b', 1);
    assert.equal(mixed.rows.count, rowsB.filter((r) => !seen.has(`${r.label}:${r.text}`)).length);
  });

  it('without rows in common and without a dataset: recorded metrics, sameRows false, no winner, says to pass dataset', async () => {
    const c = await p.services.comparison.compare({ a: 'cmp-hand@v1.0', b: 'cmp-lr@v1.0' });
    assert.equal(c.sameRows, false);
    assert.equal(c.rows.source, 'recorded');
    assert.equal(c.paired, null);
    assert.equal(c.flips, null);
    assert.match(c.note, /cmp-hand v1\.0 has no model artifact.*dataset=/);
    assert.ok(c.metrics.every((m) => m.winner === null));
    assert.deepEqual(c.wins, { a: 0, b: 0, ties: 0 });
    assert.equal(metric(c, 'eval_accuracy').a, 0.5);
  });

  it('refuses what it cannot do, naming the field', async () => {
    const { comparison } = p.services;
    await assert.rejects(comparison.compare({ a: 'cmp-hand@v1.0', b: 'cmp-lr@v1.0', dataset: 'probe' }), isCode('VALIDATION_FAILED', 'a'));
    await assert.rejects(comparison.compare({ a: 'v1.0', b: 'cmp-lr@v1.0' }), isCode('VALIDATION_FAILED', 'a'));
    await assert.rejects(comparison.compare({ a: 'cmp-lr@v1.0', b: 'cmp-lr@not a version' }), isCode('VALIDATION_FAILED', 'b'));
    await assert.rejects(comparison.compare({ a: 'cmp-lr@v1.0', b: 'cmp-nb@v1.0', flips: 51 }), isCode('VALIDATION_FAILED', 'flips'));
    await assert.rejects(comparison.compare({ a: 'cmp-lr@v1.0', b: 'cmp-nb@v1.0', dataset: 'probe@zero' }), isCode('VALIDATION_FAILED', 'dataset'));
    await assert.rejects(comparison.compare({ a: 'cmp-lr@v1.0', b: 'cmp-nb@v1.0', dataset: 'nope' }), isCode('DATASET_NOT_FOUND'));
    await assert.rejects(comparison.compare({ a: 'nobody@v1.0', b: 'cmp-nb@v1.0' }), isCode('MODEL_NOT_FOUND'));
    await assert.rejects(comparison.compare({ a: 'cmp-lr@v9.0', b: 'cmp-nb@v1.0' }), isCode('VERSION_NOT_FOUND'));
  });

  it('bounds the rows one request scores', async () => {
    const small = new ComparisonService({ ...p.services, maxRows: 50 });
    await assert.rejects(small.compare({ a: 'cmp-lr@v1.0', b: 'cmp-nb@v1.0', dataset: 'probe' }), (error: unknown) => {
      assert.ok(isCode('VALIDATION_FAILED', 'dataset')(error));
      assert.match((error as Error).message, /121 rows.*at most 50/);
      return true;
    });
    // The shared held-out rows (about 60: a 20 % test split of 300) are over the bound too.
    const heldOut = (await p.services.datasets.split('synth', 1)).test.length;
    assert.ok(heldOut > 50);
    await assert.rejects(small.compare({ a: 'cmp-lr@v1.0', b: 'cmp-nb@v1.0' }), (error: unknown) => {
      assert.ok(isCode('VALIDATION_FAILED', 'dataset')(error));
      assert.match((error as Error).message, new RegExp(`shared held-out set has ${heldOut} rows`));
      return true;
    });
    // Rebuilding a split reads whole datasets: more than ten times the bound is refused before scoring.
    const tiny = new ComparisonService({ ...p.services, maxRows: 20 });
    await assert.rejects(tiny.compare({ a: 'cmp-lr@v1.0', b: 'cmp-nb@v1.0' }), (error: unknown) => {
      assert.ok(isCode('VALIDATION_FAILED', 'dataset')(error));
      assert.match((error as Error).message, /trained on 300 rows, more than 200/);
      return true;
    });
  });
});

function checkScoredWithFlips(c: ModelComparison, maxFlips: number): void {
  assert.equal(c.sameRows, true);
  const counts = c.paired!.counts;
  assert.equal(c.flips!.onlyARight.length, Math.min(maxFlips, counts.onlyARight));
  assert.equal(c.flips!.onlyBRight.length, Math.min(maxFlips, counts.onlyBRight));
}
