import { retrainingPolicies, type RetrainingPolicies } from './domain/retraining/policy.js';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateWebhooks, type WebhookTarget } from './domain/alerts/notifications.js';
import { applyRuleOverrides, DEFAULT_ALERT_RULES, type AlertRule } from './domain/alerts/rules.js';
import { isWardenError } from './domain/errors.js';

/**
 * The only reader of process.env. Everything else receives a frozen, validated Config.
 * The URL scheme picks the adapter: sqlite:|postgres://, local:|redis://, file:.
 */
export const STORE_SCHEMES = ['sqlite:', 'postgres:', 'postgresql:'] as const;
export const QUEUE_SCHEMES = ['local:', 'redis:', 'rediss:'] as const;
export const ARTIFACT_SCHEMES = ['file:'] as const;
/** WARDEN_LOG_FORMAT: `auto` is pretty on a terminal, JSON otherwise (files, pipes, log shippers). */
export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
/**
 * WARDEN_SQLITE_SYNC: `full` fsyncs every commit (an acknowledged change survives a power cut);
 * `normal` only at WAL checkpoints (faster; a power cut can lose the last commits, a crash cannot).
 */
export const SQLITE_SYNC_MODES = ['full', 'normal'] as const;
/** The dashboard `npm run build` leaves beside src/ (and dist/, where the compiled config lives). */
const DEFAULT_WEB_DIR = fileURLToPath(new URL('../web/dist', import.meta.url));
/** What a process does: serve HTTP, run jobs, declare the periodic schedules. */
export const PROCESS_ROLES = ['api', 'worker', 'scheduler'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];

