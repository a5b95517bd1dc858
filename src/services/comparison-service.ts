/**
 * Compares two model versions — of one model or of two — on the SAME rows: both are scored
 * here on the rows both held out from training (rebuilt from each version's datasets and its
 * run's split), or on a dataset the request names. Winners, the paired McNemar test and the
 * flipped examples come only from such a scoring; when no common rows can be found the answer
 * shows the recorded metrics side by side with `sameRows: false` and no winner.
 * Runs inside a request, so the rows it scores are bounded (`maxRows`).
 */
import { SPLIT_METHOD, parseSplitSpec, validateDatasetName, type DatasetRow, type DatasetVersion, type SplitSpec } from '../domain/datasets.js';
import { invalid, isWardenError } from '../domain/errors.js';
import { truncateText } from '../domain/text.js';
import {
  parseComparedRef,
  parseDatasetRef,
  heldOutByBoth,
  withoutSeen,
  type ConfidenceInterval,
  type McNemarTest,
  type PairedCounts,
} from '../domain/evaluation/index.js';
import { compareMetrics, validateModelName, type LineageRelation, type MetricComparisonRow, type ModelVersion } from '../domain/registry/index.js';
import { combineDatasetRows, splitRows, type DatasetService } from './dataset-service.js';
import type { ModelLoader } from './model-loader.js';
import { evaluatePair } from './paired-evaluation.js';
import type { RegistryService } from './registry-service.js';
import type { TrackingService } from './tracking-service.js';

/** Rows one request may score (each side): about a second of CPU for the linear families. */
export const DEFAULT_MAX_COMPARE_ROWS = 20_000;
/** Flipped examples listed each way when the request does not say. */
export const DEFAULT_COMPARE_FLIPS = 5;
export const MAX_COMPARE_FLIPS = 50;
/** Dataset rows the rebuilt training splits kept in memory may hold together. */
const SPLIT_CACHE_ROWS = 50_000;
/** Characters of a flipped example's text in the answer. */
const FLIP_TEXT_CHARS = 200;
/** Scored comparisons kept (least recently used goes first): a few kilobytes each. */
const SCORED_CACHE_ENTRIES = 32;

export interface ComparisonServiceDeps {
  readonly registry: Pick<RegistryService, 'getVersion' | 'relation'>;
  readonly models: Pick<ModelLoader, 'loadByDigest'>;
  readonly datasets: Pick<DatasetService, 'get' | 'latest' | 'readRows' | 'readRowsBySha256' | 'getBySha256'>;
  readonly tracking: Pick<TrackingService, 'getRun'>;
  /** Default {@link DEFAULT_MAX_COMPARE_ROWS}. */
  readonly maxRows?: number;
}

export interface CompareRequest {
  /** `model@version`, or a bare version when `model` is given. */
  readonly a: string;
  readonly b: string;
  readonly model?: string;
  /** `name` or `name@version`: score both on this dataset instead of their shared held-out rows. */
  readonly dataset?: string;
  /** Flipped examples listed each way (0–50, default 5). */
  readonly flips?: number;
}

export interface ComparedSide {
  readonly model: string;
  readonly number: number;
  readonly semver: string;
  readonly stage: ModelVersion['stage'];
  readonly status: ModelVersion['status'];
}

export const COMPARISON_ROW_SOURCES = ['held-out', 'dataset', 'recorded'] as const;
export type ComparisonRowSource = (typeof COMPARISON_ROW_SOURCES)[number];

export interface FlippedExample {
  /** Index of the row among the compared rows. */
  readonly row: number;
  readonly label: number;
  /** Truncated to 200 characters. */
  readonly text: string;
  readonly a: { readonly label: number; readonly probability: number };
  readonly b: { readonly label: number; readonly probability: number };
}

export interface ScoredMetricRow extends MetricComparisonRow {
  /** Paired interval for b − a (accuracy, recall, fpr), null where none is computed. */
  readonly ci: ConfidenceInterval | null;
}

