import type { ArbiterState, TriggerSignal } from '../../domain/retraining/arbitration.js';
import { INITIAL_ARBITER_STATE } from '../../domain/retraining/arbitration.js';
import { decisionTriggerKinds, type DecisionOutcome, type RetrainingDecision } from '../../domain/retraining/decisions.js';
import type { DecisionFilter, RetrainingStore } from '../../domain/ports/retraining-store.js';
import type { Transaction } from 'kysely';
import type { SqlDatabase } from './database.js';
import type { DatabaseSchema } from './schema.js';
import { withRetriedTransaction } from './retried-transaction.js';
import { isUniqueViolation, toJson } from './sql-errors.js';

/** Thrown inside a transaction to roll it back when another process decided first. */
class LostRace extends Error {}

/** Documents are written only by this store, from domain entities. */
const parse = <T>(row: { document: string }): T => JSON.parse(row.document) as T;

/** RetrainingStore on the SQL store (SQLite and PostgreSQL). */
export class SqlRetrainingStore implements RetrainingStore {
  constructor(private readonly database: SqlDatabase) {}

  private get db() {
    return this.database.db;
  }

  async addSignal(signal: TriggerSignal): Promise<boolean> {
    try {
      await this.db
        .insertInto('retraining_signals')
        .values({ model: signal.model, key: signal.key, kind: signal.kind, at: signal.at, decision_id: null, document: toJson(signal) })
        .execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async pendingSignals(model: string): Promise<TriggerSignal[]> {
    const rows = await this.db
      .selectFrom('retraining_signals')
      .select('document')
      .where('decision_id', 'is', null)
      .where('model', '=', model)
      .orderBy('at')
      .orderBy('key')
      .execute();
    return rows.map((row) => parse<TriggerSignal>(row));
  }

  async modelsWithPendingSignals(): Promise<string[]> {
    const rows = await this.db.selectFrom('retraining_signals').select('model').distinct().where('decision_id', 'is', null).orderBy('model').execute();
    return rows.map((row) => row.model);
  }

  async arbiterState(model: string): Promise<{ state: ArbiterState; revision: number }> {
    const row = await this.db.selectFrom('retraining_state').select(['document', 'revision']).where('model', '=', model).executeTakeFirst();
    return row === undefined ? { state: INITIAL_ARBITER_STATE, revision: 0 } : { state: parse<ArbiterState>(row), revision: Number(row.revision) };
  }

  async recordDecision(decision: RetrainingDecision, consumed: readonly string[], next: ArbiterState, revision: number): Promise<boolean> {
    try {
      await withRetriedTransaction(
        this.db,
        async (trx) => {
          if (revision === 0) {
            await trx.insertInto('retraining_state').values({ model: decision.model, revision: 1, document: toJson(next) }).execute();
          } else {
            const moved = await trx
              .updateTable('retraining_state')
              .set({ revision: revision + 1, document: toJson(next) })
              .where('model', '=', decision.model)
              .where('revision', '=', revision)
              .executeTakeFirst();
            if (Number(moved.numUpdatedRows) !== 1) throw new LostRace();
          }
          if (consumed.length > 0) {
            const taken = await trx
              .updateTable('retraining_signals')
              .set({ decision_id: decision.id })
              .where('model', '=', decision.model)
              .where('key', 'in', [...consumed])
              .where('decision_id', 'is', null)
              .executeTakeFirst();
            if (Number(taken.numUpdatedRows) !== new Set(consumed).size) throw new LostRace();
          }
          await trx.insertInto('retraining_decisions').values(this.columns(decision)).execute();
        },
      );
      return true;
    } catch (error) {
      // The first decision of a model races on inserting its state row: the loser lost the race.
      if (error instanceof LostRace || (revision === 0 && isUniqueViolation(error))) return false;
      throw error;
    }
  }

  async appendOutcome(id: string, outcome: DecisionOutcome, jobId?: string): Promise<RetrainingDecision | undefined> {
    return withRetriedTransaction(this.db, async (trx) => {
      const row = await trx.selectFrom('retraining_decisions').select('document').where('id', '=', id).executeTakeFirst();
      if (row === undefined) return undefined;
      const before = parse<RetrainingDecision>(row);
      const after: RetrainingDecision = { ...before, jobId: jobId ?? before.jobId, outcomes: [...before.outcomes, outcome] };
      await trx.updateTable('retraining_decisions').set({ job_id: after.jobId, document: toJson(after) }).where('id', '=', id).execute();
      return after;
    });
  }

  async settleFailedRetrain(id: string, outcome: DecisionOutcome, outcomeCount: number, next: ArbiterState, revision: number): Promise<boolean> {
    try {
      return await withRetriedTransaction(this.db, async (trx) => {
        const before = await this.lockedDecision(trx, id);
        if (before === undefined || before.outcomes.length !== outcomeCount) return false;
        if (revision === 0) {
          await trx.insertInto('retraining_state').values({ model: before.model, revision: 1, document: toJson(next) }).execute();
        } else {
          const moved = await trx
            .updateTable('retraining_state')
            .set({ revision: revision + 1, document: toJson(next) })
            .where('model', '=', before.model)
            .where('revision', '=', revision)
            .executeTakeFirst();
          if (Number(moved.numUpdatedRows) !== 1) throw new LostRace();
        }
        const after: RetrainingDecision = { ...before, outcomes: [...before.outcomes, outcome] };
        await trx.updateTable('retraining_decisions').set({ document: toJson(after) }).where('id', '=', id).execute();
        return true;
      });
    } catch (error) {
      if (error instanceof LostRace || (revision === 0 && isUniqueViolation(error))) return false;
      throw error;
    }
  }

  async appendOutcomeIf(id: string, outcome: DecisionOutcome, outcomeCount: number, jobId?: string): Promise<boolean> {
    return withRetriedTransaction(this.db, async (trx) => {
      const before = await this.lockedDecision(trx, id);
      if (before === undefined || before.outcomes.length !== outcomeCount) return false;
      const after: RetrainingDecision = { ...before, jobId: jobId ?? before.jobId, outcomes: [...before.outcomes, outcome] };
      await trx.updateTable('retraining_decisions').set({ job_id: after.jobId, document: toJson(after) }).where('id', '=', id).execute();
      return true;
    });
  }

  /** The decision, locked until the transaction ends: a conditional append is checked against what no one else can change meanwhile. */
  private async lockedDecision(trx: Transaction<DatabaseSchema>, id: string): Promise<RetrainingDecision | undefined> {
    const row = await this.database.dialect.lockRow(trx, 'retraining_decisions', 'id', id);
    return row === undefined ? undefined : parse<RetrainingDecision>(row);
  }

  async getDecision(id: string): Promise<RetrainingDecision | undefined> {
    const row = await this.db.selectFrom('retraining_decisions').select('document').where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : parse<RetrainingDecision>(row);
  }

  async decisionOfJob(jobId: string): Promise<RetrainingDecision | undefined> {
    const row = await this.db.selectFrom('retraining_decisions').select('document').where('job_id', '=', jobId).executeTakeFirst();
    return row === undefined ? undefined : parse<RetrainingDecision>(row);
  }

  async listDecisions(filter: DecisionFilter): Promise<RetrainingDecision[]> {
    let query = this.db.selectFrom('retraining_decisions').select('document');
    if (filter.model !== undefined) query = query.where('model', '=', filter.model);
    if (filter.outcome !== undefined) query = query.where('outcome', '=', filter.outcome);
    if (filter.trigger !== undefined) query = query.where('trigger_kinds', 'like', `%,${filter.trigger},%`);
    const before = filter.before;
    if (before !== undefined) {
      query = query.where((eb) => eb.or([eb('decided_at', '<', before.decidedAt), eb.and([eb('decided_at', '=', before.decidedAt), eb('id', '<', before.id)])]));
    }
    const rows = await query.orderBy('decided_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
    return rows.map((row) => parse<RetrainingDecision>(row));
  }

  private columns(decision: RetrainingDecision) {
    return {
      id: decision.id,
      model: decision.model,
      decided_at: decision.decidedAt,
      outcome: decision.outcome,
      trigger_kinds: `,${decisionTriggerKinds(decision).join(',')},`,
      job_id: decision.jobId,
      document: toJson(decision),
    };
  }
}
