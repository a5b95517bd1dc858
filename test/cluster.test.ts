/**
 * Warden as a cluster of real OS processes, set up as docs/deploy.md says: two API-only
 * `warden server` processes and two `warden worker` processes (worker + scheduler) from the
 * compiled bin, sharing one fresh database (and queue), one artifact folder and one data
 * folder; each with its own home and an explicit environment. Once on PostgreSQL + Redis, and
 * once on the embedded default: one SQLite file that also holds the queue, written by all
 * four processes at once. The test process only sends HTTP requests, starts and kills
 * processes, and reads the database to check what they did.
 *
 * The proofs share the cluster and run in order: concurrent writes over both APIs; kill -9
 * of the worker running a training; periodic ticks counted with the workers stopped; fresh
 * data seen by an API process and trained on by a worker; an event delivered after a restart;
 * a retraining schedule ticked by both workers, one decision and one retrain job per firing.
 */
import { describe, it, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { openSqlDatabase, type SqlDatabase } from '../src/store/sql/database.js';
import { SqlJobStore } from '../src/store/sql/sql-job-store.js';
import { isTerminal, type Job, type JobKind } from '../src/domain/jobs.js';
import type { StageChangedEvent } from '../src/domain/ports/domain-events.js';
import { PERIODIC_KINDS } from '../src/services/periodic-work.js';
import { wardenBin } from './support/build.js';
import { TEST_REDIS_URL, createTestPgDatabase, tempDir, uniqueName } from './support/stores.js';
import { dropRedisPrefix } from './support/redis.js';
import { startWarden, stopWarden, type WardenProcess } from './support/warden-process.js';
import { SMALL_FEATURES, seededRandom, syntheticRows } from './support/training.js';
import { jsonl } from './support/datasets.js';
import { until } from './support/wait.js';

const ADMIN_TOKEN = `cluster-admin-${randomBytes(16).toString('hex')}`;
/** Periodic work (sweep, scan, cleanups) every second: ticks to count, little load besides. */
const EVERY_MS = 1_000;
/** A killed worker's job is taken over within about three leases. */
const LEASE_MS = 2_000;
const START_TIMEOUT_MS = 60_000;
const WORKERS = ['worker-1', 'worker-2'] as const;
/** The one model with a schedule (every 3 s; looked back on 2 ticks of 1 s); it exists only from the last proof on. */
const CRON_MODEL = 'cron-m';
const CRON_EVERY_MS = 3_000;
const RETRAINING_POLICY = { models: { [CRON_MODEL]: { schedule: '*/3 * * * * *', cooldownMs: 0 } } };

interface Reply {
  readonly status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of many routes, checked by the assertions
  readonly body: any;
}

/** The pid part of a worker id (`host/pid/random`). */
const pidOf = (workerId: string | null | undefined): number => Number(workerId?.split('/')[1]);

/** Where a cluster keeps its state: a fresh store, and the queue settings every process gets. */
interface ClusterMode {
  readonly name: string;
  create(dir: string): Promise<{ readonly storeUrl: string; readonly env: Record<string, string>; cleanup(): Promise<void> }>;
}

const MODES: readonly ClusterMode[] = [
  {
    name: 'PostgreSQL + Redis',
    async create() {
      const pg = await createTestPgDatabase('wcluster');
      const prefix = uniqueName('wcluster');
      return { storeUrl: pg.url, env: { WARDEN_QUEUE_URL: TEST_REDIS_URL, WARDEN_QUEUE_PREFIX: prefix }, cleanup: () => Promise.all([pg.cleanup(), dropRedisPrefix(prefix)]).then(() => undefined) };
    },
  },
  {
    name: 'one SQLite file (the embedded default; the queue is the store)',
    create: async (dir) => ({ storeUrl: `sqlite:${path.join(dir, 'warden.db')}`, env: {}, cleanup: async () => undefined }),
  },
];

for (const mode of MODES) describe(`a Warden cluster of real processes on ${mode.name}: 2 API processes, 2 workers`, () => {
  const shared = tempDir('warden-cluster-');
  const processes = new Map<string, WardenProcess>();
  let bin: string;
  let store: Awaited<ReturnType<ClusterMode['create']>> | undefined;
  let database: SqlDatabase | undefined;
  let jobs: SqlJobStore;
  let editorToken: string;

  const envOf = (name: string, extra: Record<string, string>): Record<string, string> => ({
    HOST: '127.0.0.1',
    WARDEN_HOME: path.join(shared.dir, `home-${name}`),
    WARDEN_STORE_URL: store!.storeUrl,
    ...store!.env,
    WARDEN_ARTIFACTS_URL: `file:${path.join(shared.dir, 'artifacts')}`,
    WARDEN_DATA_DIR: path.join(shared.dir, 'data'),
    WARDEN_ADMIN_TOKEN: ADMIN_TOKEN,
    WARDEN_BOOTSTRAP: 'false',
    WARDEN_LOG_LEVEL: 'info',
    WARDEN_JOB_LEASE_MS: String(LEASE_MS),
    WARDEN_SWEEP_INTERVAL_MS: String(EVERY_MS), WARDEN_DEPLOYMENT_CHECK_MS: String(EVERY_MS), WARDEN_MONITOR_INTERVAL_MS: String(EVERY_MS),
    WARDEN_EVENT_SUBSCRIBER: name,
    // Every process has the cluster's policy (the workers tick the schedule; any process may handle a retrain's events).
    WARDEN_RETRAINING_POLICY: JSON.stringify(RETRAINING_POLICY),
    ...extra,
  });
  const startApi = async (name: string) => {
    processes.set(name, await startWarden(name, bin, 'server', envOf(name, { WARDEN_ROLES: 'api', PORT: '0', WARDEN_API_PROCESSES: '1' }), START_TIMEOUT_MS));
  };
  const startWorkerProcess = async (name: string) => {
    const env = envOf(name, { WARDEN_ROLES: 'worker,scheduler', WARDEN_HEALTH_PORT: '0', WARDEN_WORKER_CONCURRENCY: '1' });
    processes.set(name, await startWarden(name, bin, 'worker', env, START_TIMEOUT_MS));
  };
  const isUp = (name: string) => {
    const child = processes.get(name)?.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  };
  const proc = (name: string): WardenProcess => {
    const found = processes.get(name);
    assert.ok(found !== undefined && isUp(name), `${name} is running`);
    return found;
  };
  /** Starts whichever worker is not running. */
  const ensureWorkers = () => Promise.all(WORKERS.filter((name) => !isUp(name)).map(startWorkerProcess));
  const stopWorkers = () => Promise.all(WORKERS.filter(isUp).map((name) => stopWarden(processes.get(name)!, 'SIGTERM')));
  const workerNameOf = (workerId: string | null): string | undefined =>
    [...processes.values()].find((p) => p.workerId !== undefined && pidOf(p.workerId) === pidOf(workerId))?.name;

  /** The tail of every process's output, for a failure message. */
  const outputs = () => [...processes.values()].map((p) => `--- ${p.name} (pid ${p.pid}):\n${p.output().slice(-3_000)}`).join('\n');

  /** `until` (support/wait.ts), failing also with what `seen` reports and every process's output. */
  async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, seen?: () => Promise<unknown>): Promise<NonNullable<T>> {
    try {
      return await until(probe, what, { timeoutMs, everyMs: 100 });
    } catch (error) {
      throw new Error(`${(error as Error).message}; seen: ${JSON.stringify(await seen?.())}\n${outputs()}`, { cause: error });
    }
  }

  async function call(api: string, method: string, url: string, token: string, body?: unknown): Promise<Reply> {
    const response = await fetch(`${proc(api).url}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : JSON.parse(text) };
  }
  async function ok(api: string, method: string, url: string, token: string, body?: unknown): Promise<Reply['body']> {
    const reply = await call(api, method, url, token, body);
    assert.ok(reply.status >= 200 && reply.status < 300, `${method} ${url} on ${api}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  }
  /** Every item of a paged GET (`key` names the list in the body; `limit` the route's largest page). */
  async function all<T>(api: string, url: string, key: string, limit = 500): Promise<T[]> {
    const items: T[] = [];
    let pageToken: string | undefined;
    do {
      const sep = url.includes('?') ? '&' : '?';
      const body = await ok(api, 'GET', `${url}${sep}limit=${limit}${pageToken === undefined ? '' : `&pageToken=${encodeURIComponent(pageToken)}`}`, ADMIN_TOKEN);
      items.push(...(body[key] as T[]));
      pageToken = body.nextPageToken;
    } while (pageToken !== undefined);
    return items;
  }
  async function jobsOf(kind: JobKind): Promise<Job[]> {
    const found: Job[] = [];
    let pageToken: string | undefined;
    do {
      const page = await jobs.list({ kind, limit: 200, ...(pageToken === undefined ? {} : { pageToken }) });
      found.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    return found;
  }
  async function jobEnded(id: string, timeoutMs: number): Promise<Job> {
    return waitFor(`job ${id} to end`, timeoutMs, async () => {
      const job = await jobs.get(id);
      return job !== undefined && isTerminal(job.state) ? job : undefined;
    }, () => jobs.get(id));
  }
  async function uploadDataset(name: string, rows: ReadonlyArray<{ text: string; label: 0 | 1 }>): Promise<void> {
    const response = await fetch(`${proc('api-1').url}/datasets?name=${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/x-ndjson' },
      body: jsonl(rows),
    });
    assert.equal(response.status, 201, await response.text());
  }

  before(async () => {
    const [built, created] = await Promise.all([wardenBin(), mode.create(shared.dir)]);
    bin = built;
    store = created;
    // All four at once on an empty database: each applies the migrations at start.
    await Promise.all([startApi('api-1'), startApi('api-2'), ...WORKERS.map(startWorkerProcess)]);
    database = await openSqlDatabase(store.storeUrl, { poolSize: 2 });
    jobs = new SqlJobStore(database);
    editorToken = (await ok('api-1', 'POST', '/tokens', ADMIN_TOKEN, { name: 'editor-1', role: 'editor' })).token;
    await uploadDataset('cluster-data', syntheticRows(160, 7));
  });

  after(async () => {
    const steps: Array<() => Promise<unknown>> = [
      () => Promise.all([...processes.values()].map((p) => stopWarden(p, 'SIGKILL'))),
      async () => database?.close(),
      async () => store?.cleanup(),
    ];
    for (const step of steps) await step().catch((error: unknown) => console.error('cluster test clean-up:', error));
    shared.remove();
  });

  it('200 concurrent registrations, stage moves and retrains over both APIs leave one Production version per model and a consistent history', { timeout: 90_000 }, async () => {
    const models = ['race-a', 'race-b', 'race-c'];
    const recipe = { family: 'lr', dataset: { datasets: [{ name: 'cluster-data' }] }, featurizer: SMALL_FEATURES };
    const httpTransitions = new Map<string, string[]>(models.map((m) => [m, []]));
    const registeredOverHttp = new Map<string, number>(models.map((m) => [m, 0]));
    const countRegistration = (model: string) => registeredOverHttp.set(model, registeredOverHttp.get(model)! + 1);
    for (const model of models) {
      await ok('api-1', 'POST', '/models', editorToken, { name: model, task: 'spam', recipe });
      // v1 goes to Production by the default policy (eval_accuracy > 0.9), v2 to Staging.
      for (const accuracy of [0.95, 0.85]) {
        const body = await ok('api-2', 'POST', `/models/${model}/versions`, editorToken, { metrics: { eval_accuracy: accuracy } });
        httpTransitions.get(model)!.push(...body.transitions.map((t: { id: string }) => t.id));
        countRegistration(model);
      }
    }

    const random = seededRandom(2026);
    const requests = Array.from({ length: 200 }, (_, i) => {
      const api = i % 2 === 0 ? 'api-1' : 'api-2';
      const model = models[Math.floor(random() * models.length)]!;
      const version = 1 + Math.floor(random() * 14);
      const r = random();
      if (r < 0.35) return { api, model, kind: 'register', method: 'POST', url: `/models/${model}/versions`, token: editorToken, body: { metrics: { eval_accuracy: 0.8 + random() * 0.19 } } };
      if (r < 0.85) {
        // Production and Archived need the admin; editors move between None and Staging.
        const stage = r < 0.55 ? 'Production' : r < 0.7 ? 'Staging' : r < 0.8 ? 'Archived' : 'None';
        const token = stage === 'Production' || stage === 'Archived' ? ADMIN_TOKEN : editorToken;
        return { api, model, kind: 'stage', method: 'POST', url: `/models/${model}/versions/${version}/stage`, token, body: { stage, reason: `request ${i}` } };
      }
      return { api, model, kind: 'retrain', method: 'POST', url: '/models/retrain', token: editorToken, body: { model } };
    });
    const replies = await Promise.all(requests.map((r) => call(r.api, r.method, r.url, r.token, r.body)));

    const retrainJobs = new Map<string, string>(); // job id → model
    const outcomes: Record<string, number> = {};
    for (const [i, reply] of replies.entries()) {
      const request = requests[i]!;
      const outcome = `${request.kind} ${reply.status}${reply.status >= 400 ? ` ${reply.body?.error?.code}` : ''}`;
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      const expected =
        request.kind === 'register'
          ? ['register 201']
          : request.kind === 'retrain'
            ? ['retrain 202', 'retrain 200']
            : // Moves a version cannot make now (already there, not yet registered, Production without force) are refused,
              // and an editor may not move a version that meanwhile went to Production or Archived.
              ['stage 200', 'stage 400 STAGE_TRANSITION_INVALID', 'stage 404 VERSION_NOT_FOUND', ...(request.token === editorToken ? ['stage 403 FORBIDDEN'] : [])];
      assert.ok(expected.includes(outcome), `request ${i} ${request.method} ${request.url} on ${request.api}: ${reply.status} ${JSON.stringify(reply.body)}`);
      if (request.kind === 'register') countRegistration(request.model);
      if (request.kind === 'register' || outcome === 'stage 200') httpTransitions.get(request.model)!.push(...reply.body.transitions.map((t: { id: string }) => t.id));
      if (request.kind === 'retrain') for (const job of reply.body.jobs) retrainJobs.set(job.id, job.model);
    }
    for (const kind of ['register 201', 'stage 200', 'retrain 202']) assert.ok((outcomes[kind] ?? 0) > 0, `some requests were "${kind}": ${JSON.stringify(outcomes)}`);

    // Quiescent: every retrain has ended, so nothing changes these models any more.
    const ended = await Promise.all([...retrainJobs.keys()].map((id) => jobEnded(id, 60_000)));
    for (const job of ended) assert.equal(job.state, 'succeeded', `retrain ${job.id}: ${JSON.stringify(job.error)}`);

    for (const model of models) {
      const versions = await all<{ id: string; number: number; stage: string; tags: Record<string, string> }>('api-1', `/models/${model}/versions`, 'versions');
      const history = await all<{ id: string; seq: number; version: number; from: string; to: string }>('api-2', `/models/${model}/history`, 'transitions');
      const jobsOfModel = ended.filter((job) => retrainJobs.get(job.id) === model).map((job) => job.id);

      // Every registration made one version: over HTTP, or one per retrain job.
      const byJob = versions.filter((v) => v.tags['warden.job_id'] !== undefined);
      assert.deepEqual(byJob.map((v) => v.tags['warden.job_id']).sort(), [...jobsOfModel].sort(), `${model}: one version per retrain job`);
      assert.equal(versions.length - byJob.length, registeredOverHttp.get(model), `${model}: one version per HTTP registration`);
      assert.deepEqual(
        versions.map((v) => v.number).sort((a, b) => a - b),
        Array.from({ length: versions.length }, (_, i) => i + 1),
        `${model}: version numbers 1..n`,
      );
      const production = versions.filter((v) => v.stage === 'Production');
      assert.equal(production.length, 1, `${model}: exactly one Production version: ${JSON.stringify(versions.map((v) => [v.number, v.stage]))}`);

      // The history: numbered 1..n without gaps, each HTTP answer's records in it once, each
      // version's records a chain from None to its current stage.
      assert.deepEqual(
        history.map((t) => t.seq),
        Array.from({ length: history.length }, (_, i) => i + 1),
        `${model}: history seq 1..n`,
      );
      const ids = new Set(history.map((t) => t.id));
      assert.equal(ids.size, history.length, `${model}: no record twice`);
      for (const id of httpTransitions.get(model)!) assert.ok(ids.has(id), `${model}: the answered transition ${id} is in the history`);
      const jobVersions = new Set(byJob.map((v) => v.number));
      const answered = new Set(httpTransitions.get(model));
      for (const t of history.filter((t) => !answered.has(t.id))) {
        // Records no HTTP answer returned come from the retrain jobs: their versions' registration, or the archive it caused.
        assert.ok(jobVersions.has(t.version) || (t.from === 'Production' && t.to === 'Archived'), `${model}: record ${JSON.stringify(t)} comes from a retrain job`);
      }
      for (const version of versions) {
        const chain = history.filter((t) => t.version === version.number);
        let stage = 'None';
        for (const t of chain) {
          assert.equal(t.from, stage, `${model} v${version.number}: history ${JSON.stringify(chain)}`);
          stage = t.to;
        }
        assert.equal(stage, version.stage, `${model} v${version.number}: the last record is to its stage ${version.stage}: ${JSON.stringify(chain)}`);
      }
      assert.equal(history.filter((t) => t.version === production[0]!.number).at(-1)?.to, 'Production');

      // The outbox holds one stage-changed event per history record.
      const events = await sql<{ payload: string }>`select payload from outbox_events where type = 'stage-changed' and aggregate = ${`model:${model}`}`.execute(database!.db);
      const eventIds = events.rows.map((row) => (JSON.parse(row.payload) as StageChangedEvent).transitionId);
      assert.deepEqual(eventIds.sort(), [...ids].sort(), `${model}: stage-changed events = history records`);
    }
  });

  it('kill -9 of the worker running a training job: the other worker finishes it (attempt 2), one version registered', { timeout: 90_000 }, async () => {
    await ensureWorkers();
    await uploadDataset('crash-data', syntheticRows(1_500, 11));
    const recipe = { family: 'mlp', dataset: { datasets: [{ name: 'crash-data' }] }, featurizer: SMALL_FEATURES, hyperParameters: { hidden: 64, epochs: 4 } };
    const queued = await ok('api-2', 'POST', '/jobs/train', editorToken, { model: 'crash-m', recipe });
    // Mid-training: an epoch is under way in one worker.
    const running = await waitFor('the training to reach its epochs', 60_000, async () => {
      const job = await jobs.get(queued.id);
      assert.ok(job !== undefined && !isTerminal(job.state), `the job ended before it could be killed: ${JSON.stringify(job)}`);
      return job.state === 'running' && job.progress?.phase === 'training' ? job : undefined;
    }, () => jobs.get(queued.id));
    const victim = workerNameOf(running.workerId);
    assert.ok(victim !== undefined, `the job runs in one of the workers: ${running.workerId}`);
    const survivor = WORKERS.find((name) => name !== victim)!;
    await stopWarden(proc(victim), 'SIGKILL');

    const done = await jobEnded(queued.id, 60_000);
    assert.equal(done.state, 'succeeded', JSON.stringify(done.error));
    assert.equal(done.attempts, 2, 'the second attempt finished it');
    assert.equal(pidOf(done.workerId), proc(survivor).pid, `finished by ${survivor}`);
    const versions = await all<{ number: number; status: string; tags: Record<string, string> }>('api-1', '/models/crash-m/versions', 'versions');
    assert.deepEqual(
      versions.map((v) => [v.number, v.status, v.tags['warden.job_id']]),
      [[1, 'READY', queued.id]],
      'exactly one version, from this job',
    );
    await ensureWorkers(); // the killed worker comes back for the next proofs
  });

  it('the periodic jobs (artifact sweep, fresh-data scan, cleanups) run once per tick across both workers (counted with the workers stopped)', { timeout: 60_000 }, async () => {
    await ensureWorkers();
    const since = Date.now();
    const ticks = 4;
    const recent = async () => Object.fromEntries(await Promise.all(PERIODIC_KINDS.map(async (kind) => [kind, (await jobsOf(kind)).filter((job) => job.runAt >= since && job.state === 'succeeded')] as const)));
    await waitFor(`${ticks} ticks of each periodic job`, 30_000, async () => {
      const seen = await recent();
      return PERIODIC_KINDS.every((kind) => seen[kind]!.length >= ticks) ? true : undefined;
    }, async () => Object.fromEntries(Object.entries(await recent()).map(([kind, list]) => [kind, list.length])));
    // The quiescent point: both workers stopped (running ticks finish first), so nothing runs or is added.
    await stopWorkers();
    const stopped = Date.now();

    const pids = new Set<number>();
    for (const kind of PERIODIC_KINDS) {
      const ran = await jobsOf(kind);
      const windows = ran.map((job) => {
        const match = new RegExp(`^schedule:${kind}:${EVERY_MS}:(\\d+)$`).exec(job.idempotencyKey ?? '');
        assert.ok(match, `${kind}: job ${job.id} has a window key: ${job.idempotencyKey}`);
        return Number(match[1]);
      });
      assert.equal(new Set(windows).size, ran.length, `${kind}: one job per window: ${windows.sort().join(' ')}`);
      for (const job of ran) {
        // A tick queued just before the stop has not run yet (it runs once the workers are back).
        assert.ok(job.state === 'succeeded' || (job.state === 'queued' && job.attempts === 0), `${kind}: ${job.id} ${job.state}`);
        assert.ok(job.attempts <= 1, `${kind}: each tick ran once: ${job.id} ran ${job.attempts} times`);
      }
      const sinceWindows = windows.filter((w) => w * EVERY_MS >= since);
      const elapsedWindows = Math.floor(stopped / EVERY_MS) - Math.floor(since / EVERY_MS) + 1;
      assert.ok(sinceWindows.length >= ticks && sinceWindows.length <= elapsedWindows, `${kind}: ${sinceWindows.length} ticks in ${elapsedWindows} windows`);
      for (const job of ran.filter((j) => j.runAt >= since && j.workerId !== null)) pids.add(pidOf(job.workerId));
    }
    const workerPids = WORKERS.map((name) => processes.get(name)!.pid);
    assert.deepEqual([...pids].sort(), [...workerPids].sort(), 'both worker processes ran ticks, and only they');
  });

  it('a fresh-data file seen by one process starts exactly one retrain, run by a worker in another process', { timeout: 60_000 }, async () => {
    // The workers are stopped (the previous proof), so the API process's scan is the one that sees the file.
    await stopWorkers();
    await ok('api-1', 'POST', '/models', ADMIN_TOKEN, {
      name: 'fresh-m',
      task: 'spam',
      recipe: { family: 'lr', dataset: { datasets: [{ name: 'cluster-data' }], includeFresh: true }, featurizer: SMALL_FEATURES },
    });
    const folder = path.join(shared.dir, 'data', 'fresh', 'fresh-m');
    fs.mkdirSync(folder, { recursive: true });
    const file = path.join(folder, 'batch-1.jsonl');
    fs.writeFileSync(file, jsonl(syntheticRows(60, 23)));
    const written = new Date(Date.now() - 60_000); // complete: untouched for longer than the quiet period
    fs.utimesSync(file, written, written);

    const scan = await ok('api-1', 'POST', '/data/scan', ADMIN_TOKEN);
    const seen = scan.models.find((m: { model: string }) => m.model === 'fresh-m');
    assert.equal(seen?.announced, true, JSON.stringify(scan));
    const retrainsOfFresh = async () => (await jobsOf('retrain')).filter((job) => job.payload.model === 'fresh-m');
    // The fresh-data event queues the retrain (in one of the API processes); no worker runs yet.
    const [queued] = await waitFor('the retrain queued by the fresh-data event', 20_000, async () => {
      const found = await retrainsOfFresh();
      return found.length > 0 ? found : undefined;
    });
    assert.equal(queued!.state, 'queued');
    assert.equal((await ok('api-2', 'POST', '/data/scan', ADMIN_TOKEN)).models.find((m: { model: string }) => m.model === 'fresh-m')?.announced, false, 'a second scan announces nothing');

    await ensureWorkers();
    const done = await jobEnded(queued!.id, 60_000);
    assert.equal(done.state, 'succeeded', JSON.stringify(done.error));
    const runner = workerNameOf(done.workerId);
    assert.ok(runner !== undefined && WORKERS.includes(runner as (typeof WORKERS)[number]), `run by a worker process: ${done.workerId}`);
    assert.notEqual(pidOf(done.workerId), proc('api-1').pid);
    // Quiescent: a scan that started after the retrain ended has finished (it would queue a retrain for data still waiting).
    await waitFor('a scan after the retrain', 30_000, async () => {
      const scans = await jobsOf('scan-fresh-data');
      return scans.some((job) => job.state === 'succeeded' && job.startedAt !== null && job.startedAt > done.finishedAt!) ? true : undefined;
    });
    assert.deepEqual((await retrainsOfFresh()).map((job) => job.id), [done.id], 'exactly one retrain for the file');
    assert.deepEqual(fs.readdirSync(folder), [], 'the file left fresh/');
    assert.deepEqual(fs.readdirSync(path.join(shared.dir, 'data', 'used', 'fresh-m')), ['batch-1.jsonl']);
    const versions = await all<{ number: number; tags: Record<string, string> }>('api-2', '/models/fresh-m/versions', 'versions');
    assert.deepEqual(versions.map((v) => [v.number, v.tags['warden.job_id']]), [[1, done.id]]);
  });

  it('an event raised while a worker is down (killed with SIGKILL) is delivered to it when it starts again, before it is ready', { timeout: 60_000 }, async () => {
    await ensureWorkers();
    await ok('api-1', 'POST', '/models', editorToken, { name: 'events-m', task: 'spam' });
    for (let i = 0; i < 2; i++) await ok('api-1', 'POST', '/models/events-m/versions', editorToken, { metrics: { eval_accuracy: 0.8 } });
    // Every process handles stage-changed (serving follows Production), on its own cursor.
    const cursor = async () => Number((await sql<{ last_seq: number }>`select last_seq from event_groups where name = 'process:worker-2'`.execute(database!.db)).rows[0]?.last_seq);
    const seqOf = async (transitionId: string) =>
      Number((await sql<{ seq: number }>`select seq from outbox_events where type = 'stage-changed' and payload like ${`%"transitionId":"${transitionId}"%`}`.execute(database!.db)).rows[0]?.seq);

    const first = await ok('api-1', 'POST', '/models/events-m/versions/1/stage', ADMIN_TOKEN, { stage: 'Production', reason: 'while worker-2 runs' });
    const firstSeq = await seqOf(first.transitions[0].id);
    await waitFor('worker-2 to handle the first stage change', 20_000, async () => ((await cursor()) >= firstSeq ? true : undefined), cursor);
    // It holds its cursor's lease now (30 s from its last delivery) and, killed, cannot give it back.
    await stopWarden(proc('worker-2'), 'SIGKILL');

    const second = await ok('api-2', 'POST', '/models/events-m/versions/2/stage', ADMIN_TOKEN, { stage: 'Production', reason: 'while worker-2 is down' });
    const missed = await Promise.all(second.transitions.map((t: { id: string }) => seqOf(t.id)));
    assert.equal(missed.length, 2, 'v2 enters Production and v1 is archived');
    const down = await cursor();
    for (const seq of missed) assert.ok(seq > down, `event ${seq} is pending on worker-2's cursor (${down}) while it is down`);

    // Started again under the same name, it has handled what it missed by the time it says it is ready.
    await startWorkerProcess('worker-2');
    const up = await cursor();
    assert.ok(up >= Math.max(...missed), `worker-2's cursor ${up} passed the events ${missed.join(', ')} raised while it was down`);
  });
  it('a retraining schedule ticked by both worker processes: each firing is one decision and one retrain job', { timeout: 120_000 }, async (t) => {
    await ensureWorkers();
    await proveSchedule(t, {
      workers: () => WORKERS.map((name) => ({ name, pid: proc(name).pid, up: isUp(name) })),
      createModel: async (body) => void (await ok('api-1', 'POST', '/models', editorToken, body)),
      decisions: async () => (await all<ScheduleDecision>('api-2', `/retraining?model=${CRON_MODEL}`, 'decisions', 200)).reverse(),
      jobsOf,
      job: (id) => jobs.get(id),
      waitFor,
    });
  });
});

/** A retraining decision as GET /retraining returns it (the fields the schedule proof reads). */
interface ScheduleDecision {
  readonly id: string;
  readonly decidedAt: number;
  readonly outcome: string;
  readonly jobId: string | null;
  readonly triggers: ReadonlyArray<{ kind: string; key: string; values: { firedAt?: number } }>;
  readonly declined: readonly unknown[];
  readonly outcomes: ReadonlyArray<{ kind: string; values: Record<string, unknown> }>;
}

/** What the schedule proof needs of a cluster: its worker processes, an API, and a reader of the job store. */
interface ScheduleCluster {
  /** The worker processes as they are now. */
  workers(): Array<{ name: string; pid: number; up: boolean }>;
  /** POST /models. */
  createModel(body: object): Promise<void>;
  /** GET /retraining?model=CRON_MODEL, every page, oldest first. */
  decisions(): Promise<ScheduleDecision[]>;
  jobsOf(kind: JobKind): Promise<Job[]>;
  job(id: string): Promise<Job | undefined>;
  waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, seen?: () => Promise<unknown>): Promise<NonNullable<T>>;
}

/**
 * The schedule proof, on a cluster whose workers tick `retraining-schedules` every second
 * (looking back 2 s) with RETRAINING_POLICY: CRON_MODEL is created with a recipe, and over
 * the first four firings of its schedule every firing is one decision, made by exactly one
 * tick in one of the workers, and one retrain job (its own, or an earlier firing's still
 * queued or running, joined); both workers ran ticks meanwhile and neither restarted.
 */
async function proveSchedule(t: TestContext, cluster: ScheduleCluster): Promise<void> {
  const FIRINGS = 4;
  const pids = new Map(cluster.workers().map((w) => [w.pid, w.name]));
  assert.equal(pids.size, 2, 'two worker processes');
  const since = Date.now();
  // A model with a recipe: from now on each firing of its schedule retrains it from the recipe.
  await cluster.createModel({ name: CRON_MODEL, task: 'spam', recipe: { family: 'lr', dataset: { datasets: [{ name: 'cluster-data' }] }, featurizer: SMALL_FEATURES } });
  const ticksSince = async () => (await cluster.jobsOf('retraining-schedules')).filter((job) => job.state === 'succeeded' && job.startedAt !== null && job.startedAt >= since);
  // Waits on what happened: the first firings decided with their retrains ended, and ticks run by both workers meanwhile.
  const [decided, lastEnded] = await cluster.waitFor(
    `${FIRINGS} firings decided, their retrains ended, ticks by both workers`,
    90_000,
    async () => {
      const first = (await cluster.decisions()).slice(0, FIRINGS);
      if (first.length < FIRINGS) return undefined;
      const ended = await Promise.all(first.map((d) => (d.jobId === null ? undefined : cluster.job(d.jobId))));
      if (!ended.every((job) => job !== undefined && isTerminal(job.state))) return undefined;
      const ticking = new Set((await ticksSince()).map((job) => pidOf(job.workerId)));
      return [...pids.keys()].every((pid) => ticking.has(pid)) ? ([first, Math.max(...ended.map((job) => job!.finishedAt!))] as const) : undefined;
    },
    async () => ({ decisions: (await cluster.decisions()).map((d) => [d.outcome, d.jobId, d.outcomes.map((o) => o.kind)]), tickers: (await ticksSince()).map((job) => job.workerId) }),
  );
  for (const worker of cluster.workers()) assert.ok(worker.up && pids.get(worker.pid) === worker.name, `${worker.name} ran throughout (the same process)`);

  const [decisions, retrains, ticks] = await Promise.all([cluster.decisions(), cluster.jobsOf('retrain'), ticksSince()]);
  const firings = decided.map((d) => {
    assert.equal(d.outcome, 'retrain', JSON.stringify(d));
    assert.deepEqual(d.triggers.map((trigger) => trigger.kind), ['schedule'], 'one firing per decision');
    assert.deepEqual(d.declined, []);
    return Number(d.triggers[0]!.values.firedAt);
  });
  for (const firedAt of firings) assert.equal(firedAt % CRON_EVERY_MS, 0, `a firing of */3: ${firedAt}`);
  assert.deepEqual(firings, [...new Set(firings)].sort(), `each firing decided once: ${firings.join(' ')}`);
  const keys = decisions.flatMap((d) => d.triggers.map((trigger) => trigger.key));
  assert.equal(new Set(keys).size, keys.length, 'no firing in two decisions (later ones included)');

  // Each decision was made by exactly one tick (a tick's result names the decisions it made), in one of the workers.
  const madeBy = new Map<string, number[]>();
  for (const tick of ticks) {
    const made = ((tick.result as { decisions?: Array<{ id: string }> } | null)?.decisions ?? []).map((d) => d.id);
    for (const id of made) madeBy.set(id, [...(madeBy.get(id) ?? []), pidOf(tick.workerId)]);
  }
  for (const d of decided) {
    const by = madeBy.get(d.id) ?? [];
    const near = (await cluster.jobsOf('retraining-schedules'))
      .filter((tick) => Math.abs((tick.startedAt ?? tick.runAt) - d.decidedAt) < 3_000)
      .map((tick) => ({ id: tick.id, key: tick.idempotencyKey, worker: pidOf(tick.workerId), state: tick.state, attempts: tick.attempts, startedAt: tick.startedAt, finishedAt: tick.finishedAt, result: tick.result, error: tick.error }));
    assert.equal(by.length, 1, `decision ${d.id} (decided at ${d.decidedAt}) was made by one tick: ${by.join(', ')}; ticks then: ${JSON.stringify(near)}`);
    assert.ok(pids.has(by[0]!), `made in a worker process: ${by[0]}`);
  }

  // One retrain job per firing: its own, or the retrain of an earlier firing still queued or running, joined (never a second job).
  const ownJobs = new Map<string, Job>();
  for (const d of decided) {
    const queued = d.outcomes.filter((o) => o.kind === 'queued' || o.kind === 'requeued');
    assert.deepEqual(queued.map((o) => o.kind), ['queued'], JSON.stringify(d.outcomes));
    const own = retrains.filter((job) => job.idempotencyKey === `retraining:${d.id}`);
    if (queued[0]!.values.deduplicated === false) {
      assert.deepEqual(own.map((job) => job.id), [d.jobId], `decision ${d.id}: one retrain job of its own`);
      assert.equal(own[0]!.state, 'succeeded', JSON.stringify(own[0]!.error));
      assert.ok(pids.has(pidOf(own[0]!.workerId)), `retrain ${own[0]!.id} ran in a worker: ${own[0]!.workerId}`);
      ownJobs.set(own[0]!.id, own[0]!);
    } else {
      assert.deepEqual(own, [], `decision ${d.id} joined a retrain and queued none`);
      assert.ok(ownJobs.has(d.jobId!), `decision ${d.id} joined the retrain of an earlier firing`);
    }
  }
  assert.ok(ownJobs.size >= 1);
  const known = new Set(decisions.map((d) => `retraining:${d.id}`));
  assert.deepEqual(retrains.filter((job) => job.payload.model === CRON_MODEL && !known.has(job.idempotencyKey ?? '')).map((job) => job.id), [], "no retrain of the model but the decisions' own");

  // The ticks: one job per window, run by both worker processes and only by them.
  const windows = ticks.map((job) => job.idempotencyKey);
  assert.equal(new Set(windows).size, ticks.length, 'one tick per window');
  const tickers = new Map<number, number>();
  for (const tick of ticks) tickers.set(pidOf(tick.workerId), (tickers.get(pidOf(tick.workerId)) ?? 0) + 1);
  assert.deepEqual([...tickers.keys()].sort(), [...pids.keys()].sort(), 'both worker processes ran ticks, and only they');
  t.diagnostic(
    `${FIRINGS} firings → ${decided.length} decisions (made by ${decided.map((d) => pids.get(madeBy.get(d.id)![0]!)).join(', ')}), ` +
      `${ownJobs.size} retrain jobs (${decided.length - ownJobs.size} joined; run by ${[...ownJobs.values()].map((job) => pids.get(pidOf(job.workerId))).join(', ')}); ` +
      `${ticks.length} ticks (${[...tickers].map(([pid, n]) => `${pids.get(pid)} ${n}`).join(', ')}); the last retrain ended ${lastEnded - since} ms after the model was created`,
  );
}