export interface Config {
  readonly home: string;
  readonly host: string;
  readonly port: number;
  readonly storeUrl: string;
  /** SQLite only: when a commit is fsynced (WARDEN_SQLITE_SYNC, default `full`). */
  readonly sqliteSync: (typeof SQLITE_SYNC_MODES)[number];
  readonly queueUrl: string;
  readonly artifactsUrl: string;
  /** Root folder of the local artifact store (derived from artifactsUrl). */
  readonly artifactsRoot: string;
  readonly adminToken: string | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** How the server writes its log lines: one readable line each, or pino's JSON (WARDEN_LOG_FORMAT, `auto` resolved). */
  readonly logFormat: 'pretty' | 'json';
  /** Largest JSON request body, in bytes. */
  readonly bodyLimitBytes: number;
  /** Largest artifact upload, in bytes. */
  readonly maxArtifactBytes: number;
  /** Root of the data lifecycle folders fresh/, used/ and rejected/ (WARDEN_DATA_DIR, default WARDEN_HOME/data). */
  readonly dataDir: string;
  /** Largest dataset file or upload read, in bytes. */
  readonly maxDatasetBytes: number;
  /** Train the sample models on an empty home at first start. */
  readonly bootstrap: boolean;
  /** How often the fresh-data folder is scanned and orphaned blobs swept, in ms. */
  readonly sweepIntervalMs: number;
  /** How often deployments in flight are checked (canary steps, guardrails, bake times), in ms. */
  readonly deploymentCheckMs: number;
  /** Unique, unused vulnerabilities of a task that retrain every model of the task (WARDEN_REDTEAM_RETRAIN_THRESHOLD, default 10). */
  readonly redteamRetrainThreshold: number;
  /** Unreferenced artifact blobs younger than this are not garbage-collected yet, in ms (an upload records its reference just after storing its blob). */
  readonly artifactGcGraceMs: number;
  /**
   * How many processes serve the API for `warden server` (WARDEN_API_PROCESSES, default the
   * number of CPUs): above 1, the started process keeps the other roles and forks that many
   * API-only children sharing the port (node:cluster).
   */
  readonly apiProcesses: number;
  /** This process's roles (WARDEN_ROLES; default all three, the embedded mode). */
  readonly roles: readonly ProcessRole[];
  /** Records of ended periodic jobs (sweep, scan, cleanup) older than this are deleted, in ms. */
  readonly periodicJobRetentionMs: number;
  /** Records and logs of every other ended job (train, retrain, evaluate, …) older than this are deleted, in ms. */
  readonly jobRetentionMs: number;
  /** Port of GET /health for a process without the api role (`warden worker`); undefined = none. */
  readonly healthPort: number | undefined;
  /** Worker concurrency for background jobs in this process (0 = API only). */
  readonly workerConcurrency: number;
  /** Redis key prefix of the BullMQ queue: deployments sharing one Redis use distinct prefixes. */
  readonly queuePrefix: string;
  /** A running job whose worker stops heartbeating for this long is run again elsewhere, in ms. */
  readonly jobLeaseMs: number;
  /** Delivered domain events older than this are deleted from the outbox, in ms (WARDEN_EVENT_RETENTION_MS). */
  readonly eventRetentionMs: number;
  /** How often a process reads the event outbox without a wake-up (SQLite), in ms; ten times less often as PostgreSQL's safety net. */
  readonly eventPollMs: number;
  /**
   * This process's name for its event cursor (WARDEN_EVENT_SUBSCRIBER): events raised while it
   * is down are delivered when a process of that name starts again. Give each process of a
   * cluster its own. Null = derived at start from host, port and roles (see main.ts), so a
   * server and a worker on one host never share a cursor.
   */
  readonly eventSubscriber: string | null;
  /**
   * Absolute paths of the programs an external recipe may run (WARDEN_EXTERNAL_TRAINERS);
   * empty = external trainers are off. A recipe's command[0] must be one of them exactly.
   */
  readonly externalTrainers: readonly string[];
  /** The only variables an external trainer inherits from the server (PATH, LANG, LC_ALL): no secrets, no store URL. */
  readonly trainerEnv: Readonly<Record<string, string>>;
  /** Most texts in one `POST /predict/:model` request (WARDEN_PREDICT_MAX_BATCH). */
  readonly predictMaxBatch: number;
  /** Loaded model versions kept warm per process, least recently used evicted (WARDEN_MODEL_CACHE_SIZE). */
  readonly modelCacheSize: number;
  /** Prediction records waiting to be written at most; beyond it they are dropped and counted (WARDEN_PREDICTION_LOG_BUFFER). */
  readonly predictionLogBuffer: number;
  /** How often buffered prediction records are written, in ms (WARDEN_PREDICTION_LOG_FLUSH_MS). */
  readonly predictionLogFlushMs: number;
  /** Recorded predictions older than this are deleted by the `cleanup-predictions` job, in ms (WARDEN_PREDICTION_RETENTION_MS). */
  readonly predictionRetentionMs: number;
  /** How often the `monitor-models` job runs, once per cluster, in ms (WARDEN_MONITOR_INTERVAL_MS). */
  readonly monitorIntervalMs: number;
  /** Share of inputs the serving path describes for drift monitoring, 0–1 (WARDEN_MONITOR_DESCRIBE_RATE). */
  readonly monitorDescribeRate: number;
  /** Share of inputs whose first characters are kept for drift explanations, 0–1; 0 keeps no text (WARDEN_MONITOR_SAMPLE_RATE). */
  readonly monitorSampleRate: number;
  /** Characters kept of a sampled input (WARDEN_MONITOR_SAMPLE_CHARS). */
  readonly monitorSampleChars: number;
  /** The labelled predictions of the `last N labelled` window, which alerts judge (WARDEN_MONITOR_LAST_LABELLED). */
  readonly monitorLastLabelled: number;
  /** Most predictions one monitoring tick reads per model (WARDEN_MONITOR_MAX_ROWS): the newest of the last day. */
  readonly monitorMaxRows: number;
  /**
   * Where alert notifications are POSTed (WARDEN_ALERT_WEBHOOKS, a JSON list of {name, url,
   * secret?, format?, minSeverity?}); empty = none. Secrets and URLs never leave the process
   * that sends (the API shows each webhook's origin only).
   */
  readonly alertWebhooks: readonly WebhookTarget[];
  /** The alert rules in force: the built-in defaults with WARDEN_ALERT_RULES's overrides applied. */
  readonly alertRules: readonly AlertRule[];
  /** Retraining policies (WARDEN_RETRAINING_POLICY): drop thresholds, cooldown, hysteresis, evidence, cron schedules; per model. */
  readonly retrainingPolicies: RetrainingPolicies;
  /** Attempts per alert notification, retried with exponential backoff (WARDEN_ALERT_WEBHOOK_ATTEMPTS). */
  readonly alertWebhookAttempts: number;
  /** How long one webhook attempt may take, in ms (WARDEN_ALERT_WEBHOOK_TIMEOUT_MS). */
  readonly alertWebhookTimeoutMs: number;
  /** Client side: the server the CLI talks to, and its token. */
  readonly serverUrl: string;
  /** The built dashboard (index.html and assets/) served at `/` (WARDEN_WEB_DIR, default web/dist of this checkout); nothing is served when it holds no index.html. */
  readonly webDir: string;
  readonly clientToken: string | undefined;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** A number from 0 to 1 written as a decimal (0, 0.01, 1). */
function fraction(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^(0(\.\d+)?|1(\.0+)?)$/.test(raw)) throw new ConfigError(name, `must be a decimal from 0 to 1, got "${raw}"`);
  return Number(raw);
}

