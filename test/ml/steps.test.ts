import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runInTurns, runToEnd } from '../../src/ml/steps.js';

function* slices(count: number, done: number[]): Generator<number, string> {
  for (let i = 1; i <= count; i++) {
    done.push(i);
    yield i;
  }
  return `${count} slices`;
}

describe('running sliced work', () => {
  it('runToEnd runs every slice at once and returns the result', () => {
    const done: number[] = [];
    assert.equal(runToEnd(slices(3, done)), '3 slices');
    assert.deepEqual(done, [1, 2, 3]);
  });

  it('runInTurns awaits a turn after each slice, so the caller runs between them', async () => {
    const done: number[] = [];
    const seenBetween: number[] = [];
    const result = await runInTurns(slices(3, done), new AbortController().signal, async () => {
      seenBetween.push(done.length);
    });
    assert.equal(result, '3 slices');
    assert.deepEqual(seenBetween, [1, 2, 3]);
  });

  it('runInTurns stops at the next slice once its signal is aborted, with the signal’s reason', async () => {
    const done: number[] = [];
    const controller = new AbortController();
    const running = runInTurns(slices(10, done), controller.signal, async () => {
      if (done.length === 2) controller.abort(new Error('job cancelled'));
    });
    await assert.rejects(running, /job cancelled/);
    assert.deepEqual(done, [1, 2]);
  });
});
