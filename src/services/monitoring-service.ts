/**
 * The monitoring service: the `monitor-models` periodic job (once per cluster) reads each
 * model's recent predictions and, per version and arm in service, computes live performance
 * over three windows against the version's evaluation baseline, the label-free CBPE estimate,
 * drift against the version's reference profile (naming what moved, with sampled inputs),
 * anomaly detectors on the stream's per-tick readings (state carried between ticks in the
 * store), hands every signal to the alerts (fire once per episode, resolve), and stores one
 * snapshot per model that `GET /monitoring` serves. The statistics are the domain's; this
 * file only gathers rows, calls them and records what they said.
 */
import {
  DEFAULT_DRIFT_POLICY,
  DEFAULT_PERFORMANCE_DROP_POLICY,
  EMPTY_CONFUSION,
  INITIAL_DETECTOR_STATE,
  Histogram,
  LIVE_METRICS,
  calibrateDetector,
  compareProfiles,
  compareWithBaseline,
  detectorStep,
  estimatePerformance,
  expectedConfusion,
  livePerformance,
  type AnomalyDetector,
  type AnomalyDirection,
  type ConfusionCounts,
  type DetectorState,
  type DistributionProfile,
  type DriftReport,
  type LiveMetric,
  type PerformanceDropPolicy,
} from '../domain/monitoring/index.js';
import type { AlertSignal } from '../domain/alerts/index.js';
import { WardenError } from '../domain/errors.js';
import type { JsonObject } from '../domain/jobs.js';
import type { Clock } from '../domain/ports/clock.js';
import type { MonitoringStore } from '../domain/ports/monitoring-store.js';
import type { MonitoringRow, PredictionStore } from '../domain/ports/prediction-store.js';
import type { ModelVersion } from '../domain/registry/index.js';
import type { AlertOutcome, AlertService } from './alert-service.js';
import type { RegistryService } from './registry-service.js';
import { PROFILED_VALUE_SPECS, type ReferenceProfiles, type VersionProfile } from './reference-profiles.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface MonitoringOptions {
  /** The tick's period (WARDEN_MONITOR_INTERVAL_MS): a reading covers one interval of traffic. */
  readonly intervalMs: number;
  /** Labelled predictions in the `lastLabelled` window, the one alerts judge (WARDEN_MONITOR_LAST_LABELLED). */
  readonly lastLabelled: number;
  /** Most rows read per model and tick (WARDEN_MONITOR_MAX_ROWS). */
  readonly maxRows: number;
}

export interface MonitoringServiceDeps extends MonitoringOptions {
  readonly registry: Pick<RegistryService, 'listModels' | 'getVersion'>;
  readonly predictions: Pick<PredictionStore, 'monitoringRows' | 'lastLabelled' | 'failureCounts'>;
  readonly store: MonitoringStore;
  readonly profiles: Pick<ReferenceProfiles, 'forVersion'>;
  readonly alerts: Pick<AlertService, 'observeMany'>;
  readonly clock: Clock;
  readonly log?: (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => void;
}

/** The anomaly readings of one interval, and which way each alarms. */
export const ANOMALY_READINGS: Readonly<Record<string, AnomalyDirection>> = Object.freeze({
  requestsPerMinute: 'both',
  errorRate: 'up',
  p99LatencyMs: 'up',
  positiveRate: 'both',
  nearThresholdShare: 'up',
  nearDuplicateShare: 'up',
});
type ReadingName = string;

/** Quiet readings collected before a detector is calibrated, and the most kept. */
const WARMUP_READINGS = 30;
const KEPT_READINGS = 240;
/** An interval with fewer answers gives no reading (its rates are noise). */
const MIN_READING_REQUESTS = 20;
/** False alarms per reading the detectors are calibrated to (with a reading a minute: about one a day per detector and arm at worst). */
const TARGET_FALSE_ALARM_RATE = 1 / 2_000;
/** Width, below the threshold, of the band whose share measures evasion pressure. */
const NEAR_THRESHOLD_BAND = 0.1;
/** Sampled inputs shown per drifted value. */
const EXAMPLES_PER_VALUE = 3;
/**
 * Rows per slice of a pass over a tick's rows, with a turn of the event loop between slices: the
 * job runs in the serving process when one process has every role (`warden server` on a laptop,
 * bench:serve), and a tick over 200,000 rows held requests for seconds in one piece.
 */
const SLICE_ROWS = 5_000;

const PERFORMANCE_POLICY: PerformanceDropPolicy = { ...DEFAULT_PERFORMANCE_DROP_POLICY, mode: 'relative' };

interface DetectorMemory {
  readings: Record<string, number[]>;
  detectors: Record<string, AnomalyDetector | null>;
  states: Record<string, DetectorState>;
  lastReadingAt: number | null;
}

interface ArmKey {
  readonly version: number;
  readonly arm: string;
}

export class MonitoringService {
  constructor(private readonly deps: MonitoringServiceDeps) {}

