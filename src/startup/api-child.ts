/**
 * An API process forked by `warden server` (see startApiProcesses in ./server.ts), and its
 * entry module: it asks the primary for its config, serves the API on the shared port, and
 * exits when the primary asks (or on SIGINT/SIGTERM) once its requests are answered.
 */
import cluster from 'node:cluster';
import type { Config } from '../config.js';
import { ClusterJobEventChannel } from '../jobs/cluster-job-event-channel.js';
import { createPlatform, eventSubscriberName, type Platform } from '../main.js';
import { isApiProcessMessage, type ApiProcessCounts, type ApiProcessMessage } from './api-processes.js';
import { listeningUrl } from './roles.js';
import { clusterMetricsSource } from './cluster-metrics.js';
import { clusterPredictionFlush } from './cluster-prediction-flush.js';

export async function runApiChild(): Promise<void> {
  const send = (message: ApiProcessMessage) => {
    if (process.connected) process.send?.(message);
  };
  const { config, index } = await new Promise<{ config: Config; index: number }>((resolve) => {
    const onMessage = (value: unknown) => {
      if (!isApiProcessMessage(value) || value.warden !== 'api-config') return;
      process.off('message', onMessage);
      resolve({ config: value.config as Config, index: value.index });
    };
    process.on('message', onMessage);
    // Asked for once this module is loaded: a message sent before would find no listener.
    send({ warden: 'api-hello' });
  });
  let counts: ApiProcessCounts = { running: 0, wanted: config.apiProcesses };
  let platform: Platform;
  try {
    // Its own event cursor: a broadcast event reaches every API process, and one that was down gets its backlog.
    const own: Config = { ...config, eventSubscriber: `${eventSubscriberName(config)}-${index}`.slice(0, 128) };
    platform = await createPlatform(own, { jobEventChannel: new ClusterJobEventChannel(), apiChild: { index, counts: () => counts }, siblings: clusterPredictionFlush() });
    // A scrape lands on one API process: it answers with every API process's metrics.
    platform.metrics.renderFrom(clusterMetricsSource(platform.metrics.registry));
    await platform.app.listen({ host: config.host, port: config.port });
  } catch (error) {
    send({ warden: 'api-failed', message: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  }
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    platform.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`API process ${index}: shutdown failed:`, error);
        process.exit(1);
      },
    );
  };
  process.on('message', (value: unknown) => {
    if (!isApiProcessMessage(value)) return;
    if (value.warden === 'api-count') counts = { running: value.running, wanted: value.wanted };
    if (value.warden === 'api-stop') stop();
  });
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  send({ warden: 'api-listening', url: listeningUrl(platform.app, config) });
}

if (cluster.isWorker) await runApiChild();