export interface ModelComparison {
  readonly a: ComparedSide;
  readonly b: ComparedSide;
  /** Lineage of a relative to b when both are versions of one model; `different-models` otherwise. */
  readonly relation: LineageRelation | 'different-models';
  /** True when both were scored here on the same rows; only then are winners and the paired test given. */
  readonly sameRows: boolean;
  readonly rows: {
    readonly source: ComparisonRowSource;
    /** Rows both were scored on (0 for `recorded`). */
    readonly count: number;
    readonly dataset: { readonly name: string; readonly version: number; readonly sha256: string } | null;
    /** Rows of the named dataset left out because a or b trained on them (0 otherwise). */
    readonly excluded: number;
  };
  /** Why these rows (and, for `recorded`, what to pass to get a scored comparison). */
  readonly note: string;
  readonly metrics: readonly ScoredMetricRow[];
  readonly wins: { readonly a: number; readonly b: number; readonly ties: number };
  readonly paired: { readonly counts: PairedCounts; readonly mcnemar: McNemarTest } | null;
  readonly flips: { readonly onlyARight: readonly FlippedExample[]; readonly onlyBRight: readonly FlippedExample[] } | null;
}

/** Why a version cannot be scored here, or null when it can. */
function unscorable(v: ModelVersion): string | null {
  if (v.status !== 'READY') return `${v.model} ${v.semver} is ${v.status}`;
  if (v.artifactDigest === null) return `${v.model} ${v.semver} has no model artifact`;
  if (v.tags['warden.family'] === 'external') return `${v.model} ${v.semver} was trained by an external trainer`;
  return null;
}

export class ComparisonService {
  private readonly maxRows: number;
  /** Rebuilt splits by datasets and spec, least recently used first. */
  private readonly splits = new Map<string, { rows: number; split: Promise<{ test: DatasetRow[]; seen: DatasetRow[] }> }>();

  /**
   * Scored parts of comparisons by both versions' artifacts and the rows' source. Versions,
   * artifacts and dataset versions never change, so neither do the scores: scoring a thousand
   * held-out mails twice took seconds per page view. The stages are read fresh each time.
   */
  private readonly scoredCache = new Map<string, Promise<Omit<ModelComparison, 'a' | 'b' | 'relation'>>>();

  constructor(private readonly deps: ComparisonServiceDeps) {
    this.maxRows = deps.maxRows ?? DEFAULT_MAX_COMPARE_ROWS;
  }

