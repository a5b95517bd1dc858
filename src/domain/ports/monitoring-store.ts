import type { JsonObject } from '../jobs.js';
import type { ProcessResources } from './resource-meter.js';

/**
 * What the `monitor-models` job keeps between ticks: the latest snapshot per model (the
 * monitoring API reads it) and each model/version/arm's anomaly detector state (plain JSON,
 * so the next tick continues where the last one stopped, on whichever worker runs it).
 */
export interface MonitoringStore {
  saveSnapshot(model: string, evaluatedAt: number, snapshot: JsonObject): Promise<void>;
  snapshot(model: string): Promise<{ readonly evaluatedAt: number; readonly snapshot: JsonObject } | undefined>;
  snapshots(): Promise<Array<{ readonly model: string; readonly evaluatedAt: number; readonly snapshot: JsonObject }>>;
  detectorState(key: string): Promise<JsonObject | undefined>;
  saveDetectorState(key: string, model: string, updatedAt: number, state: JsonObject): Promise<void>;
  /**
   * Records one process's heartbeat (replacing its previous one) and deletes every heartbeat
   * expired at `now`: a process that crashed leaves a row that goes on its own.
   */
  beat(heartbeat: ProcessHeartbeat, now: number): Promise<void>;
  /** The processes whose latest heartbeat has not expired at `now`, oldest started first. */
  liveProcesses(now: number): Promise<ProcessHeartbeat[]>;
  /** Removes a process's heartbeat (it is stopping). */
  endProcess(id: string): Promise<void>;
}

/** What a serving or worker process reports about itself every few seconds (GET /monitoring `processes[]`). */
export interface ProcessHeartbeat {
  /** Unique per process start (several platforms may share a pid in tests, and pids are reused). */
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  /** WARDEN_ROLES of the process: api, worker, scheduler. */
  readonly roles: readonly string[];
  readonly startedAt: number;
  /** The heartbeat is not shown (and is deleted) after this. */
  readonly expiresAt: number;
  readonly resources: ProcessResources;
}

