// Whether dist/ (the compiled build that `npm start` and `warden` run) is there and newer
// than every input of the build: src/ and the tsconfig files. Shared by bin/warden.js,
// which warns, and scripts/prepare.mjs, which rebuilds.
import fs from 'node:fs';
import path from 'node:path';

const BUILD_INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json'];

/** Newest modification time under `file` (a file or a folder), 0 when it does not exist. */
function newestMtime(file) {
  let stat;
  try {
    stat = fs.statSync(file);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(file)) newest = Math.max(newest, newestMtime(path.join(file, entry)));
  return newest;
}

/** The compiled CLI entry of the project at `root`. */
export function distEntry(root) {
  return path.join(root, 'dist', 'cli', 'index.js');
}

/**
 * 'missing' without dist/, 'stale' when a build input changed after it was built (a
 * checkout without src/ is never stale), else 'fresh'. Every build rewrites the entry,
 * so its mtime is the build's time.
 */
export function distState(root) {
  let built;
  try {
    built = fs.statSync(distEntry(root)).mtimeMs;
  } catch {
    return 'missing';
  }
  const inputs = Math.max(...BUILD_INPUTS.map((input) => newestMtime(path.join(root, input))));
  return inputs > built ? 'stale' : 'fresh';
}
