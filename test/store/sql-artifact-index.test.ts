import { randomBytes } from 'node:crypto';
import { SqlArtifactIndex } from '../../src/store/sql/sql-artifact-index.js';
import { artifactIndexContract } from '../contract/artifact-index.contract.js';
import { STORE_KINDS, openTestDatabase } from '../support/stores.js';

const id = () => randomBytes(8).toString('hex');

for (const kind of STORE_KINDS) {
  artifactIndexContract(kind, async () => {
    const test = await openTestDatabase(kind);
    const db = test.database.db;
    const now = Date.now();
    const experimentId = id();
    await db.insertInto('experiments').values({ id: experimentId, name: `exp-${experimentId}`, description: '', tags: '{}', created_at: now }).execute();
    const modelId = id();
    await db
      .insertInto('registered_models')
      .values({ id: modelId, name: `m-${modelId}`, task: 'spam', description: '', tags: '{}', policy: '{}', recipe: null, latest_version: 0, created_at: now, updated_at: now })
      .execute();
    let versionNumber = 0;
    return {
      index: new SqlArtifactIndex(test.database),
      async createRun() {
        const runId = id();
        await db.insertInto('runs').values({ id: runId, experiment_id: experimentId, name: 'r', status: 'RUNNING', start_time: now, end_time: null, resource_usage: null }).execute();
        return runId;
      },
      async deleteRun(runId) {
        await db.deleteFrom('runs').where('id', '=', runId).execute();
      },
      async createModelVersion(digest) {
        const versionId = id();
        versionNumber++;
        await db
          .insertInto('model_versions')
          .values({
            id: versionId, model_id: modelId, number: versionNumber, semver: `v${versionNumber}.0`, major: versionNumber, minor: 0,
            stage: 'None', status: 'READY', description: '', metrics: '{}', tags: '{}', parent_version_id: null, retraining_count: 0,
            dataset_digests: '[]', resource_usage: '{}', recipe_fingerprint: null, source_run_id: null, artifact_digest: digest,
            created_at: now, updated_at: now,
          })
          .execute();
        return { remove: async () => void (await db.deleteFrom('model_versions').where('id', '=', versionId).execute()) };
      },
      async createDatasetVersion(digest) {
        const datasetId = id();
        await db
          .insertInto('datasets')
          .values({
            id: datasetId, name: `d-${datasetId}`, version: 1, sha256: digest, row_count: 1, positives: 1, negatives: 0, byte_size: 10,
            origin: 'file', source_files: '[]', parent_digests: '[]', description: '', created_at: now,
          })
          .execute();
        return { remove: async () => void (await db.deleteFrom('datasets').where('id', '=', datasetId).execute()) };
      },
      cleanup: () => test.cleanup(),
    };
  });
}
