import type { Kysely, Selectable, SelectQueryBuilder } from 'kysely';
import { jobFinishedEvents } from '../../domain/events.js';
import {
  encodePageToken,
  parseJobFilter,
  type AttemptDecision,
  type Job,
  type JobError,
  type JobFilter,
  type JobKind,
  type JobLogLine,
  type JobPage,
  type JobProgress,
  type JobState,
  type JsonObject,
  type JsonValue,
  type NewJob,
  type RecoveryDecision,
} from '../../domain/jobs.js';
import type { JobLease, JobStore } from '../../domain/ports/job-store.js';
import type { SqlDatabase } from './database.js';
import type { DatabaseSchema } from './schema.js';
import { fromJson, isUniqueViolation, toJson } from './sql-errors.js';
import { withRetriedTransaction } from './retried-transaction.js';
import { recordEvents } from './sql-event-outbox.js';
import type { JobRow } from './tables/jobs-tables.js';

const MAX_LOG_LINE = 4_000; // characters; longer lines are cut, a log is for people

/** The job record store on SQLite or PostgreSQL. Every guarded write is one statement. */
export class SqlJobStore implements JobStore {
  constructor(private readonly database: SqlDatabase) {}

  private get db() {
    return this.database.db;
  }

  async create(job: NewJob): Promise<{ job: Job; created: boolean }> {
    const existing = await this.sameWork(job);
    if (existing) return { job: existing, created: false };
    let row: Selectable<JobRow>;
    try {
      // The row as inserted, not read back after: a worker polling the store may claim the job
      // in between, and the enqueuer would be told its new job is already running.
      row = await this.db
        .insertInto('jobs')
        .values({
          id: job.id,
          kind: job.kind,
          state: 'queued',
          payload: toJson(job.payload),
          result: null,
          error: null,
          attempts: 0,
          max_attempts: job.maxAttempts,
          idempotency_key: job.idempotencyKey,
          dedupe_key: job.dedupeKey,
          progress: null,
          cancel_requested: 0,
          run_at: job.runAt,
          worker_id: null,
          lease_until: null,
          revision: 1,
          created_at: job.createdAt,
          started_at: null,
          finished_at: null,
          updated_at: job.createdAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    } catch (error) {
      // A concurrent enqueue with the same key won the insert: return its job.
      if (isUniqueViolation(error)) {
        const winner = await this.sameWork(job);
        if (winner) return { job: winner, created: false };
      }
      throw error;
    }
    return { job: toJob(row), created: true };
  }

  /** The job that already holds this job's idempotency key, or its dedupe key while queued or running. */
  private async sameWork(job: NewJob): Promise<Job | undefined> {
    if (job.idempotencyKey !== null) {
      const existing = await this.byKey(job.idempotencyKey);
      if (existing) return existing;
    }
    if (job.dedupeKey === null) return undefined;
    const active = await this.db.selectFrom('jobs').selectAll().where('dedupe_key', '=', job.dedupeKey).where('state', 'in', ['queued', 'running']).executeTakeFirst();
    return active ? toJob(active) : undefined;
  }

  private async byKey(key: string): Promise<Job | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
    return row ? toJob(row) : undefined;
  }

  async get(id: string): Promise<Job | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toJob(row) : undefined;
  }

