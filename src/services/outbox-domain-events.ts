import type { Clock, IdGenerator } from '../domain/ports/clock.js';
import type { DomainEvent, DomainEventHandler, DomainEventType, DomainEvents, SubscribeOptions } from '../domain/ports/domain-events.js';
import type { EventOutbox, GroupStart } from '../domain/ports/event-outbox.js';

type AnyHandler = (event: DomainEvent) => void | Promise<void>;

export interface OutboxDomainEventsOptions {
  readonly outbox: EventOutbox;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** This process's name in the cluster: its broadcast cursor survives restarts under this name. */
  readonly subscriber: string;
  /** How often the outbox is read without a wake-up (ms); with one, ten times less often, as a safety net. */
  readonly pollMs: number;
  /** Delivered events older than this are deleted by `deleteDelivered` (ms). */
  readonly retentionMs: number;
  /** A handler that failed is retried at the next pass; after this many failures the event is skipped (and reported). */
  readonly maxAttempts?: number;
  /** A holder that stops renewing its lease this long is replaced (ms). */
  readonly leaseMs?: number;
  readonly onError?: (error: unknown, event: DomainEvent | undefined, message: string) => void;
}

interface Group {
  readonly name: string;
  readonly start: GroupStart;
  readonly handlers: Map<DomainEventType, AnyHandler[]>;
  opened: boolean;
  running: Promise<void> | undefined;
  again: boolean;
  /** Failures of the event at the head of the group (seq → count). */
  readonly failures: Map<number, number>;
}

const BATCH = 100;
const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_MAX_ATTEMPTS = 5;
const WAKE_COALESCE_MS = 10;

/** The types a group has handlers for: it reads only those (and its cursor passes over the rest). */
function handledTypes(group: Group): DomainEventType[] {
  return [...group.handlers].filter(([, handlers]) => handlers.length > 0).map(([type]) => type);
}

/**
 * DomainEvents on the transactional outbox, for every process of a cluster. Each subscriber
 * group reads the outbox from its own cursor, in seq order (so in order per aggregate), one
 * holder at a time, and moves the cursor past an event only after its handlers returned:
 * delivery is at least once, so handlers must be idempotent. Broadcast subscriptions share
 * this process's group (`process:<subscriber>`); `{ group }` subscriptions share a cluster
 * group (`cluster:<group>`) with every process that names it, so one of them handles each event.
 * A wake-up (PostgreSQL NOTIFY) or a short poll (SQLite) says when to read.
 */
export class OutboxDomainEvents implements DomainEvents {
  private readonly groups = new Map<string, Group>();
  private readonly holder: string;
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private timer: NodeJS.Timeout | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAll = false;
  private readonly wakeTypes = new Set<string>();
  private stopListening: (() => Promise<void>) | undefined;
  private listening: Promise<void> | undefined;
  /** The store offers no wake-up (SQLite): the poll is the only reader. */
  private noWakeUp = false;
  private started = false;
  private closed = false;

  constructor(private readonly options: OutboxDomainEventsOptions) {
    this.holder = `${options.subscriber}/${options.ids.next()}`;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    // Opened at start even without subscribers yet: a broadcast subscription made later still
    // sees every event raised after this process started.
    this.newGroup(this.processGroup, 'end');
  }

  private get processGroup(): string {
    return `process:${this.options.subscriber}`;
  }

  async publish(event: DomainEvent): Promise<void> {
    await this.options.outbox.append([event]);
    this.wake([event.type]);
  }

  announceRecorded(event: DomainEvent): void {
    this.wake([event.type]);
  }

  subscribe<T extends DomainEventType>(type: T, handler: DomainEventHandler<T>, options: SubscribeOptions = {}): () => void {
    const name = options.group === undefined ? this.processGroup : `cluster:${options.group}`;
    // A process's own cursor starts at its first start (older events were not meant for it); a
    // cluster group handles whatever the outbox still holds, so nothing raised before it existed is lost.
    const group = this.groups.get(name) ?? this.newGroup(name, options.group === undefined ? 'end' : 'beginning');
    const list = group.handlers.get(type) ?? [];
    const entry = handler as AnyHandler;
    list.push(entry);
    group.handlers.set(type, list);
    if (this.started) this.wake();
    return () => {
      const index = list.indexOf(entry);
      if (index !== -1) list.splice(index, 1);
    };
  }

  /** Opens the groups, starts listening for wake-ups and polling, and delivers what is pending. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const group of this.groups.values()) await this.open(group);
    await this.listen();
    this.timer = setInterval(() => {
      void this.listen();
      this.wake();
    }, this.stopListening === undefined ? this.options.pollMs : this.options.pollMs * 10);
    this.timer.unref();
    await this.deliverPending();
  }

  /** Delivers every event pending for this process's groups now, and resolves when done (tests, shutdown). */
  async deliverPending(): Promise<void> {
    await Promise.all([...this.groups.values()].map((group) => this.run(group)));
  }

