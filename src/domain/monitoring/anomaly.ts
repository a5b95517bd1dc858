/**
 * Anomaly detectors on the prediction stream's per-interval readings (request rate, error
 * and timeout rate, p99 latency, positive rate, share of scores just under the threshold,
 * share of near-duplicate inputs): CUSUM and EWMA control charts whose thresholds are
 * calibrated to a target false-alarm rate on a quiet baseline of the same readings.
 *
 * Pure: a detector's state is plain data (persist it between ticks), each step takes the
 * state and one reading and returns the next state. Calibration simulates a long quiet
 * stream by resampling the baseline (a seeded source of randomness is passed in), so the
 * limits fit the readings' real shape (skewed counts, a floor at 0), not a normal ideal.
 */

export const ANOMALY_DIRECTIONS = ['up', 'down', 'both'] as const;
/** Which shifts alarm: a rise (error rate), a fall (request rate dropping to 0) or both. */
export type AnomalyDirection = (typeof ANOMALY_DIRECTIONS)[number];

/** Centre and spread of a reading on a quiet stretch. */
export interface StreamBaseline {
  readonly mean: number;
  readonly sd: number;
}

export const ANOMALY_DETECTORS = ['cusum', 'ewma'] as const;
export type AnomalyDetectorKind = (typeof ANOMALY_DETECTORS)[number];

/**
 * A calibrated detector: CUSUM accumulates standardised excesses beyond `allowance` and
 * alarms above `threshold` (both in baseline sds); EWMA smooths readings with weight
 * `lambda` and alarms when the average leaves ±`threshold` of its own asymptotic sd.
 */
export type AnomalyDetector =
  | { readonly kind: 'cusum'; readonly baseline: StreamBaseline; readonly direction: AnomalyDirection; readonly allowance: number; readonly threshold: number }
  | { readonly kind: 'ewma'; readonly baseline: StreamBaseline; readonly direction: AnomalyDirection; readonly lambda: number; readonly threshold: number };

/** The running state between readings: CUSUM's two sums, or the EWMA (of standardised readings). */
export interface DetectorState {
  readonly upper: number;
  readonly lower: number;
}

export const INITIAL_DETECTOR_STATE: DetectorState = Object.freeze({ upper: 0, lower: 0 });

export interface DetectorStep {
  readonly state: DetectorState;
  /** The reading in baseline sds from the baseline mean. */
  readonly zScore: number;
  /** Set when this reading raised an alarm (the state then restarts, so one shift alarms once, then again only if it persists). */
  readonly alarm: 'up' | 'down' | null;
  /** The statistic compared with the threshold: the larger CUSUM sum, or |EWMA| in its own sds. */
  readonly statistic: number;
}

/**
 * Centre and spread of quiet readings: the median and the scaled median absolute deviation,
 * so a spike in the baseline does not widen the limits; readings mostly equal (a count
 * that is usually 0) fall back to the mean and standard deviation. Throws RangeError for
 * fewer than 2 finite readings.
 */
export function baselineOf(values: ArrayLike<number>): StreamBaseline {
  const finite = Array.from(values).filter((v) => Number.isFinite(v));
  if (finite.length < 2) throw new RangeError('a baseline needs at least 2 finite readings');
  const sorted = Float64Array.from(finite).sort();
  const median = quantileSorted(sorted, 0.5);
  const deviations = Float64Array.from(sorted, (v) => Math.abs(v - median)).sort();
  const mad = 1.4826 * quantileSorted(deviations, 0.5);
  if (mad > 0) return { mean: median, sd: mad };
  let sum = 0;
  for (const v of finite) sum += v;
  const mean = sum / finite.length;
  let squares = 0;
  for (const v of finite) squares += (v - mean) ** 2;
  const sd = Math.sqrt(squares / (finite.length - 1));
  // A constant baseline: any change is news, so the spread is a hair above 0.
  return { mean, sd: sd > 0 ? sd : Math.max(1e-9, Math.abs(mean) * 1e-9) };
}

