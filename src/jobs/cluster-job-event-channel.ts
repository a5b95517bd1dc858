/**
 * The embedded queue's live job messages across the processes of one `warden server`
 * (node:cluster: a primary running the workers, API children serving HTTP). The primary is
 * the hub: what a child publishes goes to the primary's listeners and on to the other
 * children; what the primary publishes goes to every child. Best effort like every
 * JobEventChannel (a child being replaced misses messages): the job store stays the truth
 * and subscriptions poll it.
 */
import cluster, { type Worker } from 'node:cluster';
import type { JobEventChannel, JobMessage } from './job-event-channel.js';

/** The IPC envelope: tagged so that other messages on the same channel are left alone. */
interface Envelope {
  readonly warden: 'job-message';
  readonly message: JobMessage;
}

function isEnvelope(value: unknown): value is Envelope {
  return typeof value === 'object' && value !== null && (value as { warden?: unknown }).warden === 'job-message' && typeof (value as { message?: unknown }).message === 'object';
}

export class ClusterJobEventChannel implements JobEventChannel {
  private readonly listeners = new Set<(message: JobMessage) => void>();
  private readonly detach: () => void;

  constructor() {
    if (cluster.isPrimary) {
      const onMessage = (from: Worker, value: unknown) => {
        if (!isEnvelope(value)) return;
        this.deliver(value.message);
        this.sendToChildren(value, from);
      };
      cluster.on('message', onMessage);
      this.detach = () => cluster.off('message', onMessage);
    } else {
      const onMessage = (value: unknown) => {
        if (isEnvelope(value)) this.deliver(value.message);
      };
      process.on('message', onMessage);
      this.detach = () => process.off('message', onMessage);
    }
  }

  publish(message: JobMessage): void {
    this.deliver(message);
    const envelope: Envelope = { warden: 'job-message', message };
    if (cluster.isPrimary) this.sendToChildren(envelope);
    else if (process.connected) process.send?.(envelope, undefined, undefined, ignoreSendError);
  }

  listen(listener: (message: JobMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async ready(): Promise<void> {}

  async close(): Promise<void> {
    this.detach();
    this.listeners.clear();
  }

  private deliver(message: JobMessage): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(message);
      } catch {
        // One broken listener must not starve the others; listeners report their own errors.
      }
    }
  }

  private sendToChildren(envelope: Envelope, except?: Worker): void {
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (worker === undefined || worker === except || !worker.isConnected()) continue;
      worker.send(envelope, undefined, ignoreSendError);
    }
  }
}

/** A child that is going away cannot take the message; it reads the store when it comes back. */
function ignoreSendError(): void {}
