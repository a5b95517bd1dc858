/**
 * A version's reference profile: built by the training job on the held-out rows (validation
 * and test) — the calibrated score, the predicted label, every text descriptor — with the
 * hashed-feature vocabulary of the training rows (for the out-of-vocabulary descriptor), and
 * stored as an artifact of the version's source run. Monitoring compares live windows with it.
 * Versions trained before this existed have none; monitoring then says so instead of failing.
 */
import { parseReferenceProfile, buildReferenceProfile, type ReferenceProfile } from '../domain/monitoring/profile.js';
import { invalid } from '../domain/errors.js';
import type { ModelVersion } from '../domain/registry/index.js';
import type { DatasetRow } from '../domain/datasets.js';
import { createPredictor, predictRaw, type TextClassifier } from '../ml/classifier.js';
import {
  FLAG_SPEC,
  SCORE_SPEC,
  TEXT_DESCRIPTOR_SPECS,
  addToVocabulary,
  createDescriptorColumns,
  createHashedVocabulary,
  describeInto,
  vocabularyFill,
  vocabularyFromBytes,
  type HashedVocabulary,
} from '../ml/monitoring/descriptors.js';
import type { ProfileSpec } from '../domain/monitoring/profile.js';
import type { ArtifactService } from './artifact-service.js';

/** The artifact name on the version's source run. */
export const REFERENCE_PROFILE_ARTIFACT = 'reference-profile.json';

/**
 * What the profile describes: the score (calibrated probability), the positive flag (the
 * positive rate), the normalisation flip (the raw text's verdict differs from the normalised
 * one's; its mean is the normalisation gap) and the text descriptors. Profiles written before
 * the flip was profiled lack it: monitoring compares only what a profile has.
 */
export const PROFILED_VALUE_SPECS: Readonly<Record<string, ProfileSpec>> = Object.freeze({ score: SCORE_SPEC, positive: FLAG_SPEC, normalizationFlip: FLAG_SPEC, ...TEXT_DESCRIPTOR_SPECS });

export interface VersionProfile {
  readonly formatVersion: 1;
  readonly profile: ReferenceProfile;
  /** Rows profiled (validation + test). */
  readonly rows: number;
  readonly positiveRate: number;
  readonly threshold: number;
  /** The training rows' hashed features; null when too few buckets were left free for it to mean anything. */
  readonly vocabulary: { readonly dims: number; readonly fill: number; readonly base64: string } | null;
}

/** A vocabulary filling more of the hash space than this hides new n-grams behind collisions. */
const MAX_USEFUL_FILL = 0.5;

/** Rows described or scored between two yields of {@link buildVersionProfileSteps}. */
const PROFILE_SLICE_ROWS = 32;

/**
 * Profiles `heldOut` under `model` and records the vocabulary of `train`, a slice of rows at a
 * time, yielding the rows handled so far (of train + heldOut), so a training job gives the
 * event loop a turn between slices: built in one piece, the profile of the SpamAssassin splits
 * (every training row featurised, every held-out row scored twice and described) held the
 * loop about 4 s (bench/event-loop-block.ts), and a process that also serves answered nothing.
 */
export function* buildVersionProfileSteps(model: TextClassifier, train: readonly DatasetRow[], heldOut: readonly DatasetRow[]): Generator<number, VersionProfile> {
  const predictor = createPredictor(model);
  const vocabulary = createHashedVocabulary(1 << model.featurizer.dimsLog2);
  for (let i = 0; i < train.length; i++) {
    addToVocabulary(vocabulary, predictor.vectorize(train[i]!.text).indices);
    if ((i + 1) % PROFILE_SLICE_ROWS === 0) yield i + 1;
  }
  const rows = heldOut.length;
  const score = new Float64Array(rows);
  const positive = new Float64Array(rows);
  // Scored the way the serving path scores its described inputs a second time (predictRaw).
  const normalizationFlip = new Float64Array(rows);
  const descriptors = createDescriptorColumns(rows);
  for (let i = 0; i < rows; i++) {
    const text = heldOut[i]!.text;
    const prediction = predictor.predict(text);
    score[i] = prediction.probability;
    positive[i] = prediction.label;
    normalizationFlip[i] = predictRaw(model, text).label !== prediction.label ? 1 : 0;
    describeInto(descriptors, i, text, { maxChars: model.featurizer.maxChars, vocabulary, features: predictor.vectorize(text) });
    if ((train.length + i + 1) % PROFILE_SLICE_ROWS === 0) yield train.length + i + 1;
  }
  const profile = buildReferenceProfile(PROFILED_VALUE_SPECS, { score, positive, normalizationFlip, ...descriptors });
  const fill = vocabularyFill(vocabulary);
  return {
    formatVersion: 1,
    profile,
    rows,
    positiveRate: rows === 0 ? 0 : positive.reduce((a, b) => a + b, 0) / rows,
    threshold: model.threshold,
    vocabulary: fill > MAX_USEFUL_FILL ? null : { dims: vocabulary.dims, fill, base64: Buffer.from(vocabulary.bits.buffer, vocabulary.bits.byteOffset, vocabulary.bits.byteLength).toString('base64') },
  };
}