  async compare(request: CompareRequest): Promise<ModelComparison> {
    const model = request.model === undefined ? undefined : validateModelName(request.model, 'model');
    const refA = parseComparedRef(request.a, model, 'a');
    const refB = parseComparedRef(request.b, model, 'b');
    const flips = request.flips ?? DEFAULT_COMPARE_FLIPS;
    if (!Number.isInteger(flips) || flips < 0 || flips > MAX_COMPARE_FLIPS) throw invalid('flips', `flips must be a whole number from 0 to ${MAX_COMPARE_FLIPS}`);
    const datasetRef = request.dataset === undefined ? undefined : parseDatasetRef(request.dataset);
    if (datasetRef !== undefined) validateDatasetName(datasetRef.name, 'dataset');

    const [versionA, versionB] = await Promise.all([this.deps.registry.getVersion(refA.model, refA.version), this.deps.registry.getVersion(refB.model, refB.version)]);
    const [a, b] = [versionA, versionB];
    const relation = refA.model === refB.model ? await this.deps.registry.relation(refA.model, versionA.number, versionB.number) : 'different-models';
    const base = { a: sideView(versionA), b: sideView(versionB), relation } as const;

    if (datasetRef !== undefined) {
      for (const [side, field] of [[a, 'a'], [b, 'b']] as const) {
        const why = unscorable(side);
        if (why !== null) throw invalid(field, `${why}: it cannot be scored on a dataset`);
      }
      const dataset = datasetRef.version === undefined ? await this.deps.datasets.latest(datasetRef.name) : await this.deps.datasets.get(datasetRef.name, datasetRef.version);
      if (dataset.rows > this.maxRows) throw this.tooManyRows(dataset.rows, `dataset ${dataset.name} v${dataset.version}`);
      if (dataset.rows === 0) throw invalid('dataset', `dataset ${dataset.name} v${dataset.version} has no rows`);
      const all = await this.deps.datasets.readRows(dataset.name, dataset.version);
      // A row a version learnt from favours it: leave out what either trained on, when known.
      const seen: DatasetRow[][] = [];
      const unchecked: string[] = [];
      for (const side of [a, b]) {
        const split = await this.trainingSplit(side, { tooLarge: 'skip' });
        if (typeof split === 'string') unchecked.push(split);
        else seen.push(split.seen);
      }
      const { kept, excluded } = withoutSeen(all, seen);
      const named = `dataset ${dataset.name} v${dataset.version}`;
      if (kept.length === 0) throw invalid('dataset', `every row of ${named} was trained on by a or b: pass a dataset neither trained on`);
      const note = [
        excluded === 0 ? `both scored on all ${all.length} rows of ${named}` : `both scored on ${kept.length} of the ${all.length} rows of ${named}, leaving out ${excluded} that a or b trained on`,
        ...unchecked.map((why) => `not checked for training rows: ${why}`),
      ].join('; ');
      return this.scored(base, a, b, kept, flips, { source: 'dataset', dataset: { name: dataset.name, version: dataset.version, sha256: dataset.sha256 }, excluded, note });
    }

    const why = unscorable(versionA) ?? unscorable(versionB);
    const heldOut = why === null ? await this.sharedHeldOut(a, b) : { rows: null, why };
    if (heldOut.rows === null) return recordedOnly(base, versionA, versionB, heldOut.why);
    return this.scored(base, a, b, heldOut.rows, flips, { source: 'held-out', dataset: null, excluded: 0, note: heldOut.why });
  }

  private tooManyRows(rows: number, what: string): Error {
    return invalid('dataset', `${what} has ${rows} rows; a comparison scores at most ${this.maxRows} rows per request: pass a smaller dataset=name@version`);
  }

  /**
   * The rows neither version learnt from, or null with the reason. Each side's split is rebuilt
   * the way its training built it: its datasets combined in order, then split with the seed and
   * fractions its run logged.
   */
  private async sharedHeldOut(a: ModelVersion, b: ModelVersion): Promise<{ rows: DatasetRow[] | null; why: string }> {
    const splitA = await this.trainingSplit(a);
    if (typeof splitA === 'string') return { rows: null, why: splitA };
    let rows: DatasetRow[];
    let why: string;
    if (sameList(a.datasetDigests, b.datasetDigests) && sameSpec(splitA.spec, (await this.splitSpecOf(b)) ?? null)) {
      rows = splitA.test;
      why = `both held out the same ${rows.length} rows (same datasets and split)`;
    } else {
      const splitB = await this.trainingSplit(b);
      if (typeof splitB === 'string') return { rows: null, why: splitB };
      rows = heldOutByBoth(splitA, splitB);
      why = `scored on the ${rows.length} held-out rows that neither version trained on (a held out ${splitA.test.length}, b ${splitB.test.length})`;
    }
    if (rows.length === 0) return { rows: null, why: 'every row one version held out, the other trained on (different data or split)' };
    if (rows.length > this.maxRows) throw this.tooManyRows(rows.length, 'the shared held-out set');
    return { rows, why };
  }

  private async splitSpecOf(v: ModelVersion): Promise<SplitSpec | undefined> {
    if (v.sourceRunId === null) return undefined;
    try {
      const run = await this.deps.tracking.getRun(v.sourceRunId);
      const { 'split.seed': seed, 'split.test': test, 'split.validation': validation, 'split.method': method } = run.params;
      // A run split another way (before rows were placed by their text's hash) cannot be rebuilt.
      if (seed === undefined || test === undefined || validation === undefined || method !== SPLIT_METHOD) return undefined;
      return parseSplitSpec({ seed: Number(seed), test: Number(test), validation: Number(validation) });
    } catch (error) {
      if (isWardenError(error) && (error.code === 'RUN_NOT_FOUND' || error.code === 'VALIDATION_FAILED')) return undefined;
      throw error;
    }
  }

