/**
 * stopOnSignals: the graceful shutdown of `warden server` and `warden worker`. The signal
 * paths end the process, so they run in a child (test/fixtures/stop-on-signals.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { stopOnSignals } from '../../src/startup/signals.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/stop-on-signals.ts', import.meta.url));

/** Starts the fixture, waits for "ready", sends `signal`, returns its exit code and output. */
async function signalled(mode: 'ok' | 'fail', signal: NodeJS.Signals): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // An explicit environment: the child inherits no secrets.
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, mode], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('ready\n')) resolve();
    });
    child.once('exit', () => reject(new Error(`exited before ready: ${stderr}`)));
  });
  child.kill(signal);
  const [code] = await exited;
  return { code, stdout, stderr };
}

describe('stopOnSignals', () => {
  it('SIGTERM announces the shutdown, runs it once and exits 0', async () => {
    const { code, stdout } = await signalled('ok', 'SIGTERM');
    assert.equal(code, 0, stdout);
    assert.deepEqual(stdout.trim().split('\n'), ['ready', 'SIGTERM: stopping the test process', 'shutdown']);
  });

  it('SIGINT works the same way', async () => {
    const { code, stdout } = await signalled('ok', 'SIGINT');
    assert.equal(code, 0, stdout);
    assert.match(stdout, /SIGINT: stopping the test process\nshutdown/);
  });

  it('a failed shutdown exits 1 and says why', async () => {
    const { code, stderr } = await signalled('fail', 'SIGTERM');
    assert.equal(code, 1);
    assert.match(stderr, /shutdown failed:.*shutdown broke/s);
  });

  it('stop() runs the shutdown once however often it is called, and removes the signal handlers', async () => {
    const before = { int: process.listenerCount('SIGINT'), term: process.listenerCount('SIGTERM') };
    let runs = 0;
    const stop = stopOnSignals(() => assert.fail('nothing to announce without a signal'), 'unused', async () => {
      runs++;
    });
    assert.equal(process.listenerCount('SIGTERM'), before.term + 1);
    await Promise.all([stop(), stop()]);
    await stop();
    assert.equal(runs, 1);
    assert.equal(process.listenerCount('SIGINT'), before.int);
    assert.equal(process.listenerCount('SIGTERM'), before.term);
  });
});
