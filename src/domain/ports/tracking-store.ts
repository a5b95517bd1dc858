import type { Experiment } from '../tracking/experiment.js';
import type { LogBatch, MetricPoint } from '../tracking/run-data.js';
import type { NewRun, Run, RunInfo, RunUpdatePlan } from '../tracking/run.js';
import type { RunSearchPage, RunSearchQuery } from '../tracking/run-search.js';

/**
 * Persistence of experiments and runs. The domain decides (validation, status moves,
 * the write-once rule); a store applies each decision atomically and reports the
 * catalog errors named below, the same on every adapter.
 */
export interface TrackingStore {
  /** Saves a new experiment. EXPERIMENT_ALREADY_EXISTS when its name is taken (also under a race). */
  createExperiment(experiment: Experiment): Promise<void>;

  getExperiment(id: string): Promise<Experiment | undefined>;

  getExperimentByName(name: string): Promise<Experiment | undefined>;

  /** Experiments ordered by name, skipping `offset`, at most `limit`. */
  listExperiments(offset: number, limit: number): Promise<Experiment[]>;

  /**
   * Saves a new run and its initial tags in one transaction and returns it.
   * EXPERIMENT_NOT_FOUND when `run.info.experimentId` does not exist.
   */
  createRun(run: NewRun): Promise<Run>;

  /** The run without its data (cheap): for existence and status checks. */
  getRunInfo(id: string): Promise<RunInfo | undefined>;

  /** The run with all params, tags and the latest point of every metric. */
  getRun(id: string): Promise<Run | undefined>;

  /**
   * Applies an update decided by `planRunUpdate`. Only succeeds if the run still has
   * `plan.expectedStatus` (VERSION_CONFLICT otherwise, so a concurrent end is never
   * overwritten); RUN_NOT_FOUND when the run is gone. Returns the updated run info.
   */
  updateRun(id: string, plan: RunUpdatePlan): Promise<RunInfo>;

  /**
   * Writes a validated batch all-or-nothing, in one transaction:
   * - metrics are appended to the history, and each key's latest point (highest step,
   *   then timestamp, then value) is kept up to date in the same transaction;
   * - params are write-once: an existing key with the same value is a no-op, with a
   *   different value PARAM_CONFLICT (decided under concurrency too: two batches
   *   racing to set different values cannot both succeed);
   * - tags are set (last write wins).
   * RUN_NOT_FOUND when the run does not exist; RUN_NOT_ACTIVE when the batch carries
   * metrics or params and the run has ended (checked under a lock that a concurrent
   * status change waits for). Nothing is written when any error is raised.
   */
  logBatch(runId: string, batch: LogBatch): Promise<void>;

  /** Every recorded point of one metric, ordered by step then timestamp then value. */
  getMetricHistory(runId: string, key: string, offset: number, limit: number): Promise<MetricPoint[]>;

  /** One page of runs matching `query` (see domain/tracking/run-search.ts for the semantics). */
  searchRuns(query: RunSearchQuery): Promise<RunSearchPage<Run>>;

  /**
   * Deletes a run for good (hard delete) with its params, tags and metrics, in one
   * transaction. Rows of other areas that reference the run (artifacts) reference
   * `runs.id` with ON DELETE CASCADE and go in the same transaction; the blobs they
   * pointed at become unreferenced and are left to the artifact GC.
   * Returns false when there was no such run.
   */
  deleteRun(id: string): Promise<boolean>;
}
