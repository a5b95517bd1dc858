#!/usr/bin/env node
// The `warden` command (and `npm start`, which runs `warden server`): runs the compiled CLI
// in dist/, built from src/ by `npm run build`, which `npm ci` runs as the prepare script.
// Compiled, a call starts in a fraction of the time a TypeScript loader needs.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { distEntry, distState } from '../scripts/dist-state.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const state = distState(root);
if (state === 'missing') {
  process.stderr.write(`warden: ${distEntry(root)} is missing: run npm ci (or npm run build) in ${root}\n`);
  process.exit(2);
}
if (state === 'stale') {
  // Sources edited or pulled after the last build would otherwise silently not run.
  process.stderr.write(`warden: src/ changed after dist/ was built, running the old build: run npm run build in ${root}\n`);
}
const { runCli } = await import(pathToFileURL(distEntry(root)).href);
process.exitCode = await runCli(process.argv);
