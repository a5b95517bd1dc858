/**
 * `GET /metrics` when `warden server` runs several API processes: a scrape lands on one of
 * them, so that one asks the primary, which gathers every API process's registry over IPC
 * (prom-client's AggregatorRegistry: counters and histograms summed, gauges per their
 * aggregator) and answers with the whole server's metrics. A scrape never sees one process only.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

type MetricsMessage =
  | { readonly warden: 'metrics-request'; readonly id: number }
  | { readonly warden: 'metrics-response'; readonly id: number; readonly text?: string; readonly error?: string };

function isMetricsMessage(value: unknown): value is MetricsMessage {
  const tag = (value as { warden?: unknown } | null)?.warden;
  return (tag === 'metrics-request' || tag === 'metrics-response') && typeof (value as { id?: unknown }).id === 'number';
}

/** A child's answer is given up after this long (prom-client's own per-request limit is 5 s). */
const RESPONSE_TIMEOUT_MS = 6_000;

/** Primary: answers the children's metrics requests with every child's metrics aggregated. Returns the stopper. */
export function serveClusterMetrics(): () => void {
  const aggregator = new AggregatorRegistry();
  const onMessage = (worker: Worker, message: unknown) => {
    if (!isMetricsMessage(message) || message.warden !== 'metrics-request') return;
    const { id } = message;
    const reply = (answer: MetricsMessage) => {
      if (worker.isConnected()) worker.send(answer);
    };
    aggregator.clusterMetrics().then(
      (text) => reply({ warden: 'metrics-response', id, text }),
      (error: unknown) => reply({ warden: 'metrics-response', id, error: error instanceof Error ? error.message : String(error) }),
    );
  };
  cluster.on('message', onMessage);
  return () => cluster.off('message', onMessage);
}

/** Child: puts `registry` into the primary's aggregation and returns the function that asks the primary for the whole server's metrics. */
export function clusterMetricsSource(registry: Registry): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  // prom-client answers the primary's collection requests only once an AggregatorRegistry exists in this process.
  new AggregatorRegistry();
  let next = 0;
  const pending = new Map<number, { resolve(text: string): void; reject(error: Error): void }>();
  process.on('message', (message: unknown) => {
    if (!isMetricsMessage(message) || message.warden !== 'metrics-response') return;
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    if (message.text !== undefined) waiting?.resolve(message.text);
    else waiting?.reject(new Error(`metrics aggregation failed: ${message.error ?? 'no answer'}`));
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('the primary did not answer the metrics request in time'));
      }, RESPONSE_TIMEOUT_MS);
      pending.set(id, {
        resolve: (text) => {
          clearTimeout(timer);
          resolve(text);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      process.send?.({ warden: 'metrics-request', id } satisfies MetricsMessage);
    });
}
