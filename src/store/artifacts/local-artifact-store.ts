import { createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { isSha256Digest, parseSha256Digest } from '../../domain/artifacts.js';
import { WardenError, invalid } from '../../domain/errors.js';
import type { ArtifactStore, BlobEntry, PutOptions, StoredBlob, VerifiedBlobStream } from '../../domain/ports/artifact-store.js';

const READ_CHUNK_BYTES = 256 * 1024; // 256 KiB: large enough for throughput, small enough to keep memory flat
const BLOB_MODE = 0o400; // blobs are immutable: read-only even for the owner
const DIR_MODE = 0o700;

function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function notFound(digest: string): WardenError {
  return new WardenError('ARTIFACT_NOT_FOUND', `no blob with sha256 ${digest} in the artifact store`, { details: { sha256: digest } });
}

function tampered(digest: string, actual: string): WardenError {
  return new WardenError(
    'ARTIFACT_TAMPERED',
    `the stored blob ${digest} no longer matches its sha256 (its bytes hash to ${actual}); it will not be served — restore it from a backup or re-upload it`,
    { details: { sha256: digest, actual } },
  );
}

/** Something other than a regular file sits where the blob belongs (a directory, a link, a device). */
function notAFile(digest: string, what: Stats | string): WardenError {
  const found = typeof what === 'string' ? what : what.isDirectory() ? 'a directory' : what.isSymbolicLink() ? 'a symbolic link' : 'a special file';
  return new WardenError('ARTIFACT_TAMPERED', `the stored blob ${digest} is not a regular file (${found} is in its place); it will not be served — restore it from a backup or re-upload it`, {
    details: { sha256: digest, found },
  });
}

function storageFailure(error: unknown): unknown {
  const code = errnoCode(error);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new WardenError('STORE_UNAVAILABLE', 'the artifact store is out of disk space', { cause: error });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new WardenError('STORE_UNAVAILABLE', 'the artifact store folder is not writable', { cause: error });
  }
  return error;
}

/**
 * The local content-addressed {@link ArtifactStore}: blobs live at
 * `<root>/blobs/ab/cd/<sha256>` (the first two byte pairs fan the folder out),
 * uploads are written to `<root>/tmp/` and renamed into place, and garbage collection
 * moves a blob to `<root>/trash/` before deciding to unlink it. Every path is built
 * from a validated hex digest or a server-made random name, never from client input,
 * and blobs are opened with O_NOFOLLOW so a planted symlink is not followed.
 */
export class LocalArtifactStore implements ArtifactStore {
  readonly root: string;
  private readonly blobsDir: string;
  private readonly tmpDir: string;
  private readonly trashDir: string;

  constructor(root: string) {
    if (!path.isAbsolute(root)) throw invalid('artifactsRoot', `the artifact store root must be an absolute path, got "${root}"`);
    this.root = path.resolve(root);
    this.blobsDir = path.join(this.root, 'blobs');
    this.tmpDir = path.join(this.root, 'tmp');
    this.trashDir = path.join(this.root, 'trash');
  }

  /** The file a digest lives in. Throws VALIDATION_FAILED for anything but 64 lower-case hex characters. */
  blobPath(digest: string): string {
    const hex = parseSha256Digest(digest, 'sha256');
    const file = path.join(this.blobsDir, hex.slice(0, 2), hex.slice(2, 4), hex);
    // Cannot fail for a hex digest; kept so a future change to the layout cannot escape the root.
    if (!file.startsWith(this.blobsDir + path.sep)) throw invalid('sha256', 'digest does not map inside the artifact store');
    return file;
  }