  /** Up to `limit` of the rows a version held out from its training, or why there are none (a deployment's smoke check). */
  async heldOutSample(version: ModelVersion, limit: number): Promise<{ rows: DatasetRow[] } | { why: string }> {
    const split = await this.trainingSplit(version, { tooLarge: 'skip' });
    return typeof split === 'string' ? { why: split } : { rows: split.test.slice(0, limit) };
  }

  /** A version's training split (test rows, and the rows it learnt from), or why it cannot be rebuilt. */
  private async trainingSplit(v: ModelVersion, options: { tooLarge: 'throw' | 'skip' } = { tooLarge: 'throw' }): Promise<{ test: DatasetRow[]; seen: DatasetRow[]; spec: SplitSpec } | string> {
    const name = `${v.model} ${v.semver}`;
    if (v.datasetDigests.length === 0) return `${name} records no training datasets`;
    const spec = await this.splitSpecOf(v);
    if (spec === undefined) return `${name} has no training run with a logged split`;
    const datasets: DatasetVersion[] = [];
    for (const digest of v.datasetDigests) {
      try {
        datasets.push(await this.deps.datasets.getBySha256(digest));
      } catch (error) {
        if (isWardenError(error) && (error.code === 'DATASET_NOT_FOUND' || error.code === 'VALIDATION_FAILED')) return `${name} was trained on a dataset Warden cannot find (${digest.slice(0, 19)}…)`;
        throw error;
      }
    }
    // Rebuilding the split reads whole datasets: bound that too, not only the rows scored.
    const total = datasets.reduce((sum, d) => sum + d.rows, 0);
    if (total > this.maxRows * 10) {
      if (options.tooLarge === 'skip') return `${name} was trained on ${total} rows, more than ${this.maxRows * 10} to read in a request`;
      throw invalid('dataset', `${name} was trained on ${total} rows, more than ${this.maxRows * 10} to rebuild its held-out rows in a request: pass a dataset=name@version of at most ${this.maxRows} rows`);
    }
    // Dataset versions never change, so the split of the same datasets with the same spec is
    // the same: keep the last few, the dominant cost of a repeated comparison (reading and parsing).
    const key = `${datasets.map((d) => d.sha256).join(',')}|${spec.seed}|${spec.test}|${spec.validation}`;
    const cached = this.splits.get(key);
    if (cached !== undefined) {
      this.splits.delete(key);
      this.splits.set(key, cached);
      return { ...(await cached.split), spec };
    }
    const split = this.readSplit(datasets, spec);
    if (total <= SPLIT_CACHE_ROWS) {
      this.splits.set(key, { rows: total, split });
      split.catch(() => this.splits.delete(key));
      let held = 0;
      for (const entry of this.splits.values()) held += entry.rows;
      for (const [oldest, entry] of this.splits) {
        if (held <= SPLIT_CACHE_ROWS) break;
        this.splits.delete(oldest);
        held -= entry.rows;
      }
    }
    return { ...(await split), spec };
  }

  private async readSplit(datasets: readonly DatasetVersion[], spec: SplitSpec): Promise<{ test: DatasetRow[]; seen: DatasetRow[] }> {
    const parts: Array<{ digest: string; rows: DatasetRow[] }> = [];
    for (const dataset of datasets) parts.push({ digest: dataset.sha256, rows: await this.deps.datasets.readRowsBySha256(dataset.sha256) });
    const split = splitRows(combineDatasetRows(parts).rows, spec);
    return { test: split.test, seen: [...split.train, ...split.validation] };
  }

