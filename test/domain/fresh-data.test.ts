import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  alternativeFileName,
  classifyFreshFile,
  freshDatasetName,
  isStableFile,
  planFreshVersion,
  validateDataFileName,
  validateFreshModelName,
} from '../../src/domain/fresh-data.js';
import { validateDatasetName } from '../../src/domain/datasets.js';
import { WardenError } from '../../src/domain/errors.js';

describe('fresh data rules', () => {
  it('names the fresh dataset of a model, always a valid dataset name', () => {
    assert.equal(freshDatasetName('spam-detector'), 'spam-detector-fresh');
    const longest = validateFreshModelName('m'.repeat(122));
    assert.equal(validateDatasetName(freshDatasetName(longest)), `${longest}-fresh`);
    assert.throws(() => validateFreshModelName('m'.repeat(123)), WardenError);
    assert.throws(() => validateFreshModelName('Spam Detector'), WardenError);
  });

  it('accepts plain file names only', () => {
    assert.equal(validateDataFileName('a b.jsonl'), 'a b.jsonl');
    for (const bad of ['', '.', '..', 'a/b', '..\\x', 'x\u0000', 'x\n', 'x'.repeat(256), 3]) {
      assert.throws(() => validateDataFileName(bad), (e: unknown) => e instanceof WardenError && e.field === 'file', String(bad));
    }
  });

  it('skips dotfiles and files still being written; knows formats', () => {
    for (const name of ['.hidden.jsonl', 'a.jsonl.tmp', 'a.csv.part', 'a.partial', 'a.crdownload', 'a.jsonl~', 'a.jsonl.swp', 'x.jsonl.reason.json']) {
      assert.deepEqual(classifyFreshFile(name), { kind: 'skip' }, name);
    }
    assert.deepEqual(classifyFreshFile('a.jsonl'), { kind: 'dataset', format: 'jsonl' });
    assert.deepEqual(classifyFreshFile('A.CSV'), { kind: 'dataset', format: 'csv' });
    assert.deepEqual(classifyFreshFile('notes.txt'), { kind: 'unsupported' });
  });

  it('takes a file when two scans agree or when it has been quiet long enough', () => {
    const now = 100_000;
    const snap = { size: 10, modifiedAt: now - 1000 };
    assert.equal(isStableFile(undefined, snap, now, 5000), false);
    assert.equal(isStableFile(snap, snap, now, 5000), true);
    assert.equal(isStableFile({ size: 9, modifiedAt: snap.modifiedAt }, snap, now, 5000), false);
    assert.equal(isStableFile({ size: 10, modifiedAt: snap.modifiedAt - 1 }, snap, now, 5000), false);
    assert.equal(isStableFile(undefined, { size: 10, modifiedAt: now - 5000 }, now, 5000), true);
  });

  it('numbers alternative names before the extension', () => {
    assert.equal(alternativeFileName('a.jsonl', 0), 'a.jsonl');
    assert.equal(alternativeFileName('a.jsonl', 1), 'a.1.jsonl');
    assert.equal(alternativeFileName('a.b.csv', 2), 'a.b.2.csv');
    assert.equal(alternativeFileName('noext', 3), 'noext.3');
  });

  it('announces only when some waiting file is new, and versions all waiting files in name order', () => {
    const file = (name: string, isNew: boolean) => ({ name, sha256: name.padEnd(64, '0'), rows: 1, isNew });
    assert.deepEqual(planFreshVersion([file('b.csv', false), file('a.jsonl', false)]).announce, false);
    const plan = planFreshVersion([file('b.csv', true), file('a.jsonl', false)]);
    assert.equal(plan.announce, true);
    assert.deepEqual(
      plan.files.map((f) => f.name),
      ['a.jsonl', 'b.csv'],
    );
    assert.equal(planFreshVersion([]).announce, false);
  });
});
