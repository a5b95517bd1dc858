import {
  DEFAULT_MEDIA_TYPE,
  guessMediaType,
  blobMissingError,
  parseSha256Digest,
  planGarbageCollection,
  validateArtifactName,
  validateMediaType,
  type RunArtifact,
  type Sha256Digest,
  type StoredBlobInfo,
} from '../domain/artifacts.js';
import { WardenError, isWardenError } from '../domain/errors.js';
import type { ArtifactIndex } from '../domain/ports/artifact-index.js';
import type { ArtifactStore, VerifiedBlobStream } from '../domain/ports/artifact-store.js';
import type { Clock, IdGenerator } from '../domain/ports/clock.js';
import type { TrackingStore } from '../domain/ports/tracking-store.js';

/** What an upload says about itself besides its bytes. Fields are validated here. */
export interface UploadInput {
  /** Display name (validated: see validateArtifactName). */
  readonly name: unknown;
  /** Media type; guessed from the name's extension when absent. */
  readonly mediaType?: unknown;
  /** The sha256 the client computed; the upload is refused if the bytes hash otherwise. */
  readonly sha256?: unknown;
  /** The size the client announced (Content-Length), checked against the limit before any byte is read. */
  readonly declaredSize?: number;
}

/** A download: the artifact's metadata and its verified bytes. */
export interface ArtifactDownload {
  readonly sha256: string;
  readonly size: number;
  readonly mediaType: string;
  /** The display name, when the download was asked for by run artifact. */
  readonly name: string | undefined;
  readonly stream: AsyncIterable<Uint8Array>;
}

export interface SweepReport {
  /** Digests of the blobs deleted. */
  readonly deleted: readonly string[];
  readonly bytesFreed: number;
  /** Unreferenced blobs left alone because they were written within the grace period. */
  readonly spared: number;
  /** Blobs kept because something references them. */
  readonly referenced: number;
  /** Temporary files of interrupted uploads removed. */
  readonly temporariesRemoved: number;
}

export interface ArtifactServiceOptions {
  readonly store: ArtifactStore;
  readonly index: ArtifactIndex;
  /** Run existence checks (the tracking store, or anything answering the same question). */
  readonly runs: Pick<TrackingStore, 'getRunInfo'>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Largest upload, in bytes (config.maxArtifactBytes). */
  readonly maxArtifactBytes: number;
  /** Largest blob loaded into memory as a model, in bytes. Default 512 MiB. */
  readonly maxModelBytes?: number;
  /**
   * Unreferenced blobs younger than this are not collected, in ms. An upload stores its
   * blob before it records the reference; this must exceed the longest gap between the
   * two (default 1 hour). Interrupted uploads' temporary files are removed after the same delay.
   */
  readonly gcGraceMs?: number;
}

const DEFAULT_MAX_MODEL_BYTES = 512 * 1024 * 1024; // 512 MiB
const DEFAULT_GC_GRACE_MS = 60 * 60 * 1000; // 1 hour

/**
 * Run artifacts end to end: validated display names and metadata in the index, bytes
 * in the content-addressed store, verified on every read, and garbage collection of
 * the blobs nothing references.
 */
export class ArtifactService {
  private readonly store: ArtifactStore;
  private readonly index: ArtifactIndex;
  private readonly runs: Pick<TrackingStore, 'getRunInfo'>;
  private readonly clock: Clock;
  private readonly ids: IdGenerator;
  readonly maxArtifactBytes: number;
  private readonly maxModelBytes: number;
  private readonly gcGraceMs: number;
  private sweeping: Promise<SweepReport> | undefined;

  constructor(options: ArtifactServiceOptions) {
    this.store = options.store;
    this.index = options.index;
    this.runs = options.runs;
    this.clock = options.clock;
    this.ids = options.ids;
    this.maxArtifactBytes = options.maxArtifactBytes;
    this.maxModelBytes = options.maxModelBytes ?? DEFAULT_MAX_MODEL_BYTES;
    this.gcGraceMs = options.gcGraceMs ?? DEFAULT_GC_GRACE_MS;
  }

  private async requireRun(runId: string): Promise<void> {
    if (typeof runId !== 'string' || runId === '' || (await this.runs.getRunInfo(runId)) === undefined) {
      throw new WardenError('RUN_NOT_FOUND', `no run with id ${JSON.stringify(runId)}`, { field: 'runId' });
    }
  }

