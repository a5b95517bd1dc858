/**
 * Loads registered model versions for serving and evaluation: the version's
 * `artifactDigest` names a model bundle (see model-bundle.ts), read verified from the
 * artifact store, parsed as data, and cached by digest (a version's artifact never
 * changes, so the digest is a perfect cache key).
 */
import { parseSha256Digest } from '../domain/artifacts.js';
import type { Clock } from '../domain/ports/clock.js';
import { WardenError, invalid } from '../domain/errors.js';
import type { ModelVersion } from '../domain/registry/index.js';
import { predictBatch, type Prediction, type TextClassifier } from '../ml/index.js';
import type { ArtifactService } from './artifact-service.js';
import { loadBundle } from '../ml/model-bundle.js';
import { sha256Hex } from '../system/sha256-digest.js';
import type { RegistryService, VersionRefInput } from './registry-service.js';

export interface LoadedModel {
  readonly version: ModelVersion;
  readonly classifier: TextClassifier;
}

export interface PredictionResult {
  readonly model: string;
  readonly version: number;
  readonly semver: string;
  readonly threshold: number;
  readonly predictions: readonly Prediction[];
}

export const MAX_PREDICT_TEXTS = 1_000;
const MAX_TEXT_CHARS = 1_000_000;

export interface ModelLoaderDeps {
  readonly registry: Pick<RegistryService, 'getVersion'>;
  readonly artifacts: Pick<ArtifactService, 'loadModelArtifact'>;
  /** Models kept in memory (least recently used evicted; WARDEN_MODEL_CACHE_SIZE); default 8. Versions kept warm (keepWarm) come on top. */
  readonly cacheSize?: number;
  /** Ends the keep-warm windows. */
  readonly clock: Clock;
}

export class ModelLoader {
  private readonly cache = new Map<string, Promise<TextClassifier>>();
  private readonly cacheSize: number;
  /** Digests kept out of the LRU's reach, and until when (ms): blue-green's old version, for an instant switch back. */
  private readonly pinned = new Map<string, number>();

  constructor(private readonly deps: ModelLoaderDeps) {
    this.cacheSize = deps.cacheSize ?? 8;
  }

  /**
   * The classifier stored under `digest`: ARTIFACT_TAMPERED when the bundle or its weights
   * no longer match their digests (or the blob is no regular file), ARTIFACT_BLOB_MISSING when it is gone.
   */
  loadByDigest(input: string): Promise<TextClassifier> {
    // The stored spelling is the cache key: `sha256:<hex>` and `<hex>` are one model.
    const digest = parseSha256Digest(input, 'artifactDigest');
    const cached = this.cache.get(digest);
    if (cached !== undefined) {
      this.cache.delete(digest);
      this.cache.set(digest, cached);
      return cached;
    }
    const loading = this.deps.artifacts.loadModelArtifact(digest).then((bytes) => loadBundle(bytes, sha256Hex));
    this.cache.set(digest, loading);
    loading.catch(() => this.cache.delete(digest));
    this.evict();
    return loading;
  }

  /**
   * Keeps a version loaded until `until` (ms): loaded now if it is not, and never evicted by
   * the LRU before then (it comes on top of the cache size); afterwards an ordinary entry again.
   * A later call for the same artifact extends the window, never shortens it.
   */
  async keepWarm(version: ModelVersion, until: number): Promise<void> {
    if (version.artifactDigest === null) return;
    const digest = parseSha256Digest(version.artifactDigest, 'artifactDigest');
    this.pinned.set(digest, Math.max(until, this.pinned.get(digest) ?? 0));
    await this.loadVersion(version);
  }

  /** Drops the least recently used entries beyond the cache size, skipping those kept warm. */
  private evict(): void {
    const now = this.deps.clock.now();
    for (const [digest, until] of this.pinned) if (until <= now) this.pinned.delete(digest);
    let over = -this.cacheSize;
    for (const digest of this.cache.keys()) if (!this.pinned.has(digest)) over++;
    for (const digest of this.cache.keys()) {
      if (over <= 0) break;
      if (this.pinned.has(digest)) continue;
      this.cache.delete(digest);
      over--;
    }
  }

  /** A version's classifier. VALIDATION_FAILED when the version has no built-in model artifact. */
  async load(model: string, version: VersionRefInput): Promise<LoadedModel> {
    return this.loadVersion(await this.deps.registry.getVersion(model, version));
  }

  /** The classifier of a version already read from the registry (same checks as `load`). */
  async loadVersion(found: ModelVersion): Promise<LoadedModel> {
    const model = found.model;
    if (found.status !== 'READY') {
      throw new WardenError('VALIDATION_FAILED', `${model} ${found.semver} is ${found.status}; only READY versions can predict`, { field: 'version' });
    }
    if (found.artifactDigest === null) throw invalid('version', `${model} ${found.semver} has no model artifact`);
    if (found.tags['warden.family'] === 'external') {
      throw invalid('version', `${model} ${found.semver} was trained by an external trainer; serve it with that trainer's runtime`);
    }
    return { version: found, classifier: await this.loadByDigest(found.artifactDigest) };
  }

  /** Classifies raw texts with a version (its own normalisation chain and threshold). */
  async predict(model: string, version: VersionRefInput, texts: readonly string[]): Promise<PredictionResult> {
    if (!Array.isArray(texts) || texts.length === 0 || texts.length > MAX_PREDICT_TEXTS) {
      throw invalid('texts', `texts must be a list of 1-${MAX_PREDICT_TEXTS} strings`);
    }
    texts.forEach((t, i) => {
      if (typeof t !== 'string' || t.length > MAX_TEXT_CHARS) throw invalid(`texts[${i}]`, `each text is a string of at most ${MAX_TEXT_CHARS} characters`);
    });
    const loaded = await this.load(model, version);
    return {
      model,
      version: loaded.version.number,
      semver: loaded.version.semver,
      threshold: loaded.classifier.threshold,
      predictions: predictBatch(loaded.classifier, texts),
    };
  }
}
