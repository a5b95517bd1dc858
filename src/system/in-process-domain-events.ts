import type { DomainEvent, DomainEventHandler, DomainEventType, DomainEvents } from '../domain/ports/domain-events.js';

/**
 * DomainEvents inside one process, at most once (tests and single-purpose tools; the
 * platform uses OutboxDomainEvents). Subscription groups mean nothing with one process. Handlers run in subscription order on a later
 * microtask, so a publisher (e.g. a scan holding file handles) is never re-entered
 * and never waits on a subscriber.
 */
export class InProcessDomainEvents implements DomainEvents {
  private readonly handlers = new Map<DomainEventType, Array<(event: DomainEvent) => void | Promise<void>>>();

  /** @param onError receives what a handler threw or rejected with (log it). */
  constructor(private readonly onError: (error: unknown, event: DomainEvent) => void = () => {}) {}

  async publish(event: DomainEvent): Promise<void> {
    const handlers = [...(this.handlers.get(event.type) ?? [])];
    if (handlers.length === 0) return;
    queueMicrotask(() => {
      for (const handler of handlers) {
        try {
          const result = handler(event);
          if (result instanceof Promise) result.catch((error: unknown) => this.report(error, event));
        } catch (error) {
          this.report(error, event);
        }
      }
    });
  }

  announceRecorded(event: DomainEvent): void {
    void this.publish(event);
  }

  subscribe<T extends DomainEventType>(type: T, handler: DomainEventHandler<T>): () => void {
    const list = this.handlers.get(type) ?? [];
    const entry = handler as (event: DomainEvent) => void | Promise<void>;
    list.push(entry);
    this.handlers.set(type, list);
    return () => {
      const current = this.handlers.get(type);
      const index = current?.indexOf(entry) ?? -1;
      if (current && index !== -1) current.splice(index, 1);
    };
  }

  private report(error: unknown, event: DomainEvent): void {
    try {
      this.onError(error, event);
    } catch {
      // An error sink that throws must not break delivery.
    }
  }
}
