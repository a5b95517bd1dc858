import type { DomainEvent, DomainEventType } from './domain-events.js';

/** An event as the outbox holds it: `seq` orders every event of the cluster (commit order). */
export interface StoredEvent {
  readonly seq: number;
  readonly aggregate: string;
  readonly event: DomainEvent;
}

/** Where a new subscriber group starts reading: after every event already recorded, or at the oldest one kept. */
export type GroupStart = 'end' | 'beginning';

/** A batch of a group's undelivered events, leased to one holder until it advances or releases the cursor. */
export interface ClaimedBatch {
  readonly cursor: number;
  readonly events: readonly StoredEvent[];
}

/**
 * The transactional outbox: domain events recorded by the store in the transaction of the
 * change that raised them (see domain/events.ts), read back by subscriber groups. Each group
 * keeps one cursor (the last seq it handled) and a lease, so one holder at a time delivers a
 * group's events, in seq order, and a group that was away resumes where it stopped.
 */
export interface EventOutbox {
  /** Records events raised by no store change of their own (e.g. fresh data found on disk), in one transaction. */
  append(events: readonly DomainEvent[]): Promise<void>;
  /** Creates the group when missing (at `start`); an existing group keeps its cursor. */
  openGroup(group: string, start: GroupStart, now: number): Promise<void>;
  /**
   * Leases `group` to `holder` until `now + leaseMs` and returns up to `limit` events of `types`
   * after its cursor; undefined when there is nothing to deliver or another live holder has the
   * lease. Events of other types are passed over: the cursor moves past them with the next advance.
   */
  claim(group: string, holder: string, types: readonly DomainEventType[], now: number, leaseMs: number, limit: number): Promise<ClaimedBatch | undefined>;
  /** Moves the cursor to `seq` and renews the lease; false when `holder` lost the lease (stop delivering). */
  advance(group: string, holder: string, seq: number, now: number, leaseMs: number): Promise<boolean>;
  /** Gives the lease up so another holder need not wait for it to expire. */
  release(group: string, holder: string): Promise<void>;
  /**
   * Frees the lease of `group` when its holder's name starts with `holderPrefix` and is not
   * `except`: a process starting again takes back what an earlier instance of itself (same
   * subscriber name) held when it died, instead of waiting for that lease to expire. The
   * prefix is compared as plain text (no wildcards); another process's lease is left alone.
   */
  releaseStale(group: string, holderPrefix: string, except: string): Promise<void>;
  /**
   * Deletes events recorded before `before` that every group active since `before` has
   * handled; a group idle longer than that no longer holds events back. Returns how many.
   */
  deleteDelivered(before: number): Promise<number>;
  /**
   * Calls `wake` with the types recorded soon after a transaction records events (PostgreSQL
   * LISTEN/NOTIFY); undefined when this store has no wake-up, and subscribers poll. Returns the stopper.
   */
  onRecorded(wake: (types: readonly string[]) => void, onError: (error: unknown) => void): Promise<(() => Promise<void>) | undefined>;
}