  /**
   * Stores `body` as the artifact `input.name` of run `runId`. Everything about the
   * request is checked before the first byte is read (run exists, name valid and free,
   * announced size within the limit); the bytes stream to the store, which enforces the
   * limit (PAYLOAD_TOO_LARGE) and the announced sha256. If the record cannot be written
   * afterwards (the name was taken or the run deleted meanwhile), the blob is left
   * unreferenced for garbage collection.
   */
  async upload(runId: string, input: UploadInput, body: AsyncIterable<Uint8Array>): Promise<RunArtifact> {
    const name = validateArtifactName(input.name, 'name');
    const mediaType = input.mediaType === undefined || input.mediaType === '' ? guessMediaType(name) : validateMediaType(input.mediaType, 'mediaType');
    const expectedDigest = input.sha256 === undefined || input.sha256 === '' ? undefined : parseSha256Digest(input.sha256, 'sha256');
    if (input.declaredSize !== undefined && input.declaredSize > this.maxArtifactBytes) {
      throw new WardenError('PAYLOAD_TOO_LARGE', `the artifact is ${input.declaredSize} bytes; the limit is ${this.maxArtifactBytes} bytes`, {
        details: { maxBytes: this.maxArtifactBytes },
      });
    }
    await this.requireRun(runId);
    if ((await this.index.getByName(runId, name)) !== undefined) {
      throw new WardenError('ARTIFACT_ALREADY_EXISTS', `run ${runId} already has an artifact named "${name}"; delete it first or choose another name`, {
        field: 'name',
      });
    }
    const stored = await this.store.put(body, {
      maxBytes: this.maxArtifactBytes,
      ...(expectedDigest === undefined ? {} : { expectedDigest }),
    });
    const artifact: RunArtifact = {
      id: this.ids.next(),
      runId,
      name,
      size: stored.size,
      sha256: stored.digest,
      mediaType,
      createdAt: this.clock.now(),
    };
    await this.index.add(artifact);
    return artifact;
  }

  /** A run's artifacts ordered by name. RUN_NOT_FOUND when the run does not exist. */
  async list(runId: string): Promise<RunArtifact[]> {
    await this.requireRun(runId);
    return this.index.list(runId);
  }

  /** One artifact's metadata. ARTIFACT_NOT_FOUND when the run has no such artifact. */
  async get(runId: string, artifactId: string): Promise<RunArtifact> {
    const artifact = await this.index.get(runId, artifactId);
    if (!artifact) {
      await this.requireRun(runId);
      throw new WardenError('ARTIFACT_NOT_FOUND', `run ${runId} has no artifact with id ${JSON.stringify(artifactId)}`, { field: 'artifactId' });
    }
    return artifact;
  }

  /**
   * A run artifact, by id or by display name (an id is tried first). For the registry:
   * registering a model version from a run artifact stores this artifact's sha256.
   * ARTIFACT_BLOB_MISSING when the record exists but its blob is gone.
   */
  async resolve(runId: string, artifact: string): Promise<RunArtifact> {
    const found = (await this.index.get(runId, artifact)) ?? (await this.index.getByName(runId, artifact));
    if (!found) {
      await this.requireRun(runId);
      throw new WardenError('ARTIFACT_NOT_FOUND', `run ${runId} has no artifact with id or name ${JSON.stringify(artifact)}`, { field: 'artifact' });
    }
    if (!(await this.store.has(found.sha256))) throw blobMissingError(found.sha256, `artifact "${found.name}" of run ${runId}`, 'artifact');
    return found;
  }

  /**
   * Opens a run artifact for download. The blob is verified against its sha256 before
   * this resolves (ARTIFACT_TAMPERED otherwise, and no byte is served; ARTIFACT_BLOB_MISSING
   * when the record exists but the blob is gone).
   */
  async download(runId: string, artifactId: string): Promise<ArtifactDownload> {
    const artifact = await this.get(runId, artifactId);
    const blob = await this.openBlob(artifact.sha256, `artifact "${artifact.name}" of run ${runId}`);
    return { sha256: artifact.sha256, size: blob.size, mediaType: artifact.mediaType, name: artifact.name, stream: blob.stream };
  }

