import type { Job, JobKind, JobLogLine, JobProgress } from '../domain/jobs.js';

/** What queue processes tell each other about jobs. Serialisable: crosses Redis in distributed mode. */
export type JobMessage =
  | { readonly type: 'enqueued'; readonly jobId: string; readonly kind: JobKind }
  | { readonly type: 'state'; readonly jobId: string; readonly job: Job }
  | { readonly type: 'progress'; readonly jobId: string; readonly progress: JobProgress }
  | { readonly type: 'log'; readonly jobId: string; readonly log: JobLogLine }
  | { readonly type: 'cancel'; readonly jobId: string };

/**
 * Best-effort live fan-out between the queue's parts (workers, subscribers) and, in
 * distributed mode, between processes. Messages may be lost (e.g. Redis pub/sub during a
 * reconnect): the job store stays the truth, and subscribers poll it as a safety net.
 */
export interface JobEventChannel {
  publish(message: JobMessage): void;
  listen(listener: (message: JobMessage) => void): () => void;
  /** Resolves once messages published from now on will reach listeners. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** In one process: synchronous, ordered, lossless. */
export class InMemoryJobEventChannel implements JobEventChannel {
  private readonly listeners = new Set<(message: JobMessage) => void>();

  publish(message: JobMessage): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(message);
      } catch {
        // One broken listener must not starve the others; listeners report their own errors.
      }
    }
  }

  listen(listener: (message: JobMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async ready(): Promise<void> {}

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
