import { execFile } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ProcessResources, ResourceMeasurement, ResourceMeter } from '../domain/ports/resource-meter.js';
import type { ResourceUsage } from '../domain/tracking/run.js';

export interface GpuSample {
  /** MiB in use, summed over the GPUs. */
  readonly memoryMb: number;
  /** Utilisation, percent, averaged over the GPUs. */
  readonly utilizationPct: number;
}

/** Reads the GPUs once; resolves undefined when there is no GPU to read. */
export type GpuProbe = () => Promise<GpuSample | undefined>;

export interface ProcessResourceMeterOptions {
  /** How often RSS and the GPU are sampled while measuring, in ms. */
  readonly sampleIntervalMs?: number;
  /** Override for tests or other GPU tools; default: `nvidia-smi` when it is installed. */
  readonly gpuProbe?: GpuProbe;
}

const NVIDIA_SMI_ARGS = ['--query-gpu=memory.used,utilization.gpu', '--format=csv,noheader,nounits'];
const NVIDIA_SMI_TIMEOUT_MS = 2_000;

/** Parses `nvidia-smi --query-gpu=memory.used,utilization.gpu --format=csv,noheader,nounits` (one line per GPU). */
export function parseNvidiaSmi(output: string): GpuSample | undefined {
  const gpus = output
    .split('\n')
    .map((line) => line.split(',').map((part) => Number(part.trim())))
    .filter((parts) => parts.length === 2 && parts.every((n) => Number.isFinite(n) && n >= 0)) as Array<[number, number]>;
  if (gpus.length === 0) return undefined;
  return {
    memoryMb: gpus.reduce((sum, [memory]) => sum + memory, 0),
    utilizationPct: gpus.reduce((sum, [, utilization]) => sum + utilization, 0) / gpus.length,
  };
}

/**
 * A probe that asks `nvidia-smi`. The first ENOENT (not installed) or failure turns it
 * off for the life of the process, so machines without a GPU pay one failed spawn.
 */
export function nvidiaSmiProbe(command = 'nvidia-smi'): GpuProbe {
  let available = true;
  return () =>
    new Promise((resolve) => {
      if (!available) {
        resolve(undefined);
        return;
      }
      try {
        // An empty environment: the probe inherits no secret (WARDEN_ADMIN_TOKEN, store URLs); with no PATH,
        // the command is looked up in the default /usr/bin:/bin, where the driver installs nvidia-smi.
        execFile(command, NVIDIA_SMI_ARGS, { timeout: NVIDIA_SMI_TIMEOUT_MS, windowsHide: true, env: {} }, (error, stdout) => {
          if (error) {
            available = false;
            resolve(undefined);
            return;
          }
          const sample = parseNvidiaSmi(String(stdout));
          if (sample === undefined) available = false;
          resolve(sample);
        });
      } catch {
        available = false;
        resolve(undefined);
      }
    });
}

const sharedNvidiaSmi = nvidiaSmiProbe();

/**
 * Measures this process: CPU time from `process.cpuUsage`, wall time from a monotonic
 * clock, peak RSS sampled every interval (and at start/stop) from `process.memoryUsage.rss`,
 * GPU figures from the probe. RSS and CPU are the whole process's: when several jobs
 * share a worker process, each run is charged for all of them.
 */
export class ProcessResourceMeter implements ResourceMeter {
  private readonly intervalMs: number;
  private readonly gpuProbe: GpuProbe;

  constructor(options: ProcessResourceMeterOptions = {}) {
    this.intervalMs = options.sampleIntervalMs ?? 1_000;
    this.gpuProbe = options.gpuProbe ?? sharedNvidiaSmi;
  }

  start(): ResourceMeasurement {
    const cpuStart = process.cpuUsage();
    const wallStart = process.hrtime.bigint();
    let peakRss = process.memoryUsage.rss();
    const gpuSamples: GpuSample[] = [];
    const pending = new Set<Promise<void>>();
    const sampleGpu = (): void => {
      const probe = this.gpuProbe()
        .then((sample) => {
          if (sample !== undefined) gpuSamples.push(sample);
        })
        // A probe that throws is treated like no GPU: measuring must never fail a run.
        .catch(() => undefined)
        .finally(() => pending.delete(probe));
      pending.add(probe);
    };
    sampleGpu();
    const timer = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      sampleGpu();
    }, this.intervalMs);
    timer.unref();

    let result: Promise<ResourceUsage> | undefined;
    return {
      stop: () => {
        result ??= (async () => {
          clearInterval(timer);
          const cpu = process.cpuUsage(cpuStart);
          const wallSeconds = Number(process.hrtime.bigint() - wallStart) / 1e9;
          peakRss = Math.max(peakRss, process.memoryUsage.rss());
          await Promise.all([...pending]);
          const usage: { -readonly [K in keyof ResourceUsage]: ResourceUsage[K] } = {
            cpuSeconds: (cpu.user + cpu.system) / 1e6,
            peakRssBytes: peakRss,
            wallSeconds,
          };
          if (gpuSamples.length > 0) {
            usage.gpuMemoryMb = Math.max(...gpuSamples.map((s) => s.memoryMb));
            usage.gpuUtilizationPct = gpuSamples.reduce((sum, s) => sum + s.utilizationPct, 0) / gpuSamples.length;
          }
          return usage;
        })();
        return result;
      },
    };
  }
}

/** Samples this process on demand; the event-loop histogram runs from construction (its timer never keeps the process alive). */
export class ProcessSampler {
  private readonly delay = monitorEventLoopDelay({ resolution: 20 });
  private lastCpu = process.cpuUsage();
  private lastWall = process.hrtime.bigint();

  constructor(private readonly gpuProbe: GpuProbe = sharedNvidiaSmi) {
    this.delay.enable();
  }

  async sample(): Promise<ProcessResources> {
    const cpu = process.cpuUsage(this.lastCpu);
    const wall = process.hrtime.bigint();
    const wallMicros = Number(wall - this.lastWall) / 1e3;
    this.lastCpu = process.cpuUsage();
    this.lastWall = wall;
    const memory = process.memoryUsage();
    const ms = (ns: number): number => (Number.isFinite(ns) ? ns / 1e6 : 0);
    const lag = { mean: ms(this.delay.mean), p99: ms(this.delay.percentile(99)), max: ms(this.delay.max) };
    this.delay.reset();
    const gpu = await this.gpuProbe().catch(() => undefined);
    return {
      pid: process.pid,
      cpuCores: wallMicros > 0 ? (cpu.user + cpu.system) / wallMicros : 0,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      heapTotalBytes: memory.heapTotal,
      eventLoopLagMs: lag,
      gpu: gpu ?? null,
      sampledAt: Date.now(),
    };
  }

  close(): void {
    this.delay.disable();
  }
}
