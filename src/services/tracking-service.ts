import { WardenError, invalid } from '../domain/errors.js';
import type { Clock, IdGenerator } from '../domain/ports/clock.js';
import type { ResourceMeter } from '../domain/ports/resource-meter.js';
import type { TrackingStore } from '../domain/ports/tracking-store.js';
import { newExperiment, validateExperimentName, type Experiment, type NewExperimentInput } from '../domain/tracking/experiment.js';
import { validateKey, validateLogBatch, type LogBatchInput, type MetricInput, type MetricPoint } from '../domain/tracking/run-data.js';
import { newRun, planRunResume, planRunUpdate, validateResourceUsage, type ResourceUsage, type Run, type RunInfo, type RunPatchInput, type RunStatus } from '../domain/tracking/run.js';
import { decodeOffsetToken, encodeOffsetToken, parseRunSearch, type RunSearchInput, type RunSearchPage } from '../domain/tracking/run-search.js';

export const EXPERIMENT_LIST_MAX = 1_000;
/** Points per page of a metric history (MLflow pages at 25,000 too). */
export const METRIC_HISTORY_MAX = 25_000;

export interface TrackingServiceDeps {
  readonly store: TrackingStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Measures runs for {@link TrackingService.measure}; optional. */
  readonly meter?: ResourceMeter;
}

export interface CreateRunInput {
  /** The experiment's id, or give `experimentName` (created when missing). */
  readonly experimentId?: string;
  readonly experimentName?: string;
  readonly name?: string;
  /** ms since the epoch; default now. */
  readonly startTime?: number;
  readonly tags?: Readonly<Record<string, string>> | ReadonlyArray<{ key: string; value: string }>;
}

export interface PageQuery {
  readonly limit?: number;
  readonly pageToken?: string;
}

export interface ExperimentPage {
  readonly experiments: readonly Experiment[];
  readonly nextPageToken?: string;
}

export interface MetricHistory {
  readonly runId: string;
  readonly key: string;
  readonly points: readonly MetricPoint[];
  readonly nextPageToken?: string;
}

export interface LogBatchResult {
  readonly metrics: number;
  readonly params: number;
  readonly tags: number;
}

/** What another area (the registry) shows about a run: its params and final metrics. */
export interface RunSummary extends RunInfo {
  readonly params: Readonly<Record<string, string>>;
  /** The latest value of every metric. */
  readonly metrics: Readonly<Record<string, number>>;
}

/** Called after a run is deleted (its rows, and the artifact rows that cascade with it, are gone). */
export type RunDeletedListener = (runId: string) => Promise<void> | void;

function runNotFound(id: string, field = 'id'): WardenError {
  return new WardenError('RUN_NOT_FOUND', `no run has id "${id}"`, { field });
}

function pageLimit(limit: number | undefined, max: number, fallback: number): number {
  const value = limit ?? fallback;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) throw invalid('limit', `limit must be a whole number from 1 to ${max}`);
  return value;
}

/**
 * Experiment tracking use cases. Inputs are validated by the domain (VALIDATION_FAILED
 * naming the field); unknown ids are EXPERIMENT_NOT_FOUND / RUN_NOT_FOUND; every write
 * is one store transaction.
 */
export class TrackingService {
  private readonly store: TrackingStore;
  private readonly clock: Clock;
  private readonly ids: IdGenerator;
  private readonly meter: ResourceMeter | undefined;
  private readonly deletedListeners: RunDeletedListener[] = [];