function roles(env: Env): readonly ProcessRole[] {
  const raw = env.WARDEN_ROLES;
  if (raw === undefined || raw.trim() === '') return PROCESS_ROLES;
  const listed = raw.split(',').map((role) => role.trim());
  for (const role of listed) {
    if (!(PROCESS_ROLES as readonly string[]).includes(role)) {
      throw new ConfigError('WARDEN_ROLES', `must be a comma list of ${PROCESS_ROLES.join(', ')}; got "${role}"`);
    }
  }
  return Object.freeze(PROCESS_ROLES.filter((role) => listed.includes(role)));
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function schemeOf(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*:)/i.exec(url);
  return match?.[1]?.toLowerCase() ?? '';
}

function checkScheme(name: string, url: string, schemes: readonly string[]): void {
  const scheme = schemeOf(url);
  if (!schemes.includes(scheme)) {
    throw new ConfigError(name, `unknown scheme in "${url}"; valid schemes: ${schemes.join(', ')}`);
  }
}

function sqliteSync(env: Env): (typeof SQLITE_SYNC_MODES)[number] {
  const raw = env.WARDEN_SQLITE_SYNC;
  if (raw === undefined || raw === '') return 'full';
  const mode = SQLITE_SYNC_MODES.find((m) => m === raw);
  if (mode === undefined) throw new ConfigError('WARDEN_SQLITE_SYNC', `must be one of ${SQLITE_SYNC_MODES.join(', ')}; got "${raw}"`);
  return mode;
}

function eventSubscriber(env: Env): string | null {
  const name = env.WARDEN_EVENT_SUBSCRIBER;
  if (name === undefined || name === '') return null;
  if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(name)) throw new ConfigError('WARDEN_EVENT_SUBSCRIBER', `must be 1-128 letters, digits, _ . : or -; got "${name}"`);
  return name;
}

function queuePrefix(env: Env): string {
  const prefix = env.WARDEN_QUEUE_PREFIX || 'warden';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(prefix)) throw new ConfigError('WARDEN_QUEUE_PREFIX', `must be 1-64 letters, digits, _ or -; got "${prefix}"`);
  return prefix;
}