  /** One tick over every model: the `monitor-models` job. Returns what it did per model. */
  async monitorAll(): Promise<{ models: Array<{ model: string; arms: number; signals: number; fired: string[]; resolved: string[] }> }> {
    const models: Array<{ model: string; arms: number; signals: number; fired: string[]; resolved: string[] }> = [];
    let pageToken: string | undefined;
    do {
      const page = await this.deps.registry.listModels({ limit: 100, ...(pageToken !== undefined ? { pageToken } : {}) });
      for (const model of page.items) {
        const result = await this.monitorModel(model.name);
        models.push({ model: model.name, arms: result.arms, signals: result.signals, fired: result.fired, resolved: result.resolved });
      }
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    return { models };
  }

  /** One tick over one model: computes, alerts and stores its snapshot. */
  async monitorModel(model: string): Promise<{ arms: number; signals: number; fired: string[]; resolved: string[]; snapshot: JsonObject }> {
    const now = this.deps.clock.now();
    const rows = await this.deps.predictions.monitoringRows(model, now - DAY, this.deps.maxRows);
    const failures = await this.deps.predictions.failureCounts(model, now - DAY);
    const keys = new Map<string, ArmKey>();
    // Rows come in runs of one arm: a key is built when the arm changes, not for each of 200,000 rows.
    let previous: MonitoringRow | undefined;
    for (const row of rows) {
      if (previous === undefined || row.version !== previous.version || row.arm !== previous.arm) keys.set(`${row.version}/${row.arm}`, { version: row.version, arm: row.arm });
      previous = row;
    }
    for (const failure of failures) keys.set(`${failure.version}/${failure.arm}`, { version: failure.version, arm: failure.arm });
    const arms: JsonObject[] = [];
    const signals: AlertSignal[] = [];
    for (const key of [...keys.values()].sort((a, b) => b.version - a.version || a.arm.localeCompare(b.arm))) {
      const armRows = await filterOf(rows, (row) => row.version === key.version && row.arm === key.arm);
      const armFailures = failures.filter((f) => f.version === key.version && f.arm === key.arm);
      const { snapshot, armSignals } = await this.monitorArm(model, key, armRows, armFailures, now);
      arms.push(snapshot);
      signals.push(...armSignals);
    }
    const outcomes = signals.length === 0 ? [] : await this.deps.alerts.observeMany(signals);
    const snapshot: JsonObject = {
      model,
      evaluatedAt: now,
      rowsRead: rows.length,
      truncated: rows.length >= this.deps.maxRows,
      arms,
      alerts: outcomes.filter((o) => o.action !== 'quiet' && o.action !== 'no-verdict').map((o) => alertOutcomeJson(o)),
    };
    await this.deps.store.saveSnapshot(model, now, snapshot);
    return {
      arms: arms.length,
      signals: signals.length,
      fired: outcomes.filter((o) => o.action === 'fire').map((o) => o.fingerprint),
      resolved: outcomes.filter((o) => o.action === 'resolve').map((o) => o.fingerprint),
      snapshot,
    };
  }

  /** The latest stored snapshot of a model; MONITORING_NOT_FOUND (404) when none was made yet. */
  async snapshot(model: string): Promise<{ evaluatedAt: number; snapshot: JsonObject }> {
    const found = await this.deps.store.snapshot(model);
    if (found === undefined) {
      throw new WardenError('MONITORING_NOT_FOUND', `no monitoring snapshot of "${model}" yet: the monitor-models job writes one every WARDEN_MONITOR_INTERVAL_MS for each model with predictions`, { field: 'model' });
    }
    return found;
  }

  async snapshots(): Promise<Array<{ model: string; evaluatedAt: number; snapshot: JsonObject }>> {
    return this.deps.store.snapshots();
  }

  private async monitorArm(model: string, key: ArmKey, rows: readonly MonitoringRow[], failures: ReadonlyArray<{ code: string; inputs: number }>, now: number) {
    const version = await this.versionOrNull(model, key.version);
    const armSignals: AlertSignal[] = [];
    const at = now;
    const base = { model, version: key.version } as const;

    // ── live performance: last hour, last day, last N labelled; alerts judge the last N.
    const baseline = baselineOf(version);
    const hourRows = await filterOf(rows, (row) => row.createdAt >= now - HOUR);
    const lastLabelled = await this.deps.predictions.lastLabelled(model, key.version, key.arm, this.deps.lastLabelled);
    const windows = {
      lastHour: performanceJson(await confusionOf(hourRows), baseline),
      lastDay: performanceJson(await confusionOf(rows), baseline),
      lastLabelled: performanceJson(confusionOfPairs(lastLabelled), baseline),
    };
    const judged = compareWithBaseline(livePerformance(confusionOfPairs(lastLabelled)), baseline ?? {}, PERFORMANCE_POLICY);
    for (const comparison of judged.metrics) {
      if (comparison.verdict === 'insufficient-data' || comparison.live.value === null) continue;
      armSignals.push({
        ...base,
        kind: 'performance',
        metric: comparison.metric,
        value: comparison.live.value,
        baseline: comparison.baseline,
        breached: comparison.verdict === 'degraded',
        details: { arm: key.arm, window: `last ${this.deps.lastLabelled} labelled`, support: comparison.live.support, lower: comparison.live.lower, upper: comparison.live.upper },
        at,
      });
    }
    const profile = version === null ? null : await this.deps.profiles.forVersion(version.entity);
    // The version's decision threshold travels with its profile; without one, 0.5.
    const threshold = profile?.threshold ?? 0.5;
    const estimate = estimatePerformance(expectedConfusion(await columnOf(hourRows, (row) => row.probability), threshold));

    // ── drift of the last hour against the version's reference profile.
    let drift: JsonObject;
    if (profile === null) {
      drift = { status: 'no-reference-profile', message: 'no reference profile; retrain to enable drift' };
    } else {
      const report = compareProfiles(profile.profile, await liveProfiles(hourRows, profile));
      // Examples come from the sampled rows only (about 1 %): one pass picks them out.
      const sampled = await filterOf(hourRows, (row) => row.sample !== null);
      drift = { status: 'evaluated', window: 'last hour', ...driftJson(report, sampled) };
      if (report.verdict !== 'insufficient-data') {
        armSignals.push({
          ...base,
          kind: 'drift',
          value: report.drifted.length,
          breached: report.verdict === 'drift',
          details: { arm: key.arm, drifted: [...report.drifted], warnings: [...report.warnings], examples: examplesJson(report, sampled) },
          at,
        });
      }
    }

    await yieldToEventLoop();
    // ── anomalies: one reading per interval since the last reading.
    const anomalies = await this.anomalies(model, key, rows, threshold, now);
    for (const detector of anomalies.detectors) {
      if (detector.alarm === undefined) continue;
      armSignals.push({ ...base, kind: 'anomaly', metric: `anomaly.${detector.name}`, value: detector.reading, breached: detector.alarm !== null, details: { arm: key.arm, ...detector }, at });
    }

    // ── errors and timeouts over the last hour (the failures table holds both: a timeout is a failure with its code).
    const failedInputs = failures.reduce((sum, f) => sum + f.inputs, 0);
    const answered = rows.length;
    if (answered + failedInputs > 0) {
      armSignals.push({ ...base, kind: 'inference-errors', value: failedInputs / (answered + failedInputs), details: { arm: key.arm, failed: failedInputs, requests: answered + failedInputs }, at });
    }

    const snapshot: JsonObject = {
      version: key.version,
      semver: version?.entity.semver ?? null,
      arm: key.arm,
      stage: version?.entity.stage ?? null,
      requests: { lastHour: hourRows.length, lastDay: rows.length },
      errors: { lastDay: { failed: failedInputs, rate: answered + failedInputs === 0 ? 0 : failedInputs / (answered + failedInputs), byCode: Object.fromEntries(failures.map((f) => [f.code, f.inputs])) } },
      performance: { baseline: baseline ?? null, windows, judgedWindow: `last ${this.deps.lastLabelled} labelled`, estimate: estimateJson(estimate) },
      drift,
      normalizationGap: normalizationGapJson(hourRows, profile, drift),
      anomalies: anomalies.json,
      // What its training job used (the job record's measurement, kept on the version); serving processes are sampled by the API.
      resources: { training: { ...(version?.entity.resourceUsage ?? {}) } },
    };
    return { snapshot, armSignals };
  }

  private async versionOrNull(model: string, number: number): Promise<{ entity: ModelVersion } | null> {
    try {
      return { entity: await this.deps.registry.getVersion(model, number) };
    } catch {
      return null; // deleted since it answered: its rows are still monitored, without a baseline
    }
  }

  private async anomalies(model: string, key: ArmKey, rows: readonly MonitoringRow[], threshold: number, now: number) {
    const stateKey = `${model}/${key.version}/${key.arm}`;
    const stored = await this.deps.store.detectorState(stateKey);
    const memory: DetectorMemory = stored === undefined ? { readings: {}, detectors: {}, states: {}, lastReadingAt: null } : (stored as unknown as DetectorMemory);
    const detectors: Array<{ name: string; reading: number; zScore?: number; statistic?: number; threshold?: number; alarm?: 'up' | 'down' | null }> = [];
    // A reading covers the traffic since the previous one; a tick that comes too soon after it
    // (a manual run, a retried job) takes none, so each reading is one interval of traffic.
    const since = memory.lastReadingAt ?? now - this.deps.intervalMs;
    const elapsed = now - since;
    const interval = await filterOf(rows, (row) => row.createdAt >= since && row.createdAt < now);
    let took = false;
    if (elapsed >= this.deps.intervalMs / 2 && interval.length >= MIN_READING_REQUESTS) {
      took = true;
      const failures = (await this.deps.predictions.failureCounts(model, since)).filter((f) => f.version === key.version && f.arm === key.arm);
      const readings = intervalReadings(interval, await columnOf(interval, (row) => row.latencyMs), failures, elapsed, threshold);
      for (const name of Object.keys(ANOMALY_READINGS)) {
        const reading = readings[name] ?? 0;
        const history = (memory.readings[name] ??= []);
        let detector = memory.detectors[name] ?? null;
        if (detector === null && history.length >= WARMUP_READINGS) {
          detector = calibrateDetector(history, { kind: 'cusum', direction: ANOMALY_READINGS[name]!, targetFalseAlarmRate: TARGET_FALSE_ALARM_RATE, random: seeded(stateKey + name), simulatedReadings: 100_000 });
          memory.detectors[name] = detector;
        }
        if (detector === null) {
          history.push(reading);
          detectors.push({ name, reading });
          continue;
        }
        const step = detectorStep(detector, memory.states[name] ?? INITIAL_DETECTOR_STATE, reading);
        memory.states[name] = step.state;
        // Quiet readings keep the history current for a later recalibration; alarms do not.
        if (step.alarm === null) history.push(reading);
        if (history.length > KEPT_READINGS) history.splice(0, history.length - KEPT_READINGS);
        detectors.push({ name, reading, zScore: step.zScore, statistic: step.statistic, threshold: detector.threshold, alarm: step.alarm });
      }
      memory.lastReadingAt = now;
      await this.deps.store.saveDetectorState(stateKey, model, now, memory as unknown as JsonObject);
    }
    const calibrated = Object.values(memory.detectors).filter((d) => d !== null).length;
    return {
      detectors,
      json: {
        readingTaken: took,
        readingsCollected: Math.max(0, ...Object.values(memory.readings).map((r) => r.length)),
        calibrated: `${calibrated}/${Object.keys(ANOMALY_READINGS).length}`,
        warmupReadings: WARMUP_READINGS,
        targetFalseAlarmRate: TARGET_FALSE_ALARM_RATE,
        detectors,
      } as unknown as JsonObject,
    };
  }
}

function baselineOf(version: { entity: ModelVersion } | null): Partial<Record<LiveMetric, number>> | undefined {
  if (version === null) return undefined;
  const baseline: Partial<Record<LiveMetric, number>> = {};
  for (const metric of LIVE_METRICS) {
    const value = version.entity.metrics[`eval_${metric}`];
    if (typeof value === 'number' && Number.isFinite(value)) baseline[metric] = value;
  }
  return Object.keys(baseline).length === 0 ? undefined : baseline;
}

async function confusionOf(rows: readonly MonitoringRow[]): Promise<ConfusionCounts> {
  return confusionOfPairs((await filterOf(rows, (row) => row.feedbackLabel !== null)).map((row) => ({ label: row.label, feedbackLabel: row.feedbackLabel! })));
}

function confusionOfPairs(pairs: ReadonlyArray<{ label: number; feedbackLabel: number }>): ConfusionCounts {
  const counts = { ...EMPTY_CONFUSION };
  for (const { label, feedbackLabel } of pairs) {
    if (label === 1 && feedbackLabel === 1) counts.tp++;
    else if (label === 1) counts.fp++;
    else if (feedbackLabel === 1) counts.fn++;
    else counts.tn++;
  }
  return counts;
}

function performanceJson(counts: ConfusionCounts, baseline: Partial<Record<LiveMetric, number>> | undefined): JsonObject {
  const live = livePerformance(counts);
  const comparison = baseline === undefined ? null : compareWithBaseline(live, baseline, PERFORMANCE_POLICY);
  return { labelled: live.labelled, counts: { ...counts }, level: live.level, metrics: live.metrics, verdict: comparison?.verdict ?? 'no-baseline', degraded: comparison === null ? [] : [...comparison.degraded] } as unknown as JsonObject;
}

function estimateJson(estimate: ReturnType<typeof estimatePerformance>): JsonObject {
  return { ...estimate, window: 'last hour', note: 'an estimate from calibrated scores (CBPE), not measured performance' } as unknown as JsonObject;
}

/** The monitored value of a row, by profile name; NaN when the row has none (a histogram counts it as missing). */
function valueOf(row: MonitoringRow, name: string): number {
  switch (name) {
    case 'score':
      return row.probability;
    case 'positive':
      return row.label;
    case 'length':
      return row.chars;
    case 'nonAsciiShare':
      return row.nonAsciiShare;
    case 'urls':
      return row.urlCount;
    default: {
      const monitored = row.monitored as Record<string, number | boolean | null | undefined> | null;
      const value = monitored?.[name];
      // A flag (normalizationFlip) is binned as 0/1, like `positive`.
      return typeof value === 'number' ? value : typeof value === 'boolean' ? Number(value) : Number.NaN;
    }
  }
}

/**
 * The last hour's normalisation gap (share of described inputs whose raw verdict differed),
 * beside the reference profile's share on held-out rows and the drift verdict on it (the
 * `normalizationFlip` result: chi-square under 1,000 rows, PSI / JS above, like every value).
 */
function normalizationGapJson(rows: readonly MonitoringRow[], profile: VersionProfile | null, drift: JsonObject): JsonObject {
  let described = 0;
  let flipped = 0;
  for (const row of rows) {
    const flip = row.monitored?.normalizationFlip;
    if (flip === null || flip === undefined) continue;
    described++;
    if (flip) flipped++;
  }
  const reference = profile?.profile.distributions.normalizationFlip;
  const referenceRows = reference === undefined ? 0 : reference.rows;
  const result = ((drift.results ?? []) as unknown as Array<{ name: string; verdict: string }>).find((r) => r.name === 'normalizationFlip');
  return {
    window: 'last hour',
    described,
    flipped,
    share: described === 0 ? null : flipped / described,
    // null for a profile written before the gap was profiled (retrain to get one).
    reference: reference === undefined || referenceRows === 0 ? null : reference.sum / referenceRows,
    verdict: reference === undefined ? 'no-reference' : (result?.verdict ?? 'insufficient-data'),
  };
}

async function liveProfiles(rows: readonly MonitoringRow[], profile: VersionProfile): Promise<Record<string, DistributionProfile>> {
  const live: Record<string, DistributionProfile> = {};
  for (const [name, reference] of Object.entries(profile.profile.distributions)) {
    if (!(name in PROFILED_VALUE_SPECS)) continue;
    const histogram = Histogram.like(reference);
    histogram.addAll(await columnOf(rows, (row) => valueOf(row, name)));
    live[name] = histogram.toProfile();
  }
  return live;
}

function driftJson(report: DriftReport, rows: readonly MonitoringRow[]): JsonObject {
  const examples = examplesByValue(report, rows);
  return {
    verdict: report.verdict,
    drifted: [...report.drifted],
    warnings: [...report.warnings],
    insufficient: [...report.insufficient],
    minRows: DEFAULT_DRIFT_POLICY.minRows,
    results: report.results.map((r) => ({ ...r, examples: examples.get(r.name) ?? [] })),
  } as unknown as JsonObject;
}

function examplesJson(report: DriftReport, rows: readonly MonitoringRow[]): JsonObject {
  return Object.fromEntries(examplesByValue(report, rows)) as unknown as JsonObject;
}

/** Sampled inputs whose value falls in the range that gained most share, for each value that drifted or warned. */
function examplesByValue(report: DriftReport, rows: readonly MonitoringRow[]): Map<string, string[]> {
  const sampled = rows.filter((row) => row.sample !== null);
  const examples = new Map<string, string[]>();
  for (const result of report.results) {
    if (result.verdict !== 'drift' && result.verdict !== 'warning') continue;
    const moved = result.movedBins[0];
    if (moved === undefined) continue;
    const last = moved.upper >= (PROFILED_VALUE_SPECS[result.name]?.layout.kind === 'linear' ? 1 : Number.POSITIVE_INFINITY);
    const inRange = sampled.filter((row) => {
      const v = valueOf(row, result.name);
      return v >= moved.lower && (v < moved.upper || (last && v <= moved.upper));
    });
    examples.set(result.name, inRange.slice(0, EXAMPLES_PER_VALUE).map((row) => row.sample!));
  }
  return examples;
}

function intervalReadings(rows: readonly MonitoringRow[], latencyColumn: Float64Array, failures: ReadonlyArray<{ inputs: number }>, elapsedMs: number, threshold: number): Record<ReadingName, number> {
  const latencies = latencyColumn.sort();
  const p99 = latencies.length === 0 ? 0 : latencies[Math.min(latencies.length - 1, Math.ceil(0.99 * latencies.length) - 1)]!;
  const failed = failures.reduce((sum, f) => sum + f.inputs, 0);
  let positives = 0;
  let near = 0;
  let duplicates = 0;
  let described = 0;
  for (const row of rows) {
    if (row.label === 1) positives++;
    if (row.probability < threshold && row.probability >= threshold - NEAR_THRESHOLD_BAND) near++;
    if (row.monitored?.nearDuplicate !== null && row.monitored?.nearDuplicate !== undefined) {
      described++;
      if (row.monitored.nearDuplicate) duplicates++;
    }
  }
  return {
    requestsPerMinute: (rows.length * 60_000) / elapsedMs,
    errorRate: failed / Math.max(1, rows.length + failed),
    p99LatencyMs: p99,
    positiveRate: positives / rows.length,
    nearThresholdShare: near / rows.length,
    nearDuplicateShare: described === 0 ? 0 : duplicates / described,
  };
}

/** A small seeded uniform source (mulberry32 of the key's hash): calibration is reproducible per detector. */
function seeded(key: string): () => number {
  let a = 0;
  for (let i = 0; i < key.length; i++) a = (Math.imul(a, 31) + key.charCodeAt(i)) | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function alertOutcomeJson(outcome: AlertOutcome): JsonObject {
  return { rule: outcome.rule, fingerprint: outcome.fingerprint, action: outcome.action, ...(outcome.alert !== undefined ? { alert: outcome.alert.id, state: outcome.alert.state } : {}) };
}

/** Lets the event loop run what waits (requests, timers) before the tick goes on. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * One value of every row as a typed column, filled by a plain loop in slices of SLICE_ROWS with a
 * turn of the event loop between them (Float64Array.from with a map function took ~0.5 µs a value:
 * 1.3 s for the 12 profiled values of 200,000 rows, in one piece).
 */
async function columnOf<T>(rows: readonly T[], value: (row: T) => number): Promise<Float64Array> {
  const values = new Float64Array(rows.length);
  for (let start = 0; start < rows.length; start += SLICE_ROWS) {
    if (start > 0) await yieldToEventLoop();
    const end = Math.min(rows.length, start + SLICE_ROWS);
    for (let i = start; i < end; i++) values[i] = value(rows[i]!);
  }
  return values;
}

/** The rows that pass, in order, in slices of SLICE_ROWS with a turn of the event loop between them. */
async function filterOf<T>(rows: readonly T[], keep: (row: T) => boolean): Promise<T[]> {
  const kept: T[] = [];
  for (let start = 0; start < rows.length; start += SLICE_ROWS) {
    if (start > 0) await yieldToEventLoop();
    const end = Math.min(rows.length, start + SLICE_ROWS);
    for (let i = start; i < end; i++) if (keep(rows[i]!)) kept.push(rows[i]!);
  }
  return kept;
}
