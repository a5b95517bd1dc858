import { execFile } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { GpuReading, ProcessResources, ResourceMeasurement, ResourceMeter } from '../domain/ports/resource-meter.js';
import type { ResourceUsage } from '../domain/tracking/run.js';

export interface GpuSample {
  /** MiB in use, summed over the GPUs. */
  readonly memoryMb: number;
  /** Utilisation, percent, averaged over the GPUs. */
  readonly utilizationPct: number;
  /** Each GPU on its own (GET /metrics); absent from probes that only report the totals. */
  readonly gpus?: readonly GpuReading[];
}

/** Reads the GPUs once; resolves undefined when there is no GPU to read. */
export type GpuProbe = () => Promise<GpuSample | undefined>;

export interface ProcessResourceMeterOptions {
  /** How often RSS and the GPU are sampled while measuring, in ms. */
  readonly sampleIntervalMs?: number;
  /** Override for tests or other GPU tools; default: `nvidia-smi` when it is installed. */
  readonly gpuProbe?: GpuProbe;
}

const NVIDIA_SMI_ARGS = ['--query-gpu=index,name,memory.used,memory.total,utilization.gpu', '--format=csv,noheader,nounits'];
const NVIDIA_SMI_TIMEOUT_MS = 2_000;
const MIB = 1024 * 1024;

/**
 * Parses `nvidia-smi --query-gpu=index,name,memory.used,memory.total,utilization.gpu
 * --format=csv,noheader,nounits`: one line per GPU, memory in MiB, utilisation in percent.
 * A line with a figure the driver cannot give (`[N/A]`, `[Not Supported]`: some MIG and vGPU
 * set-ups) is left out rather than reported as 0; a name may itself contain commas.
 */
export function parseNvidiaSmiGpus(output: string): GpuReading[] {
  return nvidiaSmiLines(output).map((gpu) => ({
    index: gpu.index,
    name: gpu.name,
    memoryUsedBytes: gpu.memoryUsedMb * MIB,
    memoryTotalBytes: gpu.memoryTotalMb * MIB,
    utilizationRatio: gpu.utilizationPct / 100,
  }));
}

/** The totals of one `nvidia-smi` reading (see parseNvidiaSmiGpus): memory summed over the GPUs, utilisation averaged; undefined without a GPU. */
export function parseNvidiaSmi(output: string): GpuSample | undefined {
  const lines = nvidiaSmiLines(output);
  if (lines.length === 0) return undefined;
  return {
    memoryMb: lines.reduce((sum, gpu) => sum + gpu.memoryUsedMb, 0),
    utilizationPct: lines.reduce((sum, gpu) => sum + gpu.utilizationPct, 0) / lines.length,
    gpus: parseNvidiaSmiGpus(output),
  };
}

function nvidiaSmiLines(output: string): Array<{ index: number; name: string; memoryUsedMb: number; memoryTotalMb: number; utilizationPct: number }> {
  const gpus = [];
  for (const line of output.split('\n')) {
    const parts = line.split(',').map((part) => part.trim());
    if (parts.length < 5) continue;
    const [memoryUsedMb, memoryTotalMb, utilizationPct] = parts.slice(-3).map(Number) as [number, number, number];
    const index = Number(parts[0]);
    const name = parts.slice(1, -3).join(', ');
    if (!Number.isInteger(index) || index < 0 || name === '') continue;
    if (![memoryUsedMb, memoryTotalMb, utilizationPct].every((n) => Number.isFinite(n) && n >= 0)) continue;
    gpus.push({ index, name, memoryUsedMb, memoryTotalMb, utilizationPct });
  }
  return gpus;
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

export interface ProcessSamplerOptions {
  /** Each sample's GPUs, one reading per GPU (empty when nvidia-smi does not answer): GET /metrics takes its gauges from here. */
  readonly onGpuReadings?: (readings: readonly GpuReading[]) => void;
}

/** Samples this process on demand; the event-loop histogram runs from construction (its timer never keeps the process alive). */
export class ProcessSampler {
  private readonly delay = monitorEventLoopDelay({ resolution: 20 });
  private lastCpu = process.cpuUsage();
  private lastWall = process.hrtime.bigint();

  constructor(
    private readonly gpuProbe: GpuProbe = sharedNvidiaSmi,
    private readonly options: ProcessSamplerOptions = {},
  ) {
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
    this.options.onGpuReadings?.(gpu?.gpus ?? []);
    return {
      pid: process.pid,
      cpuCores: wallMicros > 0 ? (cpu.user + cpu.system) / wallMicros : 0,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      heapTotalBytes: memory.heapTotal,
      eventLoopLagMs: lag,
      // The totals only: a heartbeat row and the monitoring API keep the shape they always had.
      gpu: gpu === undefined ? null : { memoryMb: gpu.memoryMb, utilizationPct: gpu.utilizationPct },
      sampledAt: Date.now(),
    };
  }

  close(): void {
    this.delay.disable();
  }
}
