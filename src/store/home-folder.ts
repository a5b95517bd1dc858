/**
 * WARDEN_HOME holds the metadata database, the artifacts, the data folders and the admin
 * token: nothing in it is for other local users. Folders Warden owns are 0700 and its files
 * 0600; a home left wider (an older build created 0755/0644) is tightened at start, with a
 * warning per path, so an upgrade closes the hole without the operator having to notice it.
 */
import fs from 'node:fs';
import path from 'node:path';

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
/** Files Warden keeps directly under the home (the SQLite database and its WAL files, the admin token). */
const HOME_FILES = ['warden.db', 'warden.db-wal', 'warden.db-shm', 'admin-token'] as const;

function isInside(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Creates `dir` 0700 when missing; tightens it when `tighten` and group/other have any access. */
function privateDir(dir: string, tighten: boolean, warnings: string[]): void {
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(dir, { recursive: true, mode: DIR_MODE });
    // mkdir's mode goes through the umask, which only removes bits: 0700 stays 0700.
    return;
  }
  const mode = fs.statSync(dir).mode & 0o777;
  if (tighten && (mode & 0o077) !== 0) {
    fs.chmodSync(dir, DIR_MODE);
    warnings.push(`${dir} was readable by other users (${mode.toString(8)}); tightened to 700`);
  }
}

/**
 * Prepares the home folder and the artifact and data folders before anything opens them.
 * Folders outside the home (a shared artifacts folder in distributed mode) are created
 * private but never tightened: their owner may share them on purpose. Returns the warnings
 * to log (one per path that was tightened).
 */
export function prepareHome(paths: { readonly home: string; readonly artifactsRoot: string; readonly dataDir: string }): string[] {
  const warnings: string[] = [];
  privateDir(paths.home, true, warnings);
  for (const dir of [paths.artifactsRoot, paths.dataDir]) privateDir(dir, isInside(paths.home, dir), warnings);
  for (const name of HOME_FILES) {
    const file = path.join(paths.home, name);
    let mode: number;
    try {
      mode = fs.statSync(file).mode & 0o777;
    } catch {
      continue;
    }
    if ((mode & 0o077) !== 0) {
      fs.chmodSync(file, FILE_MODE);
      warnings.push(`${file} was readable by other users (${mode.toString(8)}); tightened to 600`);
    }
  }
  return warnings;
}

/** Creates a file 0600 when missing (SQLite then creates its -wal/-shm files with the same mode). */
export function createPrivateFile(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: DIR_MODE });
  fs.closeSync(fs.openSync(file, 'a', FILE_MODE));
}
