#!/usr/bin/env node
// The prepare script (`npm ci` / `npm install` run it): builds dist/ (the server) and
// web/dist (the dashboard) unless each is already newer than its sources. npx runs prepare
// again when it first links this checkout's own `warden` bin into its cache; the checks
// make that call cheap instead of a second build.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { distState, webState } from './dist-state.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const builds = [
  ['build:server', distState(root)],
  ['build:web', webState(root)],
];
for (const [script, state] of builds) {
  if (state === 'fresh') continue;
  const result = spawnSync('npm', ['run', script], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
