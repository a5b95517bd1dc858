/**
 * The ArtifactStore contract: every adapter runs this suite. The factory also returns a
 * `corrupt(digest)` hook that changes one stored byte the way an attacker or a failing
 * disk would, so the tamper guarantees can be checked without knowing the layout here.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { ArtifactStore } from '../../src/domain/ports/artifact-store.js';
import { WardenError } from '../../src/domain/errors.js';

export interface ArtifactStoreFixture {
  readonly store: ArtifactStore;
  /** Flips one byte of the stored blob in place. */
  corrupt(digest: string): Promise<void>;
  cleanup(): Promise<void>;
}

const MiB = 1024 * 1024;

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Deterministic pseudo-random bytes (a blob's content should not be a repeating pattern). */
export function bytesOf(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export async function* chunked(bytes: Uint8Array, chunkSize = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += chunkSize) yield bytes.subarray(offset, offset + chunkSize);
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts);
}

async function listDigests(store: ArtifactStore): Promise<string[]> {
  const digests: string[] = [];
  for await (const blob of store.list()) digests.push(blob.digest);
  return digests.sort();
}

function isCode(code: string) {
  return (error: unknown) => error instanceof WardenError && error.code === code;
}

export function artifactStoreContract(name: string, createFixture: () => Promise<ArtifactStoreFixture>): void {
  describe(`ArtifactStore contract: ${name}`, () => {
    let fixture: ArtifactStoreFixture;
    let store: ArtifactStore;
    before(async () => {
      fixture = await createFixture();
      store = fixture.store;
    });
    after(async () => fixture.cleanup());

    it('stores a streamed blob under its sha256 and reads the same bytes back, verified', async () => {
      const bytes = bytesOf(3 * MiB + 17, 7);
      const stored = await store.put(chunked(bytes), { maxBytes: 10 * MiB });
      assert.deepEqual(stored, { digest: sha256(bytes), size: bytes.length, created: true });
      assert.equal(await store.has(stored.digest), true);
      const opened = await store.open(stored.digest);
      assert.equal(opened.size, bytes.length);
      assert.equal(opened.digest, stored.digest);
      assert.deepEqual(await collect(opened.stream), Buffer.from(bytes));
      assert.deepEqual(Buffer.from(await store.readVerified(stored.digest, { maxBytes: 10 * MiB })), Buffer.from(bytes));
    });

    it('stores the empty blob', async () => {
      const stored = await store.put(chunked(new Uint8Array(0)), { maxBytes: 10 });
      assert.equal(stored.digest, sha256(new Uint8Array(0)));
      assert.equal(stored.size, 0);
      const opened = await store.open(stored.digest);
      assert.equal((await collect(opened.stream)).length, 0);
    });

    it('keeps one copy of identical bytes, also under concurrent puts', async () => {
      const bytes = bytesOf(200_000, 11);
      const first = await store.put(chunked(bytes), { maxBytes: MiB });
      assert.equal(first.created, true);
      const again = await Promise.all([1, 2, 3, 4].map(() => store.put(chunked(bytes, 1000), { maxBytes: MiB })));
      for (const result of again) assert.deepEqual(result, { digest: first.digest, size: bytes.length, created: false });
      assert.equal((await listDigests(store)).filter((d) => d === first.digest).length, 1);
      assert.deepEqual(Buffer.from(await store.readVerified(first.digest, { maxBytes: MiB })), Buffer.from(bytes));
    });

    it('refuses a blob over the size limit, storing nothing and leaving no temporary file', async () => {
      const before = await listDigests(store);
      const bytes = bytesOf(50_000, 13);
      await assert.rejects(store.put(chunked(bytes, 4096), { maxBytes: 49_999 }), isCode('PAYLOAD_TOO_LARGE'));
      assert.equal(await store.has(sha256(bytes)), false);
      assert.deepEqual(await listDigests(store), before);
      assert.equal(await store.removeStaleTemporaries(Number.MAX_SAFE_INTEGER), 0);
      // exactly at the limit is fine
      const ok = await store.put(chunked(bytes, 4096), { maxBytes: 50_000 });
      assert.equal(ok.size, 50_000);
    });

    it('stores nothing when the source fails midway', async () => {
      const before = await listDigests(store);
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield bytesOf(10_000, 17);
        throw new Error('client went away');
      }
      await assert.rejects(store.put(failing(), { maxBytes: MiB }), /client went away/);
      assert.deepEqual(await listDigests(store), before);
      assert.equal(await store.removeStaleTemporaries(Number.MAX_SAFE_INTEGER), 0);
    });

    it('checks an announced digest and stores nothing on a mismatch', async () => {
      const bytes = bytesOf(1000, 19);
      const wrong = sha256(bytesOf(1000, 20));
      await assert.rejects(
        store.put(chunked(bytes), { maxBytes: MiB, expectedDigest: wrong }),
        (error: unknown) => error instanceof WardenError && error.code === 'VALIDATION_FAILED' && error.field === 'sha256',
      );
      assert.equal(await store.has(sha256(bytes)), false);
      const right = await store.put(chunked(bytes), { maxBytes: MiB, expectedDigest: sha256(bytes) });
      assert.equal(right.digest, sha256(bytes));
      await assert.rejects(store.put(chunked(bytes), { maxBytes: MiB, expectedDigest: 'not-a-digest' }), isCode('VALIDATION_FAILED'));
    });

    it('refuses a tampered blob before serving a single byte', async () => {
      const bytes = bytesOf(700_000, 23);
      const { digest } = await store.put(chunked(bytes), { maxBytes: MiB });
      await fixture.corrupt(digest);
      await assert.rejects(store.open(digest), isCode('ARTIFACT_TAMPERED'));
      await assert.rejects(store.readVerified(digest, { maxBytes: MiB }), isCode('ARTIFACT_TAMPERED'));
      assert.equal(await store.has(digest), true, 'a tampered blob is refused, not silently removed');
    });

    it('aborts a download whose blob changes after verification, before its last chunk', async () => {
      const bytes = bytesOf(2 * MiB, 29);
      const { digest } = await store.put(chunked(bytes), { maxBytes: 4 * MiB });
      const opened = await store.open(digest);
      await fixture.corrupt(digest);
      let received = 0;
      await assert.rejects(
        (async () => {
          for await (const chunk of opened.stream) received += chunk.byteLength;
        })(),
        isCode('ARTIFACT_TAMPERED'),
      );
      assert.ok(received < bytes.length, `received ${received} of ${bytes.length} bytes; the download must not complete`);
    });

    it('reports absent blobs and malformed digests', async () => {
      const absent = sha256(bytesOf(10, 31));
      assert.equal(await store.has(absent), false);
      await assert.rejects(store.open(absent), isCode('ARTIFACT_NOT_FOUND'));
      await assert.rejects(store.readVerified(absent, { maxBytes: 10 }), isCode('ARTIFACT_NOT_FOUND'));
      for (const bad of ['../../etc/passwd', '..', `${absent.slice(0, 62)}/.`, absent.toUpperCase(), '']) {
        await assert.rejects(store.open(bad), isCode('VALIDATION_FAILED'), bad);
        await assert.rejects(store.has(bad), isCode('VALIDATION_FAILED'), bad);
        await assert.rejects(store.delete(bad), isCode('VALIDATION_FAILED'), bad);
      }
    });

    it('refuses in-memory reads over the limit', async () => {
      const bytes = bytesOf(5000, 37);
      const { digest } = await store.put(chunked(bytes), { maxBytes: MiB });
      await assert.rejects(store.readVerified(digest, { maxBytes: 4999 }), isCode('PAYLOAD_TOO_LARGE'));
    });

    it('lists blobs with size and modification time, and deletes them', async () => {
      const bytes = bytesOf(4321, 41);
      const startedAt = Date.now();
      const { digest } = await store.put(chunked(bytes), { maxBytes: MiB });
      const entry = await (async () => {
        for await (const blob of store.list()) if (blob.digest === digest) return blob;
        return undefined;
      })();
      assert.ok(entry);
      assert.equal(entry.size, 4321);
      assert.ok(entry.modifiedAt >= startedAt - 1000 && entry.modifiedAt <= Date.now() + 1000);
      assert.equal(await store.delete(digest), true);
      assert.equal(await store.has(digest), false);
      assert.equal(await store.delete(digest), false);
      await assert.rejects(store.open(digest), isCode('ARTIFACT_NOT_FOUND'));
    });

    it('spares a blob written after the unmodifiedSince cut-off', async () => {
      const bytes = bytesOf(999, 43);
      const cutoff = Date.now() - 60_000;
      const { digest } = await store.put(chunked(bytes), { maxBytes: MiB });
      assert.equal(await store.delete(digest, { unmodifiedSince: cutoff }), false);
      assert.equal(await store.has(digest), true);
      assert.deepEqual(Buffer.from(await store.readVerified(digest, { maxBytes: MiB })), Buffer.from(bytes));
      assert.equal(await store.delete(digest, { unmodifiedSince: Date.now() + 60_000 }), true);
      assert.equal(await store.has(digest), false);
    });

    it('a put that deduplicates onto an old blob refreshes it, so a cut-off delete spares it', async () => {
      const bytes = bytesOf(1234, 47);
      const { digest } = await store.put(chunked(bytes), { maxBytes: MiB });
      await new Promise((resolve) => setTimeout(resolve, 30));
      const cutoff = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 30));
      await store.put(chunked(bytes), { maxBytes: MiB });
      assert.equal(await store.delete(digest, { unmodifiedSince: cutoff }), false);
      assert.equal(await store.has(digest), true);
    });
  });
}
