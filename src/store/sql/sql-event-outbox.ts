import { sql, type Transaction } from 'kysely';
import { eventAggregate } from '../../domain/events.js';
import type { DomainEvent, DomainEventType } from '../../domain/ports/domain-events.js';
import type { ClaimedBatch, EventOutbox, GroupStart, StoredEvent } from '../../domain/ports/event-outbox.js';
import type { SqlDatabase, SqlDialect } from './database.js';
import type { DatabaseSchema } from './schema.js';
import { withRetriedTransaction } from './retried-transaction.js';
import { toJson } from './sql-errors.js';

/**
 * Records `events` in the caller's transaction, so they commit or roll back with the change
 * that raised them. Sequence numbers follow commit order (the dialect's
 * {@link SqlDialect.sequenceEvents}, which also wakes the listening processes at commit).
 * Call it last in the transaction: on PostgreSQL it holds a lock from here to commit.
 */
export async function recordEvents(trx: Transaction<DatabaseSchema>, dialect: SqlDialect, events: readonly DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  await dialect.sequenceEvents(trx, [...new Set(events.map((e) => e.type))]);
  // Numbered by the statement itself (one round trip); on SQLite later rows may see earlier ones and skip numbers, which readers do not mind.
  const next = (i: number) => sql<number>`(select coalesce(max(seq), 0) from outbox_events) + ${i + 1}`;
  await trx
    .insertInto('outbox_events')
    .values(events.map((event, i) => ({ seq: next(i), aggregate: eventAggregate(event), type: event.type, payload: toJson(event), created_at: event.at })))
    .execute();
}

/** EventOutbox on the SQL store (SQLite or PostgreSQL). */
export class SqlEventOutbox implements EventOutbox {
  constructor(private readonly database: SqlDatabase) {}

  private get db() {
    return this.database.db;
  }

  async append(events: readonly DomainEvent[]): Promise<void> {
    await withRetriedTransaction(this.db, (trx) => recordEvents(trx, this.database.dialect, events));
  }

  async openGroup(group: string, start: GroupStart, now: number): Promise<void> {
    await withRetriedTransaction(this.db, async (trx) => {
      const existing = await trx.selectFrom('event_groups').select('name').where('name', '=', group).executeTakeFirst();
      if (existing !== undefined) return;
      const top = start === 'end' ? await trx.selectFrom('outbox_events').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst() : undefined;
      await trx
        .insertInto('event_groups')
        .values({ name: group, last_seq: Number(top?.seq ?? 0), holder: null, lease_until: null, updated_at: now })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
    });
  }

  async claim(group: string, holder: string, types: readonly DomainEventType[], now: number, leaseMs: number, limit: number): Promise<ClaimedBatch | undefined> {
    if (types.length === 0) return undefined;
    // A read first: an idle poll (the common case) writes nothing, nor does a holder whose lease has long to run.
    const pending = await this.db
      .selectFrom('event_groups as g')
      .select(['g.last_seq', 'g.holder', 'g.lease_until'])
      .where('g.name', '=', group)
      .where(({ exists, selectFrom }) => exists(selectFrom('outbox_events as e').select('e.seq').where('e.type', 'in', [...types]).whereRef('e.seq', '>', 'g.last_seq')))
      .executeTakeFirst();
    if (pending === undefined) return undefined;
    const held = pending.holder === holder && Number(pending.lease_until ?? 0) - now > leaseMs / 2;
    const leased = held
      ? pending
      : await this.db
          .updateTable('event_groups')
          .set({ holder, lease_until: now + leaseMs, updated_at: now })
          .where('name', '=', group)
          .where((eb) => eb.or([eb('holder', 'is', null), eb('holder', '=', holder), eb('lease_until', '<', now)]))
          .returning('last_seq')
          .executeTakeFirst();
    if (leased === undefined) return undefined;
    const cursor = Number(leased.last_seq);
    const rows = await this.db.selectFrom('outbox_events').selectAll().where('type', 'in', [...types]).where('seq', '>', cursor).orderBy('seq').limit(limit).execute();
    const events: StoredEvent[] = rows.map((r) => ({ seq: Number(r.seq), aggregate: r.aggregate, event: JSON.parse(r.payload) as DomainEvent }));
    return { cursor, events };
  }

  async advance(group: string, holder: string, seq: number, now: number, leaseMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('event_groups')
      .set({ last_seq: seq, lease_until: now + leaseMs, updated_at: now })
      .where('name', '=', group)
      .where('holder', '=', holder)
      .where('last_seq', '<', seq)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async release(group: string, holder: string): Promise<void> {
    await this.db.updateTable('event_groups').set({ holder: null, lease_until: null }).where('name', '=', group).where('holder', '=', holder).execute();
  }

  async releaseStale(group: string, holderPrefix: string, except: string): Promise<void> {
    await this.db
      .updateTable('event_groups')
      .set({ holder: null, lease_until: null })
      .where('name', '=', group)
      .where('holder', '<>', except)
      // substr, not LIKE: subscriber names may hold `_`, a LIKE wildcard.
      .where(sql<string>`substr(holder, 1, ${holderPrefix.length})`, '=', holderPrefix)
      .execute();
  }

  async deleteDelivered(before: number): Promise<number> {
    const active = await this.db
      .selectFrom('event_groups')
      .select((eb) => eb.fn.min('last_seq').as('seq'))
      .where('updated_at', '>=', before)
      .executeTakeFirst();
    const top = await this.db.selectFrom('outbox_events').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
    if (top?.seq === null || top?.seq === undefined) return 0;
    // The newest event always stays: the next seq is counted from it.
    const newest = Number(top.seq) - 1;
    const limit = active?.seq === null || active?.seq === undefined ? newest : Math.min(newest, Number(active.seq));
    const result = await this.db.deleteFrom('outbox_events').where('seq', '<=', limit).where('created_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async onRecorded(wake: (types: readonly string[]) => void, onError: (error: unknown) => void): Promise<(() => Promise<void>) | undefined> {
    return this.database.listenForEvents?.(wake, onError);
  }
}
