import type { JsonObject } from '../jobs.js';

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
}