  async put(source: AsyncIterable<Uint8Array>, options: PutOptions): Promise<StoredBlob> {
    const expected = options.expectedDigest === undefined ? undefined : parseSha256Digest(options.expectedDigest, 'sha256');
    if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes < 0) throw invalid('maxBytes', 'maxBytes must be a non-negative integer');
    await fs.mkdir(this.tmpDir, { recursive: true, mode: DIR_MODE });
    const tmpFile = path.join(this.tmpDir, `${randomBytes(16).toString('hex')}.part`);
    let handle: FileHandle | undefined;
    try {
      handle = await fs.open(tmpFile, 'wx', 0o600);
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of source) {
        size += chunk.byteLength;
        if (size > options.maxBytes) {
          throw new WardenError('PAYLOAD_TOO_LARGE', `the artifact exceeds the limit of ${options.maxBytes} bytes`, {
            details: { maxBytes: options.maxBytes },
          });
        }
        hash.update(chunk);
        let offset = 0;
        while (offset < chunk.byteLength) {
          const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
          offset += bytesWritten;
        }
      }
      // Durable before it becomes visible under its digest: a crash never leaves a short blob.
      await handle.datasync();
      await handle.chmod(BLOB_MODE);
      await handle.close();
      handle = undefined;
      const digest = hash.digest('hex');
      if (expected !== undefined && expected !== digest) {
        throw invalid('sha256', `the uploaded bytes hash to ${digest}, not to the announced ${expected}; nothing was stored`);
      }
      const target = this.blobPath(digest);
      await fs.mkdir(path.dirname(target), { recursive: true, mode: DIR_MODE });
      const existed = await this.has(digest);
      // Always rename, even onto an identical blob: the fresh file's mtime tells a
      // concurrent garbage collection that this digest was just written.
      await fs.rename(tmpFile, target);
      return { digest, size, created: !existed };
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await fs.rm(tmpFile, { force: true }).catch(() => undefined);
      throw storageFailure(error);
    }
  }

  async open(digest: string): Promise<VerifiedBlobStream> {
    const file = this.blobPath(digest);
    const size = await this.verifyFile(file, digest);
    return { digest, size, stream: this.streamVerified(file, digest, size) };
  }

  async readVerified(digest: string, options: { maxBytes: number }): Promise<Uint8Array> {
    const file = this.blobPath(digest);
    const handle = await this.openBlob(file, digest);
    try {
      const { size } = await handle.stat();
      if (size > options.maxBytes) {
        throw new WardenError('PAYLOAD_TOO_LARGE', `blob ${digest} is ${size} bytes, over the ${options.maxBytes}-byte limit for in-memory reads`, {
          details: { sha256: digest, size, maxBytes: options.maxBytes },
        });
      }
      const bytes = new Uint8Array(size);
      let offset = 0;
      while (offset < size) {
        const { bytesRead } = await handle.read(bytes, offset, size - offset, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
      }
      const actual = createHash('sha256').update(bytes.subarray(0, offset)).digest('hex');
      if (offset !== size || actual !== digest) throw tampered(digest, actual);
      return bytes;
    } finally {
      await handle.close();
    }
  }

  async has(digest: string): Promise<boolean> {
    try {
      const stat = await fs.lstat(this.blobPath(digest));
      if (!stat.isFile()) throw notAFile(digest, stat);
      return true;
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return false;
      throw error;
    }
  }

  async *list(): AsyncIterable<BlobEntry> {
    for (const first of await this.readDir(this.blobsDir)) {
      if (!/^[0-9a-f]{2}$/.test(first)) continue;
      for (const second of await this.readDir(path.join(this.blobsDir, first))) {
        if (!/^[0-9a-f]{2}$/.test(second)) continue;
        const dir = path.join(this.blobsDir, first, second);
        for (const name of await this.readDir(dir)) {
          // Only files whose name is a digest filed under its own prefix are blobs.
          if (!isSha256Digest(name) || name.slice(0, 2) !== first || name.slice(2, 4) !== second) continue;
          try {
            const stat = await fs.lstat(path.join(dir, name));
            if (stat.isFile()) yield { digest: name, size: stat.size, modifiedAt: stat.mtimeMs };
          } catch (error) {
            if (errnoCode(error) !== 'ENOENT') throw error; // deleted while listing
          }
        }
      }
    }
  }

  async delete(digest: string, options: { unmodifiedSince?: number } = {}): Promise<boolean> {
    const file = this.blobPath(digest);
    if (options.unmodifiedSince === undefined) {
      try {
        await fs.unlink(file);
        return true;
      } catch (error) {
        if (errnoCode(error) === 'ENOENT') return false;
        throw error;
      }
    }
    // Move it aside first, then judge the moved file: a put that lands before the move
    // leaves a fresh mtime (so we put it back); one that lands after the move recreates
    // the blob under its name, untouched by us.
    await fs.mkdir(this.trashDir, { recursive: true, mode: DIR_MODE });
    const trashFile = path.join(this.trashDir, `${digest}.${randomBytes(8).toString('hex')}`);
    try {
      await fs.rename(file, trashFile);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return false;
      throw error;
    }
    const stat = await fs.lstat(trashFile);
    if (stat.mtimeMs >= options.unmodifiedSince) {
      await this.restoreFromTrash(trashFile, file);
      return false;
    }
    await fs.unlink(trashFile);
    return true;
  }

  async removeStaleTemporaries(unmodifiedSince: number): Promise<number> {
    let removed = 0;
    for (const name of await this.readDir(this.tmpDir)) {
      if (!/^[0-9a-f]{32}\.part$/.test(name)) continue;
      const file = path.join(this.tmpDir, name);
      try {
        const stat = await fs.lstat(file);
        if (stat.mtimeMs < unmodifiedSince) {
          await fs.unlink(file);
          removed++;
        }
      } catch (error) {
        if (errnoCode(error) !== 'ENOENT') throw error;
      }
    }
    // A trash entry means a delete was interrupted between move and decision. Put the
    // blob back rather than lose it: the next collection decides again with fresh references.
    for (const name of await this.readDir(this.trashDir)) {
      const match = /^([0-9a-f]{64})\.[0-9a-f]{16}$/.exec(name);
      if (!match) continue;
      const trashFile = path.join(this.trashDir, name);
      try {
        const stat = await fs.lstat(trashFile);
        if (stat.mtimeMs < unmodifiedSince) await this.restoreFromTrash(trashFile, this.blobPath(match[1] as string));
      } catch (error) {
        if (errnoCode(error) !== 'ENOENT') throw error;
      }
    }
    return removed;
  }

  private async restoreFromTrash(trashFile: string, file: string): Promise<void> {
    if (await this.exists(file)) {
      await fs.unlink(trashFile); // a put already stored the same bytes again
      return;
    }
    await fs.mkdir(path.dirname(file), { recursive: true, mode: DIR_MODE });
    await fs.rename(trashFile, file);
  }

  private async exists(file: string): Promise<boolean> {
    try {
      await fs.lstat(file);
      return true;
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return false;
      throw error;
    }
  }

  private async readDir(dir: string): Promise<string[]> {
    try {
      return await fs.readdir(dir);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return [];
      throw error;
    }
  }

  private async openBlob(file: string, digest: string): Promise<FileHandle> {
    let handle: FileHandle;
    try {
      handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT') throw notFound(digest);
      if (code === 'ELOOP') throw notAFile(digest, 'a symbolic link');
      throw storageFailure(error);
    }
    // A directory opens read-only too; reading it would fail with EISDIR, an opaque 500.
    const stat = await handle.stat();
    if (!stat.isFile()) {
      await handle.close();
      throw notAFile(digest, stat);
    }
    return handle;
  }

  /** Hashes the whole file; returns its size when it matches `digest`. */
  private async verifyFile(file: string, digest: string): Promise<number> {
    const handle = await this.openBlob(file, digest);
    try {
      const hash = createHash('sha256');
      const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
      let size = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, size);
        if (bytesRead === 0) break;
        hash.update(buffer.subarray(0, bytesRead));
        size += bytesRead;
      }
      const actual = hash.digest('hex');
      if (actual !== digest) throw tampered(digest, actual);
      return size;
    } finally {
      await handle.close();
    }
  }

  /**
   * Streams `size` bytes, hashing again; the last chunk is released only after the
   * digest matched, so a blob changed after verification never completes a download.
   */
  private async *streamVerified(file: string, digest: string, size: number): AsyncGenerator<Uint8Array> {
    const handle = await this.openBlob(file, digest);
    try {
      const hash = createHash('sha256');
      let position = 0;
      while (position < size) {
        const buffer = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, size - position));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) throw tampered(digest, `a truncated file (${position} of ${size} bytes)`);
        const chunk = buffer.subarray(0, bytesRead);
        hash.update(chunk);
        position += bytesRead;
        if (position >= size) {
          const actual = hash.digest('hex');
          if (actual !== digest) throw tampered(digest, actual);
        }
        yield chunk;
      }
    } finally {
      await handle.close();
    }
  }
}
