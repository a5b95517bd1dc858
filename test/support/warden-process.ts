/**
 * Real `warden server` / `warden worker` OS processes for cluster tests: the compiled bin
 * (see build.ts) with an explicit environment, their output kept for failure messages.
 * Every process started here is killed when the test process exits, whatever happened.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { stopChild } from './child-worker.js';

export interface WardenProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** `warden server`: the API's base URL; `warden worker`: its health endpoint's base URL. */
  readonly url: string;
  /** `warden worker`: the id its jobs record (`host/pid/random`). */
  readonly workerId: string | undefined;
  /** The last 64 KiB of its stdout and stderr. */
  output(): string;
}

const OUTPUT_KEPT = 64 * 1024;
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Runs `node <bin> <command>` with exactly `env` (plus PATH) and resolves once it prints
 * where it serves: `listening on <url>` (server) or `Health: <url>/health` (worker, which
 * then needs WARDEN_HEALTH_PORT).
 */
export function startWarden(name: string, bin: string, command: 'server' | 'worker', env: Record<string, string>, readyTimeoutMs: number): Promise<WardenProcess> {
  const child = spawn(process.execPath, [bin, command], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', ...env } });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEPT);
  };
  child.stderr!.on('data', keep);
  const ready = command === 'server' ? /listening on (http:\/\/\S+)/ : /Health: (http:\/\/\S+)\/health/;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start in ${readyTimeoutMs / 1000} s:\n${output}`));
    }, readyTimeoutMs);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${output}`));
    };
    child.once('exit', onExit);
    child.stdout!.on('data', (chunk: Buffer) => {
      keep(chunk);
      const url = ready.exec(output)?.[1];
      if (url === undefined) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout!.removeAllListeners('data');
      child.stdout!.on('data', keep);
      const workerId = /Warden worker (\S+):/.exec(output)?.[1];
      resolve({ name, child, pid: child.pid!, url, workerId, output: () => output });
    });
  });
}

/** SIGTERM (a graceful stop: running jobs finish) or SIGKILL; resolves once the process is gone. */
export function stopWarden(process: WardenProcess, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  return stopChild(process.child, signal);
}
