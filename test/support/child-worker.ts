/**
 * Worker processes for crash tests: a fixture script run with tsx that prints `ready`
 * once its queue is listening, and is then stopped gently or killed with SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Starts `node --import tsx <fixture> <JSON config>` and resolves once it prints `ready`.
 * The fixture gets its settings from the JSON argument and an environment of PATH only:
 * it inherits nothing of the test runner's environment (no secrets).
 */
export function startChildWorker(fixture: string, config: object, readyTimeoutMs: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start in ${readyTimeoutMs / 1000} s: ${stderr}`)), readyTimeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before it was ready: ${stderr}`));
    });
  });
}

/** Sends `signal` and resolves when the process is gone; SIGKILL after 10 s if it lingers. */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}
