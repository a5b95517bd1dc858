#!/usr/bin/env node
// The prepare script (`npm ci` / `npm install` run it): builds dist/ unless it is already
// newer than its sources. npx runs prepare again when it first links this checkout's own
// `warden` bin into its cache; the check makes that call cheap instead of a second build.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { distState } from './dist-state.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
if (distState(root) !== 'fresh') {
  const result = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
