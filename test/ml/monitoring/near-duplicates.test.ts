import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NearDuplicateWindow, estimatedJaccard, minHash, nearDuplicateShare } from '../../../src/ml/monitoring/near-duplicates.js';
import { calibrateDetector, runDetector } from '../../../src/domain/monitoring/index.js';
import { normalizeText } from '../../../src/ml/normalize.js';
import { createRng, type Rng } from '../../../src/ml/random.js';

// Ordinary mail: 12–30 words drawn from a 2,000-word vocabulary (Zipf-like), so two messages
// rarely share most words — except the stock replies, which repeat all the time.
const VOCABULARY = Array.from({ length: 2000 }, (_, i) => `w${i.toString(36)}`);
const REPLIES = ['Thanks!', 'ok', 'See you then.', 'Sounds good to me', 'Got it, thanks', 'Call me back', 'Yes', 'No thanks'];
const message = (rng: Rng) =>
  rng.next() < 0.05
    ? REPLIES[rng.nextInt(REPLIES.length)]!
    : Array.from({ length: 12 + rng.nextInt(19) }, () => VOCABULARY[Math.floor(VOCABULARY.length * rng.next() ** 2)]!).join(' ');
// A campaign: one template, the recipient's name and a link changing.
const campaign = (rng: Rng) =>
  `Dear ${VOCABULARY[rng.nextInt(2000)]} your account ${rng.nextInt(1e6)} was suspended please verify your password at the secure portal within 24 hours or lose access to all your files and messages today`;

describe('minHash', () => {
  it('estimates the Jaccard similarity of the word sets', () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`);
    const a = minHash(words.join(' '));
    assert.equal(estimatedJaccard(a, minHash(words.join(' '))), 1);
    assert.equal(estimatedJaccard(a, minHash([...words].reverse().join(', '))), 1, 'order and punctuation do not matter');
    // 36 shared of 44 distinct words: J = 0.82.
    const b = minHash([...words.slice(0, 36), 'x1', 'x2', 'x3', 'x4'].join(' '));
    assert.ok(Math.abs(estimatedJaccard(a, b) - 36 / 44) < 0.15, `${estimatedJaccard(a, b)}`);
    const unrelated = minHash(Array.from({ length: 40 }, (_, i) => `other${i}`).join(' '));
    assert.ok(estimatedJaccard(a, unrelated) < 0.1);
  });
});

describe('NearDuplicateWindow', () => {
  it('counts recent near duplicates and forgets the oldest beyond its capacity', () => {
    const window = new NearDuplicateWindow({ capacity: 3, minSimilarity: 0.8 });
    const spam = 'claim your free prize now at the link below before it expires tonight friend';
    assert.equal(window.add(minHash(spam)), 0);
    assert.equal(window.add(minHash(spam + ' bob')), 1);
    assert.equal(window.add(minHash('lunch at noon with the team')), 0);
    assert.equal(window.add(minHash(spam)), 2);
    // The first copy has been forgotten: the window holds copy 2, lunch, copy 3.
    assert.equal(window.add(minHash('lunch at noon with the team')), 1);
    assert.equal(window.add(minHash(spam)), 1);
  });

  it('stops counting at `enough` and still remembers every input', () => {
    const window = new NearDuplicateWindow({ capacity: 50, minSimilarity: 0.8 });
    const spam = 'claim your free prize now at the link below before it expires tonight friend';
    assert.equal(window.add(minHash(spam), 1), 0);
    for (let copy = 1; copy < 10; copy++) assert.equal(window.add(minHash(spam), 1), 1);
    assert.equal(window.add(minHash('lunch at noon with the team'), 1), 0);
    assert.equal(window.add(minHash(spam), 3), 3);
    // Without a bound the count covers every copy remembered above (11 of the spam).
    assert.equal(window.add(minHash(spam)), 11);
  });

  it('refuses a bad capacity or similarity', () => {
    assert.throws(() => new NearDuplicateWindow({ capacity: 0, minSimilarity: 0.8 }), RangeError);
    assert.throws(() => new NearDuplicateWindow({ capacity: 10, minSimilarity: 0 }), RangeError);
  });

  it('a campaign burst raises the near-duplicate share, and a detector calibrated on quiet traffic alarms on it alone', () => {
    const rng = createRng(1);
    const window = new NearDuplicateWindow({ capacity: 2000, minSimilarity: 0.8 });
    // Minutes of 60 inputs: quiet ones, then minutes where a third come from one campaign.
    const minute = (burst: boolean) =>
      nearDuplicateShare(
        window,
        Array.from({ length: 60 }, () => normalizeText(burst && rng.next() < 0.33 ? campaign(rng) : message(rng))),
      );
    const quiet = Float64Array.from({ length: 1000 }, () => minute(false));
    const quietMean = quiet.reduce((a, b) => a + b, 0) / quiet.length;
    assert.ok(quietMean > 0.02 && quietMean < 0.08, `stock replies repeat, the rest rarely: ${quietMean}`);
    const detector = calibrateDetector(quiet, { kind: 'ewma', direction: 'up', targetFalseAlarmRate: 1e-4, random: createRng(2).next });
    const live = Float64Array.from({ length: 300 }, (_, i) => minute(i >= 200 && i < 210));
    assert.ok(live[205]! > 0.25, `share in the burst: ${live[205]}`);
    const alarms = runDetector(detector, live);
    assert.ok(alarms.length > 0, 'the burst was detected');
    assert.ok(alarms.every((a) => a.index >= 200 && a.index < 215), JSON.stringify(alarms));
  });
});
