/**
 * `warden server` (and `npm start`): the API, by default with the workers and the scheduler
 * too; with WARDEN_API_PROCESSES above 1, served by that many forked API processes.
 */
import cluster from 'node:cluster';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import { dashboardBuilt } from '../api/dashboard.js';
import { packageVersion } from '../version.js';
import { followJobs } from '../cli/job-progress-log.js';
import { createPlatform, eventSubscriberName, startJobWorkers, type Platform } from '../main.js';
import { ClusterJobEventChannel } from '../jobs/cluster-job-event-channel.js';
import { ApiProcesses } from './api-processes.js';
import { serveClusterMetrics } from './cluster-metrics.js';
import { relayPredictionFlushes } from './cluster-prediction-flush.js';
import { serverBanner } from './banner.js';
import { listeningUrl, withRole } from './roles.js';
import { stopOnSignals } from './signals.js';

export interface RunningServer {
  readonly platform: Platform;
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * `warden server`: the api role plus the roles WARDEN_ROLES gives (by default all: the
 * embedded mode): create the platform, listen, print where, stop on SIGINT/SIGTERM. With
 * WARDEN_API_PROCESSES above 1 this process keeps the other roles and forks that many API
 * processes sharing the port (see startApiProcesses).
 */
export async function startServer(given: Config, print: (line: string) => void = console.log): Promise<RunningServer> {
  const config: Config = { ...given, roles: withRole(given.roles, 'api', true) };
  if (config.apiProcesses > 1 && cluster.isPrimary) return startApiProcesses(config, print);
  // Workers start once the server listens: on a first start the sample models' training
  // would otherwise compete for the CPU with compiling the routes' schemas.
  const platform: Platform = { ...(await createPlatform({ ...config, workerConcurrency: 0 })), config };
  try {
    await platform.app.listen({ host: config.host, port: config.port });
    if (config.roles.includes('worker')) await startJobWorkers(platform.services.jobs, platform.handlers, config.workerConcurrency);
  } catch (error) {
    await platform.close();
    throw error;
  }
  const url = listeningUrl(platform.app, config);
  printBanner(platform, config, url, print);
  const stop = stopOnSignals(print, 'shutting down', () => platform.close());
  return { platform, url, stop };
}

/**
 * `warden server` on several cores: this process (the primary) migrates, makes sure of the
 * admin token, runs the first-start bootstrap, the workers and the scheduler — everything
 * that must happen once — and forks `config.apiProcesses` API-only children (node:cluster,
 * src/startup/api-child.ts) that share the port and the store (SQLite in WAL mode, or
 * PostgreSQL). Live job progress crosses over IPC (ClusterJobEventChannel), so any child
 * streams any job.
 */
async function startApiProcesses(config: Config, print: (line: string) => void): Promise<RunningServer> {
  // Its event cursor keeps the name a single-process server has, so a restart in either form resumes it.
  const own: Config = { ...config, roles: withRole(config.roles, 'api', false), workerConcurrency: 0, eventSubscriber: eventSubscriberName(config) };
  const platform: Platform = { ...(await createPlatform(own, { jobEventChannel: new ClusterJobEventChannel() })), config };
  const processes = new ApiProcesses({
    count: config.apiProcesses,
    exec: fileURLToPath(new URL(`./api-child${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url)),
    // The children run the way this process does (a TypeScript loader in tests, a profiler), never as a test file.
    execArgv: process.execArgv.filter((arg) => !arg.startsWith('--test')),
    config: { ...config, roles: ['api'], bootstrap: false, workerConcurrency: 0 } satisfies Config,
    log: platform.app.log,
  });
  const stopClusterMetrics = serveClusterMetrics();
  const stopFlushRelay = relayPredictionFlushes();
  let url: string;
  try {
    url = await processes.start();
    if (config.roles.includes('worker')) await startJobWorkers(platform.services.jobs, platform.handlers, config.workerConcurrency);
  } catch (error) {
    stopClusterMetrics();
    stopFlushRelay();
    await processes.stop();
    await platform.close();
    throw error;
  }
  printBanner(platform, config, url, print);
  const stop = stopOnSignals(print, 'shutting down', async () => {
    stopClusterMetrics();
    stopFlushRelay();
    await processes.stop();
    await platform.close();
  });
  return { platform, url, stop };
}

function printBanner(platform: Platform, config: Config, url: string, print: (line: string) => void): void {
  const banner = serverBanner({
    url,
    version: packageVersion(),
    config,
    storeDialect: platform.database.dialect.name,
    migrationsApplied: platform.migrationsApplied,
    generatedAdminToken: platform.generatedAdminToken,
    bootstrapJobs: platform.bootstrapJobs,
    dashboard: dashboardBuilt(config.webDir),
  });
  for (const line of banner) print(line);
  if (platform.bootstrapJobs.length > 0) followJobs(platform.services.jobs, platform.bootstrapJobs, print);
}
