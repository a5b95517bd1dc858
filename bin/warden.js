#!/usr/bin/env node
// The `warden` command: runs the TypeScript CLI through tsx, from any working directory
// (the project's own tsconfig is used, not one that happens to sit in the cwd).
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { runCli } = await import(new URL('../src/cli/index.ts', import.meta.url).href);
process.exitCode = await runCli(process.argv);
