/**
 * Feedback that lands on one API process of a `warden server` for a prediction another one
 * answered: that prediction waits in the other process's log buffer until its next flush (1 s
 * by default). The process that cannot find it asks the primary, which asks every other API
 * process to flush at once, so the label is recorded within a few store round trips rather
 * than after the other process's timer. Best effort: feedback still looks again until its
 * wait ends, whether or not a flush request arrives.
 */
import cluster, { type Worker } from 'node:cluster';
import type { SiblingPredictionFlush } from '../domain/ports/sibling-prediction-flush.js';

interface FlushRequest {
  readonly warden: 'prediction-flush';
}

const isFlushRequest = (value: unknown): value is FlushRequest => (value as { warden?: unknown } | null)?.warden === 'prediction-flush';

/** For IPC sends to a process that is gone, and flushes whose failed batches the log already counts and logs. */
const ignore = (): void => undefined;

/** Primary: passes each child's flush request on to every other child. Returns the stopper. */
export function relayPredictionFlushes(): () => void {
  const onMessage = (from: Worker, message: unknown) => {
    if (!isFlushRequest(message)) return;
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (worker !== undefined && worker !== from && worker.isConnected()) worker.send(message, undefined, ignore);
    }
  };
  cluster.on('message', onMessage);
  return () => cluster.off('message', onMessage);
}

/** Child: asks its siblings (through the primary) to flush, and flushes its own log when they ask. */
export function clusterPredictionFlush(): SiblingPredictionFlush {
  return {
    request: () => {
      if (process.connected) process.send?.({ warden: 'prediction-flush' } satisfies FlushRequest, undefined, undefined, ignore);
    },
    serve: (flush) => {
      const onMessage = (message: unknown) => {
        if (isFlushRequest(message)) flush().catch(ignore);
      };
      process.on('message', onMessage);
      return () => process.off('message', onMessage);
    },
  };
}
