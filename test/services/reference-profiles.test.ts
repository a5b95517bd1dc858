import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { predict, runInTurns, trainTextClassifier } from '../../src/ml/index.js';
import { setImmediate as yieldTurn } from 'node:timers/promises';
import { buildVersionProfileSteps, parseVersionProfile } from '../../src/services/reference-profiles.js';
import type { DatasetRow } from '../../src/domain/datasets.js';
import { toyCorpus } from '../ml/toy-corpus.js';

const rowsOf = (n: number, seed: number): DatasetRow[] => {
  const corpus = toyCorpus(n, seed);
  return corpus.texts.map((text, i) => ({ text, label: corpus.labels[i] as 0 | 1 }));
};
const labelled = (rows: readonly DatasetRow[]) => ({ texts: rows.map((r) => r.text), labels: Uint8Array.from(rows, (r) => r.label) });

describe('version reference profiles', () => {
  const train = rowsOf(300, 1);
  const heldOut = rowsOf(150, 2);
  const { model } = trainTextClassifier({ family: 'logistic-regression' }, { train: labelled(train), validation: labelled(rowsOf(100, 3)) });

  it('is built a slice of rows at a time: the rows done so far rise by at most 32 between two yields', () => {
    const steps = buildVersionProfileSteps(model, train, heldOut);
    const done: number[] = [];
    let next = steps.next();
    for (; next.done !== true; next = steps.next()) done.push(next.value);
    assert.ok(done.length >= Math.floor((train.length + heldOut.length) / 32), `${done.length} yields`);
    for (let i = 0; i < done.length; i++) {
      const gap = done[i]! - (i === 0 ? 0 : done[i - 1]!);
      assert.ok(gap > 0 && gap <= 32, `gap ${gap} at yield ${i}`);
    }
    const profile = next.value;
    assert.equal(profile.rows, heldOut.length);
    const flagged = heldOut.filter((row) => predict(model, row.text).label === 1).length;
    assert.equal(profile.positiveRate, flagged / heldOut.length);
    assert.equal(profile.threshold, model.threshold);
    // What the artifact stores reads back whole.
    assert.deepEqual(parseVersionProfile(JSON.parse(JSON.stringify(profile))), JSON.parse(JSON.stringify(profile)));
  });

  it('in turns of the event loop gives the same profile, and timers run while it is built', async () => {
    const steps = buildVersionProfileSteps(model, train, heldOut);
    let whole = steps.next();
    while (whole.done !== true) whole = steps.next();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    try {
      const inTurns = await runInTurns(buildVersionProfileSteps(model, train, heldOut), new AbortController().signal, () => yieldTurn());
      assert.deepEqual(inTurns, whole.value);
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks > 0, 'a timer never ran while the profile was built');
  });

  it('stops when its job is aborted', async () => {
    const controller = new AbortController();
    const building = runInTurns(buildVersionProfileSteps(model, train, heldOut), controller.signal, () => yieldTurn());
    controller.abort(new Error('job cancelled'));
    await assert.rejects(building, /job cancelled/);
  });
});
