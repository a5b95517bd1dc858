/**
 * The ArtifactIndex contract. The fixture makes the rows the index refers to (runs,
 * model versions) in whatever way its adapter's database needs.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { parseSha256Digest, type RunArtifact } from '../../src/domain/artifacts.js';
import type { ArtifactIndex } from '../../src/domain/ports/artifact-index.js';
import { WardenError } from '../../src/domain/errors.js';

export interface ArtifactIndexFixture {
  readonly index: ArtifactIndex;
  /** Creates a run and returns its id. */
  createRun(): Promise<string>;
  /** Deletes a run the way the tracking store does. */
  deleteRun(runId: string): Promise<void>;
  /** Registers a model version whose artifact digest is `digest`; returns a handle to delete it. */
  createModelVersion(digest: string | null): Promise<{ remove(): Promise<void> }>;
  /** Registers a dataset version whose content digest is `digest`; returns a handle to delete it. */
  createDatasetVersion(digest: string): Promise<{ remove(): Promise<void> }>;
  cleanup(): Promise<void>;
}

const digestOf = (n: number) => parseSha256Digest(n.toString(16).padStart(64, 'a'));

function artifact(runId: string, name: string, sha256: string, createdAt = 1_700_000_000_000): RunArtifact {
  return { id: randomBytes(8).toString('hex'), runId, name, size: 3 * 1024 ** 3, sha256, mediaType: 'application/json', createdAt };
}

function isCode(code: string) {
  return (error: unknown) => error instanceof WardenError && error.code === code;
}

export function artifactIndexContract(name: string, createFixture: () => Promise<ArtifactIndexFixture>): void {
  describe(`ArtifactIndex contract: ${name}`, () => {
    let fixture: ArtifactIndexFixture;
    let index: ArtifactIndex;
    before(async () => {
      fixture = await createFixture();
      index = fixture.index;
    });
    after(async () => fixture.cleanup());

    it('records artifacts and reads them back by id, name, run and digest', async () => {
      const runId = await fixture.createRun();
      const b = artifact(runId, 'b/model.json', digestOf(1));
      const a = artifact(runId, 'a.txt', digestOf(2), 1_700_000_000_001);
      await index.add(b);
      await index.add(a);
      assert.deepEqual(await index.get(runId, b.id), b);
      assert.deepEqual(await index.getByName(runId, 'a.txt'), a);
      assert.deepEqual(await index.list(runId), [a, b]);
      assert.deepEqual(await index.findByDigest(digestOf(1)), [b]);
      assert.equal(await index.get(runId, 'nope'), undefined);
      assert.equal(await index.getByName(runId, 'nope'), undefined);
    });

    it('does not find an artifact through another run', async () => {
      const runA = await fixture.createRun();
      const runB = await fixture.createRun();
      const a = artifact(runA, 'x', digestOf(3));
      await index.add(a);
      assert.equal(await index.get(runB, a.id), undefined);
      assert.equal(await index.remove(runB, a.id), undefined);
      assert.deepEqual(await index.list(runB), []);
      assert.deepEqual(await index.get(runA, a.id), a);
    });

    it('refuses a second artifact with the same name in a run, also under a race', async () => {
      const runId = await fixture.createRun();
      await index.add(artifact(runId, 'same', digestOf(4)));
      await assert.rejects(index.add(artifact(runId, 'same', digestOf(5))), isCode('ARTIFACT_ALREADY_EXISTS'));
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => index.add(artifact(runId, 'raced', digestOf(6)))));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results) if (r.status === 'rejected') assert.ok(isCode('ARTIFACT_ALREADY_EXISTS')(r.reason));
      const other = await fixture.createRun();
      await index.add(artifact(other, 'same', digestOf(4)));
    });

    it('refuses an artifact for a run that does not exist', async () => {
      await assert.rejects(index.add(artifact('no-such-run', 'x', digestOf(7))), isCode('RUN_NOT_FOUND'));
    });

    it('removes one artifact and reports what it removed', async () => {
      const runId = await fixture.createRun();
      const a = artifact(runId, 'gone', digestOf(8));
      await index.add(a);
      assert.deepEqual(await index.remove(runId, a.id), a);
      assert.equal(await index.remove(runId, a.id), undefined);
      assert.deepEqual(await index.list(runId), []);
    });

    it('references: run artifacts and model versions, and nothing after they are deleted', async () => {
      const shared = digestOf(100);
      const runOnly = digestOf(101);
      const versionOnly = digestOf(102);
      const runA = await fixture.createRun();
      const runB = await fixture.createRun();
      await index.add(artifact(runA, 'm', shared));
      await index.add(artifact(runB, 'm', shared));
      await index.add(artifact(runA, 'r', runOnly));
      const version = await fixture.createModelVersion(versionOnly);
      await fixture.createModelVersion(null);

      let referenced = await index.referencedDigests();
      for (const d of [shared, runOnly, versionOnly]) {
        assert.equal(referenced.has(d), true, d);
        assert.equal(await index.isReferenced(d), true, d);
      }
      assert.equal(await index.isReferenced(digestOf(103)), false);
      assert.equal([...referenced].every((d) => typeof d === 'string' && d.length === 64), true, 'no null digest leaks in');

      await fixture.deleteRun(runA);
      assert.deepEqual(await index.list(runA), [], "a deleted run's artifact records go with it");
      referenced = await index.referencedDigests();
      assert.equal(referenced.has(shared), true, 'still referenced by run B');
      assert.equal(referenced.has(runOnly), false);
      assert.equal(await index.isReferenced(runOnly), false);

      await version.remove();
      assert.equal(await index.isReferenced(versionOnly), false);
      assert.equal((await index.referencedDigests()).has(versionOnly), false);
    });

    it('references: dataset versions keep their content blobs', async () => {
      const datasetDigest = digestOf(200);
      assert.equal(await index.isReferenced(datasetDigest), false);
      const dataset = await fixture.createDatasetVersion(datasetDigest);
      assert.equal(await index.isReferenced(datasetDigest), true);
      assert.equal((await index.referencedDigests()).has(datasetDigest), true);
      await dataset.remove();
      assert.equal(await index.isReferenced(datasetDigest), false);
      assert.equal((await index.referencedDigests()).has(datasetDigest), false);
    });
  });
}
