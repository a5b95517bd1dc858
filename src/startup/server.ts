/** `warden server` (and `npm start`): the API process, by default with the workers and the scheduler too. */
import type { Config } from '../config.js';
import { packageVersion } from '../version.js';
import { followJobs } from '../cli/job-progress-log.js';
import { createPlatform, startJobWorkers, type Platform } from '../main.js';
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
 * embedded mode): create the platform, listen, print where, stop on SIGINT/SIGTERM.
 */
export async function startServer(given: Config, print: (line: string) => void = console.log): Promise<RunningServer> {
  const config: Config = { ...given, roles: withRole(given.roles, 'api', true) };
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
  const banner = serverBanner({
    url,
    version: packageVersion(),
    config,
    storeDialect: platform.database.dialect.name,
    migrationsApplied: platform.migrationsApplied,
    generatedAdminToken: platform.generatedAdminToken,
    bootstrapJobs: platform.bootstrapJobs,
  });
  for (const line of banner) print(line);
  if (platform.bootstrapJobs.length > 0) followJobs(platform.services.jobs, platform.bootstrapJobs, print);

  const stop = stopOnSignals(print, 'shutting down', () => platform.close());
  return { platform, url, stop };
}
