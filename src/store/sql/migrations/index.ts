import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import { WardenError } from '../../../domain/errors.js';
import type { SqlDatabase } from '../database.js';
import { registryMigration } from './0001-registry.js';
import { trackingMigration } from './0002-tracking.js';
import { artifactsMigration } from './0003-artifacts.js';
import { jobsMigration } from './0004-jobs.js';
import { datasetsMigration } from './0005-datasets.js';
import { registryIndexesMigration } from './0006-registry-indexes.js';
import { canonicalDigestsMigration } from './0007-canonical-digests.js';
import { tokenNamesMigration } from './0008-token-names.js';
import { jobDedupeKeysMigration } from './0009-job-dedupe-keys.js';
import { eventOutboxMigration } from './0010-event-outbox.js';
import { outboxTypeIndexMigration } from './0011-outbox-type-index.js';
import { predictionsMigration } from './0012-predictions.js';
import { deploymentsMigration } from './0013-deployments.js';
import { redteamMigration } from './0014-redteam.js';
import { alertsMigration } from './0015-alerts.js';
import { predictionErrorsMigration } from './0016-prediction-errors.js';
import { retrainingMigration } from './0017-retraining.js';
import { monitoringMigration } from './0018-monitoring.js';
import { processHeartbeatsMigration } from './0019-process-heartbeats.js';
import { normalizationGapMigration } from './0020-normalization-gap.js';
import { labelledPredictionsIndexMigration } from './0021-labelled-predictions-index.js';

/**
 * The one migration stream for SQLite and PostgreSQL, in order. Append only:
 * a released migration is never edited. Each area owns its own file.
 */
const MIGRATIONS: ReadonlyArray<readonly [string, Migration]> = [
  ['0001-registry', registryMigration],
  ['0002-tracking', trackingMigration],
  ['0003-artifacts', artifactsMigration],
  ['0004-jobs', jobsMigration],
  ['0005-datasets', datasetsMigration],
  ['0006-registry-indexes', registryIndexesMigration],
  ['0007-canonical-digests', canonicalDigestsMigration],
  ['0008-token-names', tokenNamesMigration],
  ['0009-job-dedupe-keys', jobDedupeKeysMigration],
  ['0010-event-outbox', eventOutboxMigration],
  ['0011-outbox-type-index', outboxTypeIndexMigration],
  ['0012-predictions', predictionsMigration],
  ['0013-deployments', deploymentsMigration],
  ['0014-redteam', redteamMigration],
  ['0015-alerts', alertsMigration],
  ['0016-prediction-errors', predictionErrorsMigration],
  ['0017-retraining', retrainingMigration],
  ['0018-monitoring', monitoringMigration],
  ['0019-process-heartbeats', processHeartbeatsMigration],
  ['0020-normalization-gap', normalizationGapMigration],
  ['0021-labelled-predictions-index', labelledPredictionsIndexMigration],
];

class InCodeMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(MIGRATIONS);
  }
}

async function migrator(database: SqlDatabase): Promise<Migrator> {
  const migrationTableSchema = await database.dialect.migrationTableSchema(database.db);
  return new Migrator({ db: database.db, provider: new InCodeMigrationProvider(), ...(migrationTableSchema ? { migrationTableSchema } : {}) });
}

/** Applies every pending migration; returns the names applied. */
export async function migrateToLatest(database: SqlDatabase): Promise<string[]> {
  let outcome = await (await migrator(database)).migrateToLatest();
  // Only a run that failed before any migration did (Kysely's bookkeeping checks): a
  // migration's own error is this database's and running it again cannot help.
  const transient = (): boolean => database.dialect.isTransientMigrationError(outcome.error) && !(outcome.results ?? []).some((r) => r.status === 'Error');
  for (let retry = 0; retry < 5 && transient(); retry++) {
    outcome = await (await migrator(database)).migrateToLatest();
  }
  const { error, results } = outcome;
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new WardenError('STORE_UNAVAILABLE', `migration ${failed} failed: ${(error as Error).message}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of migrations this build knows but the database has not applied. */
export async function pendingMigrations(database: SqlDatabase): Promise<string[]> {
  const all = await (await migrator(database)).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
