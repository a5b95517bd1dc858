import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { combineHashes, fmix32, hashString, murmur3Utf8 } from '../../src/ml/hash.js';

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

  it('murmur3Utf8 is MurmurHash3 x86_32 of the UTF-8 bytes (reference vectors)', () => {
    assert.equal(murmur3Utf8('', 0), 0);
    assert.equal(murmur3Utf8('', 1), 0x514e28b7);
    assert.equal(murmur3Utf8('hello', 0), 613153351);
    assert.equal(murmur3Utf8('foo', 0), 4138058784);
    assert.equal(murmur3Utf8('The quick brown fox jumps over the lazy dog', 0x9747b28c), 0x2fa826cd);
    assert.equal(murmur3Utf8('Hello, world!', 0x9747b28c), 0x24884cba);
    // Multi-byte characters hash as their UTF-8 bytes (16 here), not as UTF-16 units.
    assert.equal(murmur3Utf8('ππππππππ', 0x9747b28c), 0xd58063c1);
    assert.notEqual(murmur3Utf8('héllo wörld — 😀', 3), murmur3Utf8('héllo wörld — 😀', 4));
    assert.equal(murmur3Utf8('x'.repeat(100_000), 5), murmur3Utf8('x'.repeat(100_000), 5));
  });
});
