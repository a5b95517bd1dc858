import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { WardenError } from '../../domain/errors.js';
import type { TrackingStore } from '../../domain/ports/tracking-store.js';
import type { Experiment } from '../../domain/tracking/experiment.js';
import { assertParamsWriteOnce, latestPerKey, type LogBatch, type MetricPoint } from '../../domain/tracking/run-data.js';
import { assertRunAcceptsData, STATUSES_ACCEPTING_DATA, type NewRun, type ResourceUsage, type Run, type RunInfo, type RunStatus, type RunUpdatePlan } from '../../domain/tracking/run.js';
import { nextPageToken, type RunFilterClause, type RunSearchPage, type RunSearchQuery } from '../../domain/tracking/run-search.js';
import type { SqlDatabase, SqlDialect } from './database.js';
import type { DatabaseSchema } from './schema.js';
import { fromJson, isForeignKeyViolation, isUniqueViolation, toJson } from './sql-errors.js';
import { withRetriedTransaction } from './retried-transaction.js';
import type { ExperimentRow, RunRow } from './tables/tracking-tables.js';

type Db = Kysely<DatabaseSchema> | Transaction<DatabaseSchema>;

/** Ids per `IN (…)` list when loading the data of a page of runs. */
const ID_CHUNK = 1_000;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function toExperiment(row: ExperimentRow): Experiment {
  return { id: row.id, name: row.name, description: row.description, tags: fromJson(row.tags, {}), createdAt: Number(row.created_at) };
}

function toRunInfo(row: RunRow): RunInfo {
  return {
    id: row.id,
    experimentId: row.experiment_id,
    name: row.name,
    status: row.status as RunStatus,
    startTime: Number(row.start_time),
    endTime: row.end_time === null ? null : Number(row.end_time),
    resourceUsage: fromJson<ResourceUsage | null>(row.resource_usage, null),
  };
}

function runNotFound(id: string): WardenError {
  return new WardenError('RUN_NOT_FOUND', `no run has id "${id}"`, { field: 'runId' });
}

/** The TrackingStore on SQLite or PostgreSQL (see the port for the guarantees). */
export class SqlTrackingStore implements TrackingStore {
  private readonly db: Kysely<DatabaseSchema>;
  private readonly dialect: SqlDialect;

  constructor(database: SqlDatabase) {
    this.db = database.db;
    this.dialect = database.dialect;
  }

