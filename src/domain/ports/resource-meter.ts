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

/** What one process uses right now (GET /monitoring): CPU share since the previous sample, memory, event-loop lag, GPU. */
export interface ProcessResources {
  readonly pid: number;
  /** CPU time over wall time since the previous sample (1 = one core busy). */
  readonly cpuCores: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  /** Event-loop delay since the previous sample, ms: mean, p99 and max. */
  readonly eventLoopLagMs: { readonly mean: number; readonly p99: number; readonly max: number };
  /** null when nvidia-smi does not answer. */
  readonly gpu: { readonly memoryMb: number; readonly utilizationPct: number } | null;
  readonly sampledAt: number;
}

/** One GPU as `nvidia-smi` reports it (GET /metrics exports one series per GPU). */
export interface GpuReading {
  /** nvidia-smi's index of the GPU on this host. */
  readonly index: number;
  /** Its product name (`NVIDIA A100-SXM4-40GB`). */
  readonly name: string;
  readonly memoryUsedBytes: number;
  readonly memoryTotalBytes: number;
  /** Share of the last sample period a kernel ran, 0–1. */
  readonly utilizationRatio: number;
}