  /**
   * Opens a blob by digest, verified. Only digests something references (a run artifact,
   * a model version or a dataset version) are served; anything else is ARTIFACT_NOT_FOUND.
   */
  async downloadByDigest(sha256: unknown): Promise<ArtifactDownload> {
    const digest = parseSha256Digest(sha256, 'sha256');
    if (!(await this.index.isReferenced(digest))) {
      throw new WardenError('ARTIFACT_NOT_FOUND', `no artifact has sha256 ${digest}`, { field: 'sha256' });
    }
    const blob = await this.openBlob(digest, `sha256 ${digest}`);
    const [first] = await this.index.findByDigest(digest);
    return { sha256: digest, size: blob.size, mediaType: first?.mediaType ?? DEFAULT_MEDIA_TYPE, name: undefined, stream: blob.stream };
  }

  /** Opens the blob of something Warden recorded (`what`): its absence is an integrity failure, not an unknown artifact. */
  private async openBlob(digest: string, what: string): Promise<VerifiedBlobStream> {
    try {
      return await this.store.open(digest);
    } catch (error) {
      throw isWardenError(error) && error.code === 'ARTIFACT_NOT_FOUND' ? blobMissingError(digest, what, 'sha256', error) : error;
    }
  }

  /**
   * Removes an artifact record and returns it. Its blob stays until garbage collection
   * finds nothing else references it. ARTIFACT_NOT_FOUND when there was none.
   */
  async delete(runId: string, artifactId: string): Promise<RunArtifact> {
    const removed = await this.index.remove(runId, artifactId);
    if (!removed) {
      await this.requireRun(runId);
      throw new WardenError('ARTIFACT_NOT_FOUND', `run ${runId} has no artifact with id ${JSON.stringify(artifactId)}`, { field: 'artifactId' });
    }
    return removed;
  }

  /**
   * Loads a model's bytes by the digest its version recorded, verifying them first:
   * ARTIFACT_TAMPERED when the stored bytes no longer hash to `digest` (or are no file),
   * ARTIFACT_BLOB_MISSING when the blob is gone, PAYLOAD_TOO_LARGE over maxModelBytes.
   */
  async loadModelArtifact(digest: unknown): Promise<Uint8Array> {
    const sha256 = parseSha256Digest(digest, 'artifactDigest');
    try {
      return await this.store.readVerified(sha256, { maxBytes: this.maxModelBytes });
    } catch (error) {
      throw isWardenError(error) && error.code === 'ARTIFACT_NOT_FOUND' ? blobMissingError(sha256, 'the model artifact', 'artifactDigest', error) : error;
    }
  }

  /**
   * The stored spelling of `digest` when a blob with it is stored (registering a version by
   * digest checks this); VALIDATION_FAILED for a malformed digest, ARTIFACT_NOT_FOUND naming
   * `field` when no such blob is stored.
   */
  async requireBlob(digest: unknown, field = 'artifactDigest'): Promise<Sha256Digest> {
    const sha256 = parseSha256Digest(digest, field);
    if (!(await this.store.has(sha256))) {
      throw new WardenError('ARTIFACT_NOT_FOUND', `no artifact with sha256 ${sha256} is stored; upload it to a run first (\`warden artifacts put\`)`, { field });
    }
    return sha256;
  }

  /**
   * Garbage collection: deletes exactly the blobs that no run artifact and no model
   * version references (and that are older than the grace period), and removes stale
   * temporary files of interrupted uploads. Concurrent calls share one sweep.
   */
  sweep(): Promise<SweepReport> {
    this.sweeping ??= this.runSweep().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  private async runSweep(): Promise<SweepReport> {
    const now = this.clock.now();
    const cutoff = now - this.gcGraceMs;
    const referenced = await this.index.referencedDigests();
    const stored: StoredBlobInfo[] = [];
    const sizes = new Map<string, number>();
    for await (const blob of this.store.list()) {
      stored.push({ digest: blob.digest, modifiedAt: blob.modifiedAt });
      sizes.set(blob.digest, blob.size);
    }
    const plan = planGarbageCollection({ stored, referenced, now, graceMs: this.gcGraceMs });
    const deleted: string[] = [];
    let bytesFreed = 0;
    for (const digest of plan.toDelete) {
      // The store re-checks the age at the moment of deletion: an upload that
      // deduplicated onto this blob since the listing wins.
      if (await this.store.delete(digest, { unmodifiedSince: cutoff })) {
        deleted.push(digest);
        bytesFreed += sizes.get(digest) ?? 0;
      }
    }
    const temporariesRemoved = await this.store.removeStaleTemporaries(cutoff);
    const referencedStored = stored.filter((blob) => referenced.has(blob.digest)).length;
    return { deleted, bytesFreed, spared: plan.spared.length, referenced: referencedStored, temporariesRemoved };
  }
}
