import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DatasetFormat } from '../../domain/datasets.js';
import { alternativeFileName, validateDataFileName, validateFreshModelName, type RejectionReason } from '../../domain/fresh-data.js';
import type { DatasetFileReader, ParsedDatasetFile } from '../../domain/ports/dataset-file-reader.js';
import type { FreshDataSource, FreshEntry } from '../../domain/ports/fresh-data-source.js';

/** How many numbered names are tried before a move gives up. */
const MAX_NAME_ATTEMPTS = 1000;

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * FreshDataSource on a local (or shared) folder `<dataDir>/{fresh,used,rejected}/<model>/`.
 * Model and file names are validated as single path segments before any path is built.
 * Moves never overwrite: the destination is created with `link(2)`, which fails when the
 * name exists, and the source is unlinked after — so the moved file appears whole in one
 * step, and two processes moving the same file end with exactly one copy.
 */
export class FsFreshDataSource implements FreshDataSource {
  constructor(
    readonly dataDir: string,
    private readonly reader: DatasetFileReader,
  ) {}

  private folder(kind: 'fresh' | 'used' | 'rejected', model: string): string {
    return path.join(this.dataDir, kind, validateFreshModelName(model));
  }

  private file(kind: 'fresh' | 'used' | 'rejected', model: string, name: string): string {
    return path.join(this.folder(kind, model), validateDataFileName(name));
  }

  async models(): Promise<string[]> {
    const fresh = path.join(this.dataDir, 'fresh');
    // Creating the folders shows people where to drop files.
    await Promise.all(['fresh', 'used', 'rejected'].map((kind) => fs.mkdir(path.join(this.dataDir, kind), { recursive: true, mode: 0o700 })));
    const entries = await fs.readdir(fresh, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  }

  async list(model: string): Promise<FreshEntry[]> {
    const folder = this.folder('fresh', model);
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(folder, { withFileTypes: true });
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw error;
    }
    const files: FreshEntry[] = [];
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      try {
        const stat = await fs.lstat(path.join(folder, entry.name));
        if (stat.isFile()) files.push({ name: entry.name, size: stat.size, modifiedAt: Math.trunc(stat.mtimeMs) });
      } catch (error) {
        if (errorCode(error) !== 'ENOENT') throw error; // moved away between readdir and stat
      }
    }
    return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async read(model: string, name: string, format: DatasetFormat): Promise<ParsedDatasetFile> {
    return this.reader.readFile(this.file('fresh', model, name), { displayName: `fresh/${model}/${name}`, format });
  }

  async reject(model: string, name: string, reason: RejectionReason): Promise<string | undefined> {
    const source = this.file('fresh', model, name);
    const folder = this.folder('rejected', model);
    await fs.mkdir(folder, { recursive: true, mode: 0o700 });
    // The reason is written aside first, so the rejected file never sits there without one for long.
    const pendingReason = path.join(folder, `.${randomBytes(6).toString('hex')}.reason.tmp`);
    await fs.writeFile(pendingReason, `${JSON.stringify(reason, null, 2)}\n`, { mode: 0o600 });
    try {
      const moved = await moveWithoutOverwrite(source, folder, name);
      if (moved === undefined) return undefined;
      await fs.rename(pendingReason, path.join(folder, `${moved}.reason.json`));
      return moved;
    } finally {
      await fs.rm(pendingReason, { force: true });
    }
  }

  async markUsed(model: string, name: string): Promise<string | undefined> {
    const source = this.file('fresh', model, name);
    const folder = this.folder('used', model);
    await fs.mkdir(folder, { recursive: true, mode: 0o700 });
    return moveWithoutOverwrite(source, folder, name);
  }
}

/**
 * Moves `source` into `folder` under `name`, or `name.1.ext`, `name.2.ext`… when taken.
 * Returns the name used, or undefined when `source` no longer exists. Same file system
 * only (the lifecycle folders share `dataDir`).
 */
async function moveWithoutOverwrite(source: string, folder: string, name: string): Promise<string | undefined> {
  for (let attempt = 0; attempt < MAX_NAME_ATTEMPTS; attempt++) {
    const candidate = alternativeFileName(name, attempt);
    const target = path.join(folder, candidate);
    try {
      await fs.link(source, target);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'EEXIST') continue;
      if (code === 'ENOENT') return undefined;
      // File systems without hard links: rename after checking the name is free
      // (the check and the rename are two steps there; a racing mover could win).
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EMLINK') {
        if (await exists(target)) continue;
        try {
          await fs.rename(source, target);
          return candidate;
        } catch (renameError) {
          if (errorCode(renameError) === 'ENOENT') return undefined;
          throw renameError;
        }
      }
      throw error;
    }
    try {
      await fs.unlink(source);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
      // Another process moved the same file meanwhile: keep its copy, drop ours.
      await fs.unlink(target);
      return undefined;
    }
    return candidate;
  }
  throw new Error(`cannot find a free name for ${name} in ${folder} after ${MAX_NAME_ATTEMPTS} attempts`);
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
}