  constructor(deps: TrackingServiceDeps) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.ids = deps.ids;
    this.meter = deps.meter;
  }

  /** EXPERIMENT_ALREADY_EXISTS when the name is taken. */
  async createExperiment(input: NewExperimentInput): Promise<Experiment> {
    const experiment = newExperiment(input, this.ids.next(), this.clock.now());
    await this.store.createExperiment(experiment);
    return experiment;
  }

  /** By id, or by name when no experiment has that id. */
  async getExperiment(idOrName: string): Promise<Experiment> {
    const experiment = (await this.store.getExperiment(idOrName)) ?? (await this.store.getExperimentByName(idOrName));
    if (experiment === undefined) throw new WardenError('EXPERIMENT_NOT_FOUND', `no experiment has id or name "${idOrName}"`, { field: 'id' });
    return experiment;
  }

  /** The experiment with this name, created (without description or tags) when missing; safe under races. */
  async ensureExperiment(name: string): Promise<Experiment> {
    validateExperimentName(name, 'experimentName');
    const existing = await this.store.getExperimentByName(name);
    if (existing !== undefined) return existing;
    try {
      return await this.createExperiment({ name });
    } catch (error) {
      if (error instanceof WardenError && error.code === 'EXPERIMENT_ALREADY_EXISTS') return this.getExperiment(name);
      throw error;
    }
  }

  /** Experiments by name, paged (limit 1-1,000, default 100). */
  async listExperiments(query: PageQuery = {}): Promise<ExperimentPage> {
    const limit = pageLimit(query.limit, EXPERIMENT_LIST_MAX, 100);
    const offset = decodeOffsetToken(query.pageToken, 'experiments');
    const rows = await this.store.listExperiments(offset, limit + 1);
    const experiments = rows.slice(0, limit);
    return rows.length > limit ? { experiments, nextPageToken: encodeOffsetToken(offset + limit, 'experiments') } : { experiments };
  }

  /** Starts a RUNNING run in an experiment (by id, or by name — created if missing). */
  async createRun(input: CreateRunInput): Promise<Run> {
    let experiment: Experiment;
    if (input.experimentId !== undefined) {
      const found = await this.store.getExperiment(input.experimentId);
      if (found === undefined) throw new WardenError('EXPERIMENT_NOT_FOUND', `no experiment has id "${input.experimentId}"`, { field: 'experimentId' });
      experiment = found;
    } else if (input.experimentName !== undefined) {
      experiment = await this.ensureExperiment(input.experimentName);
    } else {
      throw invalid('experimentId', 'experimentId (or experimentName) is required');
    }
    return this.store.createRun(newRun({ name: input.name, startTime: input.startTime, tags: input.tags }, experiment, this.ids.next(), this.clock.now()));
  }

  /** The run with params, tags, the latest point of each metric and resource usage. */
  async getRun(id: string): Promise<Run> {
    const run = await this.store.getRun(id);
    if (run === undefined) throw runNotFound(id);
    return run;
  }

  /** The run without its data; RUN_NOT_FOUND when absent. For other areas' existence checks (artifacts). */
  /** The run's info; RUN_NOT_FOUND naming `field` (the input that named the run) when there is none. */
  async requireRun(id: string, field = 'id'): Promise<RunInfo> {
    const info = await this.store.getRunInfo(id);
    if (info === undefined) throw runNotFound(id, field);
    return info;
  }

  /**
   * Renames, ends (status + endTime) or records resource usage. The move is decided by
   * the domain against the status read; when a concurrent change wins, the update is
   * re-decided once against the new status (so e.g. FINISHED racing KILLED: one wins,
   * the other is RUN_NOT_ACTIVE).
   */
  async updateRun(id: string, patch: RunPatchInput): Promise<RunInfo> {
    for (let attempt = 0; ; attempt += 1) {
      const current = await this.requireRun(id);
      const plan = planRunUpdate(current, patch, this.clock.now());
      try {
        return await this.store.updateRun(id, plan);
      } catch (error) {
        if (attempt === 0 && error instanceof WardenError && error.code === 'VERSION_CONFLICT') continue;
        throw error;
      }
    }
  }

  /** Ends a running run. */
  endRun(id: string, status: Exclude<RunStatus, 'RUNNING'>, resourceUsage?: ResourceUsage): Promise<RunInfo> {
    return this.updateRun(id, resourceUsage === undefined ? { status } : { status, resourceUsage });
  }

  /**
   * Reopens a KILLED run for the job that owns it (see `planRunResume`); a RUNNING run is
   * returned as is. RUN_NOT_ACTIVE for FINISHED and FAILED runs.
   */
  async resumeRun(id: string): Promise<RunInfo> {
    for (let attempt = 0; ; attempt += 1) {
      const plan = planRunResume(await this.requireRun(id));
      try {
        return await this.store.updateRun(id, plan);
      } catch (error) {
        if (attempt === 0 && error instanceof WardenError && error.code === 'VERSION_CONFLICT') continue;
        throw error;
      }
    }
  }

  async recordResourceUsage(id: string, usage: ResourceUsage): Promise<RunInfo> {
    return this.updateRun(id, { resourceUsage: validateResourceUsage(usage) });
  }

  /**
   * Runs `work`, then records what it consumed on the run (CPU seconds, peak RSS, wall
   * time, GPU when present), whether `work` succeeded or threw. Needs a meter.
   */
  async measure<T>(runId: string, work: () => Promise<T>): Promise<T> {
    if (this.meter === undefined) throw new WardenError('INTERNAL', 'TrackingService was built without a ResourceMeter');
    await this.requireRun(runId);
    const measurement = this.meter.start();
    try {
      return await work();
    } finally {
      await this.recordResourceUsage(runId, await measurement.stop());
    }
  }

  /**
   * Logs up to 1,000 metrics, 100 params and 100 tags, all-or-nothing: validated as a
   * whole first, then written in one transaction (see TrackingStore.logBatch).
   */
  async logBatch(runId: string, input: LogBatchInput): Promise<LogBatchResult> {
    const batch = validateLogBatch(input, this.clock.now());
    await this.store.logBatch(runId, batch);
    return { metrics: batch.metrics.length, params: batch.params.length, tags: batch.tags.length };
  }

  /**
   * Logs the points whose (key, step) the run holds no point for yet; returns how many
   * were written. For a job's later attempt that trains the same epochs again (jobs run
   * at least once): the run's history keeps each step once, as the first attempt logged it.
   */
  async logMetricsOnce(runId: string, metrics: readonly MetricInput[]): Promise<number> {
    const points = validateLogBatch({ metrics: [...metrics] }, this.clock.now()).metrics;
    const logged = new Map<string, Set<number>>();
    for (const key of new Set(points.map((p) => p.key))) {
      const steps = new Set<number>();
      let pageToken: string | undefined;
      do {
        const page = await this.getMetricHistory(runId, key, pageToken !== undefined ? { pageToken } : {});
        for (const point of page.points) steps.add(point.step);
        pageToken = page.nextPageToken;
      } while (pageToken !== undefined);
      logged.set(key, steps);
    }
    const fresh = points.filter((p) => {
      const steps = logged.get(p.key)!;
      if (steps.has(p.step)) return false;
      steps.add(p.step);
      return true;
    });
    if (fresh.length > 0) await this.store.logBatch(runId, { metrics: fresh, params: [], tags: [] });
    return fresh.length;
  }

  async logMetric(runId: string, metric: MetricInput): Promise<void> {
    await this.logBatch(runId, { metrics: [metric] });
  }

  /** Write-once: the same value again is a no-op, another value PARAM_CONFLICT. */
  async setParam(runId: string, key: string, value: string): Promise<void> {
    await this.logBatch(runId, { params: [{ key, value }] });
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.logBatch(runId, { tags: [{ key, value }] });
  }

  /** Every point of one metric in step order, paged (limit 1-25,000, default 25,000). */
  async getMetricHistory(runId: string, key: string, query: PageQuery = {}): Promise<MetricHistory> {
    validateKey(key, 'key');
    const limit = pageLimit(query.limit, METRIC_HISTORY_MAX, METRIC_HISTORY_MAX);
    const scope = `history:${runId}:${key}`;
    const offset = decodeOffsetToken(query.pageToken, scope);
    await this.requireRun(runId);
    const rows = await this.store.getMetricHistory(runId, key, offset, limit + 1);
    const points = rows.slice(0, limit);
    return rows.length > limit ? { runId, key, points, nextPageToken: encodeOffsetToken(offset + limit, scope) } : { runId, key, points };
  }

  /** Filtered, ordered, paged run search (syntax in domain/tracking/run-search.ts). */
  async searchRuns(input: RunSearchInput): Promise<RunSearchPage<Run>> {
    return this.store.searchRuns(parseRunSearch(input));
  }

  /**
   * Deletes a run for good, with its params, tags, metrics and artifact records (one
   * transaction); the blobs no longer referenced are left to the artifact GC. Then
   * tells the listeners. RUN_NOT_FOUND when absent.
   */
  async deleteRun(id: string): Promise<void> {
    if (!(await this.store.deleteRun(id))) throw runNotFound(id);
    for (const listener of this.deletedListeners) await listener(id);
  }

  /** Registers a callback run after each deletion (e.g. to schedule a GC sweep). */
  onRunDeleted(listener: RunDeletedListener): void {
    this.deletedListeners.push(listener);
  }

  /** Params and final (latest) metrics of a run, or undefined when it does not exist (deleted). */
  async runSummary(id: string): Promise<RunSummary | undefined> {
    const run = await this.store.getRun(id);
    if (run === undefined) return undefined;
    return {
      id: run.id,
      experimentId: run.experimentId,
      name: run.name,
      status: run.status,
      startTime: run.startTime,
      endTime: run.endTime,
      params: run.params,
      metrics: Object.fromEntries(Object.values(run.metrics).map((m) => [m.key, m.value])),
      resourceUsage: run.resourceUsage,
    };
  }
}
