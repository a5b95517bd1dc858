/**
 * The composition root: the only module that names concrete adapters. It opens the store
 * picked by the URL scheme, migrates, builds the services and the HTTP app. The processes
 * that run it (`warden server`, `warden worker`, `warden db migrate`), their banner and
 * their shutdown live in src/startup/. Areas add their adapters and services in
 * `createPlatform`, nowhere else.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import type { Config } from './config.js';
import { packageVersion } from './version.js';
import { buildApp, type WardenApp } from './api/app.js';
import type { RuntimeInfo } from './api/app-deps.js';
import { openSqlDatabase, type SqlDatabase } from './store/sql/database.js';
import { prepareHome } from './store/home-folder.js';
import { migrateToLatest } from './store/sql/migrations/index.js';
import { SqlTokenStore } from './store/sql/sql-token-store.js';
import { SqlRegistryStore } from './store/sql/sql-registry-store.js';
import { SqlArtifactIndex } from './store/sql/sql-artifact-index.js';
import { SqlTrackingStore } from './store/sql/sql-tracking-store.js';
import { LocalArtifactStore } from './store/artifacts/local-artifact-store.js';
import { ArtifactService } from './services/artifact-service.js';
import { AuthService } from './services/auth-service.js';
import { RegistryService } from './services/registry-service.js';
import { TrackingService } from './services/tracking-service.js';
import { ProcessResourceMeter, ProcessSampler } from './jobs/resource-meter.js';
import type { Services } from './services/services.js';
import { randomIds, systemClock } from './system/clock.js';
import { SqlDatasetStore } from './store/sql/sql-dataset-store.js';
import { FileDatasetReader } from './store/datasets/file-dataset-reader.js';
import { FsFreshDataSource } from './store/datasets/fs-fresh-data-source.js';
import { spamAssassinCorpus } from './store/datasets/spam-assassin-corpus.js';
import { everydayMessagesCorpus } from './store/datasets/everyday-messages.js';
import { DatasetService } from './services/dataset-service.js';
import { FreshDataService } from './services/fresh-data-service.js';
import { periodicHandlers, periodicSchedules } from './services/periodic-work.js';
import { OutboxDomainEvents } from './services/outbox-domain-events.js';
import { SqlEventOutbox } from './store/sql/sql-event-outbox.js';
import type { DomainEvents } from './domain/ports/domain-events.js';
import type { Clock } from './domain/ports/clock.js';
import type { JobStore } from './domain/ports/job-store.js';
import type { JobHandlers, JobQueue } from './domain/ports/job-queue.js';
import { SqlJobStore } from './store/sql/sql-job-store.js';
import { LocalJobQueue } from './jobs/local-job-queue.js';
import type { JobEventChannel } from './jobs/job-event-channel.js';
import { TrainingService } from './services/training-service.js';
import { RecipeResolver } from './services/recipe-resolver.js';
import { ModelLoader } from './services/model-loader.js';
import { DeploymentService } from './services/deployment-service.js';
import { ServingCandidateCheck } from './services/candidate-check.js';
import { SqlDeploymentStore } from './store/sql/sql-deployment-store.js';
import { newAssignmentKey, subjectUnit } from './system/sticky-assignment.js';
import { ComparisonService } from './services/comparison-service.js';
import { ServingService } from './services/serving-service.js';
import type { SiblingPredictionFlush } from './domain/ports/sibling-prediction-flush.js';
import { InputMonitor } from './services/input-monitor.js';
import { MonitoringService } from './services/monitoring-service.js';
import { ProcessHeartbeats } from './services/process-heartbeats.js';
import { ReferenceProfiles } from './services/reference-profiles.js';
import { SqlMonitoringStore } from './store/sql/sql-monitoring-store.js';
import { PredictionLog } from './services/prediction-log.js';
import { SqlPredictionStore } from './store/sql/sql-prediction-store.js';
import { SqlitePredictionWriter, isSqliteFileUrl } from './store/sql/sqlite-prediction-writer.js';
import { PrometheusMetrics } from './api/metrics.js';
import { ProcessExternalTrainerRunner } from './jobs/external-trainer-runner.js';
import { ExternalCommandTrainer } from './jobs/external-command-trainer.js';
import { BuiltinTrainer } from './ml/builtin-trainer.js';
import { sha256Hex } from './system/sha256-digest.js';
import type { Job } from './domain/jobs.js';
import { RedTeamService } from './services/redteam-service.js';
import { SqlRedTeamStore } from './store/sql/sql-redteam-store.js';
import { SqlRetrainingStore } from './store/sql/sql-retraining-store.js';
import { RetrainingOrchestrator } from './services/retraining-orchestrator.js';
import { policyFor } from './domain/retraining/policy.js';
import { ATTACKS } from './ml/redteam/index.js';
import { SqlAlertStore } from './store/sql/sql-alert-store.js';
import { AlertService } from './services/alert-service.js';
import { AlertNotifier } from './services/alert-notifications.js';
import { HttpWebhookSender } from './system/http-webhook-sender.js';

export const ADMIN_TOKEN_FILE = 'admin-token';

export interface Platform {
  readonly config: Config;
  readonly app: WardenApp;
  readonly services: Services;
  readonly database: SqlDatabase;
  /**
   * Domain events of the whole cluster (fresh-data, version-registered, stage-changed,
   * job-finished), from the store's outbox: subscribe here to react, e.g. to retrain.
   */
  readonly events: OutboxDomainEvents;
  /** This process's Prometheus metrics (GET /metrics). */
  readonly metrics: PrometheusMetrics;
  /** Migrations applied by this start (empty when the schema was current). */
  readonly migrationsApplied: readonly string[];
  /** The admin token generated by this start (first start without WARDEN_ADMIN_TOKEN), else undefined. */
  readonly generatedAdminToken: string | undefined;
  /** Training jobs queued by the first-start bootstrap (empty on later starts or with WARDEN_BOOTSTRAP=false). */
  readonly bootstrapJobs: readonly Job[];
  /** What GET /health reports (version, engines, a store probe). */
  readonly runtime: RuntimeInfo;
  /** The job handlers of this build, by kind: what a worker role runs. */
  readonly handlers: JobHandlers;
  /** Stops everything this platform started, in reverse order: app, workers, database. */
  close(): Promise<void>;
}

