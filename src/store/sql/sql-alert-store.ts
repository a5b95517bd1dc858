import type { Alert } from '../../domain/alerts/episodes.js';
import type { Silence } from '../../domain/alerts/silences.js';
import { alertFiredEvent, alertResolvedEvent } from '../../domain/events.js';
import type { AlertFilter, AlertStore, SilenceFilter, StoredAlert } from '../../domain/ports/alert-store.js';
import type { SqlDatabase } from './database.js';
import { withRetriedTransaction } from './retried-transaction.js';
import { recordEvents } from './sql-event-outbox.js';
import { isUniqueViolation, toJson } from './sql-errors.js';
import type { AlertRow } from './tables/alerts-tables.js';

/** Documents are written only by this store, from domain entities. */
function toStored(row: Pick<AlertRow, 'document' | 'revision'>): StoredAlert {
  return { alert: JSON.parse(row.document) as Alert, revision: Number(row.revision) };
}

function columns(alert: Alert) {
  return {
    state: alert.state,
    open_key: alert.state === 'open' ? alert.fingerprint : null,
    severity: alert.severity,
    resolved_at: alert.resolvedAt,
    document: toJson(alert),
  };
}

/** AlertStore on the SQL store; firing and resolving record their events in the same transaction. */
export class SqlAlertStore implements AlertStore {
  constructor(private readonly database: SqlDatabase) {}

  private get db() {
    return this.database.db;
  }

  async episode(fingerprint: string): Promise<{ open: StoredAlert | undefined; lastResolvedAt: number | null }> {
    const open = await this.db.selectFrom('alerts').select(['document', 'revision']).where('open_key', '=', fingerprint).executeTakeFirst();
    const last = await this.db
      .selectFrom('alerts')
      .select((eb) => eb.fn.max('resolved_at').as('at'))
      .where('fingerprint', '=', fingerprint)
      .where('resolved_at', 'is not', null)
      .executeTakeFirst();
    return { open: open === undefined ? undefined : toStored(open), lastResolvedAt: last?.at === null || last?.at === undefined ? null : Number(last.at) };
  }

  async fire(alert: Alert): Promise<{ fired: true } | { fired: false; open: StoredAlert }> {
    try {
      await withRetriedTransaction(this.db, async (trx) => {
        await trx
          .insertInto('alerts')
          .values({ id: alert.id, fingerprint: alert.fingerprint, rule: alert.rule, model: alert.model, version: alert.version, fired_at: alert.firedAt, revision: 1, ...columns(alert) })
          .execute();
        await recordEvents(trx, this.database.dialect, [alertFiredEvent(alert)]);
      });
      return { fired: true };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // The unique index on open_key saw another open episode of this fingerprint.
      const { open } = await this.episode(alert.fingerprint);
      if (open === undefined) throw error;
      return { fired: false, open };
    }
  }

  async update(next: Alert, revision: number): Promise<boolean> {
    return withRetriedTransaction(this.db, async (trx) => {
      // Every write bumps the revision, so the state read at `revision` is the state replaced.
      const before = await trx.selectFrom('alerts').select(['state', 'revision']).where('id', '=', next.id).executeTakeFirst();
      if (before === undefined || Number(before.revision) !== revision) return false;
      const result = await trx
        .updateTable('alerts')
        .set({ ...columns(next), revision: revision + 1 })
        .where('id', '=', next.id)
        .where('revision', '=', revision)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      if (before.state === 'open' && next.state === 'resolved') await recordEvents(trx, this.database.dialect, [alertResolvedEvent(next)]);
      return true;
    });
  }

  async get(id: string): Promise<StoredAlert | undefined> {
    const row = await this.db.selectFrom('alerts').select(['document', 'revision']).where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toStored(row);
  }

  async list(filter: AlertFilter): Promise<Alert[]> {
    let query = this.db.selectFrom('alerts').select(['document', 'revision']);
    if (filter.state !== undefined) query = query.where('state', '=', filter.state);
    if (filter.model !== undefined) query = query.where('model', '=', filter.model);
    if (filter.severity !== undefined) query = query.where('severity', '=', filter.severity);
    const before = filter.before;
    if (before !== undefined) {
      query = query.where((eb) => eb.or([eb('fired_at', '<', before.firedAt), eb.and([eb('fired_at', '=', before.firedAt), eb('id', '<', before.id)])]));
    }
    const rows = await query.orderBy('fired_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
    return rows.map((row) => toStored(row).alert);
  }

  async createSilence(silence: Silence): Promise<void> {
    await this.db
      .insertInto('alert_silences')
      .values({ id: silence.id, created_at: silence.createdAt, expires_at: silence.expiresAt, ended_at: silence.endedAt, document: toJson(silence) })
      .execute();
  }

  async getSilence(id: string): Promise<Silence | undefined> {
    const row = await this.db.selectFrom('alert_silences').select('document').where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : (JSON.parse(row.document) as Silence);
  }

  async listSilences(filter: SilenceFilter): Promise<Silence[]> {
    let query = this.db.selectFrom('alert_silences').select('document');
    const at = filter.activeAt;
    if (at !== undefined) query = query.where('expires_at', '>', at).where('ended_at', 'is', null);
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
    return rows.map((row) => JSON.parse(row.document) as Silence);
  }

  async endSilence(id: string, actor: string, now: number): Promise<Silence | undefined> {
    return withRetriedTransaction(this.db, async (trx) => {
      const row = await trx.selectFrom('alert_silences').select(['document', 'expires_at', 'ended_at']).where('id', '=', id).executeTakeFirst();
      if (row === undefined) return undefined;
      const silence = JSON.parse(row.document) as Silence;
      if (row.ended_at !== null || Number(row.expires_at) <= now) return silence;
      const ended: Silence = { ...silence, endedAt: now, endedBy: actor };
      const result = await trx
        .updateTable('alert_silences')
        .set({ ended_at: now, document: toJson(ended) })
        .where('id', '=', id)
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      // Someone else ended it in between: theirs is the record.
      if (Number(result.numUpdatedRows) === 1) return ended;
      const theirs = await trx.selectFrom('alert_silences').select('document').where('id', '=', id).executeTakeFirst();
      return theirs === undefined ? ended : (JSON.parse(theirs.document) as Silence);
    });
  }
}