  private async scored(
    base: Pick<ModelComparison, 'a' | 'b' | 'relation'>,
    a: ModelVersion,
    b: ModelVersion,
    rows: readonly DatasetRow[],
    maxFlips: number,
    origin: { source: ComparisonRowSource; dataset: ModelComparison['rows']['dataset']; excluded: number; note: string },
  ): Promise<ModelComparison> {
    const side = (v: ModelVersion) => `${v.model}/${v.number}@${v.artifactDigest}`;
    const key = `${side(a)}|${side(b)}|${origin.source}|${origin.dataset?.sha256 ?? ''}|${maxFlips}`;
    let result = this.scoredCache.get(key);
    if (result === undefined) {
      result = this.score(a, b, rows, maxFlips, origin);
      this.scoredCache.set(key, result);
      result.catch(() => this.scoredCache.delete(key));
      for (const oldest of this.scoredCache.keys()) {
        if (this.scoredCache.size <= SCORED_CACHE_ENTRIES) break;
        this.scoredCache.delete(oldest);
      }
    } else {
      this.scoredCache.delete(key);
      this.scoredCache.set(key, result);
    }
    return { ...base, ...(await result) };
  }

  private async score(
    a: ModelVersion,
    b: ModelVersion,
    rows: readonly DatasetRow[],
    maxFlips: number,
    origin: { source: ComparisonRowSource; dataset: ModelComparison['rows']['dataset']; excluded: number; note: string },
  ): Promise<Omit<ModelComparison, 'a' | 'b' | 'relation'>> {
    // A byte-identical artifact (a retrain on unchanged data makes one) predicts alike: loaded and scored once.
    const classifierA = await this.deps.models.loadByDigest(a.artifactDigest!);
    const classifierB = b.artifactDigest === a.artifactDigest ? classifierA : await this.deps.models.loadByDigest(b.artifactDigest!);
    const texts = rows.map((r) => r.text);
    const labels = Uint8Array.from(rows, (r) => r.label);
    const pair = await evaluatePair(classifierA, classifierB, { texts, labels }, { maxFlips, prefix: '' });
    const { paired, predictionsA: predA, predictionsB: predB } = pair;
    const { metrics, wins } = compareMetrics({ ...pair.metricsA, rows: rows.length }, { ...pair.metricsB, rows: rows.length });
    const intervals: Record<string, ConfidenceInterval | null> = {
      accuracy: paired.deltas.accuracy.ci,
      recall: paired.deltas.recall?.ci ?? null,
      fpr: paired.deltas.fpr?.ci ?? null,
    };
    const flip = (row: number): FlippedExample => ({
      row,
      label: labels[row]!,
      text: truncateText(texts[row]!, FLIP_TEXT_CHARS),
      a: { label: predA[row]!.label, probability: predA[row]!.probability },
      b: { label: predB[row]!.label, probability: predB[row]!.probability },
    });
    return {
      sameRows: true,
      rows: { source: origin.source, count: rows.length, dataset: origin.dataset, excluded: origin.excluded },
      note: origin.note,
      metrics: metrics.map((m) => ({ ...m, ci: intervals[m.metric] ?? null })),
      wins,
      paired: { counts: paired.counts, mcnemar: paired.mcnemar },
      flips: { onlyARight: paired.flips.onlyARight.map(flip), onlyBRight: paired.flips.onlyBRight.map(flip) },
    };
  }
}

function recordedOnly(base: Pick<ModelComparison, 'a' | 'b' | 'relation'>, a: ModelVersion, b: ModelVersion, why: string): ModelComparison {
  const { metrics, wins } = compareMetrics(a.metrics, b.metrics, { declareWinners: false });
  return {
    ...base,
    sameRows: false,
    rows: { source: 'recorded', count: 0, dataset: null, excluded: 0 },
    note: `recorded metrics only, no winner: ${why}; pass dataset=name[@version] to score both on one dataset`,
    metrics: metrics.map((m) => ({ ...m, ci: null })),
    wins,
    paired: null,
    flips: null,
  };
}

function sideView(v: ModelVersion): ComparedSide {
  return { model: v.model, number: v.number, semver: v.semver, stage: v.stage, status: v.status };
}

function sameList(x: readonly string[], y: readonly string[]): boolean {
  return x.length === y.length && x.every((d, i) => d === y[i]);
}

function sameSpec(x: SplitSpec, y: SplitSpec | null): boolean {
  return y !== null && x.seed === y.seed && x.test === y.test && x.validation === y.validation;
}