export interface PlatformOptions {
  /** An already open (and owned by the caller) database, e.g. a test schema; otherwise config.storeUrl is opened. */
  readonly database?: SqlDatabase;
  /**
   * Subscribes to domain events before delivery starts, so these handlers also see the events
   * raised while this process (its WARDEN_EVENT_SUBSCRIBER name) was down; a subscription made
   * after createPlatform resolves sees the events raised from then on.
   */
  readonly subscribe?: (events: DomainEvents) => void;
  /** Where deployments get their sticky-assignment keys (default: 256 random bits each). */
  readonly assignmentKeys?: () => string;
  /** The local queue's live job messages (default: this process only); see ClusterJobEventChannel. */
  readonly jobEventChannel?: JobEventChannel;
  /**
   * An API child of a `warden server` with several API processes: its primary has already
   * migrated the store, made sure of the admin token and run the first-start bootstrap, so
   * this process does none of it. `counts` says how many API processes run (for /health).
   */
  readonly apiChild?: { readonly index: number; readonly counts: () => { readonly running: number; readonly wanted: number } };
  /** The other API processes of this server, whose prediction logs feedback asks to flush (see cluster-prediction-flush.ts). */
  readonly siblings?: SiblingPredictionFlush;
  /**
   * Where every service, store timestamp and the queue read the time (default: the system
   * clock). Tests replaying a day of traffic in seconds pass one that can be moved forward.
   */
  readonly clock?: Clock;
}

/** Writes the generated admin token where only its owner can read it. */
function saveAdminToken(home: string, token: string): string {
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  const file = path.join(home, ADMIN_TOKEN_FILE);
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600); // the mode option does not apply when the file already existed
  return file;
}

/**
 * Wires the whole platform from a config. Nothing listens yet: call `app.listen` (see src/startup/server.ts).
 * Its roles decide what runs: `worker` starts the job workers (when WARDEN_WORKER_CONCURRENCY > 0),
 * `scheduler` declares the periodic work on the queue (idempotent, so any number may).
 */
