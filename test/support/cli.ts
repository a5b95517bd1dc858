/** Shared harness for the CLI tests: the platform's server on a loopback port, the CLI run in-process with its output captured. */
import assert from 'node:assert/strict';
import { runCli } from '../../src/cli/index.js';
import type { TestPlatform } from './platform.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `warden <args>` in-process through runCli (the same code path as bin/warden.js after argument parsing). */
export async function runCliCaptured(args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['node', 'warden', ...args], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** Starts the platform's HTTP server on an ephemeral loopback port and returns its base URL. */
export async function listenOnLoopback(platform: TestPlatform): Promise<string> {
  await platform.app.listen({ host: '127.0.0.1', port: 0 });
  const address = platform.app.server.address();
  assert.ok(address && typeof address === 'object');
  return `http://127.0.0.1:${address.port}`;
}
