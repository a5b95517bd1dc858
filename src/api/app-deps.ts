import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from '../config.js';
import type { Services } from '../services/services.js';
import type { PrometheusMetrics } from './metrics.js';
import type { ProcessResources } from '../domain/ports/resource-meter.js';
import type { ProcessHeartbeat } from '../domain/ports/monitoring-store.js';

/** Facts about the running process that /health reports. */
export interface RuntimeInfo {
  readonly version: string;
  readonly storeDialect: 'sqlite' | 'postgres';
  readonly queueKind: 'local' | 'redis';
  /** Milliseconds since the epoch when the platform was created. */
  readonly startedAt: number;
  /**
   * The API processes of this server: which one answers (1-based), how many listen and how
   * many are configured (WARDEN_API_PROCESSES); a single process is 1 of 1.
   */
  apiProcesses(): { readonly index: number; readonly running: number; readonly wanted: number };
  /** Resolves when the metadata store answers a trivial query; rejects otherwise. */
  checkStore(): Promise<void>;
  /** This process's CPU, memory, event-loop lag and GPU now (GET /monitoring); absent = not measured. */
  resources?(): Promise<ProcessResources>;
  /** Every live process of the cluster from their heartbeats, and which one is this process (GET /monitoring `processes[]`); absent = not recorded. */
  processes?(): Promise<{ readonly self: string; readonly live: readonly ProcessHeartbeat[] }>;
}

/** Everything the HTTP edge needs, built by the composition root (src/main.ts). */
export interface AppDeps {
  readonly config: Config;
  readonly services: Services;
  readonly runtime: RuntimeInfo;
  /** This process's Prometheus metrics (GET /metrics); a fresh registry when omitted. */
  readonly metrics?: PrometheusMetrics;
  /** Where the log lines go (default stdout); tests capture them here. */
  readonly logStream?: { write(text: string): unknown };
}

/** The Fastify instance with TypeBox schemas as the source of request/response types. */
export type WardenApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression<RawServerDefault>,
  RawReplyDefaultExpression<RawServerDefault>,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/**
 * A route module (src/api/routes/<area>-routes.ts): registers its routes on `app`.
 * Every route declares `config: { role: 'viewer' | 'editor' | 'admin' }`; a route
 * without a role is refused with 403 for everyone (deny by default).
 */
export type RouteModule = (app: WardenApp, deps: AppDeps) => Promise<void> | void;
