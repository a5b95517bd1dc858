import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { parseSha256Digest } from '../../src/domain/artifacts.js';
import { canonicalDigestsMigration } from '../../src/store/sql/migrations/0007-canonical-digests.js';
import { SqlArtifactIndex } from '../../src/store/sql/sql-artifact-index.js';
import { SqlRegistryStore } from '../../src/store/sql/sql-registry-store.js';
import { STORE_KINDS, openTestDatabase, type TestDatabase } from '../support/stores.js';

const id = () => randomBytes(8).toString('hex');

for (const kind of STORE_KINDS) {
  describe(`migration 0007-canonical-digests on ${kind}`, () => {
    let test: TestDatabase;
    before(async () => {
      test = await openTestDatabase(kind);
    });
    after(async () => test.cleanup());

    it('rewrites sha256:-prefixed digests an older build stored, so gc sees the blob as referenced', async () => {
      const db = test.database.db;
      const now = Date.now();
      const modelId = id();
      const name = `m-${modelId}`;
      const [a, b, c] = [parseSha256Digest('a'.repeat(64)), parseSha256Digest('b'.repeat(64)), parseSha256Digest('c'.repeat(64))];
      await db
        .insertInto('registered_models')
        .values({ id: modelId, name, task: 'spam', description: '', tags: '{}', policy: '{}', recipe: null, latest_version: 2, created_at: now, updated_at: now })
        .execute();
      const version = (number: number, artifact: string | null, datasets: string[]) => ({
        id: id(), model_id: modelId, number, semver: `v${number}.0`, major: number, minor: 0, stage: 'None', status: 'READY', description: '',
        metrics: '{}', tags: '{}', parent_version_id: null, retraining_count: 0, dataset_digests: JSON.stringify(datasets), resource_usage: '{}',
        recipe_fingerprint: null, source_run_id: null, artifact_digest: artifact, created_at: now, updated_at: now,
      });
      // What an older build stored: the prefixed spelling next to bare ones.
      await db.insertInto('model_versions').values([version(1, `sha256:${a}`, [`sha256:${b}`, c]), version(2, c, [])]).execute();
      const index = new SqlArtifactIndex(test.database);
      assert.equal(await index.isReferenced(a), false, 'the bug: the prefixed digest does not reference its blob');

      await canonicalDigestsMigration.up(db);

      assert.equal(await index.isReferenced(a), true);
      assert.equal((await index.referencedDigests()).has(a), true);
      const store = new SqlRegistryStore(test.database);
      const v1 = await store.getVersion(name, { kind: 'number', number: 1 });
      assert.equal(v1.artifactDigest, a);
      assert.deepEqual(v1.datasetDigests, [b, c]);
      const v2 = await store.getVersion(name, { kind: 'number', number: 2 });
      assert.equal(v2.artifactDigest, c);
      assert.deepEqual(v2.datasetDigests, []);
    });
  });
}