  async createExperiment(experiment: Experiment): Promise<void> {
    try {
      await this.db
        .insertInto('experiments')
        .values({
          id: experiment.id,
          name: experiment.name,
          description: experiment.description,
          tags: toJson(experiment.tags),
          created_at: experiment.createdAt,
        })
        .execute();
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new WardenError('EXPERIMENT_ALREADY_EXISTS', `an experiment named "${experiment.name}" already exists`, { field: 'name', cause: error });
      }
      throw error;
    }
  }

  async getExperiment(id: string): Promise<Experiment | undefined> {
    const row = await this.db.selectFrom('experiments').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toExperiment(row);
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    const row = await this.db.selectFrom('experiments').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toExperiment(row);
  }

  async listExperiments(offset: number, limit: number): Promise<Experiment[]> {
    const rows = await this.db.selectFrom('experiments').selectAll().orderBy('name').limit(limit).offset(offset).execute();
    return rows.map(toExperiment);
  }

  async createRun(run: NewRun): Promise<Run> {
    const { info, tags } = run;
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('runs')
          .values({
            id: info.id,
            experiment_id: info.experimentId,
            name: info.name,
            status: info.status,
            start_time: info.startTime,
            end_time: info.endTime,
            resource_usage: info.resourceUsage === null ? null : toJson(info.resourceUsage),
          })
          .execute();
        const tagRows = Object.entries(tags).map(([key, value]) => ({ run_id: info.id, key, value }));
        if (tagRows.length > 0) await trx.insertInto('run_tags').values(tagRows).execute();
      });
    } catch (error) {
      if (isForeignKeyViolation(error)) {
        throw new WardenError('EXPERIMENT_NOT_FOUND', `no experiment has id "${info.experimentId}"`, { field: 'experimentId', cause: error });
      }
      throw error;
    }
    return { ...info, params: {}, tags: { ...tags }, metrics: {} };
  }

  async getRunInfo(id: string): Promise<RunInfo | undefined> {
    const row = await this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRunInfo(row);
  }

  async getRun(id: string): Promise<Run | undefined> {
    const info = await this.getRunInfo(id);
    if (info === undefined) return undefined;
    const [run] = await this.withData(this.db, [info]);
    return run;
  }

  async updateRun(id: string, plan: RunUpdatePlan): Promise<RunInfo> {
    const { changes } = plan;
    const set: Partial<RunRow> = {};
    if (changes.status !== undefined) set.status = changes.status;
    if (changes.endTime !== undefined) set.end_time = changes.endTime;
    if (changes.name !== undefined) set.name = changes.name;
    if (changes.resourceUsage !== undefined) set.resource_usage = toJson(changes.resourceUsage);
    if (Object.keys(set).length > 0) {
      // The status guard makes the update conditional: a run that ended meanwhile is not overwritten.
      const result = await this.db.updateTable('runs').set(set).where('id', '=', id).where('status', '=', plan.expectedStatus).executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) {
        const current = await this.getRunInfo(id);
        if (current === undefined) throw runNotFound(id);
        throw new WardenError('VERSION_CONFLICT', `run ${id} changed to ${current.status} while it was being updated; read it again and retry`, {
          field: 'status',
          details: { expected: plan.expectedStatus, actual: current.status },
        });
      }
    }
    const updated = await this.getRunInfo(id);
    if (updated === undefined) throw runNotFound(id);
    return updated;
  }

  async logBatch(runId: string, batch: LogBatch): Promise<void> {
    if (batch.metrics.length === 0 && batch.params.length === 0 && batch.tags.length === 0) {
      if ((await this.getRunInfo(runId)) === undefined) throw runNotFound(runId);
      return;
    }
    const inOneStatement = this.dialect.logBatchInOneStatement;
    // The hot path of training loops (no params): one round trip where the dialect can.
    if (inOneStatement !== undefined && batch.params.length === 0) {
      const latest = latestPerKey(batch.metrics);
      const status = await inOneStatement(this.db, runId, { metrics: batch.metrics, latest, tags: batch.tags, accepting: STATUSES_ACCEPTING_DATA });
      if (status === undefined) throw runNotFound(runId);
      // Nothing was written unless the run accepted the batch: the domain rule judges the status read back.
      assertRunAcceptsData({ id: runId, status: status as RunStatus }, { metrics: batch.metrics.length, params: 0 });
      return;
    }
    try {
      // Retried: on SQLite a batch that read the run before another process wrote cannot
      // upgrade to a writer (SQLITE_BUSY_SNAPSHOT); a fresh snapshot can.
      await withRetriedTransaction(this.db, async (trx) => {
        // Shared: batches run side by side, a status change waits for them.
        const run = await this.dialect.forShare(trx.selectFrom('runs').select(['id', 'status']).where('id', '=', runId)).executeTakeFirst();
        if (run === undefined) throw runNotFound(runId);
        assertRunAcceptsData({ id: run.id, status: run.status as RunStatus }, { metrics: batch.metrics.length, params: batch.params.length });
        if (batch.params.length > 0) await this.writeParams(trx, runId, batch);
        if (batch.tags.length > 0) await this.writeTags(trx, runId, batch);
        if (batch.metrics.length > 0) await this.writeMetrics(trx, runId, batch.metrics);
      });
    } catch (error) {
      // The run was deleted between the check and the insert.
      if (isForeignKeyViolation(error)) throw runNotFound(runId);
      throw error;
    }
  }

  private async writeParams(trx: Transaction<DatabaseSchema>, runId: string, batch: LogBatch): Promise<void> {
    await trx
      .insertInto('run_params')
      .values(batch.params.map((p) => ({ run_id: runId, key: p.key, value: p.value })))
      .onConflict((oc) => oc.columns(['run_id', 'key']).doNothing())
      .execute();
    // Read back after inserting: a concurrent batch that won the race for a key is seen here.
    const stored = await trx
      .selectFrom('run_params')
      .select(['key', 'value'])
      .where('run_id', '=', runId)
      .where(
        'key',
        'in',
        batch.params.map((p) => p.key),
      )
      .execute();
    assertParamsWriteOnce(batch.params, new Map(stored.map((r) => [r.key, r.value])));
  }

  private async writeTags(trx: Transaction<DatabaseSchema>, runId: string, batch: LogBatch): Promise<void> {
    await trx
      .insertInto('run_tags')
      .values(batch.tags.map((t) => ({ run_id: runId, key: t.key, value: t.value })))
      .onConflict((oc) => oc.columns(['run_id', 'key']).doUpdateSet({ value: (eb) => eb.ref('excluded.value') }))
      .execute();
  }

  private async writeMetrics(trx: Transaction<DatabaseSchema>, runId: string, metrics: readonly MetricPoint[]): Promise<void> {
    const rows = metrics.map((m) => ({ run_id: runId, key: m.key, value: m.value, step: m.step, timestamp: m.timestamp }));
    for (const chunk of chunks(rows, Math.floor(this.dialect.maxParameters / 5))) {
      await trx.insertInto('run_metrics').values(chunk).execute();
    }
    // One row per key (PostgreSQL refuses to upsert the same row twice in one statement).
    const latest = latestPerKey(metrics).map((m) => ({ run_id: runId, key: m.key, value: m.value, step: m.step, timestamp: m.timestamp }));
    for (const chunk of chunks(latest, Math.floor(this.dialect.maxParameters / 5))) {
      await trx
        .insertInto('run_latest_metrics')
        .values(chunk)
        .onConflict((oc) =>
          oc
            .columns(['run_id', 'key'])
            .doUpdateSet({
              value: (eb) => eb.ref('excluded.value'),
              step: (eb) => eb.ref('excluded.step'),
              timestamp: (eb) => eb.ref('excluded.timestamp'),
            })
            // Same order as domain isLaterPoint: step, then timestamp, then value.
            .where(
              sql<boolean>`(excluded.step, excluded."timestamp", excluded.value) > (run_latest_metrics.step, run_latest_metrics."timestamp", run_latest_metrics.value)`,
            ),
        )
        .execute();
    }
  }

  async getMetricHistory(runId: string, key: string, offset: number, limit: number): Promise<MetricPoint[]> {
    const rows = await this.db
      .selectFrom('run_metrics')
      .select(['key', 'value', 'step', 'timestamp'])
      .where('run_id', '=', runId)
      .where('key', '=', key)
      .orderBy('step')
      .orderBy('timestamp')
      .orderBy('value')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map((r) => ({ key: r.key, value: Number(r.value), step: Number(r.step), timestamp: Number(r.timestamp) }));
  }

  async searchRuns(query: RunSearchQuery): Promise<RunSearchPage<Run>> {
    const joins: RawBuilder<unknown>[] = [];
    const wheres: RawBuilder<unknown>[] = [];
    query.filter.forEach((clause, i) => addClause(clause, i, joins, wheres));
    if (query.experimentIds.length > 0) wheres.push(sql`r.experiment_id in (${sql.join(query.experimentIds)})`);

    let sortValue: RawBuilder<unknown> = sql`null`;
    const direction = sql.raw(query.orderBy.direction === 'ASC' ? 'asc' : 'desc');
    const orderKind = query.orderBy.kind;
    // When a filter clause already requires the order metric, every row has it: order by that
    // join's value (no second join, no nulls), which lets the (key, value) index feed the order.
    let sortNeverNull = false;
    if (orderKind === 'metric') {
      const orderKey = query.orderBy.key;
      const filtered = query.filter.findIndex((clause) => clause.kind === 'metric' && clause.key === orderKey);
      if (filtered >= 0) {
        sortValue = sql.ref(`f${filtered}.value`);
        sortNeverNull = true;
      } else {
        joins.push(sql`left join run_latest_metrics o on o.run_id = r.id and o.key = ${orderKey}`);
        sortValue = sql`o.value`;
      }
    }
    // The same order inside (to pick the page) and outside (to return it): `sort` is o.value / m.sort_value.
    const orderOf = (t: string, sort: RawBuilder<unknown>): RawBuilder<unknown> => {
      const c = (column: string) => sql.ref(`${t}.${column}`);
      // Runs without the metric (or not ended) come last in either direction.
      if (orderKind === 'metric' && sortNeverNull) return sql`${sort} ${direction}, ${c('start_time')} desc, ${c('id')}`;
      if (orderKind === 'metric') return sql`(${sort} is null), ${sort} ${direction}, ${c('start_time')} desc, ${c('id')}`;
      if (orderKind === 'end_time') return sql`(${c('end_time')} is null), ${c('end_time')} ${direction}, ${c('id')}`;
      return sql`${c(orderKind)} ${direction}, ${c('id')}`;
    };
    const where = wheres.length > 0 ? sql`where ${sql.join(wheres, sql` and `)}` : sql``;
    // One row more than the page: it only tells whether another page exists.
    const page = sql`select r.*, ${sortValue} as sort_value from runs r ${sql.join(joins, sql` `)} ${where} order by ${orderOf('r', sortValue)} limit ${query.limit + 1} offset ${query.offset}`;
    // Each run's params, tags and latest metrics come aggregated as JSON objects, computed
    // for the page's rows only: one query and one row per run instead of thousands of rows.
    const agg = this.dialect.jsonAggregate;
    const result = await sql<RunRow & { params_json: unknown; tags_json: unknown; metrics_json: unknown }>`
      select m.*,
        (select ${agg.object}(p.key, p.value) from run_params p where p.run_id = m.id) as params_json,
        (select ${agg.object}(t.key, t.value) from run_tags t where t.run_id = m.id) as tags_json,
        (select ${agg.object}(l.key, ${agg.array}(l.value, l.step, l."timestamp")) from run_latest_metrics l where l.run_id = m.id) as metrics_json
      from (${page}) m
      order by ${orderOf('m', sql`m.sort_value`)}`.execute(this.db);
    // Null over no rows.
    const jsonColumn = <T extends object>(value: unknown): T => (value === null || value === undefined ? {} : this.dialect.readJsonAggregate(value)) as T;
    const runs = result.rows.slice(0, query.limit).map((row): Run => {
      const metrics: Record<string, MetricPoint> = {};
      for (const [key, [value, step, timestamp]] of Object.entries(jsonColumn<Record<string, [number, number, number]>>(row.metrics_json))) {
        metrics[key] = { key, value: Number(value), step: Number(step), timestamp: Number(timestamp) };
      }
      return { ...toRunInfo(row), params: jsonColumn(row.params_json), tags: jsonColumn(row.tags_json), metrics };
    });
    const token = nextPageToken(query, result.rows.length);
    return token === undefined ? { runs } : { runs, nextPageToken: token };
  }

  async deleteRun(id: string): Promise<boolean> {
    // Children are removed by ON DELETE CASCADE in the same statement's transaction.
    const result = await this.db.deleteFrom('runs').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Loads params, tags and latest metrics for `infos` with three queries per chunk of ids. */
  private async withData(db: Db, infos: readonly RunInfo[]): Promise<Run[]> {
    if (infos.length === 0) return [];
    const params = new Map<string, Record<string, string>>();
    const tags = new Map<string, Record<string, string>>();
    const metrics = new Map<string, Record<string, MetricPoint>>();
    for (const info of infos) {
      params.set(info.id, {});
      tags.set(info.id, {});
      metrics.set(info.id, {});
    }
    for (const ids of chunks(
      infos.map((i) => i.id),
      ID_CHUNK,
    )) {
      const [paramRows, tagRows, metricRows] = await Promise.all([
        db.selectFrom('run_params').select(['run_id', 'key', 'value']).where('run_id', 'in', ids).execute(),
        db.selectFrom('run_tags').select(['run_id', 'key', 'value']).where('run_id', 'in', ids).execute(),
        db.selectFrom('run_latest_metrics').select(['run_id', 'key', 'value', 'step', 'timestamp']).where('run_id', 'in', ids).execute(),
      ]);
      for (const r of paramRows) (params.get(r.run_id) as Record<string, string>)[r.key] = r.value;
      for (const r of tagRows) (tags.get(r.run_id) as Record<string, string>)[r.key] = r.value;
      for (const r of metricRows) {
        (metrics.get(r.run_id) as Record<string, MetricPoint>)[r.key] = { key: r.key, value: Number(r.value), step: Number(r.step), timestamp: Number(r.timestamp) };
      }
    }
    return infos.map((info) => ({
      ...info,
      params: params.get(info.id) ?? {},
      tags: tags.get(info.id) ?? {},
      metrics: metrics.get(info.id) ?? {},
    }));
  }
}


