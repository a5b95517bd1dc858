import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WardenError } from '../../src/domain/errors.js';
import { heldOutByBoth, parseComparedRef, parseDatasetRef, withoutSeen } from '../../src/domain/evaluation/index.js';

const field = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    if (error instanceof WardenError) return error.field;
    throw error;
  }
  return 'no error';
};

describe('parseComparedRef', () => {
  it('reads model@version, and a bare version with the request model', () => {
    assert.deepEqual(parseComparedRef('spam-detector@v1.2', undefined, 'a'), { model: 'spam-detector', ref: { kind: 'semver', major: 1, minor: 2 }, version: 'v1.2' });
    assert.deepEqual(parseComparedRef('3', 'spam', 'b'), { model: 'spam', ref: { kind: 'number', number: 3 }, version: '3' });
    assert.deepEqual(parseComparedRef('spam-nb@champion', 'spam', 'b').model, 'spam-nb');
    assert.deepEqual(parseComparedRef('champion', 'spam', 'b').ref, { kind: 'alias', alias: 'champion' });
  });

  it('refuses a bare version without model, a bad model name or version, naming the field', () => {
    assert.equal(field(() => parseComparedRef('v1.2', undefined, 'a')), 'a');
    assert.equal(field(() => parseComparedRef('Bad Name@v1.2', undefined, 'b')), 'b');
    assert.equal(field(() => parseComparedRef('spam@', undefined, 'b')), 'b');
    assert.equal(field(() => parseComparedRef('spam@v1.x!', undefined, 'a')), 'a');
    assert.equal(field(() => parseComparedRef('', 'spam', 'a')), 'a');
  });
});

describe('parseDatasetRef', () => {
  it('reads name and name@version', () => {
    assert.deepEqual(parseDatasetRef('mail'), { name: 'mail', version: undefined });
    assert.deepEqual(parseDatasetRef('mail@12'), { name: 'mail', version: 12 });
    assert.equal(field(() => parseDatasetRef('mail@v2')), 'dataset');
    assert.equal(field(() => parseDatasetRef('mail@0')), 'dataset');
  });
});

describe('heldOutByBoth', () => {
  const r = (text: string, label = 0) => ({ text, label });
  it('keeps test rows neither side learnt from, each once, a first', () => {
    const a = { test: [r('t1'), r('t2'), r('x')], seen: [r('s1'), r('s2')] };
    const b = { test: [r('t2'), r('s1'), r('u1')], seen: [r('x'), r('t9')] };
    // t2 is in both test sets (once); s1 was in a's training; x in b's; u1 a never saw.
    assert.deepEqual(heldOutByBoth(a, b).map((row) => row.text), ['t1', 't2', 'u1']);
  });

  it('matches rows by text and label', () => {
    const a = { test: [r('same', 1)], seen: [] };
    const b = { test: [], seen: [r('same', 0)] };
    assert.deepEqual(heldOutByBoth(a, b), [r('same', 1)]);
  });

  it('the same split on both sides gives exactly the common test rows', () => {
    const split = { test: [r('t1'), r('t2')], seen: [r('s1')] };
    assert.deepEqual(heldOutByBoth(split, split), split.test);
  });
});

describe('withoutSeen', () => {
  it('drops rows found in any seen list (text and label), keeps the order, counts what it dropped', () => {
    const r = (text: string, label = 0) => ({ text, label });
    const rows = [r('a'), r('b'), r('c', 1), r('d')];
    assert.deepEqual(withoutSeen(rows, [[r('b')], [r('c', 0), r('d')]]), { kept: [r('a'), r('c', 1)], excluded: 2 });
    assert.deepEqual(withoutSeen(rows, []), { kept: rows, excluded: 0 });
  });
});
