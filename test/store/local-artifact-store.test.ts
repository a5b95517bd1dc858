import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LocalArtifactStore } from '../../src/store/artifacts/local-artifact-store.js';
import { artifactStoreContract, bytesOf, chunked, sha256 } from '../contract/artifact-store.contract.js';
import { tempDir } from '../support/stores.js';
import { corruptLocalBlob } from '../support/artifacts.js';


function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => path.join(dir, f)).filter((f) => fs.lstatSync(f).isFile());
}

artifactStoreContract('local folder', async () => {
  const temp = tempDir('warden-artifacts-');
  const store = new LocalArtifactStore(path.join(temp.dir, 'artifacts'));
  return {
    store,
    corrupt: async (digest) => corruptLocalBlob(store, digest),
    cleanup: async () => temp.remove(),
  };
});

describe('LocalArtifactStore', () => {
  let temp: { dir: string; remove(): void };
  let root: string;
  let store: LocalArtifactStore;
  before(() => {
    temp = tempDir('warden-artifacts-');
    root = path.join(temp.dir, 'artifacts');
    store = new LocalArtifactStore(root);
  });
  after(() => temp.remove());

  it('files a blob at blobs/ab/cd/<sha256>, read-only, and nothing else', async () => {
    const bytes = bytesOf(1000, 3);
    const { digest } = await store.put(chunked(bytes), { maxBytes: 10_000 });
    const expected = path.join(root, 'blobs', digest.slice(0, 2), digest.slice(2, 4), digest);
    assert.equal(store.blobPath(digest), expected);
    assert.deepEqual(filesUnder(root), [expected]);
    assert.equal(fs.statSync(expected).mode & 0o777, 0o400);
    assert.equal(digest, sha256(bytes));
  });

  it('refuses a relative root', () => {
    assert.throws(() => new LocalArtifactStore('artifacts'), { code: 'VALIDATION_FAILED' });
  });

  it('removes only temporary files older than the cut-off', async () => {
    const tmp = path.join(root, 'tmp');
    fs.mkdirSync(tmp, { recursive: true });
    const stale = path.join(tmp, `${'a'.repeat(32)}.part`);
    const fresh = path.join(tmp, `${'b'.repeat(32)}.part`);
    const foreign = path.join(tmp, 'keep-me.txt');
    for (const file of [stale, fresh, foreign]) fs.writeFileSync(file, 'x');
    const old = new Date(Date.now() - 3_600_000);
    fs.utimesSync(stale, old, old);
    fs.utimesSync(foreign, old, old);
    assert.equal(await store.removeStaleTemporaries(Date.now() - 60_000), 1);
    assert.equal(fs.existsSync(stale), false);
    assert.equal(fs.existsSync(fresh), true);
    assert.equal(fs.existsSync(foreign), true, 'files the store did not name are not its to remove');
    fs.rmSync(fresh);
    fs.rmSync(foreign);
  });

  it('puts back a blob left in the trash by an interrupted delete', async () => {
    const bytes = bytesOf(100, 5);
    const { digest } = await store.put(chunked(bytes), { maxBytes: 1000 });
    const trash = path.join(root, 'trash');
    fs.mkdirSync(trash, { recursive: true });
    const trashed = path.join(trash, `${digest}.${'0'.repeat(16)}`);
    fs.renameSync(store.blobPath(digest), trashed);
    const old = new Date(Date.now() - 3_600_000);
    fs.utimesSync(trashed, old, old);
    assert.equal(await store.has(digest), false);
    await store.removeStaleTemporaries(Date.now());
    assert.equal(await store.has(digest), true);
    assert.equal(fs.existsSync(trashed), false);
  });

  it('ignores stray files in the blob folders when listing', async () => {
    const stray = path.join(root, 'blobs', 'zz');
    fs.mkdirSync(stray, { recursive: true });
    fs.writeFileSync(path.join(stray, 'notes.txt'), 'x');
    const misfiled = path.join(root, 'blobs', '00', '00');
    fs.mkdirSync(misfiled, { recursive: true });
    fs.writeFileSync(path.join(misfiled, 'f'.repeat(64)), 'x');
    const listed: string[] = [];
    for await (const blob of store.list()) listed.push(blob.digest);
    assert.equal(listed.includes('f'.repeat(64)), false);
    assert.ok(listed.every((d) => /^[0-9a-f]{64}$/.test(d)));
  });

  it('does not follow a symbolic link planted in place of a blob', async () => {
    const secret = path.join(temp.dir, 'secret.txt');
    fs.writeFileSync(secret, 'TOP-SECRET');
    const digest = sha256(Buffer.from('TOP-SECRET'));
    const file = store.blobPath(digest);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.symlinkSync(secret, file);
    await assert.rejects(store.open(digest), { code: 'ARTIFACT_TAMPERED' });
    await assert.rejects(store.readVerified(digest, { maxBytes: 100 }), { code: 'ARTIFACT_TAMPERED' });
    fs.unlinkSync(file);
  });

  it('a directory in place of a blob is ARTIFACT_TAMPERED on every read, never an EISDIR', async () => {
    const stored = await store.put(
      (async function* () {
        yield Buffer.from('soon a directory');
      })(),
      { maxBytes: 100 },
    );
    const file = store.blobPath(stored.digest);
    fs.rmSync(file);
    fs.mkdirSync(file);
    for (const read of [() => store.open(stored.digest), () => store.readVerified(stored.digest, { maxBytes: 100 }), () => store.has(stored.digest)]) {
      await assert.rejects(read(), (error: unknown) => (error as { code?: string }).code === 'ARTIFACT_TAMPERED' && /a directory is in its place/.test((error as Error).message));
    }
    fs.rmdirSync(file);
    assert.equal(await store.has(stored.digest), false);
    await assert.rejects(store.open(stored.digest), { code: 'ARTIFACT_NOT_FOUND' });
  });

  it('streams a large upload without holding it in memory', async () => {
    const chunk = bytesOf(1024 * 1024, 9);
    const chunks = 64; // 64 MiB
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < chunks; i++) yield chunk;
    }
    global.gc?.();
    const before = process.memoryUsage().rss;
    const stored = await store.put(source(), { maxBytes: 2 * 1024 ** 3 });
    const growth = process.memoryUsage().rss - before;
    assert.equal(stored.size, chunks * chunk.length);
    assert.ok(growth < 48 * 1024 * 1024, `rss grew by ${Math.round(growth / 1024 / 1024)} MiB while storing 64 MiB`);
    await store.delete(stored.digest);
  });
});