/** Parses a stored profile strictly (VALIDATION_FAILED naming the field). */
export function parseVersionProfile(value: unknown): VersionProfile {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('profile', 'a reference profile must be an object');
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) if (!['formatVersion', 'profile', 'rows', 'positiveRate', 'threshold', 'vocabulary'].includes(key)) throw invalid(`profile.${key}`, `profile.${key} is not allowed`);
  if (v.formatVersion !== 1) throw invalid('profile.formatVersion', 'profile.formatVersion must be 1');
  const number = (key: string): number => {
    if (typeof v[key] !== 'number' || !Number.isFinite(v[key])) throw invalid(`profile.${key}`, `profile.${key} must be a finite number`);
    return v[key] as number;
  };
  let vocabulary: VersionProfile['vocabulary'] = null;
  if (v.vocabulary !== null) {
    const raw = v.vocabulary as Record<string, unknown> | undefined;
    if (typeof raw !== 'object' || raw === null || typeof raw.dims !== 'number' || typeof raw.fill !== 'number' || typeof raw.base64 !== 'string') {
      throw invalid('profile.vocabulary', 'profile.vocabulary must be null or {dims, fill, base64}');
    }
    vocabulary = { dims: raw.dims, fill: raw.fill, base64: raw.base64 };
  }
  return { formatVersion: 1, profile: parseReferenceProfile(v.profile, 'profile.profile'), rows: number('rows'), positiveRate: number('positiveRate'), threshold: number('threshold'), vocabulary };
}

/** The profile's vocabulary, ready for `vocabularyMissShare`. */
export function profileVocabulary(profile: VersionProfile): HashedVocabulary | undefined {
  if (profile.vocabulary === null) return undefined;
  return vocabularyFromBytes(profile.vocabulary.dims, Buffer.from(profile.vocabulary.base64, 'base64'));
}

/** Reads versions' profiles from their source runs' artifacts; a profile never changes, so each is read once per process. */
export class ReferenceProfiles {
  private readonly cache = new Map<string, Promise<VersionProfile | null>>();

  constructor(private readonly artifacts: Pick<ArtifactService, 'list' | 'download'>) {}

  /** The version's profile, or null when it has none (trained before profiles, or by an external program). */
  forVersion(version: Pick<ModelVersion, 'sourceRunId' | 'model' | 'number'>): Promise<VersionProfile | null> {
    const runId = version.sourceRunId;
    if (runId === null) return Promise.resolve(null);
    let loading = this.cache.get(runId);
    if (loading === undefined) {
      loading = this.read(runId);
      this.cache.set(runId, loading);
      // A failed read is not remembered: the next tick tries again.
      loading.catch(() => this.cache.delete(runId));
    }
    return loading;
  }

  /**
   * The version's training vocabulary, decoded (the serving path's out-of-vocabulary measure);
   * null when it has none. Read past the cache: the caller keeps the decoded bits (bounded), not the profile.
   */
  async vocabularyFor(version: Pick<ModelVersion, 'sourceRunId' | 'model' | 'number'>): Promise<HashedVocabulary | null> {
    const profile = version.sourceRunId === null ? null : await this.read(version.sourceRunId);
    return profile === null ? null : (profileVocabulary(profile) ?? null);
  }

  private async read(runId: string): Promise<VersionProfile | null> {
    const artifact = (await this.artifacts.list(runId)).find((a) => a.name === REFERENCE_PROFILE_ARTIFACT);
    if (artifact === undefined) return null;
    const download = await this.artifacts.download(runId, artifact.id);
    const chunks: Uint8Array[] = [];
    for await (const chunk of download.stream) chunks.push(chunk);
    return parseVersionProfile(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
  }
}
