import { sql } from 'kysely';
import type { ArmReadings } from '../../domain/deployments/guardrails.js';
import type { FeedbackWrite, MonitoringRow, PredictionStore, ShadowComparison } from '../../domain/ports/prediction-store.js';
import type { FailedPredictionRecord, PredictionRecord, StoredPrediction } from '../../domain/serving.js';
import type { SqlDatabase } from './database.js';
import type { PredictionErrorRow, PredictionRow } from './tables/predictions-tables.js';
import type { PredictionInserts } from './sqlite-prediction-writer.js';

/** Rows per insert: 26 columns stay far below SQLite's and PostgreSQL's bound-parameter limits. */
const INSERT_CHUNK = 500;
const LOOKUP_CHUNK = 500;
/** Rows per statement of monitoringRows: a few ms of the event loop each on SQLite. */
const MONITORING_PAGE_ROWS = 500;

/** A record as its `predictions` row (every column, in one fixed order). */
export function toRow(r: PredictionRecord): PredictionRow {
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
    tokens: r.monitored?.tokens ?? null,
    invisible_per_1k: finiteOrNull(r.monitored?.invisiblePer1k),
    mixed_script_tokens: r.monitored?.mixedScriptTokens ?? null,
    base64_spans: r.monitored?.base64Spans ?? null,
    spaced_letter_runs: r.monitored?.spacedLetterRuns ?? null,
    beyond_max_share: finiteOrNull(r.monitored?.beyondMaxShare),
    oov_share: finiteOrNull(r.monitored?.oovShare),
    near_duplicate: r.monitored?.nearDuplicate === undefined || r.monitored.nearDuplicate === null ? null : r.monitored.nearDuplicate ? 1 : 0,
    sample_text: r.sample ?? null,
    normalization_flip: r.monitored?.normalizationFlip === undefined || r.monitored.normalizationFlip === null ? null : r.monitored.normalizationFlip ? 1 : 0,
  };
}

function finiteOrNull(value: number | null | undefined): number | null {
  return value === null || value === undefined || !Number.isFinite(value) ? null : value;
}

const MONITORING_COLUMNS = [
  'version',
  'arm',
  'label',
  'probability',
  'latency_ms',
  'created_at',
  'feedback_label',
  'chars',
  'non_ascii_share',
  'url_count',
  'tokens',
  'invisible_per_1k',
  'mixed_script_tokens',
  'base64_spans',
  'spaced_letter_runs',
  'beyond_max_share',
  'oov_share',
  'near_duplicate',
  'sample_text',
  'normalization_flip',
] as const;

function toMonitoringRow(row: Pick<PredictionRow, (typeof MONITORING_COLUMNS)[number]>): MonitoringRow {
  const num = (v: number | string | null): number | null => (v === null ? null : Number(v));
  return {
    version: Number(row.version),
    arm: row.arm,
    label: Number(row.label),
    probability: Number(row.probability),
    latencyMs: Number(row.latency_ms),
    createdAt: Number(row.created_at),
    feedbackLabel: num(row.feedback_label),
    chars: Number(row.chars),
    nonAsciiShare: Number(row.non_ascii_share),
    urlCount: Number(row.url_count),
    monitored:
      row.tokens === null
        ? null
        : {
            tokens: Number(row.tokens),
            invisiblePer1k: num(row.invisible_per_1k) ?? Number.NaN,
            mixedScriptTokens: num(row.mixed_script_tokens) ?? Number.NaN,
            base64Spans: num(row.base64_spans) ?? Number.NaN,
            spacedLetterRuns: num(row.spaced_letter_runs) ?? Number.NaN,
            beyondMaxShare: num(row.beyond_max_share) ?? Number.NaN,
            oovShare: num(row.oov_share),
            nearDuplicate: row.near_duplicate === null ? null : Number(row.near_duplicate) === 1,
            normalizationFlip: row.normalization_flip === null ? null : Number(row.normalization_flip) === 1,
          },
    sample: row.sample_text,
  };
}

