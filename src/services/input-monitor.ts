/**
 * What the serving path adds to predictions for monitoring: for a random share of inputs
 * (`describeRate`), the text descriptors and whether a recent described input of this process
 * shared most of its words (a MinHash window per model, bounded); and for a sampled few a
 * truncated copy of the text, so a drift report can show what moved.
 *
 * Why a share: describing and hashing a 3,000-character mail costs about two thirds of scoring it
 * (bench:monitoring), so describing every input would nearly halve predict throughput. A
 * uniform random sample gives the same histograms in expectation, and drift needs only a few
 * hundred rows per window; the default 5 % keeps the cost near 4 % and reaches the drift
 * test's 100 rows at 2,000 predictions an hour. Rows left undescribed count as missing.
 *
 * The serving path scores through `score`, which draws before scoring which inputs are
 * described, so a described input's monitoring reuses what its scoring computed:
 *
 * Out-of-vocabulary share: the hashed features of a described input (as the answering
 * version reads it) are looked up in the version's training vocabulary (a bitset kept in its
 * reference profile, decoded once per version and process by `prepare`), the same measure
 * the reference profile took on the held-out rows. The features are the ones its scoring
 * hashed anyway (`Predictor.inspect`): no second featurisation, no vector built.
 *
 * Normalisation gap: whether the verdict on the raw text (`predictRaw`: the version's
 * evasion-undoing normalisation steps off) differs from the served one; the reference profile
 * took the same flag on the held-out rows. The raw text is scored only when its reading
 * differs from the served one (`normalizationFlipped`), a few inputs in a hundred on mail.
 *
 * Privacy: the sample keeps at most `sampleChars` characters of at most `sampleRate` of the
 * inputs, in the prediction log (deleted with it at WARDEN_PREDICTION_RETENTION_MS); a rate of
 * 0 keeps no text at all. Descriptors are numbers and cannot be turned back into the text.
 */
import type { MonitoredDescriptors } from '../domain/serving.js';
import type { ModelVersion } from '../domain/registry/index.js';
import { inspectBatch, normalizationFlipped, type InspectedPrediction, type TextClassifier } from '../ml/classifier.js';
import { describeText, vocabularyMissShare, type HashedVocabulary } from '../ml/monitoring/descriptors.js';
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
  /**
   * The training vocabulary of a version (from its reference profile); null when it has none
   * (trained before profiles, by an external trainer, or a vocabulary too full to mean anything).
   * Absent = `oovShare` is never measured.
   */
  readonly vocabularies?: (version: VersionRef) => Promise<HashedVocabulary | null>;
  /** Told when a version's vocabulary could not be read (its inputs then carry no `oovShare`; the next prepare tries again). */
  readonly log?: (level: 'error', message: string, fields: Record<string, unknown>) => void;
}

export type VersionRef = Pick<ModelVersion, 'model' | 'number' | 'sourceRunId'>;

/** The version that answered an input and its loaded classifier. */
export interface AnsweringVersion {
  readonly version: VersionRef;
  readonly classifier: TextClassifier;
}

export interface InputObservation {
  readonly monitored?: MonitoredDescriptors;
  readonly sample?: string;
}

/** What `score` drew for an input: whether its text is sampled and whether it is described. */
export interface InputDraw {
  readonly sample: boolean;
  readonly describe: boolean;
}
const DRAWS: readonly InputDraw[] = [
  { sample: false, describe: false },
  { sample: true, describe: false },
  { sample: false, describe: true },
  { sample: true, describe: true },
].map((d) => Object.freeze(d));

/** One input as `score` answered it. */
export interface ScoredInput {
  readonly prediction: InspectedPrediction;
  readonly draw: InputDraw;
  /** Counted while scoring (described inputs with a loaded vocabulary); null otherwise. */
  readonly oovShare: number | null;
}

const NOTHING: InputObservation = Object.freeze({});

/** Models a process keeps near-duplicate windows for: a client naming many models cannot grow it without bound. */
const MAX_WINDOWS = 256;
/** Versions whose vocabulary a process keeps decoded (2 KiB at 2^14 buckets, 32 KiB at 2^18): the live arms and recent pinned ones. */
const MAX_VOCABULARIES = 64;

export class InputMonitor {
  private readonly windows = new Map<string, NearDuplicateWindow>();
  /** By source run (a version's profile lives there): the decoded vocabulary, or null when the version has none. */
  private readonly vocabularies = new Map<string, HashedVocabulary | null>();
  private readonly loading = new Map<string, Promise<void>>();

