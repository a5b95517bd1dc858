/**
 * Content-addressed blob storage. Blobs are named by the sha256 of their bytes, which
 * the store computes itself while writing; a client-supplied name never reaches it.
 * Every read verifies the digest: an adapter never hands out bytes that do not hash
 * to the digest they were asked for.
 */

/** Result of storing a blob. */
export interface StoredBlob {
  /** Lower-case hex sha256 of the bytes written. */
  readonly digest: string;
  /** Number of bytes. */
  readonly size: number;
  /** False when an identical blob was already stored (deduplicated). */
  readonly created: boolean;
}

/** A blob opened for reading, already verified against its digest. */
export interface VerifiedBlobStream {
  readonly digest: string;
  readonly size: number;
  /**
   * The blob's bytes. The whole blob was hashed and matched `digest` before this stream
   * was handed out; the bytes are hashed again as they stream, and if the file changes
   * underneath (a write racing the download) the iteration throws ARTIFACT_TAMPERED
   * before its last chunk, so a consumer never completes with wrong bytes.
   * Stop iterating early (break / return) to release the file handle.
   */
  readonly stream: AsyncIterable<Uint8Array>;
}

/** A blob as listed by {@link ArtifactStore.list}. */
export interface BlobEntry {
  readonly digest: string;
  readonly size: number;
  /** Last write of the blob, ms since the epoch (refreshed when a put deduplicates onto it). */
  readonly modifiedAt: number;
}

export interface PutOptions {
  /** Refuse with PAYLOAD_TOO_LARGE, storing nothing, once the stream exceeds this many bytes. */
  readonly maxBytes: number;
  /**
   * When given, the digest the writer expects; a mismatch stores nothing and fails with
   * VALIDATION_FAILED (field `sha256`).
   */
  readonly expectedDigest?: string;
}

export interface ArtifactStore {
  /**
   * Streams `source` into the store while hashing it; never holds the whole blob in
   * memory. The bytes land in a temporary file first and are moved into place
   * atomically under their digest, so a reader never sees a partial blob; on any
   * failure (source error, size limit, digest mismatch) the temporary file is removed
   * and nothing is stored. Storing bytes that are already present keeps one copy and
   * refreshes its modification time (so a concurrent garbage collection with a grace
   * period spares it). Fails with PAYLOAD_TOO_LARGE beyond `maxBytes`.
   */
  put(source: AsyncIterable<Uint8Array>, options: PutOptions): Promise<StoredBlob>;

  /**
   * Opens a blob for streaming after verifying it: the whole blob is hashed before the
   * first byte is returned, so a tampered blob fails here with ARTIFACT_TAMPERED and no
   * byte of it is served. This reads the blob twice; it is the price of never serving
   * unverified bytes behind a Content-Length. ARTIFACT_NOT_FOUND when absent (callers
   * that hold a record of the blob report ARTIFACT_BLOB_MISSING); ARTIFACT_TAMPERED also
   * when the digest names a directory or anything but a regular file;
   * VALIDATION_FAILED when `digest` is not a sha256 hex digest.
   */
  open(digest: string): Promise<VerifiedBlobStream>;

  /**
   * Reads a whole blob into memory and verifies it before returning (for model loading).
   * PAYLOAD_TOO_LARGE when the blob is bigger than `maxBytes`; ARTIFACT_TAMPERED when the
   * bytes do not match; ARTIFACT_NOT_FOUND when absent.
   */
  readVerified(digest: string, options: { maxBytes: number }): Promise<Uint8Array>;

  /**
   * Whether a blob with this digest is stored (existence only; no verification).
   * ARTIFACT_TAMPERED when something other than a regular file sits under the digest.
   */
  has(digest: string): Promise<boolean>;

  /** Every stored blob, in no particular order. Temporary files are not listed. */
  list(): AsyncIterable<BlobEntry>;

  /**
   * Deletes a blob. With `unmodifiedSince` (ms since the epoch), deletes only a blob last
   * written before that instant — a put that deduplicates onto the blob concurrently wins
   * and the blob stays. Returns true when a blob was deleted; deleting an absent blob is
   * not an error.
   */
  delete(digest: string, options?: { unmodifiedSince?: number }): Promise<boolean>;

  /**
   * Removes temporary files left by interrupted puts that were last written before
   * `unmodifiedSince` (a put in progress keeps writing, so it is not touched).
   * Returns how many were removed.
   */
  removeStaleTemporaries(unmodifiedSince: number): Promise<number>;
}
