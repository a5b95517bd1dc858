import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ArtifactService } from '../../src/services/artifact-service.js';
import { LocalArtifactStore } from '../../src/store/artifacts/local-artifact-store.js';
import { SqlArtifactIndex } from '../../src/store/sql/sql-artifact-index.js';
import { SqlTrackingStore } from '../../src/store/sql/sql-tracking-store.js';
import { newExperiment } from '../../src/domain/tracking/experiment.js';
import { newRun } from '../../src/domain/tracking/run.js';
import { randomIds, systemClock } from '../../src/system/clock.js';
import { WardenError } from '../../src/domain/errors.js';
import { STORE_KINDS, openTestDatabase, tempDir, type TestDatabase } from '../support/stores.js';
import { bytesOf, chunked, sha256 } from '../contract/artifact-store.contract.js';
import { corruptLocalBlob } from '../support/artifacts.js';

const MiB = 1024 * 1024;

function isCode(code: string, field?: string) {
  return (error: unknown) => error instanceof WardenError && error.code === code && (field === undefined || error.field === field);
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts);
}

/** A body that records whether anyone started reading it. */
function watchedBody(bytes: Uint8Array): { body: AsyncIterable<Uint8Array>; read: () => boolean } {
  let started = false;
  return {
    body: (async function* () {
      started = true;
      yield* chunked(bytes);
    })(),
    read: () => started,
  };
}

