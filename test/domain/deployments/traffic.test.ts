import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { compareProportions, mirrors, pickArm, unitFromDigest, type TrafficSplit } from '../../../src/domain/deployments/traffic.js';

const split: TrafficSplit = {
  serving: [
    { arm: 'baseline', version: 1, percent: 70 },
    { arm: 'candidate', version: 2, percent: 30 },
  ],
  mirror: null,
};

describe('picking an arm', () => {
  it('follows the cumulative weights over [0, 1)', () => {
    assert.equal(pickArm(split.serving, 0).arm, 'baseline');
    assert.equal(pickArm(split.serving, 0.6999).arm, 'baseline');
    assert.equal(pickArm(split.serving, 0.7).arm, 'candidate');
    assert.equal(pickArm(split.serving, 0.9999999).arm, 'candidate');
    assert.throws(() => pickArm(split.serving, 1), RangeError);
    assert.throws(() => pickArm(split.serving, Number.NaN), RangeError);
    assert.throws(() => pickArm([], 0.5), RangeError);
  });

  it('an arm at 0 % never answers', () => {
    const allCandidate: TrafficSplit = { serving: [{ arm: 'baseline', version: 1, percent: 0 }, { arm: 'candidate', version: 2, percent: 100 }], mirror: null };
    assert.equal(pickArm(allCandidate.serving, 0).arm, 'candidate');
  });

  it('sticky by subject: an HMAC of the key always lands in one arm, and 10,000 subjects split within a point of the weights', () => {
    const unit = (subject: string) => unitFromDigest(createHmac('sha256', 'deployment-secret').update(subject).digest());
    let candidates = 0;
    for (let i = 0; i < 10_000; i++) {
      const subject = `user-${i}`;
      const arm = pickArm(split.serving, unit(subject)).arm;
      assert.equal(pickArm(split.serving, unit(subject)).arm, arm);
      if (arm === 'candidate') candidates++;
    }
    assert.ok(Math.abs(candidates / 10_000 - 0.3) < 0.01, `${candidates} of 10,000 in the 30 % arm`);
  });

  it('maps digests into [0, 1), using 53 bits', () => {
    assert.equal(unitFromDigest(new Uint8Array(32)), 0);
    const top = unitFromDigest(new Uint8Array(32).fill(255));
    assert.ok(top < 1 && top > 1 - 2 ** -52);
    assert.throws(() => unitFromDigest(new Uint8Array(6)), RangeError);
  });

  it('mirrors only the shadow share', () => {
    const shadow: TrafficSplit = { serving: split.serving, mirror: { arm: 'candidate', version: 2, percent: 25 } };
    assert.equal(mirrors(shadow.mirror, 0.2), true);
    assert.equal(mirrors(shadow.mirror, 0.25), false);
    assert.equal(mirrors(split.mirror, 0), false);
  });
});

describe('comparing two proportions', () => {
  it('matches Newcombe (1998) table II example: 56/70 vs 48/80', () => {
    // Newcombe's worked example (method 10): difference 0.2, interval 0.0524 to 0.3339.
    const result = compareProportions({ successes: 48, trials: 80 }, { successes: 56, trials: 70 });
    assert.ok(Math.abs(result.difference! - 0.2) < 1e-12);
    assert.ok(Math.abs(result.interval!.lower - 0.0524) < 5e-4, String(result.interval!.lower));
    assert.ok(Math.abs(result.interval!.upper - 0.3339) < 5e-4, String(result.interval!.upper));
    assert.ok(result.pValue! < 0.01 && result.pValue! > 0.005, String(result.pValue));
    assert.equal(result.significant, true);
  });

  it('equal arms are not significant; an empty arm gives no verdict; bad counts are refused', () => {
    const same = compareProportions({ successes: 50, trials: 100 }, { successes: 50, trials: 100 });
    assert.equal(same.difference, 0);
    assert.ok(Math.abs(same.pValue! - 1) < 1e-6);
    assert.equal(same.significant, false);
    assert.deepEqual(compareProportions({ successes: 0, trials: 0 }, { successes: 5, trials: 10 }), { difference: null, interval: null, pValue: null, significant: false });
    assert.throws(() => compareProportions({ successes: 11, trials: 10 }, { successes: 5, trials: 10 }), RangeError);
  });
});