  /** Deletes delivered events older than the retention (call it periodically). Returns how many. */
  async deleteDelivered(): Promise<number> {
    return this.options.outbox.deleteDelivered(this.options.clock.now() - this.options.retentionMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.wakeTimer !== undefined) clearTimeout(this.wakeTimer);
    await Promise.all([...this.groups.values()].map((group) => group.running));
    await this.listening;
    await this.stopListening?.();
    this.stopListening = undefined;
    for (const group of this.groups.values()) {
      if (group.opened) await this.options.outbox.release(group.name, this.holder).catch(() => undefined);
    }
  }

  private newGroup(name: string, start: GroupStart): Group {
    const group: Group = { name, start, handlers: new Map(), opened: false, running: undefined, again: false, failures: new Map() };
    this.groups.set(name, group);
    return group;
  }

  private async open(group: Group): Promise<void> {
    if (group.opened) return;
    await this.options.outbox.openGroup(group.name, group.start, this.options.clock.now());
    // A lease held under this process's name belongs to an earlier instance that died without
    // releasing it (kill -9, power loss): take it back now instead of waiting it out (30 s),
    // so what was missed while down is delivered at start, as promised.
    await this.options.outbox.releaseStale(group.name, `${this.options.subscriber}/`, this.holder);
    group.opened = true;
  }

  /** Listens for wake-ups unless already listening (or the store has none); one attempt at a time. */
  private listen(): Promise<void> {
    if (this.noWakeUp || this.closed || this.stopListening !== undefined) return Promise.resolve();
    this.listening ??= (async () => {
      try {
        const stop = await this.options.outbox.onRecorded(
          (types) => this.wake(types),
          (error) => {
            // The poll goes on and listens again at its next tick.
            this.stopListening = undefined;
            this.report(error, undefined, 'event wake-up connection lost');
          },
        );
        if (stop === undefined) this.noWakeUp = true;
        else if (this.closed) await stop();
        else this.stopListening = stop;
      } catch (error) {
        this.report(error, undefined, 'cannot listen for event wake-ups; polling');
      }
    })().finally(() => {
      this.listening = undefined;
    });
    return this.listening;
  }

  /** Wake-ups within a few milliseconds make one pass: a burst of commits is read in one batch. */
  private wake(types?: readonly string[]): void {
    if (!this.started || this.closed) return;
    if (types === undefined) this.wakeAll = true;
    else for (const type of types) this.wakeTypes.add(type);
    this.wakeTimer ??= setTimeout(() => {
      const all = this.wakeAll;
      const woken = new Set(this.wakeTypes);
      this.wakeTimer = undefined;
      this.wakeAll = false;
      this.wakeTypes.clear();
      if (this.closed) return;
      for (const group of this.groups.values()) {
        if (all || handledTypes(group).some((type) => woken.has(type))) void this.run(group);
      }
    }, WAKE_COALESCE_MS);
  }

  /** One delivery pass per group at a time; a wake-up during a pass runs another after it. */
  private run(group: Group): Promise<void> {
    if (group.running !== undefined) {
      group.again = true;
      return group.running;
    }
    group.running = (async () => {
      do {
        group.again = false;
        try {
          await this.pass(group);
        } catch (error) {
          this.report(error, undefined, `event delivery to ${group.name} failed`);
        }
      } while (group.again && !this.closed);
    })().finally(() => {
      group.running = undefined;
    });
    return group.running;
  }

  private async pass(group: Group): Promise<void> {
    await this.open(group);
    const { outbox, clock } = this.options;
    for (;;) {
      const batch = await outbox.claim(group.name, this.holder, handledTypes(group), clock.now(), this.leaseMs, BATCH);
      if (batch === undefined || batch.events.length === 0) return;
      // The cursor moves once per batch (and before a failure): one write per batch, not per
      // event; a crash mid-batch delivers the batch's handled events again (at least once).
      let done = batch.cursor;
      const advance = async () => done === batch.cursor || (await outbox.advance(group.name, this.holder, done, clock.now(), this.leaseMs));
      for (const stored of batch.events) {
        if (this.closed) return void (await advance());
        const failed = await this.handle(group, stored.event);
        if (failed !== undefined) {
          const failures = (group.failures.get(stored.seq) ?? 0) + 1;
          group.failures.set(stored.seq, failures);
          if (failures < this.maxAttempts) {
            this.report(failed, stored.event, `event handler failed (attempt ${failures} of ${this.maxAttempts}); retried at the next pass`);
            // Later events wait: order per aggregate holds, and another holder may retry sooner.
            await advance();
            await outbox.release(group.name, this.holder);
            return;
          }
          this.report(failed, stored.event, `event handler failed ${failures} times; event ${stored.seq} skipped`);
        }
        group.failures.delete(stored.seq);
        done = stored.seq;
      }
      if (!(await advance())) return; // lost the lease: the new holder goes on
    }
  }

  /** Runs the group's handlers of the event's type; returns the first error, after running them all. */
  private async handle(group: Group, event: DomainEvent): Promise<unknown> {
    let failure: unknown;
    for (const handler of [...(group.handlers.get(event.type) ?? [])]) {
      try {
        await handler(event);
      } catch (error) {
        failure ??= error ?? new Error('event handler failed');
      }
    }
    return failure;
  }

  private report(error: unknown, event: DomainEvent | undefined, message: string): void {
    try {
      this.options.onError?.(error, event, message);
    } catch {
      // An error sink that throws must not break delivery.
    }
  }
}