for (const kind of STORE_KINDS) {
  describe(`ArtifactService on ${kind}`, () => {
    let test: TestDatabase;
    let temp: { dir: string; remove(): void };
    let store: LocalArtifactStore;
    let tracking: SqlTrackingStore;
    let service: ArtifactService;
    let experimentId: string;
    let modelId: string;
    let versionNumber = 0;

    const makeService = (gcGraceMs: number, maxArtifactBytes = 64 * MiB) =>
      new ArtifactService({
        store,
        index: new SqlArtifactIndex(test.database),
        runs: tracking,
        clock: systemClock,
        ids: randomIds,
        maxArtifactBytes,
        maxModelBytes: 8 * MiB,
        gcGraceMs,
      });

    async function createRun(): Promise<string> {
      const experiment = { id: experimentId, name: 'x', description: '', tags: {}, createdAt: 0 };
      const run = await tracking.createRun(newRun({}, experiment, randomIds.next(), Date.now()));
      return run.id;
    }

    async function registerVersionWithDigest(digest: string): Promise<string> {
      const versionId = randomBytes(8).toString('hex');
      versionNumber++;
      const now = Date.now();
      await test.database.db
        .insertInto('model_versions')
        .values({
          id: versionId, model_id: modelId, number: versionNumber, semver: `v${versionNumber}.0`, major: versionNumber, minor: 0,
          stage: 'None', status: 'READY', description: '', metrics: '{}', tags: '{}', parent_version_id: null, retraining_count: 0,
          dataset_digests: '[]', resource_usage: '{}', recipe_fingerprint: null, source_run_id: null, artifact_digest: digest,
          created_at: now, updated_at: now,
        })
        .execute();
      return versionId;
    }

    before(async () => {
      test = await openTestDatabase(kind);
      temp = tempDir('warden-artifact-service-');
      store = new LocalArtifactStore(path.join(temp.dir, 'artifacts'));
      tracking = new SqlTrackingStore(test.database);
      const experiment = newExperiment({ name: `exp-${randomBytes(4).toString('hex')}` }, randomIds.next(), Date.now());
      await tracking.createExperiment(experiment);
      experimentId = experiment.id;
      modelId = randomBytes(8).toString('hex');
      const now = Date.now();
      await test.database.db
        .insertInto('registered_models')
        .values({ id: modelId, name: `m-${modelId}`, task: 'spam', description: '', tags: '{}', policy: '{}', recipe: null, latest_version: 0, created_at: now, updated_at: now })
        .execute();
      service = makeService(0);
    });
    after(async () => {
      await test.cleanup();
      temp.remove();
    });

    it('uploads, lists, downloads (verified) and deletes run artifacts', async () => {
      const runId = await createRun();
      const bytes = bytesOf(300_000, 1);
      const artifact = await service.upload(runId, { name: 'eval/report.json' }, chunked(bytes));
      assert.equal(artifact.sha256, sha256(bytes));
      assert.equal(artifact.size, bytes.length);
      assert.equal(artifact.mediaType, 'application/json', 'guessed from the extension');
      assert.deepEqual(await service.list(runId), [artifact]);
      const download = await service.download(runId, artifact.id);
      assert.equal(download.size, bytes.length);
      assert.deepEqual(await collect(download.stream), Buffer.from(bytes));
      assert.deepEqual(await service.resolve(runId, 'eval/report.json'), artifact);
      assert.deepEqual(await service.resolve(runId, artifact.id), artifact);
      assert.deepEqual(await service.delete(runId, artifact.id), artifact);
      await assert.rejects(service.download(runId, artifact.id), isCode('ARTIFACT_NOT_FOUND'));
      await assert.rejects(service.delete(runId, artifact.id), isCode('ARTIFACT_NOT_FOUND'));
    });

    it('checks the request before reading a single byte of the body', async () => {
      const runId = await createRun();
      await service.upload(runId, { name: 'taken.bin' }, chunked(bytesOf(10, 2)));
      const cases: Array<[string, () => Parameters<ArtifactService['upload']>, string]> = [
        ['missing run', () => ['no-such-run', { name: 'a.bin' }, watched.body], 'RUN_NOT_FOUND'],
        ['taken name', () => [runId, { name: 'taken.bin' }, watched.body], 'ARTIFACT_ALREADY_EXISTS'],
        ['hostile name', () => [runId, { name: '../../etc/passwd' }, watched.body], 'INVALID_ARTIFACT_NAME'],
        ['bad media type', () => [runId, { name: 'a.bin', mediaType: 'nonsense' }, watched.body], 'VALIDATION_FAILED'],
        ['bad digest', () => [runId, { name: 'a.bin', sha256: 'abc' }, watched.body], 'VALIDATION_FAILED'],
        ['announced size over the limit', () => [runId, { name: 'a.bin', declaredSize: 65 * MiB }, watched.body], 'PAYLOAD_TOO_LARGE'],
      ];
      let watched = watchedBody(bytesOf(10, 3));
      for (const [label, args, code] of cases) {
        watched = watchedBody(bytesOf(10, 3));
        await assert.rejects(service.upload(...args()), isCode(code), label);
        assert.equal(watched.read(), false, `${label}: body was read`);
      }
    });

    it('refuses an upload over the limit while streaming and records nothing', async () => {
      const small = makeService(0, 1000);
      const runId = await createRun();
      await assert.rejects(small.upload(runId, { name: 'big.bin' }, chunked(bytesOf(1001, 4), 100)), isCode('PAYLOAD_TOO_LARGE'));
      assert.deepEqual(await small.list(runId), []);
      assert.equal(await store.has(sha256(bytesOf(1001, 4))), false);
    });

    it('GC removes exactly the orphaned blobs: shared and model-version blobs stay', async () => {
      await service.sweep(); // start from a store with no orphans
      const runA = await createRun();
      const runB = await createRun();
      const onlyA = bytesOf(5000, 10);
      const shared = bytesOf(5000, 11);
      const forModel = bytesOf(5000, 12);
      const onlyB = bytesOf(5000, 13);
      await service.upload(runA, { name: 'only-a.bin' }, chunked(onlyA));
      await service.upload(runA, { name: 'shared.bin' }, chunked(shared));
      const model = await service.upload(runA, { name: 'model.json' }, chunked(forModel));
      await service.upload(runB, { name: 'shared-copy.bin' }, chunked(shared));
      await service.upload(runB, { name: 'only-b.bin' }, chunked(onlyB));
      await registerVersionWithDigest(model.sha256);
      const tmp = path.join(store.root, 'tmp', `${'c'.repeat(32)}.part`);
      fs.writeFileSync(tmp, 'interrupted upload');
      const old = new Date(Date.now() - 10_000);
      fs.utimesSync(tmp, old, old);

      const nothingYet = await service.sweep();
      assert.deepEqual(nothingYet.deleted, [], 'everything is referenced before the run is deleted');
      assert.equal(nothingYet.temporariesRemoved, 1);

      assert.equal(await tracking.deleteRun(runA), true);
      const report = await service.sweep();
      assert.deepEqual(report.deleted, [sha256(onlyA)]);
      assert.equal(report.bytesFreed, 5000);
      for (const kept of [shared, forModel, onlyB]) assert.equal(await store.has(sha256(kept)), true);
      assert.equal(await store.has(sha256(onlyA)), false);

      // The model still loads (verified) after its run is gone.
      assert.deepEqual(Buffer.from(await service.loadModelArtifact(model.sha256)), Buffer.from(forModel));
      const again = await service.sweep();
      assert.deepEqual(again.deleted, []);
    });

    it('GC spares orphans younger than the grace period', async () => {
      const graceful = makeService(60 * 60 * 1000);
      const runId = await createRun();
      const bytes = bytesOf(777, 20);
      const artifact = await graceful.upload(runId, { name: 'young.bin' }, chunked(bytes));
      await graceful.delete(runId, artifact.id);
      const report = await graceful.sweep();
      assert.equal(report.deleted.includes(artifact.sha256), false);
      assert.ok(report.spared >= 1);
      assert.equal(await store.has(artifact.sha256), true);
      assert.deepEqual((await service.sweep()).deleted.includes(artifact.sha256), true, 'without grace it goes');
    });

    it('sweeps racing uploads never remove a blob an upload is about to record', async () => {
      const graceful = makeService(60_000);
      const runId = await createRun();
      let sweeping = true;
      const sweeps = (async () => {
        let count = 0;
        while (sweeping) {
          await graceful.sweep();
          count++;
        }
        return count;
      })();
      const uploads = await Promise.all(
        Array.from({ length: 20 }, (_, i) => graceful.upload(runId, { name: `race-${i}.bin` }, chunked(bytesOf(20_000 + i, 100 + i), 997))),
      );
      sweeping = false;
      assert.ok((await sweeps) >= 1);
      for (const artifact of uploads) {
        assert.equal(await store.has(artifact.sha256), true, artifact.name);
        assert.deepEqual(Buffer.from(await graceful.loadModelArtifact(artifact.sha256)), Buffer.from(bytesOf(artifact.size, 100 + Number(artifact.name.slice(5, -4)))));
      }
    });

    it('concurrent sweeps share one collection', async () => {
      const [a, b] = await Promise.all([service.sweep(), service.sweep()]);
      assert.equal(a, b);
    });

    it('loads a model only when its bytes match the digest', async () => {
      const runId = await createRun();
      const bytes = bytesOf(4096, 30);
      const artifact = await service.upload(runId, { name: 'weights.json' }, chunked(bytes));
      assert.deepEqual(Buffer.from(await service.loadModelArtifact(artifact.sha256)), Buffer.from(bytes));
      corruptLocalBlob(store, artifact.sha256);
      await assert.rejects(service.loadModelArtifact(artifact.sha256), isCode('ARTIFACT_TAMPERED'));
      await assert.rejects(service.download(runId, artifact.id), isCode('ARTIFACT_TAMPERED'));
      await assert.rejects(service.loadModelArtifact('../../etc/passwd'), isCode('VALIDATION_FAILED'));
    });

    it('serves by digest only what something references', async () => {
      const runId = await createRun();
      const bytes = bytesOf(100, 40);
      const artifact = await service.upload(runId, { name: 'x.txt' }, chunked(bytes));
      const download = await service.downloadByDigest(artifact.sha256);
      assert.equal(download.mediaType, 'text/plain');
      assert.deepEqual(await collect(download.stream), Buffer.from(bytes));
      const loose = await store.put(chunked(bytesOf(100, 41)), { maxBytes: 1000 });
      await assert.rejects(service.downloadByDigest(loose.digest), isCode('ARTIFACT_NOT_FOUND'));
      await assert.rejects(service.downloadByDigest('..%2f..%2fetc%2fpasswd'), isCode('VALIDATION_FAILED'));
    });

    it('checks a digest named for registration exists', async () => {
      const runId = await createRun();
      const artifact = await service.upload(runId, { name: 'm.bin' }, chunked(bytesOf(64, 50)));
      assert.equal(await service.requireBlob(artifact.sha256), artifact.sha256);
      assert.equal(await service.requireBlob(`sha256:${artifact.sha256}`), artifact.sha256);
      await assert.rejects(service.requireBlob(sha256(bytesOf(64, 51)), 'artifactDigest'), isCode('ARTIFACT_NOT_FOUND', 'artifactDigest'));
      await assert.rejects(service.requireBlob('sha256:nope', 'artifactDigest'), isCode('VALIDATION_FAILED', 'artifactDigest'));
    });
  });
}
