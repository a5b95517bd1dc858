import { isDeploymentEnded, type Deployment } from '../../domain/deployments/rollout.js';
import { deploymentChangedEvent } from '../../domain/events.js';
import type { DeploymentFilter, DeploymentStore, StoredDeployment } from '../../domain/ports/deployment-store.js';
import type { SqlDatabase } from './database.js';
import { withRetriedTransaction } from './retried-transaction.js';
import { recordEvents } from './sql-event-outbox.js';
import { isUniqueViolation, toJson } from './sql-errors.js';
import type { DeploymentRow } from './tables/deployments-tables.js';

/** The document is written only by this store, from a domain Deployment. */
function documentOf(text: string): Deployment {
  return JSON.parse(text) as Deployment;
}

function toStored(row: DeploymentRow): StoredDeployment {
  return { deployment: documentOf(row.document), revision: Number(row.revision) };
}

function columns(deployment: Deployment) {
  return {
    state: deployment.state,
    in_flight: isDeploymentEnded(deployment) ? null : 1,
    document: toJson(deployment),
    updated_at: deployment.updatedAt,
    ended_at: deployment.endedAt,
  };
}

/** DeploymentStore on the SQL store; each write records its deployment-changed event in the same transaction. */
export class SqlDeploymentStore implements DeploymentStore {
  constructor(private readonly database: SqlDatabase) {}

  private get db() {
    return this.database.db;
  }

  async create(deployment: Deployment): Promise<{ created: true } | { created: false; inFlight: Deployment }> {
    try {
      await withRetriedTransaction(this.db, async (trx) => {
        await trx
          .insertInto('deployments')
          .values({
            id: deployment.id,
            model: deployment.model,
            strategy: deployment.strategy,
            candidate: deployment.candidate,
            baseline: deployment.baseline,
            revision: 1,
            created_at: deployment.createdAt,
            ...columns(deployment),
          })
          .execute();
        await recordEvents(trx, this.database.dialect, [deploymentChangedEvent(deployment)]);
      });
      return { created: true };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // The unique index on (model, in_flight) saw another deployment of the model in flight.
      const current = await this.inFlight(deployment.model);
      if (current === undefined) throw error;
      return { created: false, inFlight: current.deployment };
    }
  }

  async get(id: string): Promise<StoredDeployment | undefined> {
    const row = await this.db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toStored(row);
  }

  async inFlight(model: string): Promise<StoredDeployment | undefined> {
    const row = await this.db.selectFrom('deployments').selectAll().where('model', '=', model).where('in_flight', '=', 1).executeTakeFirst();
    return row === undefined ? undefined : toStored(row);
  }

  async list(filter: DeploymentFilter): Promise<Deployment[]> {
    let query = this.db.selectFrom('deployments').select('document');
    if (filter.model !== undefined) query = query.where('model', '=', filter.model);
    if (filter.inFlight === true) query = query.where('in_flight', '=', 1);
    if (filter.inFlight === false) query = query.where('in_flight', 'is', null);
    const version = filter.version;
    if (version !== undefined) query = query.where((eb) => eb.or([eb('candidate', '=', version), eb('baseline', '=', version)]));
    const before = filter.before;
    if (before !== undefined) {
      query = query.where((eb) => eb.or([eb('created_at', '<', before.createdAt), eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)])]));
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
    return rows.map((row) => documentOf(row.document));
  }

  async replace(next: Deployment, revision: number): Promise<boolean> {
    return withRetriedTransaction(this.db, async (trx) => {
      const result = await trx
        .updateTable('deployments')
        .set({ ...columns(next), revision: revision + 1 })
        .where('id', '=', next.id)
        .where('revision', '=', revision)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await recordEvents(trx, this.database.dialect, [deploymentChangedEvent(next)]);
      return true;
    });
  }
}
