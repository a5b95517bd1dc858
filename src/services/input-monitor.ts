/**
 * What the serving path adds to predictions for monitoring: for a random share of inputs
 * (`describeRate`), the text descriptors and whether a recent described input of this process
 * shared most of its words (a MinHash window per model, bounded); and for a sampled few a
 * truncated copy of the text, so a drift report can show what moved.
 *
 * Why a share: describing and hashing a 3,000-character mail costs about as much as scoring it
 * (bench:monitoring), so describing every input would nearly halve predict throughput. A
 * uniform random sample gives the same histograms in expectation, and drift needs only a few
 * hundred rows per window; the default 5 % keeps the cost near 4 % and reaches the drift
 * test's 100 rows at 2,000 predictions an hour. Rows left undescribed count as missing.
 *
 * Privacy: the sample keeps at most `sampleChars` characters of at most `sampleRate` of the
 * inputs, in the prediction log (deleted with it at WARDEN_PREDICTION_RETENTION_MS); a rate of
 * 0 keeps no text at all. Descriptors are numbers and cannot be turned back into the text.
 */
import type { MonitoredDescriptors } from '../domain/serving.js';
import { describeText } from '../ml/monitoring/descriptors.js';
import { NearDuplicateWindow, minHash } from '../ml/monitoring/near-duplicates.js';

export interface InputMonitorOptions {
  /** Share of inputs described, 0–1 (WARDEN_MONITOR_DESCRIBE_RATE; 0 = none, 1 = every input). */
  readonly describeRate: number;
  /** Share of inputs whose text is sampled, 0–1 (WARDEN_MONITOR_SAMPLE_RATE; 0 = never). */
  readonly sampleRate: number;
  /** Characters kept of a sampled input (WARDEN_MONITOR_SAMPLE_CHARS). */
  readonly sampleChars: number;
  /** Recent inputs per model the near-duplicate check looks back over. */
  readonly nearDuplicateWindow: number;
  /** Uniform in [0, 1): which inputs are sampled. */
  readonly random: () => number;
}

export interface InputObservation {
  readonly monitored?: MonitoredDescriptors;
  readonly sample?: string;
}

/** Models a process keeps near-duplicate windows for: a client naming many models cannot grow it without bound. */
const MAX_WINDOWS = 256;

export class InputMonitor {
  private readonly windows = new Map<string, NearDuplicateWindow>();

  constructor(private readonly options: InputMonitorOptions) {}

  observe(model: string, text: string, maxChars: number): InputObservation {
    const sample = this.options.sampleRate > 0 && this.options.random() < this.options.sampleRate ? text.slice(0, this.options.sampleChars) : undefined;
    const rate = this.options.describeRate;
    if (rate <= 0 || (rate < 1 && this.options.random() >= rate)) return sample === undefined ? {} : { sample };
    const d = describeText(text, { maxChars });
    const monitored: MonitoredDescriptors = {
      tokens: d.tokens,
      invisiblePer1k: d.invisiblePer1k,
      mixedScriptTokens: d.mixedScriptTokens,
      base64Spans: d.base64Spans,
      spacedLetterRuns: d.spacedLetterRuns,
      beyondMaxShare: d.beyondMaxShare,
      // The hashed vocabulary lives in the version's reference profile, not in the serving cache: left to the profile's readers.
      oovShare: null,
      nearDuplicate: this.window(model).add(minHash(text)) > 0,
    };
    return sample === undefined ? { monitored } : { monitored, sample };
  }

  private window(model: string): NearDuplicateWindow {
    let window = this.windows.get(model);
    if (window === undefined) {
      if (this.windows.size >= MAX_WINDOWS) this.windows.delete(this.windows.keys().next().value!);
      window = new NearDuplicateWindow({ capacity: this.options.nearDuplicateWindow, minSimilarity: 0.8 });
      this.windows.set(model, window);
    }
    return window;
  }
}