/** `a,b` or `a:b`: absolute, normalised executable paths (a relative one would depend on the worker's cwd and PATH). */
function externalTrainers(env: Env): string[] {
  const raw = env.WARDEN_EXTERNAL_TRAINERS ?? '';
  const entries = raw
    .split(/[,:]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of entries) {
    if (!path.isAbsolute(entry) || path.normalize(entry) !== entry || entry.endsWith('/')) {
      throw new ConfigError('WARDEN_EXTERNAL_TRAINERS', `entries must be absolute, normalised paths of executables; got "${entry}"`);
    }
  }
  return [...new Set(entries)];
}

function trainerEnv(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['PATH', 'LANG', 'LC_ALL'] as const) {
    const value = env[name];
    if (value !== undefined && value !== '') out[name] = value;
  }
  return Object.freeze(out);
}

/** WARDEN_ALERT_WEBHOOKS: a JSON list, each entry checked (the message names the entry and field, never a secret). */
function alertWebhooks(env: Env): readonly WebhookTarget[] {
  const raw = env.WARDEN_ALERT_WEBHOOKS;
  if (raw === undefined || raw.trim() === '') return Object.freeze([]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError('WARDEN_ALERT_WEBHOOKS', 'must be a JSON list of {name, url, secret?, format?, minSeverity?}');
  }
  try {
    return Object.freeze(validateWebhooks(parsed).map((target) => Object.freeze(target)));
  } catch (error) {
    if (isWardenError(error)) throw new ConfigError('WARDEN_ALERT_WEBHOOKS', `${error.field ?? ''}: ${error.message}`);
    throw error;
  }
}

/** WARDEN_ALERT_RULES: a JSON object keyed by rule id, e.g. {"accuracy-drop": {"threshold": 0.03}, "drift": {"enabled": false}}. */
function alertRules(env: Env): readonly AlertRule[] {
  const raw = env.WARDEN_ALERT_RULES;
  if (raw === undefined || raw.trim() === '') return DEFAULT_ALERT_RULES;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError('WARDEN_ALERT_RULES', 'must be a JSON object keyed by rule id, e.g. {"accuracy-drop": {"threshold": 0.03}}');
  }
  try {
    return Object.freeze(applyRuleOverrides(DEFAULT_ALERT_RULES, parsed));
  } catch (error) {
    if (isWardenError(error)) throw new ConfigError('WARDEN_ALERT_RULES', `${error.field ?? ''}: ${error.message}`);
    throw error;
  }
}

/** WARDEN_RETRAINING_POLICY: a JSON object, e.g. {"cooldownMs": 3600000, "models": {"spam-detector": {"schedule": "0 3 * * 1"}}}. */
function retrainingPoliciesOf(env: Env): RetrainingPolicies {
  const raw = env.WARDEN_RETRAINING_POLICY;
  if (raw === undefined || raw.trim() === '') return retrainingPolicies(undefined);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError('WARDEN_RETRAINING_POLICY', 'must be a JSON object, e.g. {"cooldownMs": 3600000, "models": {"spam-detector": {"schedule": "0 3 * * 1"}}}');
  }
  try {
    return retrainingPolicies(parsed, 'retraining');
  } catch (error) {
    if (isWardenError(error)) throw new ConfigError('WARDEN_RETRAINING_POLICY', `${error.field ?? ''}: ${error.message}`);
    throw error;
  }
}

/**
 * Builds the Config from an environment (process.env by default). Throws ConfigError naming
 * the variable. `stdoutIsTty` resolves WARDEN_LOG_FORMAT=auto; `cpus` is the default of WARDEN_API_PROCESSES.
 */