  constructor(private readonly options: InputMonitorOptions) {}

  /**
   * Loads the version's vocabulary if it is not loaded yet; never throws (a failure is logged
   * and its inputs go without `oovShare`). The serving service awaits it with the classifier's
   * load, so a swapped-in version measures from its first input.
   */
  prepare(version: VersionRef): Promise<void> {
    const key = version.sourceRunId;
    if (this.options.vocabularies === undefined || this.options.describeRate <= 0 || key === null || this.vocabularies.has(key)) return Promise.resolve();
    let loading = this.loading.get(key);
    if (loading === undefined) {
      loading = this.options
        .vocabularies(version)
        .then(
          (vocabulary) => {
            if (this.vocabularies.size >= MAX_VOCABULARIES) this.vocabularies.delete(this.vocabularies.keys().next().value!);
            this.vocabularies.set(key, vocabulary);
          },
          (error: unknown) => this.options.log?.('error', 'the version\'s training vocabulary could not be read: its inputs carry no out-of-vocabulary share', { model: version.model, version: version.number, err: error }),
        )
        .finally(() => this.loading.delete(key));
      this.loading.set(key, loading);
    }
    return loading;
  }

  /**
   * Scores a request's texts with the answering version (as `predictBatch`) and draws, per
   * input and in order, whether it is sampled and whether it is described. Drawing first lets
   * a described input's out-of-vocabulary share be counted from the buckets its scoring hashes.
   */
  score(texts: readonly string[], answering: AnsweringVersion): ScoredInput[] {
    const draws = texts.map(() => this.draw());
    const vocabulary = draws.some((d) => d.describe) ? this.vocabularyOf(answering) : null;
    const oov = new Array<number | null>(texts.length).fill(null);
    const predictions = inspectBatch(
      answering.classifier,
      texts,
      vocabulary === null
        ? undefined
        : (i) => (draws[i]!.describe ? (indices, count) => void (oov[i] = vocabularyMissShare(vocabulary, indices, count)) : undefined),
    );
    return predictions.map((prediction, i) => ({ prediction, draw: draws[i]!, oovShare: oov[i]! }));
  }

  /** The monitoring facts of one input `score` answered (the text, and its descriptors when it was drawn for them). */
  observe(model: string, text: string, answering: AnsweringVersion, scored: ScoredInput): InputObservation {
    const sample = scored.draw.sample ? text.slice(0, this.options.sampleChars) : undefined;
    if (!scored.draw.describe) return sample === undefined ? NOTHING : { sample };
    const { classifier } = answering;
    const d = describeText(text, { maxChars: classifier.featurizer.maxChars });
    const monitored: MonitoredDescriptors = {
      tokens: d.tokens,
      invisiblePer1k: d.invisiblePer1k,
      mixedScriptTokens: d.mixedScriptTokens,
      base64Spans: d.base64Spans,
      spacedLetterRuns: d.spacedLetterRuns,
      beyondMaxShare: d.beyondMaxShare,
      oovShare: scored.oovShare,
      nearDuplicate: this.window(model).add(minHash(text), 1) > 0,
      normalizationFlip: normalizationFlipped(classifier, text, scored.prediction),
    };
    return sample === undefined ? { monitored } : { monitored, sample };
  }

  private draw(): InputDraw {
    const { sampleRate, describeRate, random } = this.options;
    const sample = sampleRate > 0 && random() < sampleRate;
    const describe = describeRate > 0 && (describeRate >= 1 || random() < describeRate);
    return DRAWS[(sample ? 1 : 0) + (describe ? 2 : 0)]!;
  }

  /** The version's training vocabulary in the classifier's hash space; null while none is loaded (or it has none). */
  private vocabularyOf({ version, classifier }: AnsweringVersion): HashedVocabulary | null {
    const key = version.sourceRunId;
    if (key === null) return null;
    const vocabulary = this.vocabularies.get(key);
    if (vocabulary === undefined) {
      void this.prepare(version); // a version served without a prepare (cannot happen through ServingService): measured from the next request on
      return null;
    }
    // A vocabulary of another hash space than the classifier's would compare unrelated buckets.
    if (vocabulary === null || vocabulary.dims !== 1 << classifier.featurizer.dimsLog2) return null;
    return vocabulary;
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