function quantileSorted(sorted: Float64Array, q: number): number {
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

/** Feeds one reading to a detector. */
export function detectorStep(detector: AnomalyDetector, state: DetectorState, reading: number): DetectorStep {
  const z = (reading - detector.baseline.mean) / detector.baseline.sd;
  const up = detector.direction !== 'down';
  const down = detector.direction !== 'up';
  let upper: number;
  let lower: number;
  let statistic: number;
  let alarm: 'up' | 'down' | null = null;
  if (detector.kind === 'cusum') {
    upper = up ? Math.max(0, state.upper + z - detector.allowance) : 0;
    lower = down ? Math.max(0, state.lower - z - detector.allowance) : 0;
    statistic = Math.max(upper, lower);
    if (upper > detector.threshold) alarm = 'up';
    else if (lower > detector.threshold) alarm = 'down';
  } else {
    // upper holds the EWMA of z; lower is unused.
    const ewma = detector.lambda * z + (1 - detector.lambda) * state.upper;
    upper = ewma;
    lower = 0;
    statistic = Math.abs(ewma) / Math.sqrt(detector.lambda / (2 - detector.lambda));
    if (statistic > detector.threshold) {
      if (ewma > 0 && up) alarm = 'up';
      else if (ewma < 0 && down) alarm = 'down';
    }
  }
  return { state: alarm === null ? { upper, lower } : INITIAL_DETECTOR_STATE, zScore: z, alarm, statistic };
}

/** Runs a detector over readings from its initial state; returns the indices and directions of the alarms. */
export function runDetector(detector: AnomalyDetector, readings: ArrayLike<number>): { readonly index: number; readonly direction: 'up' | 'down' }[] {
  const alarms: { index: number; direction: 'up' | 'down' }[] = [];
  let state = INITIAL_DETECTOR_STATE;
  for (let i = 0; i < readings.length; i++) {
    const step = detectorStep(detector, state, readings[i]!);
    state = step.state;
    if (step.alarm !== null) alarms.push({ index: i, direction: step.alarm });
  }
  return alarms;
}

export interface CalibrationOptions {
  readonly kind: AnomalyDetectorKind;
  readonly direction: AnomalyDirection;
  /**
   * Alarms per reading tolerated on quiet data, e.g. 1/10,000 (with one reading a minute,
   * about one false alarm a week).
   */
  readonly targetFalseAlarmRate: number;
  /** Uniform [0, 1) source for the resampling, seeded by the caller so calibration is reproducible. */
  readonly random: () => number;
  /** CUSUM allowance in sds (default 0.5: tuned to catch a 1-sd shift fastest). */
  readonly allowance?: number;
  /** EWMA weight of the newest reading (default 0.2). */
  readonly lambda?: number;
  /** Readings simulated per trial threshold (default 400 / target, from 50,000 to 4,000,000). */
  readonly simulatedReadings?: number;
}

/**
 * A detector whose threshold gives about `targetFalseAlarmRate` alarms per reading on data
 * like `quiet`: the baseline is estimated from `quiet` (baselineOf), a long quiet stream is
 * simulated by drawing its standardised readings with replacement, and the threshold is
 * found by bisection so the detector, restarted after each alarm, alarms at the target rate
 * on that stream. Independent draws ignore autocorrelation in the baseline: feed readings
 * per interval long enough to be nearly independent (a minute of traffic, not a request).
 */
export function calibrateDetector(quiet: ArrayLike<number>, options: CalibrationOptions): AnomalyDetector {
  const rate = options.targetFalseAlarmRate;
  if (!(rate > 0 && rate < 0.5)) throw new RangeError(`targetFalseAlarmRate must be in (0, 0.5), got ${rate}`);
  const baseline = baselineOf(quiet);
  const standardised = Float64Array.from(Array.from(quiet).filter((v) => Number.isFinite(v)), (v) => (v - baseline.mean) / baseline.sd);
  const length = Math.round(options.simulatedReadings ?? Math.min(4_000_000, Math.max(50_000, 400 / rate)));
  const stream = new Float64Array(length);
  for (let i = 0; i < length; i++) stream[i] = standardised[Math.floor(options.random() * standardised.length)]!;
  const allowance = options.allowance ?? 0.5;
  const lambda = options.lambda ?? 0.2;
  if (!(allowance >= 0)) throw new RangeError(`allowance must be ≥ 0, got ${allowance}`);
  if (!(lambda > 0 && lambda <= 1)) throw new RangeError(`lambda must be in (0, 1], got ${lambda}`);
  const unit: StreamBaseline = { mean: 0, sd: 1 };
  const make = (threshold: number): AnomalyDetector =>
    options.kind === 'cusum'
      ? { kind: 'cusum', baseline: unit, direction: options.direction, allowance, threshold }
      : { kind: 'ewma', baseline: unit, direction: options.direction, lambda, threshold };
  const alarmRate = (threshold: number): number => countAlarms(make(threshold), stream) / length;
  let low = 0;
  let high = 1;
  while (alarmRate(high) > rate && high < 1e6) high *= 2;
  for (let iteration = 0; iteration < 40 && high - low > 1e-4 * high; iteration++) {
    const middle = (low + high) / 2;
    if (alarmRate(middle) > rate) low = middle;
    else high = middle;
  }
  return { ...make(high), baseline };
}

/** detectorStep's loop without allocating a step per reading (calibration runs it millions of times). */
function countAlarms(detector: AnomalyDetector, z: Float64Array): number {
  const up = detector.direction !== 'down';
  const down = detector.direction !== 'up';
  const h = detector.threshold;
  let alarms = 0;
  if (detector.kind === 'cusum') {
    const k = detector.allowance;
    let upper = 0;
    let lower = 0;
    for (let i = 0; i < z.length; i++) {
      if (up) upper = Math.max(0, upper + z[i]! - k);
      if (down) lower = Math.max(0, lower - z[i]! - k);
      if (upper > h || lower > h) {
        alarms++;
        upper = 0;
        lower = 0;
      }
    }
  } else {
    const lambda = detector.lambda;
    const limit = h * Math.sqrt(lambda / (2 - lambda));
    let ewma = 0;
    for (let i = 0; i < z.length; i++) {
      ewma = lambda * z[i]! + (1 - lambda) * ewma;
      if ((up && ewma > limit) || (down && ewma < -limit)) {
        alarms++;
        ewma = 0;
      }
    }
  }
  return alarms;
}

/**
 * Share of scores in [threshold − band, threshold): inputs that almost passed as malicious
 * and did not, the trace of an attacker probing the boundary (evasion pressure).
 */
export function nearThresholdShare(scores: ArrayLike<number>, threshold: number, band: number): number {
  if (!(band > 0)) throw new RangeError(`band must be positive, got ${band}`);
  if (scores.length === 0) return 0;
  let near = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (s < threshold && s >= threshold - band) near++;
  }
  return near / scores.length;
}

/**
 * Events in `trials` as a standardised deviation from the expected rate (binomial): a
 * reading comparable across intervals of different traffic, for error, timeout and
 * positive rates. 0 without trials.
 */
export function proportionScore(events: number, trials: number, expectedRate: number): number {
  if (trials === 0) return 0;
  // A rate of exactly 0 or 1 would make any other count infinitely surprising.
  const p = Math.min(1 - 0.5 / trials, Math.max(0.5 / trials, expectedRate));
  return (events - trials * p) / Math.sqrt(trials * p * (1 - p));
}