export function loadConfig(
  env: Env = process.env,
  cwd: string = process.cwd(),
  stdoutIsTty: boolean = process.stdout.isTTY === true,
  cpus: number = os.availableParallelism(),
): Config {
  const home = path.resolve(cwd, env.WARDEN_HOME || '.warden');
  const storeUrl = env.WARDEN_STORE_URL || `sqlite:${path.join(home, 'warden.db')}`;
  checkScheme('WARDEN_STORE_URL', storeUrl, STORE_SCHEMES);
  const queueUrl = env.WARDEN_QUEUE_URL || 'local:';
  checkScheme('WARDEN_QUEUE_URL', queueUrl, QUEUE_SCHEMES);
  const artifactsUrl = env.WARDEN_ARTIFACTS_URL || `file:${path.join(home, 'artifacts')}`;
  checkScheme('WARDEN_ARTIFACTS_URL', artifactsUrl, ARTIFACT_SCHEMES);
  const artifactsRoot = path.resolve(cwd, artifactsUrl.slice('file:'.length).replace(/^\/\/(?=\/)/, ''));

  const logLevel = (env.WARDEN_LOG_LEVEL || 'info') as Config['logLevel'];
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('WARDEN_LOG_LEVEL', `must be one of fatal, error, warn, info, debug, trace, silent; got "${logLevel}"`);
  }
  const logFormat = (env.WARDEN_LOG_FORMAT || 'auto') as (typeof LOG_FORMATS)[number];
  if (!LOG_FORMATS.includes(logFormat)) throw new ConfigError('WARDEN_LOG_FORMAT', `must be one of ${LOG_FORMATS.join(', ')}; got "${logFormat}"`);
  const adminToken = env.WARDEN_ADMIN_TOKEN || undefined;
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new ConfigError('WARDEN_ADMIN_TOKEN', 'must be at least 16 characters long');
  }
  const port = integer(env, 'PORT', 7070, 0, 65535);
  const config: Config = {
    home,
    host: env.HOST || '127.0.0.1',
    port,
    storeUrl,
    sqliteSync: sqliteSync(env),
    queueUrl,
    artifactsUrl,
    artifactsRoot,
    adminToken,
    logLevel,
    logFormat: logFormat === 'auto' ? (stdoutIsTty ? 'pretty' : 'json') : logFormat,
    bodyLimitBytes: integer(env, 'WARDEN_BODY_LIMIT_BYTES', 8 * 1024 * 1024, 1024, 1024 ** 3), // 8 MiB
    maxArtifactBytes: integer(env, 'WARDEN_MAX_ARTIFACT_BYTES', 2 * 1024 ** 3, 1, 1024 ** 4), // 2 GiB
    dataDir: path.resolve(cwd, env.WARDEN_DATA_DIR || path.join(home, 'data')),
    maxDatasetBytes: integer(env, 'WARDEN_MAX_DATASET_BYTES', 512 * 1024 ** 2, 1024, 1024 ** 4), // 512 MiB
    bootstrap: bool(env, 'WARDEN_BOOTSTRAP', true),
    sweepIntervalMs: integer(env, 'WARDEN_SWEEP_INTERVAL_MS', 60_000, 100, 24 * 3600 * 1000),
    deploymentCheckMs: integer(env, 'WARDEN_DEPLOYMENT_CHECK_MS', 5_000, 100, 3600 * 1000),
    redteamRetrainThreshold: integer(env, 'WARDEN_REDTEAM_RETRAIN_THRESHOLD', 10, 1, 100_000),
    artifactGcGraceMs: integer(env, 'WARDEN_ARTIFACT_GC_GRACE_MS', 3600 * 1000, 0, 7 * 24 * 3600 * 1000), // 1 hour
    apiProcesses: integer(env, 'WARDEN_API_PROCESSES', Math.max(1, cpus), 1, 64),
    roles: roles(env),
    healthPort: env.WARDEN_HEALTH_PORT ? integer(env, 'WARDEN_HEALTH_PORT', 0, 0, 65535) : undefined,
    workerConcurrency: integer(env, 'WARDEN_WORKER_CONCURRENCY', 1, 0, 64),
    queuePrefix: queuePrefix(env),
    jobLeaseMs: integer(env, 'WARDEN_JOB_LEASE_MS', 30_000, 1_000, 3600 * 1000), // 30 s
    periodicJobRetentionMs: integer(env, 'WARDEN_PERIODIC_JOB_RETENTION_MS', 24 * 3600 * 1000, 1_000, 365 * 24 * 3600 * 1000), // 1 day
    jobRetentionMs: integer(env, 'WARDEN_JOB_RETENTION_MS', 90 * 24 * 3600 * 1000, 1_000, 10 * 365 * 24 * 3600 * 1000), // 90 days
    eventRetentionMs: integer(env, 'WARDEN_EVENT_RETENTION_MS', 7 * 24 * 3600 * 1000, 1_000, 365 * 24 * 3600 * 1000), // 7 days
    eventPollMs: integer(env, 'WARDEN_EVENT_POLL_MS', 500, 10, 60_000),
    eventSubscriber: eventSubscriber(env),
    externalTrainers: Object.freeze(externalTrainers(env)),
    trainerEnv: trainerEnv(env),
    predictMaxBatch: integer(env, 'WARDEN_PREDICT_MAX_BATCH', 256, 1, 10_000),
    modelCacheSize: integer(env, 'WARDEN_MODEL_CACHE_SIZE', 8, 1, 1_000),
    predictionLogBuffer: integer(env, 'WARDEN_PREDICTION_LOG_BUFFER', 50_000, 1, 10_000_000),
    predictionLogFlushMs: integer(env, 'WARDEN_PREDICTION_LOG_FLUSH_MS', 1_000, 10, 60_000),
    predictionRetentionMs: integer(env, 'WARDEN_PREDICTION_RETENTION_MS', 30 * 24 * 3600 * 1000, 60_000, 10 * 365 * 24 * 3600 * 1000), // 30 days
    monitorIntervalMs: integer(env, 'WARDEN_MONITOR_INTERVAL_MS', 60_000, 100, 24 * 3600 * 1000),
    monitorDescribeRate: fraction(env, 'WARDEN_MONITOR_DESCRIBE_RATE', 0.05),
    monitorSampleRate: fraction(env, 'WARDEN_MONITOR_SAMPLE_RATE', 0.01),
    monitorSampleChars: integer(env, 'WARDEN_MONITOR_SAMPLE_CHARS', 200, 1, 10_000),
    monitorLastLabelled: integer(env, 'WARDEN_MONITOR_LAST_LABELLED', 500, 10, 1_000_000),
    monitorMaxRows: integer(env, 'WARDEN_MONITOR_MAX_ROWS', 200_000, 1_000, 10_000_000),
    alertWebhooks: alertWebhooks(env),
    alertRules: alertRules(env),
    retrainingPolicies: retrainingPoliciesOf(env),
    alertWebhookAttempts: integer(env, 'WARDEN_ALERT_WEBHOOK_ATTEMPTS', 8, 1, 20),
    alertWebhookTimeoutMs: integer(env, 'WARDEN_ALERT_WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000), // 10 s
    serverUrl: env.WARDEN_URL || `http://127.0.0.1:${port}`,
    webDir: path.resolve(cwd, env.WARDEN_WEB_DIR || DEFAULT_WEB_DIR),
    clientToken: env.WARDEN_TOKEN || undefined,
  };
  return Object.freeze(config);
}

/**
 * What an API child's environment keeps of the primary's: what Node and the PostgreSQL driver
 * read (locale, paths, NODE_OPTIONS, libpq's PG* settings). Everything else — the admin token,
 * store and queue URLs, trainer settings — is set to undefined, which cluster.fork drops: the
 * child gets its whole config over IPC, and no secret through its environment.
 */
export function apiChildEnvironment(env: Env = process.env): Record<string, string | undefined> {
  return Object.fromEntries(Object.keys(env).map((key) => [key, API_CHILD_ENV.test(key) ? env[key] : undefined]));
}

const API_CHILD_ENV = /^(PATH|HOME|TMPDIR|TZ|LANG|LC_[A-Z]+|NODE_OPTIONS|NODE_ENV|PG[A-Z]+)$/;
