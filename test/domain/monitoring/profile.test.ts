import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Histogram,
  binEdges,
  buildReferenceProfile,
  mergeReferenceProfiles,
  parseReferenceProfile,
  profileMoments,
  type ProfileSpec,
} from '../../../src/domain/monitoring/index.js';
import { WardenError } from '../../../src/domain/errors.js';
import { createRng } from '../../../src/ml/random.js';

const SCORE: ProfileSpec = { layout: { kind: 'linear', min: 0, max: 1, bins: 10 }, scale: 'continuous' };
const LENGTH: ProfileSpec = { layout: { kind: 'log1p', max: 100_000, bins: 40 }, scale: 'continuous' };

function failsOn(field: string, run: () => unknown) {
  assert.throws(run, (error: unknown) => error instanceof WardenError && error.code === 'VALIDATION_FAILED' && error.field === field);
}

describe('Histogram', () => {
  it('puts each value in its bin, the top edge in the last bin and out-of-range values in the end bins', () => {
    const h = new Histogram(SCORE);
    h.addAll(Float64Array.from([0, 0.05, 0.1, 0.55, 0.999, 1, 1.7, -3]));
    assert.deepEqual(Array.from(h.counts), [3, 1, 0, 0, 0, 1, 0, 0, 0, 3]);
    assert.equal(h.rows, 8);
    assert.equal(h.min, -3);
    assert.equal(h.max, 1.7);
  });

  it('counts NaN and infinities as missing, outside every bin and moment', () => {
    const h = new Histogram(SCORE);
    h.addAll([0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    h.add(Number.NaN);
    assert.equal(h.rows, 1);
    assert.equal(h.missing, 4);
    assert.equal(h.sum, 0.5);
  });

  it('add and addAll agree, on a log1p layout too', () => {
    const rng = createRng(7);
    const values = Float64Array.from({ length: 5000 }, () => Math.floor(Math.exp(rng.next() * 12)) - 1);
    const one = new Histogram(LENGTH);
    for (const v of values) one.add(v);
    const all = new Histogram(LENGTH);
    all.addAll(values);
    assert.deepEqual(one.toProfile(), all.toProfile());
  });

  it('log1p bins keep 0 and the small integers apart and reach max', () => {
    const h = new Histogram({ layout: { kind: 'log1p', max: 1e6, bins: 64 }, scale: 'discrete' });
    h.addAll([0, 1, 2, 3, 4, 1e6, 5e9]);
    const used = Array.from(h.counts).flatMap((c, j) => (c > 0 ? [j] : []));
    assert.deepEqual(used.slice(0, 5).length, 5, `0–4 share bins: ${used}`);
    assert.equal(h.counts[63], 2);
    const edges = binEdges({ kind: 'log1p', max: 1e6, bins: 64 });
    assert.equal(edges[0], 0);
    assert.equal(edges[64], 1e6);
  });

  it('merging two halves gives the profile of the whole', () => {
    const rng = createRng(3);
    const values = Float64Array.from({ length: 10_000 }, () => rng.next());
    const whole = new Histogram(SCORE);
    whole.addAll(values);
    const first = new Histogram(SCORE);
    first.addAll(values.subarray(0, 4000));
    const second = new Histogram(SCORE);
    second.addAll(values.subarray(4000));
    first.merge(second.toProfile());
    const merged = first.toProfile();
    const expected = whole.toProfile();
    assert.deepEqual(merged.counts, expected.counts);
    assert.equal(merged.rows, expected.rows);
    assert.ok(Math.abs(merged.sum - expected.sum) < 1e-9);
    assert.equal(merged.min, expected.min);
    assert.equal(merged.max, expected.max);
  });

  it('refuses to merge another layout', () => {
    assert.throws(() => new Histogram(SCORE).merge(new Histogram(LENGTH)), RangeError);
  });
});

describe('reference profiles', () => {
  const columns = () => {
    const rng = createRng(11);
    return {
      score: Float32Array.from({ length: 2000 }, () => rng.next()),
      length: Float32Array.from({ length: 2000 }, () => 20 + rng.nextInt(3000)),
    };
  };

  it('survive JSON and strict parsing unchanged, and stay small', () => {
    const profile = buildReferenceProfile({ score: SCORE, length: LENGTH }, columns());
    const json = JSON.stringify(profile);
    assert.deepEqual(parseReferenceProfile(JSON.parse(json)), profile);
    assert.ok(json.length < 2000, `${json.length} characters`);
    const moments = profileMoments(profile.distributions.score!)!;
    assert.ok(Math.abs(moments.mean - 0.5) < 0.03 && Math.abs(moments.sd - Math.sqrt(1 / 12)) < 0.02);
  });

  it('merge adds counts value by value and refuses different value sets', () => {
    const a = buildReferenceProfile({ score: SCORE }, columns());
    const b = buildReferenceProfile({ score: SCORE }, columns());
    const merged = mergeReferenceProfiles(a, b);
    assert.equal(merged.distributions.score!.rows, 4000);
    assert.deepEqual(
      merged.distributions.score!.counts,
      a.distributions.score!.counts.map((c, j) => c + b.distributions.score!.counts[j]!),
    );
    assert.throws(() => mergeReferenceProfiles(a, buildReferenceProfile({ score: SCORE, length: LENGTH }, columns())), RangeError);
  });

  it('a missing column is the caller’s bug', () => {
    assert.throws(() => buildReferenceProfile({ score: SCORE, other: SCORE }, columns()), RangeError);
  });

  it('parsing names the bad field', () => {
    const good = JSON.parse(JSON.stringify(buildReferenceProfile({ score: SCORE }, columns())));
    const broken = (mutate: (p: { formatVersion: unknown; distributions: Record<string, Record<string, unknown>> }) => void) => {
      const copy = structuredClone(good);
      mutate(copy);
      return copy;
    };
    failsOn('profile.formatVersion', () => parseReferenceProfile(broken((p) => (p.formatVersion = 2))));
    failsOn('profile.extra', () => parseReferenceProfile({ ...good, extra: 1 }));
    failsOn('profile.distributions.score.counts', () => parseReferenceProfile(broken((p) => (p.distributions.score!.rows = 1))));
    failsOn('profile.distributions.score.counts.3', () =>
      parseReferenceProfile(broken((p) => ((p.distributions.score!.counts as number[])[3] = -1))),
    );
    failsOn('profile.distributions.score.layout.bins', () =>
      parseReferenceProfile(broken((p) => (p.distributions.score!.layout = { kind: 'linear', min: 0, max: 1, bins: 5000 }))),
    );
    failsOn('profile.distributions.score.layout.max', () =>
      parseReferenceProfile(broken((p) => (p.distributions.score!.layout = { kind: 'linear', min: 1, max: 1, bins: 10 }))),
    );
    failsOn('profile.distributions.score.scale', () => parseReferenceProfile(broken((p) => (p.distributions.score!.scale = 'ordinal'))));
    failsOn('profile.distributions.score.sum', () => parseReferenceProfile(broken((p) => (p.distributions.score!.sum = '3'))));
    failsOn('profile.distributions.1bad', () => parseReferenceProfile(broken((p) => (p.distributions['1bad'] = p.distributions.score!))));
  });
});
