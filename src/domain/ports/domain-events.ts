import type { DatasetSourceFile } from '../datasets.js';

/**
 * Files waiting in `fresh/<model>/` were validated and versioned as `datasetName`
 * version `datasetVersion`, and at least one of them is new. A subscriber (retraining)
 * trains on the version and, only when that training succeeds, calls
 * `DatasetService.markUsed(model, files)` to move exactly these files to `used/`.
 */
export interface FreshDataEvent {
  readonly type: 'fresh-data';
  readonly model: string;
  readonly datasetName: string;
  readonly datasetVersion: number;
  readonly datasetDigest: string;
  readonly files: readonly DatasetSourceFile[];
  readonly rows: number;
  readonly positives: number;
  readonly negatives: number;
  /** ms since the epoch. */
  readonly at: number;
}

/** Every event the platform announces in-process. Areas add members to this union. */
export type DomainEvent = FreshDataEvent;
export type DomainEventType = DomainEvent['type'];
export type DomainEventOf<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;
export type DomainEventHandler<T extends DomainEventType> = (event: DomainEventOf<T>) => void | Promise<void>;

/**
 * A typed, in-process publish/subscribe channel. Delivery is at most once, to the
 * subscribers of the publishing process, in subscription order; `publish` never throws
 * and never waits: a handler's error (sync or async) is reported to the implementation's
 * error sink and does not reach the publisher or the other handlers. Anything that must
 * survive a crash is persisted before the event is published (a fresh-data event follows
 * the dataset version it names), so a lost event is recovered by looking at the store.
 */
export interface DomainEvents {
  publish(event: DomainEvent): void;
  /** Subscribes `handler` to events of `type`; returns the unsubscribe function. */
  subscribe<T extends DomainEventType>(type: T, handler: DomainEventHandler<T>): () => void;
}
