import type { JsonObject } from '../../domain/jobs.js';
import type { MonitoringStore, ProcessHeartbeat } from '../../domain/ports/monitoring-store.js';
import type { ProcessResources } from '../../domain/ports/resource-meter.js';
import type { SqlDatabase } from './database.js';

/** MonitoringStore on `monitoring_snapshots`, `monitoring_detectors` and `process_heartbeats` (SQLite and PostgreSQL): one row per key, replaced on save. */
export class SqlMonitoringStore implements MonitoringStore {
  constructor(private readonly database: SqlDatabase) {}

  async saveSnapshot(model: string, evaluatedAt: number, snapshot: JsonObject): Promise<void> {
    const text = JSON.stringify(snapshot);
    await this.database.db
      .insertInto('monitoring_snapshots')
      .values({ model, evaluated_at: evaluatedAt, snapshot: text })
      .onConflict((oc) => oc.column('model').doUpdateSet({ evaluated_at: evaluatedAt, snapshot: text }))
      .execute();
  }

  async snapshot(model: string): Promise<{ evaluatedAt: number; snapshot: JsonObject } | undefined> {
    const row = await this.database.db.selectFrom('monitoring_snapshots').selectAll().where('model', '=', model).executeTakeFirst();
    return row === undefined ? undefined : { evaluatedAt: Number(row.evaluated_at), snapshot: JSON.parse(row.snapshot) as JsonObject };
  }

  async snapshots(): Promise<Array<{ model: string; evaluatedAt: number; snapshot: JsonObject }>> {
    const rows = await this.database.db.selectFrom('monitoring_snapshots').selectAll().orderBy('model').execute();
    return rows.map((row) => ({ model: row.model, evaluatedAt: Number(row.evaluated_at), snapshot: JSON.parse(row.snapshot) as JsonObject }));
  }

  async detectorState(key: string): Promise<JsonObject | undefined> {
    const row = await this.database.db.selectFrom('monitoring_detectors').select('state').where('key', '=', key).executeTakeFirst();
    return row === undefined ? undefined : (JSON.parse(row.state) as JsonObject);
  }

  async saveDetectorState(key: string, model: string, updatedAt: number, state: JsonObject): Promise<void> {
    const text = JSON.stringify(state);
    await this.database.db
      .insertInto('monitoring_detectors')
      .values({ key, model, updated_at: updatedAt, state: text })
      .onConflict((oc) => oc.column('key').doUpdateSet({ updated_at: updatedAt, state: text }))
      .execute();
  }

  async beat(heartbeat: ProcessHeartbeat, now: number): Promise<void> {
    const resources = JSON.stringify(heartbeat.resources);
    const row = { id: heartbeat.id, host: heartbeat.host, pid: heartbeat.pid, roles: JSON.stringify(heartbeat.roles), started_at: heartbeat.startedAt, expires_at: heartbeat.expiresAt, resources };
    await this.database.db
      .insertInto('process_heartbeats')
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet({ expires_at: heartbeat.expiresAt, resources }))
      .execute();
    await this.database.db.deleteFrom('process_heartbeats').where('expires_at', '<=', now).execute();
  }

  async liveProcesses(now: number): Promise<ProcessHeartbeat[]> {
    const rows = await this.database.db.selectFrom('process_heartbeats').selectAll().where('expires_at', '>', now).orderBy('started_at').orderBy('id').execute();
    return rows.map((row) => ({
      id: row.id,
      host: row.host,
      pid: Number(row.pid),
      roles: JSON.parse(row.roles) as string[],
      startedAt: Number(row.started_at),
      expiresAt: Number(row.expires_at),
      resources: JSON.parse(row.resources) as ProcessResources,
    }));
  }

  async endProcess(id: string): Promise<void> {
    await this.database.db.deleteFrom('process_heartbeats').where('id', '=', id).execute();
  }
}