export async function createPlatform(config: Config, options: PlatformOptions = {}): Promise<Platform> {
  const clock = options.clock ?? systemClock;
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer();
  };
  try {
    const homeWarnings = prepareHome(config);
    const database = options.database ?? (await openSqlDatabase(config.storeUrl, { sqliteSync: config.sqliteSync }));
    if (!options.database) closers.push(() => database.close());
    const migrationsApplied = options.apiChild ? [] : await migrateToLatest(database);

    // Adapters.
    const tokens = new SqlTokenStore(database);
    const artifactStore = new LocalArtifactStore(config.artifactsRoot);
    const artifactIndex = new SqlArtifactIndex(database);
    // Set once the app (and its logger) exists; events and scans only start after that.
    const late: { log?: Pick<WardenApp['log'], 'info' | 'warn' | 'error'> } = {};
    const events = new OutboxDomainEvents({
      outbox: new SqlEventOutbox(database),
      clock: clock,
      ids: randomIds,
      subscriber: eventSubscriberName(config),
      pollMs: config.eventPollMs,
      retentionMs: config.eventRetentionMs,
      onError: (error, event, message) => late.log?.error({ err: error, event: event?.type }, message),
    });
    closers.push(() => events.close());
    const datasetReader = new FileDatasetReader();

    // Services.
    const jobStore = new SqlJobStore(database);
    const jobs = await createJobQueue(config, jobStore, options.jobEventChannel, clock);
    closers.push(() => jobs.close());

    const tracking = new TrackingService({ store: new SqlTrackingStore(database), clock: clock, ids: randomIds, meter: new ProcessResourceMeter() });
    const artifacts = new ArtifactService({
      store: artifactStore,
      index: artifactIndex,
      runs: new SqlTrackingStore(database),
      clock: clock,
      ids: randomIds,
      maxArtifactBytes: config.maxArtifactBytes,
      gcGraceMs: config.artifactGcGraceMs,
    });
    const recipes = new RecipeResolver(config.externalTrainers);
    const deploymentStore = new SqlDeploymentStore(database);
    const datasetStore = new SqlDatasetStore(database);
    const datasets = new DatasetService({
      store: datasetStore,
      artifacts: artifactStore,
      reader: datasetReader,
      clock: clock,
      ids: randomIds,
      maxDatasetBytes: config.maxDatasetBytes,
      corpora: [spamAssassinCorpus, everydayMessagesCorpus],
    });
    const alertStore = new SqlAlertStore(database);
    const retrainingStore = new SqlRetrainingStore(database);
    const core: Omit<Services, 'training' | 'models' | 'comparison' | 'serving' | 'predictionLog' | 'deployments' | 'redteam' | 'monitoring' | 'retraining'> = {
      alerts: new AlertService({ store: alertStore, rules: config.alertRules, clock: clock, ids: randomIds, events, log: (level, message, fields) => late.log?.[level](fields, message) }),
      jobs,
      auth: new AuthService({ tokens, clock: clock, ids: randomIds }),
      registry: new RegistryService({
        store: new SqlRegistryStore(database),
        artifacts,
        runs: tracking,
        clock: clock,
        ids: randomIds,
        recipes,
        deployments: deploymentStore,
        retraining: retrainingStore,
      }),
      tracking,
      datasets,
      freshData: new FreshDataService({
        datasets,
        store: datasetStore,
        fresh: new FsFreshDataSource(config.dataDir, datasetReader),
        events,
        clock: clock,
        log: (level, message, fields) => late.log?.[level](fields, message),
      }),
      artifacts,
    };
    const models = new ModelLoader({ registry: core.registry, artifacts: core.artifacts, cacheSize: config.modelCacheSize, clock: clock });
    const metrics = new PrometheusMetrics();
    // A SQLite file this process opened: the log's inserts and their commits run in a writer
    // thread, off the event loop (see sqlite-prediction-writer.ts); a database the caller passed in
    // (tests) or PostgreSQL (whose driver does not block the loop) keeps them on this connection.
    let writer: SqlitePredictionWriter | undefined;
    if (!options.database && isSqliteFileUrl(config.storeUrl)) {
      const opened = new SqlitePredictionWriter({ url: config.storeUrl, sqliteSync: config.sqliteSync });
      if (config.roles.includes('api')) opened.open();
      // Registered before the log's closer, so it runs after the log's last flush.
      closers.push(() => opened.close());
      writer = opened;
    }
    const predictions = new SqlPredictionStore(database, writer);
    const predictionLog = new PredictionLog({
      store: predictions,
      clock: clock,
      metrics,
      maxBuffer: config.predictionLogBuffer,
      batchSize: 500,
      flushIntervalMs: config.predictionLogFlushMs,
      retentionMs: config.predictionRetentionMs,
      log: (level, message, fields) => late.log?.[level](fields, message),
    });
    predictionLog.start();
    closers.push(() => predictionLog.close());
    const stopServingSiblings = options.siblings?.serve(() => predictionLog.flush());
    if (stopServingSiblings) closers.push(async () => stopServingSiblings());
    // The serving path reads each served version's profile once, for its vocabulary (the monitor keeps its own reader).
    const servedProfiles = new ReferenceProfiles(core.artifacts);
    const serving = new ServingService({
      registry: core.registry,
      deployments: deploymentStore,
      subjectUnit,
      loader: models,
      predictionLog,
      predictions,
      metrics,
      clock: clock,
      maxBatch: config.predictMaxBatch,
      // Other processes serve too (API children, or other hosts on a shared PostgreSQL): wait a
      // flush interval, plus the write's own time, for the predictions they still hold.
      unknownFeedbackWaitMs: config.apiProcesses > 1 || !config.storeUrl.startsWith('sqlite:') ? config.predictionLogFlushMs + 500 : 0,
      ...(options.siblings ? { siblings: options.siblings } : {}),
      inputMonitor: new InputMonitor({
        describeRate: config.monitorDescribeRate,
        sampleRate: config.monitorSampleRate,
        sampleChars: config.monitorSampleChars,
        nearDuplicateWindow: 1_000,
        random: Math.random,
        vocabularies: (version) => servedProfiles.vocabularyFor(version),
        log: (level, message, fields) => late.log?.[level](fields, message),
      }),
      log: (level, message, fields) => late.log?.[level](fields, message),
    });
    const comparison = new ComparisonService({ ...core, models });
    const redteamStore = new SqlRedTeamStore(database);
    const training = new TrainingService({
      ...core,
      models,
      meter: new ProcessResourceMeter(),
      clock: clock,
      recipes,
      vulnerabilityUses: { markUsed: (trigger, model, version) => redteamStore.markUsed(trigger, model, version, clock.now()) },
      // The red team is built after training (it queues retrains): bound late.
      robustness: { evidence: (input) => services.redteam.robustnessEvidence(input) },
      trainers: [
        new BuiltinTrainer({ sha256: sha256Hex, now: () => performance.now(), yieldTurn: () => new Promise((resolve) => setImmediate(resolve)) }),
        // Off unless the operator allowlisted programs (WARDEN_EXTERNAL_TRAINERS).
        ...(config.externalTrainers.length > 0 ? [new ExternalCommandTrainer(new ProcessExternalTrainerRunner({ allowlist: config.externalTrainers, env: config.trainerEnv }))] : []),
      ],
      log: (level, message, fields) => late.log?.[level](fields, message),
    });
    const monitoringStore = new SqlMonitoringStore(database);
    const monitoring = new MonitoringService({
      registry: core.registry,
      predictions,
      store: monitoringStore,
      profiles: new ReferenceProfiles(core.artifacts),
      alerts: core.alerts,
      clock: clock,
      intervalMs: config.monitorIntervalMs,
      lastLabelled: config.monitorLastLabelled,
      maxRows: config.monitorMaxRows,
      log: (level, message, fields) => late.log?.[level](fields, message),
    });
    const deployments = new DeploymentService({
        store: deploymentStore,
        registry: core.registry,
        candidates: new ServingCandidateCheck({ loader: models, comparison }),
        predictions,
        clock: clock,
        ids: randomIds,
        newAssignmentKey: options.assignmentKeys ?? newAssignmentKey,
        log: (level, message, fields) => late.log?.[level](fields, message),
    });
    const services: Services = {
      ...core,
      monitoring,
      training,
      models,
      comparison,
      serving,
      predictionLog,
      deployments,
      redteam: new RedTeamService({
        ...core,
        store: redteamStore,
        meter: new ProcessResourceMeter(),
        models,
        comparison,
        training,
        attacks: ATTACKS,
        clock: clock,
        ids: randomIds,
        sha256: sha256Hex,
        retrainThreshold: config.redteamRetrainThreshold,
        log: (level, message, fields) => late.log?.[level](fields, message),
      }),
      retraining: new RetrainingOrchestrator({
        store: retrainingStore,
        training,
        registry: core.registry,
        alerts: core.alerts,
        jobs: jobStore,
        policyOf: (model) => policyFor(config.retrainingPolicies, model),
        promotion: { jobs, registry: core.registry, comparison, deployments, alerts: core.alerts, feedback: predictions, datasets },
        clock: clock,
        ids: randomIds,
        log: (level, message, fields) => late.log?.[level](fields, message),
      }),
    };
    // Every retrain request (a person's, fresh data's, the red team's) leaves a recorded decision.
    training.useRetrainGate(services.retraining);
    // Every process swaps what it serves when a version enters or leaves Production (broadcast).
    events.subscribe('stage-changed', (event) => serving.onStageChanged(event));
    events.subscribe('deployment-changed', (event) => serving.onDeploymentChanged(event));
    // Fresh data → a retrain of that model, once per cluster (the job's idempotency key also
    // turns a redelivered event into the same job); its files move to used/ only when the job succeeds.
    events.subscribe(
      'fresh-data',
      async (event) => {
        await services.training.onFreshData(event);
      },
      { group: 'retrain-on-fresh-data' },
    );
    // Enough red-team vulnerabilities of a task → every model of the task retrained on them, once
    // per cluster (the jobs are keyed by trigger and model, so a redelivered event queues nothing new).
    events.subscribe(
      'vulnerabilities-threshold-reached',
      async (event) => {
        await services.redteam.onThresholdReached(event);
      },
      { group: 'retrain-on-vulnerabilities' },
    );

    // Alerts: each firing or resolution becomes webhook jobs once per cluster (their idempotency
    // keys turn a redelivered event into the same jobs); a failed red-team campaign fails its model's rule.
    const notifier = new AlertNotifier({
      store: alertStore,
      jobs,
      webhooks: config.alertWebhooks,
      sender: new HttpWebhookSender(),
      clock: clock,
      maxAttempts: config.alertWebhookAttempts,
      timeoutMs: config.alertWebhookTimeoutMs,
      log: (level, message, fields) => late.log?.[level](fields, message),
    });
    events.subscribe('alert-fired', async (event) => void (await notifier.onAlertEvent(event)), { group: 'alert-notifications' });
    events.subscribe('alert-resolved', async (event) => void (await notifier.onAlertEvent(event)), { group: 'alert-notifications' });
    events.subscribe('redteam-failed', async (event) => void (await services.alerts.onRedTeamFailed(event)), { group: 'alerts-on-redteam' });
    events.subscribe('stage-changed', async (event) => void (await services.alerts.onStageChanged(event)), { group: 'alerts-on-stage-changed' });
    // Metric-drop and drift alerts become retraining signals, once per cluster (a redelivered
    // event is the same signal: keyed by alert id); a resolved metric alert re-arms the metric.
    events.subscribe('alert-fired', async (event) => void (await services.retraining.onAlertFired(event)), { group: 'retraining-on-alerts' });
    events.subscribe('alert-resolved', async (event) => void (await services.retraining.onAlertResolved(event)), { group: 'retraining-on-alerts' });
    // A decided retrain that finished is compared with Production and promoted by the model's
    // policy (a rollout, or a hold for approval); the rollout's end is recorded on its decision.
    events.subscribe('job-finished', async (event) => void (await services.retraining.onJobFinished(event)), { group: 'retraining-promotion' });
    events.subscribe('deployment-changed', async (event) => void (await services.retraining.onDeploymentChanged(event)), { group: 'retraining-promotion' });

    const generatedAdminToken = options.apiChild ? undefined : await services.auth.ensureBootstrapAdmin(config.adminToken);
    if (generatedAdminToken !== undefined) saveAdminToken(config.home, generatedAdminToken);

    const sampler = new ProcessSampler();
    closers.push(async () => sampler.close());
    // Each process's own heartbeat sampler: its figures then cover exactly one heartbeat interval.
    // Its nvidia-smi reading also sets the GPU gauges of GET /metrics (none while nvidia-smi does not answer).
    const heartbeatSampler = new ProcessSampler(undefined, { onGpuReadings: (readings) => metrics.gpuReadings(readings) });
    closers.push(async () => heartbeatSampler.close());
    const heartbeats = new ProcessHeartbeats({
      store: monitoringStore,
      sample: () => heartbeatSampler.sample(),
      clock: clock,
      identity: { id: randomIds.next(), host: os.hostname(), pid: process.pid, roles: [...config.roles], startedAt: clock.now() },
      log: (level, message, fields) => late.log?.[level](fields, message),
    });
    await heartbeats.start();
    closers.push(() => heartbeats.stop());
    const runtime: RuntimeInfo = {
      resources: () => sampler.sample(),
      processes: async () => ({ self: heartbeats.id, live: await heartbeats.live() }),
      version: packageVersion(),
      storeDialect: database.dialect.name,
      queueKind: config.queueUrl.startsWith('redis') ? 'redis' : 'local',
      startedAt: Date.now(),
      apiProcesses: () => (options.apiChild ? { index: options.apiChild.index, ...options.apiChild.counts() } : { index: 1, running: 1, wanted: 1 }),
      checkStore: async () => {
        await sql`select 1`.execute(database.db);
      },
    };
    const app = await buildApp({ config, services, runtime, metrics });
    for (const warning of homeWarnings) app.log.warn(warning);
    closers.push(() => app.close());
    const handlers = {
      ...services.training.handlers(),
      ...services.redteam.handlers(),
      ...notifier.handlers(),
      ...periodicHandlers({
        ...services,
        deleteDeliveredEvents: () => events.deleteDelivered(),
        predictionLog,
        jobs: jobStore,
        periodicJobRetentionMs: config.periodicJobRetentionMs,
        jobRetentionMs: config.jobRetentionMs,
        sweepIntervalMs: config.sweepIntervalMs,
        clock: clock,
        log: (level, message, fields) => late.log?.[level](fields, message),
      }),
    };
    if (config.roles.includes('worker')) await startJobWorkers(services.jobs, handlers, config.workerConcurrency);
    // First start on an empty registry: register and train the sample models (idempotent: skipped once models exist).
    const bootstrapJobs = config.bootstrap && !options.apiChild ? await services.training.bootstrap() : [];
    late.log = app.log;
    options.subscribe?.(events);
    await events.start();
    if (config.roles.includes('scheduler')) {
      for (const schedule of periodicSchedules({ sweepMs: config.sweepIntervalMs, deploymentCheckMs: config.deploymentCheckMs, monitorMs: config.monitorIntervalMs })) await services.jobs.schedule(schedule);
    }
    return { config, app, services, database, events, metrics, migrationsApplied, generatedAdminToken, bootstrapJobs, runtime, handlers, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Picks the job queue by WARDEN_QUEUE_URL's scheme: `local:` runs jobs in this process,
 * durable in the metadata store; `redis://` uses BullMQ, so any number of `warden worker`
 * processes share the work. Either way the job records live in the store.
 */
export async function createJobQueue(config: Config, store: JobStore, channel?: JobEventChannel, clock: Clock = systemClock): Promise<JobQueue> {
  const common = { clock, ids: randomIds, timings: { leaseMs: config.jobLeaseMs } };
  if (config.queueUrl.startsWith('redis')) {
    // Loaded on use: BullMQ and ioredis are a third of an embedded start's module loading.
    const { BullMqJobQueue } = await import('./jobs/bullmq-job-queue.js');
    return new BullMqJobQueue(store, { ...common, url: config.queueUrl, prefix: config.queuePrefix });
  }
  return new LocalJobQueue(store, { ...common, ...(channel ? { channel } : {}) });
}

/** Starts `concurrency` workers for this build's job kinds in this process (none when 0). */
export async function startJobWorkers(jobs: JobQueue, handlers: JobHandlers, concurrency: number): Promise<void> {
  if (concurrency > 0 && Object.keys(handlers).length > 0) await jobs.startWorkers(handlers, { concurrency });
}

/**
 * This process's event cursor name: WARDEN_EVENT_SUBSCRIBER, else `<host>-<port>-<roles>`, which
 * is stable across restarts and differs between a `warden server` and a `warden worker` on one host.
 */
export function eventSubscriberName(config: Pick<Config, 'eventSubscriber' | 'port' | 'roles'>): string {
  return config.eventSubscriber ?? `${os.hostname()}-${config.port}-${config.roles.join('+')}`.replace(/[^A-Za-z0-9_.:+-]/g, '-').slice(0, 128);
}
