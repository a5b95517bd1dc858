/** `warden worker`: a process that runs jobs (and by default declares the periodic work) but serves no API. */
import type { Config } from '../config.js';
import { buildHealthApp } from '../api/health-app.js';
import type { WardenApp } from '../api/app.js';
import { WardenError } from '../domain/errors.js';
import type { JobWorkers } from '../domain/ports/job-queue.js';
import { createPlatform, type Platform } from '../main.js';
import { listeningUrl, withRole } from './roles.js';
import { stopOnSignals } from './signals.js';

export interface RunningWorker {
  readonly platform: Platform;
  readonly workerId: string;
  /** The health endpoint's URL (WARDEN_HEALTH_PORT), else undefined. */
  readonly healthUrl: string | undefined;
  stop(): Promise<void>;
}

/**
 * `warden worker`: the worker role (plus `scheduler` when WARDEN_ROLES has it, as by default;
 * never `api`: no HTTP port) against WARDEN_STORE_URL and WARDEN_QUEUE_URL until SIGINT/SIGTERM;
 * running jobs get 10 s to finish, then are aborted and re-queued. Start any number of them
 * with a redis:// queue (or a local: queue on a shared store).
 */
export async function startWorker(config: Config, print: (line: string) => void = console.log): Promise<RunningWorker> {
  const roles = withRole(withRole(config.roles, 'api', false), 'worker', true);
  const platform = await createPlatform({ ...config, roles, workerConcurrency: 0 });
  const handlers = platform.handlers;
  const kinds = Object.keys(handlers);
  if (kinds.length === 0) {
    await platform.close();
    throw new WardenError('VALIDATION_FAILED', 'this build registers no job handlers (see jobHandlers in src/main.ts)', { field: 'handlers' });
  }
  const concurrency = Math.max(1, config.workerConcurrency);
  let health: WardenApp | undefined;
  let workers: JobWorkers;
  try {
    workers = await platform.services.jobs.startWorkers(handlers, { concurrency });
    if (config.healthPort !== undefined) {
      health = await buildHealthApp({ config, services: platform.services, runtime: platform.runtime });
      await health.listen({ host: config.host, port: config.healthPort });
    }
  } catch (error) {
    await health?.close();
    await platform.close();
    throw error;
  }
  const healthUrl = health ? listeningUrl(health, config) : undefined;
  print(
    `Warden worker ${workers.workerId}: kinds ${kinds.join(', ')}, concurrency ${concurrency}, ` +
      `queue ${config.queueUrl.split(':')[0]}, store ${platform.database.dialect.name}, roles ${roles.join(', ')}`,
  );
  if (healthUrl !== undefined) print(`Health: ${healthUrl}/health`);
  const stop = stopOnSignals(print, 'finishing running jobs (10 s), then stopping', async () => {
    await health?.close();
    await workers.stop(10_000);
    await platform.close();
  });
  return { platform, workerId: workers.workerId, healthUrl, stop };
}
