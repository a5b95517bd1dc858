// Whether dist/ (the compiled build that `npm start` and `warden` run) is there and newer
// than every input of the build: src/ and the tsconfig files. Shared by bin/warden.js,
// which warns, and scripts/prepare.mjs, which rebuilds. webState does the same for the
// dashboard bundle (web/dist) and its inputs.
import fs from 'node:fs';
import path from 'node:path';

const BUILD_INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json'];

/** Newest modification time under `file` (a file or a folder), 0 when it does not exist. */
function newestMtime(file, skip = new Set()) {
  let stat;
  try {
    stat = fs.statSync(file);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(file)) {
    const child = path.join(file, entry);
    if (!skip.has(child)) newest = Math.max(newest, newestMtime(child, skip));
  }
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

/**
 * The dashboard's build: 'missing' without web/dist/index.html, 'stale' when web/ (its sources,
 * index.html, configs) or the lockfile (a new React or uPlot) changed after it, else 'fresh'.
 * The server types it imports are erased from the bundle, so src/ is no input. A checkout
 * without web/ is never stale.
 */
export function webState(root) {
  const web = path.join(root, 'web');
  let built;
  try {
    built = fs.statSync(path.join(web, 'dist', 'index.html')).mtimeMs;
  } catch {
    return fs.existsSync(web) ? 'missing' : 'fresh';
  }
  // web/dist is the output itself; node_modules/.vite is Vite's cache when it keeps one there.
  const skip = new Set([path.join(web, 'dist'), path.join(web, 'node_modules')]);
  const inputs = Math.max(newestMtime(web, skip), newestMtime(path.join(root, 'package-lock.json')));
  return inputs > built ? 'stale' : 'fresh';
}
