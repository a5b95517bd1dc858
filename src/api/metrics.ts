/**
 * Prometheus metrics of one process (prom-client): serving's measurements per model, version
 * and arm, the prediction log's writes and drops, and the process metrics (CPU, memory, event
 * loop lag, GC), and the host's GPUs when nvidia-smi answers. `GET /metrics` serves them in the text format; each API process is scraped
 * on its own (its numbers are its own).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LiveSwapOutcome, ServedBy, ServingMetrics } from '../domain/ports/serving-metrics.js';
import type { GpuReading } from '../domain/ports/resource-meter.js';

/** Buckets in seconds: serving answers in well under a millisecond to a few ms. */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** The per-GPU gauges: memory used, memory installed, utilisation. */
export const GPU_GAUGES = ['warden_gpu_memory_used_bytes', 'warden_gpu_memory_total_bytes', 'warden_gpu_utilization_ratio'] as const;

export class PrometheusMetrics implements ServingMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'model' | 'version' | 'arm'>;
  private readonly predictions: Counter<'model' | 'version' | 'arm'>;
  private readonly latency: Histogram<'model' | 'version' | 'arm'>;
  private readonly errors: Counter<'model' | 'code'>;
  private readonly armErrors: Counter<'model' | 'version' | 'arm' | 'code'>;
  private readonly swaps: Counter<'model' | 'outcome'>;
  private readonly logDropped: Counter<'reason'>;
  private readonly logWritten: Counter;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.requests = new Counter({ name: 'warden_predict_requests_total', help: 'Prediction requests answered, by model, version and arm.', labelNames: ['model', 'version', 'arm'], registers });
    this.predictions = new Counter({ name: 'warden_predictions_total', help: 'Texts classified, by model, version and arm.', labelNames: ['model', 'version', 'arm'], registers });
    this.latency = new Histogram({
      name: 'warden_predict_duration_seconds',
      help: 'Time to answer a prediction request inside the server (model lookup, scoring, logging), by model, version and arm.',
      labelNames: ['model', 'version', 'arm'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.errors = new Counter({ name: 'warden_predict_errors_total', help: 'Prediction requests refused or failed, by model and error code.', labelNames: ['model', 'code'], registers });
    this.armErrors = new Counter({
      name: 'warden_predict_arm_errors_total',
      help: 'Requests an arm failed to answer (its version did not load or threw), by model, version, arm and error code; a candidate\'s were answered by the baseline.',
      labelNames: ['model', 'version', 'arm', 'code'],
      registers,
    });
    this.swaps = new Counter({
      name: 'warden_live_swaps_total',
      help: 'Changes of what serves a model in this process: switched, load-failed (kept the old version), stopped (no Production version).',
      labelNames: ['model', 'outcome'],
      registers,
    });
    this.logDropped = new Counter({ name: 'warden_prediction_log_dropped_total', help: 'Prediction records not written: buffer-full or write-failed.', labelNames: ['reason'], registers });
    this.logWritten = new Counter({ name: 'warden_prediction_log_written_total', help: 'Prediction records written to the store.', registers });
    // Both reasons exist from the start, so an alert on the rate sees 0 rather than no series.
    this.logDropped.inc({ reason: 'buffer-full' }, 0);
    this.logDropped.inc({ reason: 'write-failed' }, 0);
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  requestServed(by: ServedBy, inputs: number, seconds: number): void {
    const labels = { model: by.model, version: String(by.version), arm: by.arm };
    this.requests.inc(labels);
    this.predictions.inc(labels, inputs);
    this.latency.observe(labels, seconds);
  }

  requestFailed(model: string, code: string): void {
    this.errors.inc({ model, code });
  }

  armFailed(by: ServedBy, code: string): void {
    this.armErrors.inc({ model: by.model, version: String(by.version), arm: by.arm, code });
  }

  liveSwap(model: string, outcome: LiveSwapOutcome): void {
    this.swaps.inc({ model, outcome });
  }

  predictionLogDropped(count: number, reason: 'buffer-full' | 'write-failed'): void {
    this.logDropped.inc({ reason }, count);
  }

  predictionLogWritten(count: number): void {
    this.logWritten.inc(count);
  }

  private gpu: { memoryUsed: Gauge<'gpu' | 'name'>; memoryTotal: Gauge<'gpu' | 'name'>; utilization: Gauge<'gpu' | 'name'> } | undefined;

  /**
   * The GPUs of the latest nvidia-smi reading (the heartbeat's, every 10 s), one series per GPU
   * labelled by its index and name. The gauges exist only while readings come: a host without
   * nvidia-smi has no GPU series at all (rather than zeros that read as an idle GPU), and a
   * reading without GPUs removes them.
   */
  gpuReadings(readings: readonly GpuReading[]): void {
    if (readings.length === 0) {
      if (this.gpu !== undefined) for (const name of GPU_GAUGES) this.registry.removeSingleMetric(name);
      this.gpu = undefined;
      return;
    }
    const registers = [this.registry];
    const labelNames = ['gpu', 'name'] as const;
    // Every API process of a server reads the same GPUs: the cluster scrape averages their copies instead of summing them.
    const aggregator = 'average' as const;
    this.gpu ??= {
      memoryUsed: new Gauge({ name: GPU_GAUGES[0], help: 'GPU memory in use (all processes on the GPU), from nvidia-smi, by GPU index and name.', labelNames, registers, aggregator }),
      memoryTotal: new Gauge({ name: GPU_GAUGES[1], help: 'GPU memory installed, from nvidia-smi, by GPU index and name.', labelNames, registers, aggregator }),
      utilization: new Gauge({ name: GPU_GAUGES[2], help: 'Share of the last sample period a kernel ran on the GPU (0-1), from nvidia-smi, by GPU index and name.', labelNames, registers, aggregator }),
    };
    // A GPU gone since the last reading must not keep its last values.
    for (const gauge of Object.values(this.gpu)) gauge.reset();
    for (const reading of readings) {
      const labels = { gpu: String(reading.index), name: reading.name };
      this.gpu.memoryUsed.set(labels, reading.memoryUsedBytes);
      this.gpu.memoryTotal.set(labels, reading.memoryTotalBytes);
      this.gpu.utilization.set(labels, reading.utilizationRatio);
    }
  }

  private source: (() => Promise<string>) | undefined;

  /** Renders from `source` instead of this registry (an API process of several: the whole server's metrics, see startup/cluster-metrics.ts). */
  renderFrom(source: () => Promise<string>): void {
    this.source = source;
  }

  /** The Prometheus text exposition of every metric. */
  render(): Promise<string> {
    return this.source !== undefined ? this.source() : this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