  async list(filter: JobFilter): Promise<JobPage> {
    const { kinds, state, limit, after } = parseJobFilter(filter);
    let query = this.db.selectFrom('jobs').selectAll();
    if (kinds) query = query.where('kind', 'in', kinds);
    if (state) query = query.where('state', '=', state);
    if (after) {
      query = query.where((eb) =>
        eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]),
      );
    }
    // One extra row tells whether another page exists.
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    const items = rows.slice(0, limit).map(toJob);
    const last = items[items.length - 1];
    return rows.length > limit && last ? { items, nextPageToken: encodePageToken(last) } : { items };
  }

  async claimNext(kinds: readonly JobKind[], lease: JobLease): Promise<Job | undefined> {
    if (kinds.length === 0) return undefined;
    // One statement picks and marks the job, so two claimers never both get it; the dialect
    // lets concurrent claimers pass each other instead of queueing on one row.
    const next = this.db
      .selectFrom('jobs')
      .select('id')
      .where('state', '=', 'queued')
      .where('run_at', '<=', lease.now)
      .where('kind', 'in', [...kinds])
      .orderBy('run_at')
      .orderBy('created_at')
      .orderBy('id')
      .limit(1);
    return this.markRunning(this.database.dialect.skipLocked(next), lease, undefined);
  }

  async start(id: string, lease: JobLease, takeOverFrom?: string): Promise<Job | undefined> {
    return this.markRunning(id, lease, takeOverFrom);
  }

  /** Marks the job `id` (or the one a subquery picks) running under `lease`, if it is still queued (or held by `takeOverFrom`). */
  private async markRunning(
    id: string | SelectQueryBuilder<DatabaseSchema, 'jobs', { id: string }>,
    lease: JobLease,
    takeOverFrom: string | undefined,
  ): Promise<Job | undefined> {
    const { workerId, now, leaseMs } = lease;
    const row = await this.db
      .updateTable('jobs')
      .set((eb) => ({
        state: 'running',
        attempts: eb('attempts', '+', 1),
        worker_id: workerId,
        lease_until: now + leaseMs,
        started_at: now,
        updated_at: now,
        revision: eb('revision', '+', 1),
      }))
      .where('id', '=', id)
      .where((eb) =>
        takeOverFrom === undefined
          ? eb('state', '=', 'queued')
          : eb.or([eb('state', '=', 'queued'), eb.and([eb('state', '=', 'running'), eb('worker_id', '=', takeOverFrom)])]),
      )
      .returningAll()
      .executeTakeFirst();
    return row ? toJob(row) : undefined;
  }

  async heartbeat(id: string, lease: JobLease): Promise<{ owned: boolean; cancelRequested: boolean }> {
    const row = await this.db
      .updateTable('jobs')
      .set({ lease_until: lease.now + lease.leaseMs })
      .where('id', '=', id)
      .where('state', '=', 'running')
      .where('worker_id', '=', lease.workerId)
      .returning('cancel_requested')
      .executeTakeFirst();
    if (row) return { owned: true, cancelRequested: row.cancel_requested === 1 };
    const current = await this.db.selectFrom('jobs').select('cancel_requested').where('id', '=', id).executeTakeFirst();
    return { owned: false, cancelRequested: current?.cancel_requested === 1 };
  }

  async saveProgress(id: string, workerId: string, progress: JobProgress): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ progress: toJson(progress) })
      .where('id', '=', id)
      .where('state', '=', 'running')
      .where('worker_id', '=', workerId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async appendLogs(id: string, lines: readonly string[], now: number): Promise<JobLogLine[]> {
    if (lines.length === 0) return [];
    // Two writers may take the same seq (a stalled worker and its successor): the loser takes the next ones.
    return withRetriedTransaction(
      this.db,
      async (trx) => {
        const top = await trx
          .selectFrom('job_logs')
          .select((eb) => eb.fn.max('seq').as('seq'))
          .where('job_id', '=', id)
          .executeTakeFirst();
        const first = Number(top?.seq ?? 0) + 1;
        const stored = lines.map((line, i) => ({ seq: first + i, at: now, line: line.slice(0, MAX_LOG_LINE) }));
        await trx
          .insertInto('job_logs')
          .values(stored.map((l) => ({ job_id: id, ...l })))
          .execute();
        return stored;
      },
      { alsoRetry: isUniqueViolation },
    );
  }

  async logs(id: string, afterSeq: number, limit: number): Promise<JobLogLine[]> {
    const rows = await this.db
      .selectFrom('job_logs')
      .select(['seq', 'at', 'line'])
      .where('job_id', '=', id)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ seq: Number(r.seq), at: Number(r.at), line: r.line }));
  }

  async tailLogs(id: string, limit: number): Promise<JobLogLine[]> {
    const rows = await this.db
      .selectFrom('job_logs')
      .select(['seq', 'at', 'line'])
      .where('job_id', '=', id)
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute();
    return rows.reverse().map((r) => ({ seq: Number(r.seq), at: Number(r.at), line: r.line }));
  }

  async settle(
    id: string,
    workerId: string,
    decision: AttemptDecision | RecoveryDecision,
    now: number,
    onlyIfLeaseBefore?: number,
  ): Promise<Job | undefined> {
    const terminal = decision.state !== 'queued';
    // A terminal settle records its job-finished event in the same transaction.
    return this.withEvents(terminal, now, async (db) => {
      let query = db
        .updateTable('jobs')
        .set((eb) => ({
          state: decision.state,
          result: decision.state === 'succeeded' ? toJson(decision.result) : null,
          error: 'error' in decision ? toJson(decision.error) : null,
          run_at: decision.state === 'queued' ? decision.runAt : eb.ref('run_at'),
          lease_until: null,
          finished_at: terminal ? now : null,
          updated_at: now,
          revision: eb('revision', '+', 1),
        }))
        .where('id', '=', id)
        .where('state', '=', 'running')
        .where('worker_id', '=', workerId);
      if (onlyIfLeaseBefore !== undefined) {
        query = query.where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', onlyIfLeaseBefore)]));
      }
      return query.returningAll().executeTakeFirst();
    });
  }

  async cancelQueued(id: string, now: number): Promise<Job | undefined> {
    return this.withEvents(true, now, (db) =>
      db
        .updateTable('jobs')
        .set((eb) => ({
          state: 'cancelled',
          error: toJson({ code: 'JOB_CANCELLED', message: 'cancelled before it ran', retryable: false } satisfies JobError),
          finished_at: now,
          updated_at: now,
          revision: eb('revision', '+', 1),
        }))
        .where('id', '=', id)
        .where('state', '=', 'queued')
        .returningAll()
        .executeTakeFirst(),
    );
  }

  /** Runs a guarded single-row update; when it hits and `terminal`, records the job's finished event with it. */
  private async withEvents(terminal: boolean, now: number, update: (db: Kysely<DatabaseSchema>) => Promise<Selectable<JobRow> | undefined>): Promise<Job | undefined> {
    if (!terminal) {
      const row = await update(this.db);
      return row ? toJob(row) : undefined;
    }
    return withRetriedTransaction(this.db, async (trx) => {
      const row = await update(trx);
      if (row === undefined) return undefined;
      const job = toJob(row);
      await recordEvents(trx, this.database.dialect, jobFinishedEvents(job, now));
      return job;
    });
  }

  async requestCancel(id: string, now: number): Promise<Job | undefined> {
    const row = await this.db
      .updateTable('jobs')
      .set((eb) => ({ cancel_requested: 1, updated_at: now, revision: eb('revision', '+', 1) }))
      .where('id', '=', id)
      .where('state', '=', 'running')
      .returningAll()
      .executeTakeFirst();
    return row ? toJob(row) : undefined;
  }

  async deleteFinished(kinds: readonly JobKind[], finishedBefore: number, limit: number): Promise<number> {
    if (kinds.length === 0) return 0;
    // Logs and checkpoints go with their job (foreign keys cascade on both dialects).
    const result = await this.db
      .deleteFrom('jobs')
      .where('id', 'in', (qb) =>
        qb
          .selectFrom('jobs')
          .select('id')
          .where('kind', 'in', kinds)
          .where('state', 'in', ['succeeded', 'failed', 'cancelled'])
          .where('finished_at', '<', finishedBefore)
          .limit(limit),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async listRunning(): Promise<Job[]> {
    const rows = await this.db.selectFrom('jobs').selectAll().where('state', '=', 'running').orderBy('created_at').execute();
    return rows.map(toJob);
  }

  async listQueued(kinds: readonly JobKind[], limit: number): Promise<Job[]> {
    if (kinds.length === 0) return [];
    const rows = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('state', '=', 'queued')
      .where('kind', 'in', [...kinds])
      .orderBy('run_at')
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map(toJob);
  }

  async getCheckpoint(jobId: string, key: string): Promise<{ value: JsonValue } | undefined> {
    const row = await this.db
      .selectFrom('job_checkpoints')
      .select('value')
      .where('job_id', '=', jobId)
      .where('key', '=', key)
      .executeTakeFirst();
    return row ? { value: fromJson<JsonValue>(row.value, null) } : undefined;
  }

  async putCheckpoint(jobId: string, key: string, value: JsonValue, now: number): Promise<JsonValue> {
    try {
      await this.db.insertInto('job_checkpoints').values({ job_id: jobId, key, value: toJson(value), created_at: now }).execute();
      return value;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const first = await this.getCheckpoint(jobId, key);
      return first ? first.value : value;
    }
  }
}

function toJob(row: Selectable<JobRow>): Job {
  const nullableNumber = (v: number | string | null) => (v === null ? null : Number(v));
  return {
    id: row.id,
    kind: row.kind as JobKind,
    state: row.state as JobState,
    payload: fromJson<JsonObject>(row.payload, {}),
    result: row.result === null ? null : fromJson<JsonValue>(row.result, null),
    error: row.error === null ? null : fromJson<JobError | null>(row.error, null),
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    idempotencyKey: row.idempotency_key,
    progress: row.progress === null ? null : fromJson<JobProgress | null>(row.progress, null),
    cancelRequested: Number(row.cancel_requested) === 1,
    runAt: Number(row.run_at),
    workerId: row.worker_id,
    leaseUntil: nullableNumber(row.lease_until),
    createdAt: Number(row.created_at),
    startedAt: nullableNumber(row.started_at),
    finishedAt: nullableNumber(row.finished_at),
    updatedAt: Number(row.updated_at),
    revision: Number(row.revision),
  };
}
