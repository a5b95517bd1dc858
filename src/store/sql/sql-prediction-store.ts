import type { FeedbackWrite, PredictionStore } from '../../domain/ports/prediction-store.js';
import type { PredictionRecord, StoredPrediction } from '../../domain/serving.js';
import type { SqlDatabase } from './database.js';
import type { PredictionRow } from './tables/predictions-tables.js';

/** Rows per insert: 17 columns stay far below SQLite's and PostgreSQL's bound-parameter limits. */
const INSERT_CHUNK = 500;
const LOOKUP_CHUNK = 500;

function toRow(r: PredictionRecord): PredictionRow {
  return {
    id: r.id,
    request_id: r.requestId,
    model: r.model,
    version: r.version,
    semver: r.semver,
    arm: r.arm,
    label: r.label,
    probability: r.probability,
    score: r.score,
    latency_ms: r.latencyMs,
    chars: r.chars,
    non_ascii_share: r.nonAsciiShare,
    url_count: r.urlCount,
    created_at: r.createdAt,
    feedback_label: null,
    feedback_at: null,
    feedback_actor: null,
  };
}

function toPrediction(row: PredictionRow): StoredPrediction {
  return {
    id: row.id,
    requestId: row.request_id,
    model: row.model,
    version: row.version,
    semver: row.semver,
    arm: row.arm,
    label: row.label,
    probability: row.probability,
    score: row.score,
    latencyMs: row.latency_ms,
    chars: row.chars,
    nonAsciiShare: row.non_ascii_share,
    urlCount: row.url_count,
    createdAt: row.created_at,
    feedbackLabel: row.feedback_label,
    feedbackAt: row.feedback_at,
    feedbackActor: row.feedback_actor,
  };
}

/** PredictionStore on the `predictions` table (SQLite and PostgreSQL). */
export class SqlPredictionStore implements PredictionStore {
  constructor(private readonly database: SqlDatabase) {}

  async insertMany(records: readonly PredictionRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.database.db.transaction().execute(async (trx) => {
      for (let i = 0; i < records.length; i += INSERT_CHUNK) {
        const rows = records.slice(i, i + INSERT_CHUNK).map(toRow);
        await trx
          .insertInto('predictions')
          .values(rows)
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
      }
    });
  }

  async findByIds(ids: readonly string[]): Promise<StoredPrediction[]> {
    const found: StoredPrediction[] = [];
    for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
      const chunk = ids.slice(i, i + LOOKUP_CHUNK);
      if (chunk.length === 0) continue;
      const rows = await this.database.db.selectFrom('predictions').selectAll().where('id', 'in', chunk).execute();
      found.push(...rows.map(toPrediction));
    }
    return found;
  }

  async attachFeedback(items: readonly FeedbackWrite[]): Promise<string[]> {
    if (items.length === 0) return [];
    return this.database.db.transaction().execute(async (trx) => {
      const updated: string[] = [];
      for (const item of items) {
        const result = await trx
          .updateTable('predictions')
          .set({ feedback_label: item.label, feedback_at: item.at, feedback_actor: item.actor })
          .where('id', '=', item.id)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) > 0) updated.push(item.id);
      }
      return updated;
    });
  }

  async listRecent(model: string, limit: number): Promise<StoredPrediction[]> {
    const rows = await this.database.db.selectFrom('predictions').selectAll().where('model', '=', model).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toPrediction);
  }

  async deleteOlderThan(before: number, limit: number): Promise<number> {
    const db = this.database.db;
    const result = await db
      .deleteFrom('predictions')
      .where('id', 'in', db.selectFrom('predictions').select('id').where('created_at', '<', before).limit(limit))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
