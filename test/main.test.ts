import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config.js';
import { ADMIN_TOKEN_FILE, createPlatform, eventSubscriberName, type Platform } from '../src/main.js';
import { migrateStore } from '../src/startup/migrate.js';
import { startServer } from '../src/startup/server.js';
import { startWorker } from '../src/startup/worker.js';
import { PERIODIC_KINDS } from '../src/services/periodic-work.js';
import { jobEvent, until } from './support/wait.js';
import type { Job } from '../src/domain/jobs.js';
import { prepareHome } from '../src/store/home-folder.js';
import { TEST_REDIS_URL, openTestDatabase, tempDir, uniqueName } from './support/stores.js';
import { dropRedisPrefix } from './support/redis.js';
import { SqlJobStore } from '../src/store/sql/sql-job-store.js';
import { runCliCaptured } from './support/cli.js';
import { EXIT_CODES } from '../src/cli/http-client.js';

describe('composition root', () => {
  const home = tempDir('warden-main-');
  after(() => home.remove());
  const env = { WARDEN_HOME: home.dir, WARDEN_LOG_LEVEL: 'silent', WARDEN_BOOTSTRAP: 'false', WARDEN_WORKER_CONCURRENCY: '0', HOST: '127.0.0.1', PORT: '0' };

  it('first start: embedded SQLite under WARDEN_HOME, migrated, admin token generated into a 0600 file', async () => {
    const platform = await createPlatform(loadConfig(env));
    try {
      assert.equal(platform.database.dialect.name, 'sqlite');
      assert.ok(fs.existsSync(path.join(home.dir, 'warden.db')));
      assert.ok(platform.migrationsApplied.includes('0001-registry'));
      const token = platform.generatedAdminToken;
      assert.ok(token);
      const file = path.join(home.dir, ADMIN_TOKEN_FILE);
      assert.equal(fs.readFileSync(file, 'utf8').trim(), token);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.equal((await platform.services.auth.verify(token)).role, 'admin');
    } finally {
      await platform.close();
    }
  });

  it('later starts generate nothing and keep the first token working', async () => {
    const token = fs.readFileSync(path.join(home.dir, ADMIN_TOKEN_FILE), 'utf8').trim();
    const platform = await createPlatform(loadConfig(env));
    try {
      assert.equal(platform.generatedAdminToken, undefined);
      assert.deepEqual(platform.migrationsApplied, []);
      assert.equal((await platform.services.auth.verify(token)).role, 'admin');
    } finally {
      await platform.close();
    }
  });

  it('event cursor names: WARDEN_EVENT_SUBSCRIBER when given, else host, port and roles, so a server and a worker on one host never share one', () => {
    const server = eventSubscriberName({ eventSubscriber: null, port: 7070, roles: ['api', 'worker', 'scheduler'] });
    const worker = eventSubscriberName({ eventSubscriber: null, port: 7070, roles: ['worker'] });
    assert.notEqual(server, worker);
    assert.match(server, /^[A-Za-z0-9_.:+-]+-7070-api\+worker\+scheduler$/);
    assert.equal(eventSubscriberName({ eventSubscriber: null, port: 7070, roles: ['worker'] }), worker, 'stable across restarts');
    assert.equal(eventSubscriberName({ eventSubscriber: 'api-1', port: 7070, roles: ['api'] }), 'api-1');
  });

  it('WARDEN_EXTERNAL_TRAINERS is a list of absolute executables; trainers inherit only PATH, LANG and LC_ALL', () => {
    const config = loadConfig({ ...env, WARDEN_EXTERNAL_TRAINERS: '/opt/t/train.py, /usr/bin/trainer:/opt/t/train.py', PATH: '/usr/bin', LANG: 'C.UTF-8', WARDEN_ADMIN_TOKEN: 'x'.repeat(20), HOME: '/root' });
    assert.deepEqual(config.externalTrainers, ['/opt/t/train.py', '/usr/bin/trainer']);
    assert.deepEqual(config.trainerEnv, { PATH: '/usr/bin', LANG: 'C.UTF-8' });
    assert.deepEqual(loadConfig(env).externalTrainers, []);
    for (const bad of ['train.py', './train.py', '/opt/../bin/sh', '/opt/t/']) {
      assert.throws(() => loadConfig({ ...env, WARDEN_EXTERNAL_TRAINERS: bad }), /WARDEN_EXTERNAL_TRAINERS/);
    }
  });

  it('keeps WARDEN_HOME private: the home and its folders 0700, the database (with -wal/-shm) and the admin token 0600', async () => {
    const fresh = path.join(home.dir, 'private', 'home');
    const platform = await createPlatform(loadConfig({ ...env, WARDEN_HOME: fresh }));
    try {
      await platform.services.registry.createModel({ name: 'modes', task: 'spam' }, { name: 'test' });
      const mode = (file: string) => (fs.statSync(path.join(fresh, file)).mode & 0o777).toString(8);
      assert.equal(mode('.'), '700');
      assert.equal(mode('artifacts'), '700');
      assert.equal(mode('data'), '700');
      for (const file of ['warden.db', 'warden.db-wal', 'warden.db-shm', ADMIN_TOKEN_FILE]) assert.equal(mode(file), '600', file);
    } finally {
      await platform.close();
    }
  });

  it('tightens a home left readable by other users, and says so', async () => {
    const wide = path.join(home.dir, 'wide');
    fs.mkdirSync(path.join(wide, 'artifacts'), { recursive: true, mode: 0o755 });
    fs.chmodSync(wide, 0o755);
    fs.chmodSync(path.join(wide, 'artifacts'), 0o755);
    fs.writeFileSync(path.join(wide, 'warden.db'), '', { mode: 0o644 });
    fs.chmodSync(path.join(wide, 'warden.db'), 0o644);
    const config = loadConfig({ ...env, WARDEN_HOME: wide });
    const warnings = prepareHome(config);
    const mode = (file: string) => (fs.statSync(path.join(wide, file)).mode & 0o777).toString(8);
    assert.deepEqual([mode('.'), mode('artifacts'), mode('data'), mode('warden.db')], ['700', '700', '700', '600']);
    assert.equal(warnings.length, 3, warnings.join('\n'));
    assert.ok(warnings.every((w) => /tightened/.test(w) && w.includes(wide)), warnings.join('\n'));
    assert.deepEqual(prepareHome(config), [], 'nothing to say the second time');
    // The platform does the same at every start.
    fs.chmodSync(wide, 0o755);
    const platform = await createPlatform(config);
    await platform.close();
    assert.equal(mode('.'), '700');
  });

  it('warden db migrate reports nothing to apply on a current schema', async () => {
    const result = await migrateStore(loadConfig(env));
    assert.deepEqual(result.applied, []);
    assert.match(result.store, /^sqlite:/);
  });

  it('startServer listens, prints the URL, the docs URL and the token hint, and stops cleanly', async () => {
    const lines: string[] = [];
    const server = await startServer(loadConfig({ ...env, WARDEN_ADMIN_TOKEN: 'a-configured-admin-token-123456' }), (line) => lines.push(line));
    try {
      const res = await fetch(`${server.url}/health`);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { status: string }).status, 'ok');
      const tokens = await fetch(`${server.url}/tokens`, { headers: { authorization: 'Bearer a-configured-admin-token-123456' } });
      assert.equal(tokens.status, 200);
      assert.ok(lines.some((l) => l.includes(`listening on ${server.url}`)), lines.join('\n'));
      assert.ok(lines.some((l) => l.includes(`${server.url}/docs`)));
      assert.ok(lines.some((l) => l.includes('WARDEN_ADMIN_TOKEN')));
    } finally {
      await server.stop();
    }
    await assert.rejects(fetch(`${server.url}/health`));
  });

  it('a later start prints where the admin token is and how to hand it to the CLI', async () => {
    const lines: string[] = [];
    const server = await startServer(loadConfig(env), (line) => lines.push(line));
    try {
      const file = path.join(home.dir, ADMIN_TOKEN_FILE);
      assert.ok(lines.includes(`Admin token: in ${file} (written at first start)`), lines.join('\n'));
      assert.ok(lines.includes(`Use it:  export WARDEN_TOKEN=$(cat ${file})`), lines.join('\n'));
    } finally {
      await server.stop();
    }
  });

  it('startServer starts the workers once it listens: a queued job is picked up', async () => {
    const server = await startServer(loadConfig({ ...env, WARDEN_WORKER_CONCURRENCY: '1', WARDEN_ADMIN_TOKEN: 'a-configured-admin-token-123456' }), () => {});
    try {
      assert.equal(server.platform.config.workerConcurrency, 1);
      const job = await server.platform.services.jobs.enqueue({ kind: 'evaluate', payload: {} });
      const picked = await jobEvent(server.platform.services.jobs, job.id, (e) => (e.type === 'state' || e.type === 'snapshot') && e.job.state !== 'queued');
      assert.ok(picked.type === 'state' || picked.type === 'snapshot');
      assert.notEqual(picked.job.state, 'queued');
    } finally {
      await server.stop();
    }
  });

  it('the banner prints the CLI as `npx warden …`, and each printed command runs as printed', async () => {
    const bootHome = tempDir('warden-main-banner-');
    const lines: string[] = [];
    const config = loadConfig({ ...env, WARDEN_HOME: bootHome.dir, WARDEN_BOOTSTRAP: 'true', WARDEN_ADMIN_TOKEN: 'a-configured-admin-token-123456' });
    const server = await startServer(config, (line) => lines.push(line));
    try {
      const banner = lines.join('\n');
      const commands = [...banner.matchAll(/(?:^|[\s`(])((?:npx )?warden [a-z-][^\n·)`]*)/g)].map((m) => m[1]!.trim());
      assert.ok(commands.length >= 3, banner);
      for (const command of commands) assert.match(command, /^npx warden /, `printed without npx: ${command}`);
      // Nothing trains here (no workers): cancel the sample jobs so that `jobs watch` ends.
      for (const job of server.platform.bootstrapJobs) await server.platform.services.jobs.cancel(job.id);
      for (const command of commands.filter((c) => !c.includes('<'))) {
        const args = command.split(' ').slice(2);
        const result = await runCliCaptured(['--url', server.url, '--token', 'a-configured-admin-token-123456', ...args]);
        const expected = args[0] === 'jobs' && args[1] === 'watch' ? EXIT_CODES.conflict : EXIT_CODES.ok;
        assert.equal(result.code, expected, `${command}: ${result.stderr}`);
      }
      assert.ok(commands.some((c) => /^npx warden jobs watch [0-9a-z-]+$/.test(c)), banner);
    } finally {
      await server.stop();
      bootHome.remove();
    }
  });
});