/** A failed request as its `prediction_errors` row (every column, in one fixed order). */
export function toErrorRow(r: FailedPredictionRecord): PredictionErrorRow {
  return {
    request_id: r.requestId,
    arm: r.arm,
    model: r.model,
    version: r.version,
    semver: r.semver,
    inputs: r.inputs,
    code: r.code,
    latency_ms: r.latencyMs,
    created_at: r.createdAt,
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

/**
 * PredictionStore on the `predictions` table (SQLite and PostgreSQL). With `inserts`, the
 * prediction log's inserts go there instead (a SQLite file's writer thread, see
 * sqlite-prediction-writer.ts), everything else through `database`.
 */
export class SqlPredictionStore implements PredictionStore {
  private readonly monitoringPageRows: number;

  constructor(
    private readonly database: SqlDatabase,
    private readonly inserts?: PredictionInserts,
    options: { readonly monitoringPageRows?: number } = {},
  ) {
    this.monitoringPageRows = options.monitoringPageRows ?? MONITORING_PAGE_ROWS;
  }

  async insertMany(records: readonly PredictionRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (this.inserts !== undefined) return this.inserts.insertMany(records);
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

  async insertFailures(records: readonly FailedPredictionRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (this.inserts !== undefined) return this.inserts.insertFailures(records);
    await this.database.db.transaction().execute(async (trx) => {
      for (let i = 0; i < records.length; i += INSERT_CHUNK) {
        await trx
          .insertInto('prediction_errors')
          .values(records.slice(i, i + INSERT_CHUNK).map(toErrorRow))
          .onConflict((oc) => oc.columns(['request_id', 'arm']).doNothing())
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

  async armReadings(model: string, version: number, arm: string, since: number): Promise<ArmReadings> {
    const window = this.database.db
      .selectFrom('predictions')
      .where('model', '=', model)
      .where('version', '=', version)
      .where('arm', '=', arm)
      .where('created_at', '>=', since);
    const counts = await window
      .select((eb) => [
        eb.fn.countAll<string | number>().as('requests'),
        sql<string | number | null>`sum(case when label = 1 then 1 else 0 end)`.as('positives'),
        sql<string | number | null>`sum(case when feedback_label is not null then 1 else 0 end)`.as('labelled'),
        sql<string | number | null>`sum(case when label = 1 and feedback_label = 1 then 1 else 0 end)`.as('true_positives'),
        sql<string | number | null>`sum(case when label = 1 and feedback_label = 0 then 1 else 0 end)`.as('false_positives'),
        sql<string | number | null>`sum(case when label = 0 and feedback_label = 1 then 1 else 0 end)`.as('false_negatives'),
      ])
      .executeTakeFirstOrThrow();
    const failed = await this.database.db
      .selectFrom('prediction_errors')
      .where('model', '=', model)
      .where('version', '=', version)
      .where('arm', '=', arm)
      .where('created_at', '>=', since)
      .select(sql<string | number | null>`sum(inputs)`.as('inputs'))
      .executeTakeFirstOrThrow();
    const answered = Number(counts.requests);
    const errors = Number(failed.inputs ?? 0);
    // The nearest-rank p99 of the answers: the value at rank ceil(0.99 n) from the bottom, read from the top.
    const fromTop = answered - Math.ceil(0.99 * answered);
    const p99 = answered === 0 ? undefined : await window.select('latency_ms').orderBy('latency_ms', 'desc').limit(1).offset(fromTop).executeTakeFirst();
    return {
      requests: answered + errors,
      errors,
      p99Ms: p99 === undefined ? null : Number(p99.latency_ms),
      positives: Number(counts.positives ?? 0),
      labelled: Number(counts.labelled ?? 0),
      truePositives: Number(counts.true_positives ?? 0),
      falsePositives: Number(counts.false_positives ?? 0),
      falseNegatives: Number(counts.false_negatives ?? 0),
    };
  }

  async shadowComparison(model: string, version: number, since: number, limit: number): Promise<ShadowComparison> {
    // A shadow answer's id is its live answer's id + '.shadow' (see ServingService.shadow).
    const pairs = this.database.db
      .selectFrom('predictions as s')
      .innerJoin('predictions as l', (join) => join.on(sql<boolean>`${sql.ref('l.id')} || '.shadow' = ${sql.ref('s.id')}`))
      .where('s.model', '=', model)
      .where('s.arm', '=', 'shadow')
      .where('s.version', '=', version)
      .where('s.created_at', '>=', since);
    const counts = await pairs
      .select((eb) => [eb.fn.countAll<string | number>().as('compared'), sql<string | number | null>`sum(case when l.label <> s.label then 1 else 0 end)`.as('disagreements')])
      .executeTakeFirstOrThrow();
    const rows = await pairs
      .whereRef('l.label', '<>', 's.label')
      .select(['l.id as id', 'l.request_id as request_id', 's.created_at as at', 'l.version as live_version', 'l.label as live_label', 'l.probability as live_probability', 's.label as shadow_label', 's.probability as shadow_probability'])
      .orderBy('s.created_at', 'desc')
      .orderBy('s.id', 'desc')
      .limit(limit)
      .execute();
    return {
      compared: Number(counts.compared),
      disagreements: Number(counts.disagreements ?? 0),
      examples: rows.map((row) => ({
        id: row.id,
        requestId: row.request_id,
        at: Number(row.at),
        live: { version: Number(row.live_version), label: Number(row.live_label), probability: Number(row.live_probability) },
        shadow: { version, label: Number(row.shadow_label), probability: Number(row.shadow_probability) },
      })),
    };
  }

  /**
   * Read in pages of `monitoringPageRows`, newest first by (created_at, id), with a turn of the
   * event loop between pages: better-sqlite3 runs a statement synchronously, and a tick reads up
   * to WARDEN_MONITOR_MAX_ROWS rows (85,000 took 1.7 s in one statement under load), which held
   * every request of a process serving /predict for as long. The (created_at, id) cursor keeps pages
   * exact when many predictions share a millisecond (a batch's texts all do).
   */
  async monitoringRows(model: string, since: number, limit: number): Promise<MonitoringRow[]> {
    const rows: MonitoringRow[] = [];
    let cursor: { createdAt: number; id: string } | undefined;
    while (rows.length < limit) {
      const pageSize = Math.min(this.monitoringPageRows, limit - rows.length);
      const after = cursor;
      const page = await this.database.db
        .selectFrom('predictions')
        .select(['id', ...MONITORING_COLUMNS])
        .where('model', '=', model)
        .where('created_at', '>=', since)
        .$if(after !== undefined, (qb) => qb.where('created_at', '<=', after!.createdAt).where((eb) => eb.or([eb('created_at', '<', after!.createdAt), eb('id', '<', after!.id)])))
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(pageSize)
        .execute();
      for (const row of page) rows.push(toMonitoringRow(row));
      const last = page[page.length - 1];
      if (page.length < pageSize || last === undefined) break;
      cursor = { createdAt: Number(last.created_at), id: last.id };
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return rows;
  }

  async lastLabelled(model: string, version: number, arm: string, limit: number): Promise<Array<{ label: number; feedbackLabel: number }>> {
    const rows = await this.database.db
      .selectFrom('predictions')
      .select(['label', 'feedback_label'])
      .where('model', '=', model)
      .where('version', '=', version)
      .where('arm', '=', arm)
      .where('feedback_label', 'is not', null)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ label: Number(row.label), feedbackLabel: Number(row.feedback_label) }));
  }

  async labelledSamples(model: string, limit: number): Promise<Array<{ text: string; label: number }>> {
    const rows = await this.database.db
      .selectFrom('predictions')
      .select(['sample_text', 'feedback_label'])
      .where('model', '=', model)
      .where('feedback_label', 'is not', null)
      .where('sample_text', 'is not', null)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ text: String(row.sample_text), label: Number(row.feedback_label) }));
  }

  async failureCounts(model: string, since: number): Promise<Array<{ version: number; arm: string; code: string; inputs: number }>> {
    const rows = await this.database.db
      .selectFrom('prediction_errors')
      .where('model', '=', model)
      .where('created_at', '>=', since)
      .groupBy(['version', 'arm', 'code'])
      .select(['version', 'arm', 'code', sql<string | number>`sum(inputs)`.as('inputs')])
      .execute();
    return rows.map((row) => ({ version: Number(row.version), arm: row.arm, code: row.code, inputs: Number(row.inputs) }));
  }

  async deleteOlderThan(before: number, limit: number): Promise<number> {
    const db = this.database.db;
    const predictions = await db
      .deleteFrom('predictions')
      .where('id', 'in', db.selectFrom('predictions').select('id').where('created_at', '<', before).limit(limit))
      .executeTakeFirst();
    const deleted = Number(predictions.numDeletedRows);
    if (deleted >= limit) return deleted;
    // Failures are few; they share the statement's budget so one call stays one short delete.
    const failures = await db
      .deleteFrom('prediction_errors')
      .where((eb) =>
        eb(
          eb.refTuple('request_id', 'arm'),
          'in',
          db
            .selectFrom('prediction_errors')
            .select(['request_id', 'arm'])
            .where('created_at', '<', before)
            .limit(limit - deleted)
            .$asTuple('request_id', 'arm'),
        ),
      )
      .executeTakeFirst();
    return deleted + Number(failures.numDeletedRows);
  }
}
