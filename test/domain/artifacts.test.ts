import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_MEDIA_TYPE,
  guessMediaType,
  isSha256Digest,
  parseSha256Digest,
  planGarbageCollection,
  validateArtifactName,
  validateMediaType,
} from '../../src/domain/artifacts.js';
import { WardenError } from '../../src/domain/errors.js';
import { HOSTILE_NAMES } from '../support/hostile-names.js';


function assertRejected(name: string, field = 'name'): void {
  assert.throws(
    () => validateArtifactName(name, field),
    (error: unknown) => error instanceof WardenError && error.code === 'INVALID_ARTIFACT_NAME' && error.field === field,
    `expected ${JSON.stringify(name.slice(0, 60))} to be refused`,
  );
}

describe('validateArtifactName', () => {
  it('refuses every traversal, scheme, encoding and control-character pattern', () => {
    for (const name of HOSTILE_NAMES) assertRejected(name);
  });

  it('names the field it was given', () => {
    assertRejected('../x', 'query.name');
  });

  it('refuses non-strings', () => {
    for (const value of [undefined, null, 42, {}, ['a']]) {
      assert.throws(() => validateArtifactName(value), { code: 'INVALID_ARTIFACT_NAME' });
    }
  });

  it('says when an encoding hid the traversal', () => {
    assert.throws(() => validateArtifactName('%252e%252e%252f'), /hides an unsafe name behind encoding/);
  });

  it('accepts ordinary relative names and returns them NFC-normalised', () => {
    for (const name of ['model.json', 'eval/report.html', 'plots/roc curve.png', 'a.b.c', '.hidden', 'x..y', 'v1.0/weights.bin', '100%_done.txt']) {
      assert.equal(validateArtifactName(name), name);
    }
    const decomposed = 'cafe\u0301.txt';
    assert.equal(validateArtifactName(decomposed), 'caf\u00e9.txt');
  });

  it('accepts names at the length limits', () => {
    const segment = 'a'.repeat(255);
    assert.equal(validateArtifactName(segment), segment);
    const long = Array.from({ length: 4 }, () => 'b'.repeat(255)).join('/');
    assert.equal(long.length, 1023);
    assert.equal(validateArtifactName(long), long);
  });
});

describe('validateMediaType', () => {
  it('defaults to application/octet-stream', () => {
    assert.equal(validateMediaType(undefined), DEFAULT_MEDIA_TYPE);
    assert.equal(validateMediaType(''), DEFAULT_MEDIA_TYPE);
  });

  it('accepts type/subtype with parameters and lower-cases type and subtype', () => {
    assert.equal(validateMediaType('Application/JSON'), 'application/json');
    assert.equal(validateMediaType('text/plain; charset=utf-8'), 'text/plain; charset=utf-8');
    assert.equal(validateMediaType('application/vnd.warden.model+json'), 'application/vnd.warden.model+json');
  });

  it('refuses malformed media types naming the field', () => {
    for (const bad of ['json', 'text/', '/plain', 'text/plain\r\nX-Evil: 1', 'a/b c', 'text/plain; charset', 42, `a/${'b'.repeat(300)}`]) {
      assert.throws(() => validateMediaType(bad, 'mediaType'), { code: 'VALIDATION_FAILED', field: 'mediaType' }, String(bad));
    }
  });

  it('guesses from the extension', () => {
    assert.equal(guessMediaType('eval/report.JSON'), 'application/json');
    assert.equal(guessMediaType('weights.bin'), DEFAULT_MEDIA_TYPE);
    assert.equal(guessMediaType('README'), DEFAULT_MEDIA_TYPE);
  });
});

describe('sha256 digests', () => {
  const digest = 'ab'.repeat(32);
  it('accepts 64 lower-case hex characters, with or without a sha256: prefix, and returns the bare form', () => {
    assert.equal(isSha256Digest(digest), true);
    assert.equal(parseSha256Digest(digest), digest);
    assert.equal(parseSha256Digest(`sha256:${digest}`), digest);
    // The stored spelling has no prefix: only the parser accepts one.
    assert.equal(isSha256Digest(`sha256:${digest}`), false);
    const badForms = [digest.toUpperCase(), digest.slice(1), `${digest}0`, `../${digest.slice(3)}`, 'g'.repeat(64), '', undefined, 7, 'sha256:', `SHA256:${digest}`, `sha256:sha256:${digest}`, `sha512:${digest}`, ` ${digest}`];
    for (const bad of badForms) {
      assert.equal(isSha256Digest(bad), false);
      assert.throws(() => parseSha256Digest(bad, 'sha256'), { code: 'VALIDATION_FAILED', field: 'sha256' });
    }
  });
});

describe('planGarbageCollection', () => {
  const d = (n: number) => n.toString(16).padStart(64, '0');
  const now = 1_000_000;
  const old = now - 10_000;

  it('deletes exactly the unreferenced blobs older than the grace period', () => {
    const plan = planGarbageCollection({
      stored: [
        { digest: d(1), modifiedAt: old },
        { digest: d(2), modifiedAt: old },
        { digest: d(3), modifiedAt: now - 10 },
        { digest: d(4), modifiedAt: old },
      ],
      referenced: [d(2), d(9)],
      now,
      graceMs: 1000,
    });
    assert.deepEqual(plan.toDelete, [d(1), d(4)]);
    assert.deepEqual(plan.spared, [d(3)]);
  });

  it('never deletes a referenced blob, however old', () => {
    const stored = Array.from({ length: 50 }, (_, i) => ({ digest: d(i), modifiedAt: 0 }));
    const referenced = stored.filter((_, i) => i % 3 === 0).map((b) => b.digest);
    const plan = planGarbageCollection({ stored, referenced, now, graceMs: 0 });
    const deleted = new Set(plan.toDelete);
    for (const digest of referenced) assert.equal(deleted.has(digest), false);
    assert.equal(plan.toDelete.length, 50 - referenced.length);
  });

  it('lists a digest once even if the store reports it twice', () => {
    const plan = planGarbageCollection({ stored: [{ digest: d(1), modifiedAt: 0 }, { digest: d(1), modifiedAt: 0 }], referenced: [], now, graceMs: 0 });
    assert.deepEqual(plan.toDelete, [d(1)]);
  });
});