const SQL_OPERATORS: Readonly<Record<string, string>> = { '=': '=', '!=': '<>', '>': '>', '>=': '>=', '<': '<', '<=': '<=' };

/** Translates one filter clause into a join (metrics, params, tags) or a where condition (attributes). */
function addClause(clause: RunFilterClause, i: number, joins: RawBuilder<unknown>[], wheres: RawBuilder<unknown>[]): void {
  const op = sql.raw(SQL_OPERATORS[clause.op] as string);
  const alias = sql.raw(`f${i}`);
  switch (clause.kind) {
    case 'metric':
      joins.push(sql`join run_latest_metrics ${alias} on ${alias}.run_id = r.id and ${alias}.key = ${clause.key} and ${alias}.value ${op} ${clause.value}`);
      return;
    case 'param':
      joins.push(sql`join run_params ${alias} on ${alias}.run_id = r.id and ${alias}.key = ${clause.key} and ${alias}.value ${op} ${clause.value}`);
      return;
    case 'tag':
      joins.push(sql`join run_tags ${alias} on ${alias}.run_id = r.id and ${alias}.key = ${clause.key} and ${alias}.value ${op} ${clause.value}`);
      return;
    case 'status':
      wheres.push(sql`r.status ${op} ${clause.value}`);
      return;
    case 'name':
      wheres.push(sql`r.name ${op} ${clause.value}`);
      return;
    case 'start_time':
      wheres.push(sql`r.start_time ${op} ${clause.value}`);
      return;
    case 'end_time':
      wheres.push(sql`r.end_time ${op} ${clause.value}`);
      return;
  }
}
