/**
 * Feedback that lands on one API process of a `warden server` for a prediction another one
 * answered: that prediction waits in the other process's log buffer until its next flush (1 s
 * by default). The process that cannot find it asks the primary, which asks every other API
 * process to flush at once, so the label is recorded within a few store round trips rather
 * than after the other process's timer. Best effort: feedback still looks again until its
 * wait ends, whether or not a flush request arrives.
 */
import cluster, { type Worker } from 'node:cluster';
import type { SiblingPredictionFlush } from '../services/serving-service.js';

interface FlushRequest {
  readonly warden: 'prediction-flush';
}

const isFlushRequest = (value: unknown): value is FlushRequest => (value as { warden?: unknown } | null)?.warden === 'prediction-flush';

const ignoreSendError = (): void => undefined;

/** Primary: passes each child's flush request on to every other child. Returns the stopper. */
export function relayPredictionFlushes(): () => void {
  const onMessage = (from: Worker, message: unknown) => {
    if (!isFlushRequest(message)) return;
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (worker !== undefined && worker !== from && worker.isConnected()) worker.send(message, undefined, ignoreSendError);
    }
  };
  cluster.on('message', onMessage);
  return () => cluster.off('message', onMessage);
}

/** Child: asks its siblings (through the primary) to flush, and flushes its own log when they ask. */
export function clusterPredictionFlush(): SiblingPredictionFlush {
  return {
    request: () => {
      if (process.connected) process.send?.({ warden: 'prediction-flush' } satisfies FlushRequest, undefined, undefined, ignoreSendError);
    },
    serve: (flush) => {
      const onMessage = (message: unknown) => {
        // A failed batch is counted and logged by the log itself.
        if (isFlushRequest(message)) flush().catch(ignoreSendError);
      };
      process.on('message', onMessage);
      return () => process.off('message', onMessage);
    },
  };
}