describe('process roles (WARDEN_ROLES)', () => {
  const homes: Array<{ remove(): void }> = [];
  after(() => homes.forEach((home) => home.remove()));
  const config = (extra: Record<string, string>) => {
    const home = tempDir('warden-roles-');
    homes.push(home);
    // One process: these tests look at the roles of the process that serves (test/cluster covers several).
    const env = { WARDEN_HOME: home.dir, WARDEN_LOG_LEVEL: 'silent', WARDEN_BOOTSTRAP: 'false', WARDEN_WORKER_CONCURRENCY: '1', HOST: '127.0.0.1', PORT: '0', WARDEN_API_PROCESSES: '1' };
    return loadConfig({ ...env, WARDEN_ADMIN_TOKEN: 'a-configured-admin-token-123456', ...extra });
  };
  const periodicJobs = async (platform: Platform) => {
    const jobs = [];
    for (const kind of PERIODIC_KINDS) jobs.push(...(await platform.services.jobs.list({ kind, limit: 100 })).items);
    return jobs;
  };
  /** Its queue has no workers when starting some succeeds (a second start conflicts). */
  const runsWorkers = async (platform: Platform) => {
    try {
      const workers = await platform.services.jobs.startWorkers({ backfill: async () => null });
      await workers.stop();
      return false;
    } catch (error) {
      assert.equal((error as { code?: string }).code, 'VERSION_CONFLICT');
      return true;
    }
  };

  it('reads a comma list of api, worker, scheduler; all three by default; an unknown role is refused', () => {
    assert.deepEqual(config({}).roles, ['api', 'worker', 'scheduler']);
    assert.deepEqual(config({ WARDEN_ROLES: 'scheduler, api' }).roles, ['api', 'scheduler']);
    assert.throws(() => config({ WARDEN_ROLES: 'api,web' }), (error: unknown) => error instanceof ConfigError && /WARDEN_ROLES/.test(error.message) && /"web"/.test(error.message));
  });

  it('an API-only process runs no jobs and declares no periodic work', async () => {
    const platform = await createPlatform(config({ WARDEN_ROLES: 'api', WARDEN_SWEEP_INTERVAL_MS: '100', WARDEN_DEPLOYMENT_CHECK_MS: '100' }));
    try {
      assert.equal(await runsWorkers(platform), false);
      assert.deepEqual(await periodicJobs(platform), []);
    } finally {
      await platform.close();
    }
  });

  it('a scheduler and worker process runs the sweep, the fresh-data scan and the event cleanup as jobs, about every interval', async () => {
    const platform = await createPlatform(config({ WARDEN_ROLES: 'worker,scheduler', WARDEN_SWEEP_INTERVAL_MS: '200', WARDEN_DEPLOYMENT_CHECK_MS: '200', WARDEN_MONITOR_INTERVAL_MS: '200', WARDEN_PERIODIC_JOB_RETENTION_MS: '1000' }));
    try {
      assert.equal(await runsWorkers(platform), true);
      const deadline = Date.now() + 20_000;
      let done: Job[] = [];
      while (Date.now() < deadline) {
        done = (await periodicJobs(platform)).filter((job) => job.state === 'succeeded');
        if (PERIODIC_KINDS.every((kind) => done.filter((job) => job.kind === kind).length >= 2)) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      for (const kind of PERIODIC_KINDS) assert.ok(done.filter((job) => job.kind === kind).length >= 2, `${kind} ran twice: ${JSON.stringify(done.map((j) => j.kind))}`);
      const scan = done.find((job) => job.kind === 'scan-fresh-data');
      assert.deepEqual(scan?.result, { announced: [], rejected: [], retrains: [] });
      assert.equal((done.find((job) => job.kind === 'sweep-artifacts')?.result as { deleted: number }).deleted, 0);
      assert.ok(done.every((job) => job.idempotencyKey?.startsWith(`schedule:${job.kind}:200:`)));
      // The cleanup also deletes the periodic jobs' own records past their retention (1 s here).
      let cleaned = 0;
      while (cleaned === 0 && Date.now() < deadline + 10_000) {
        const cleanups = (await platform.services.jobs.list({ kind: 'cleanup-events', state: 'succeeded', limit: 100 })).items;
        cleaned = cleanups.reduce((sum, job) => sum + ((job.result as { jobsDeleted?: number } | null)?.jobsDeleted ?? 0), 0);
        if (cleaned === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.ok(cleaned > 0, 'old periodic job records were deleted');
      const oldest = Math.min(...(await periodicJobs(platform)).filter((job) => job.finishedAt !== null).map((job) => job.finishedAt!));
      assert.ok(Date.now() - oldest < 1_000 + 2_000, `the oldest ended periodic job is ${Date.now() - oldest} ms old`);
    } finally {
      await platform.close();
    }
  });

  it('without the scheduler role nothing is declared; workers still run', async () => {
    const platform = await createPlatform(config({ WARDEN_ROLES: 'api,worker', WARDEN_SWEEP_INTERVAL_MS: '100', WARDEN_DEPLOYMENT_CHECK_MS: '100' }));
    try {
      assert.equal(await runsWorkers(platform), true);
      assert.deepEqual(await periodicJobs(platform), []);
    } finally {
      await platform.close();
    }
  });

  it('warden server adds the api role to WARDEN_ROLES; warden worker drops it and serves only GET /health on WARDEN_HEALTH_PORT', async () => {
    const server = await startServer(config({ WARDEN_ROLES: 'worker' }), () => {});
    try {
      assert.deepEqual(server.platform.config.roles, ['api', 'worker']);
      assert.equal(server.platform.app.server.listening, true);
      assert.deepEqual(await periodicJobs(server.platform), []);
    } finally {
      await server.stop();
    }
    const lines: string[] = [];
    const worker = await startWorker(config({ WARDEN_HEALTH_PORT: '0' }), (line) => lines.push(line));
    try {
      assert.equal(worker.platform.app.server.listening, false, 'the API is not served');
      assert.match(lines.join('\n'), /roles worker, scheduler/);
      assert.equal(await runsWorkers(worker.platform), true);
      const health = await fetch(`${worker.healthUrl}/health`);
      assert.equal(health.status, 200);
      assert.equal(((await health.json()) as { status: string }).status, 'ok');
      assert.equal((await fetch(`${worker.healthUrl}/models`)).status, 404);
      assert.match(lines.join('\n'), new RegExp(`Health: ${worker.healthUrl}/health`));
    } finally {
      await worker.stop();
    }
  });
});

describe('periodic work across a cluster on PostgreSQL + Redis', () => {
  it('two scheduler+worker processes run the sweep, the scan and the cleanup once per tick (counted)', async () => {
    const test = await openTestDatabase('postgres');
    const prefix = uniqueName('wsched');
    const homes = [tempDir('warden-cluster-'), tempDir('warden-cluster-')];
    const everyMs = 400;
    const platforms: Platform[] = [];
    // Before the first platform: it ticks its first window while the second one starts.
    const started = Date.now();
    try {
      for (const [index, home] of homes.entries()) {
        const config = loadConfig({
          WARDEN_HOME: home.dir,
          WARDEN_LOG_LEVEL: 'silent',
          WARDEN_BOOTSTRAP: 'false',
          WARDEN_ADMIN_TOKEN: 'a-configured-admin-token-123456',
          WARDEN_QUEUE_URL: TEST_REDIS_URL,
          WARDEN_QUEUE_PREFIX: prefix,
          WARDEN_ROLES: 'worker,scheduler',
          WARDEN_WORKER_CONCURRENCY: '2',
          WARDEN_SWEEP_INTERVAL_MS: String(everyMs), WARDEN_DEPLOYMENT_CHECK_MS: String(everyMs), WARDEN_MONITOR_INTERVAL_MS: String(everyMs),
          WARDEN_EVENT_SUBSCRIBER: `cluster-${index}`,
        });
        platforms.push(await createPlatform(config, { database: test.database }));
      }
      const jobs = new SqlJobStore(test.database);
      const succeeded = async (kind: (typeof PERIODIC_KINDS)[number]) => (await jobs.list({ kind, state: 'succeeded', limit: 100 })).items.length;
      await until(async () => (await Promise.all(PERIODIC_KINDS.map(succeeded))).every((n) => n >= 6), 'six ticks of each periodic kind', { timeoutMs: everyMs * 40, everyMs: 50 });
      for (const platform of platforms.splice(0)) await platform.close();
      const stopped = Date.now();
      // At most one tick per window, never two. Not at least one: on a loaded machine a timer
      // that fires a window late adds that window's job, and the one it slept through is skipped
      // (the wait above already proved the work keeps ticking).
      const windowsUntil = (end: number) => Math.floor(end / everyMs) - Math.floor(started / everyMs) + 1;
      const most = windowsUntil(stopped);
      for (const kind of PERIODIC_KINDS) {
        const ran = (await jobs.list({ kind, limit: 100 })).items;
        const keys = new Set(ran.map((job) => job.idempotencyKey));
        assert.equal(keys.size, ran.length, `${kind}: one job per window`);
        assert.ok(ran.every((job) => job.attempts <= 1), `${kind}: each tick's handler ran once`);
        assert.ok(ran.length <= most, `${kind}: ${ran.length} ticks in ${most} windows`);
      }
    } finally {
      for (const platform of platforms) await platform.close();
      await dropRedisPrefix(prefix);
      await test.cleanup();
      homes.forEach((home) => home.remove());
    }
  });
});
