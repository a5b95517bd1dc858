import type { ResourceUsage } from '../tracking/run.js';

/**
 * Measures what a piece of work consumes, for recording on its run.
 * Implementations never fail because a measurement source is missing (no GPU, no
 * `nvidia-smi`): they leave the optional GPU figures out instead.
 */
export interface ResourceMeter {
  /** Starts measuring now. */
  start(): ResourceMeasurement;
}

export interface ResourceMeasurement {
  /**
   * Stops measuring and returns the usage since `start()`: CPU seconds (user + system)
   * of this process, its peak resident set size, wall-clock seconds, and GPU memory
   * peak / mean utilisation when a GPU answered. Calling it twice returns the same figures.
   */
  stop(): Promise<ResourceUsage>;
}
