import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { combineHashes, fmix32, hashString } from '../../src/ml/hash.js';

describe('hash', () => {
  it('is deterministic and seed dependent', () => {
    assert.equal(hashString('free money'), hashString('free money'));
    assert.notEqual(hashString('free money'), hashString('free money', 1));
    assert.notEqual(hashString('abc'), hashString('abd'));
  });

  it('matches known FNV-1a values before the finaliser', () => {
    // FNV-1a("a") = 0xe40c292c; hashString adds fmix32 on top.
    assert.equal(hashString('a') >>> 0, fmix32(0xe40c292c | 0) >>> 0);
  });

  it('spreads short inputs evenly over low-bit buckets', () => {
    const buckets = new Uint32Array(64);
    for (let i = 0; i < 64_000; i++) buckets[hashString(`w${i}`) & 63]!++;
    for (const count of buckets) assert.ok(count > 800 && count < 1200, `bucket count ${count}`);
  });

  it('combines order-sensitively', () => {
    assert.notEqual(combineHashes(1, 2), combineHashes(2, 1));
  });
});
