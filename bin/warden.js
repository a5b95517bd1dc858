#!/usr/bin/env node
// The `warden` command: runs the TypeScript CLI through tsx, from any working directory.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import(new URL('../src/cli/index.ts', import.meta.url).href);
process.exitCode = await runCli(process.argv);
