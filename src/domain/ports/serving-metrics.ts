/** Who answered: the labels every serving measurement carries. */
export interface ServedBy {
  readonly model: string;
  readonly version: number;
  readonly arm: string;
}

/** What swapping a model's live version came to: switched, refused (the new version failed to load), or stopped (no live version left). */
export type LiveSwapOutcome = 'switched' | 'load-failed' | 'stopped';

/**
 * Serving's measurements, as the process exports them (Prometheus in the API). Every call is
 * cheap and synchronous: it runs on the prediction hot path.
 */
export interface ServingMetrics {
  /** One answered request of `inputs` texts, `seconds` long. */
  requestServed(by: ServedBy, inputs: number, seconds: number): void;
  /** A refused or failed prediction request, by error code. */
  requestFailed(model: string, code: string): void;
  /** One request an arm failed to answer (a candidate's is then answered by the baseline; a shadow's by nobody, as always), by error code. */
  armFailed(by: ServedBy, code: string): void;
  liveSwap(model: string, outcome: LiveSwapOutcome): void;
  /** Prediction records dropped because the log's buffer was full or its write failed. */
  predictionLogDropped(count: number, reason: 'buffer-full' | 'write-failed'): void;
  predictionLogWritten(count: number): void;
}

/** Measures nothing (tests and tools that export no metrics). */
export const NO_SERVING_METRICS: ServingMetrics = {
  requestServed: () => undefined,
  requestFailed: () => undefined,
  armFailed: () => undefined,
  liveSwap: () => undefined,
  predictionLogDropped: () => undefined,
  predictionLogWritten: () => undefined,
};
