/**
 * Start-up as a newcomer meets it: wall time of `warden` CLI calls and time from
 * spawning `npm start` to the first 200 from /health on an empty temp home.
 *
 *   npm run bench:startup                       # 10 CLI calls per case, 5 server starts per case
 *   npm run bench:startup -- --cli-runs 20 --server-runs 3
 *   npm run bench:startup -- --root /tmp/warden-before   # another checkout, side by side
 *
 * CLI cases run `node bin/warden.js` (what the `warden` bin is) and `npx warden` (what
 * the README prints); `status` talks to a running server. Server cases spawn the
 * README's `npm start` with WARDEN_BOOTSTRAP=false and with the first-start bootstrap
 * on (the sample models start training right after /health answers; the child is then
 * stopped). Prints median and min in ms, and the load average so that figures from a
 * busy machine can be read in context.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from './support/server.js';
import { printTable } from './support/report.js';

const { values: args } = parseArgs({
  options: {
    'cli-runs': { type: 'string', default: '10' },
    'server-runs': { type: 'string', default: '5' },
    // Another checkout to measure (e.g. a worktree of an older commit), its node_modules installed.
    root: { type: 'string', default: fileURLToPath(new URL('..', import.meta.url)) },
  },
});
const ROOT = path.resolve(args.root);
const CLI_RUNS = Number(args['cli-runs']);
const SERVER_RUNS = Number(args['server-runs']);

type Env = Record<string, string>;

/** Runs a command to completion; resolves with its wall time in ms (throws on a non-zero exit). */
function timed(command: string, argv: string[], env: Env = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, argv, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve(ms);
      else reject(new Error(`${command} ${argv.join(' ')} exited with ${code}: ${stderr.trim()}`));
    });
  });
}

interface StartedServer {
  /** Spawn → first 200 from /health, in ms. */
  readyMs: number;
  url: string;
  token: string;
  stop(): Promise<void>;
}

/** Spawns `npm start` on an empty temp home and polls /health every 10 ms until it answers 200. */
async function startServer(bootstrap: boolean): Promise<StartedServer> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-bench-startup-'));
  const token = `bench-admin-${randomBytes(16).toString('hex')}`;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  // Its own process group: npm runs a shell that runs node, and all of them must stop.
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), WARDEN_HOME: home, WARDEN_ADMIN_TOKEN: token, WARDEN_LOG_LEVEL: 'warn', WARDEN_BOOTSTRAP: String(bootstrap) },
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    await exited;
    fs.rmSync(home, { recursive: true, force: true });
  };
  const deadline = started + 120_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`npm start exited with code ${child.exitCode}`);
    }
    try {
      if ((await fetch(`${url}/health`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) {
      await stop();
      throw new Error('npm start did not answer /health within 120 s');
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return { readyMs: performance.now() - started, url, token, stop };
}

function summary(kind: string, label: string, samples: number[]): string[] {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return [kind, label, String(samples.length), median.toFixed(0), sorted[0]!.toFixed(0), sorted.at(-1)!.toFixed(0)];
}

async function repeat(runs: number, once: () => Promise<number>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) samples.push(await once());
  return samples;
}

const loadBefore = os.loadavg();
const rows: string[][] = [];
const bin = path.join('bin', 'warden.js');

rows.push(summary('cli', 'node bin/warden.js --help', await repeat(CLI_RUNS, () => timed(process.execPath, [bin, '--help']))));
rows.push(summary('cli', 'npx warden --help', await repeat(CLI_RUNS, () => timed('npx', ['warden', '--help']))));
const server = await startServer(false);
try {
  const env = { WARDEN_URL: server.url, WARDEN_TOKEN: server.token };
  rows.push(summary('cli', 'node bin/warden.js status', await repeat(CLI_RUNS, () => timed(process.execPath, [bin, 'status'], env))));
  rows.push(summary('cli', 'npx warden status', await repeat(CLI_RUNS, () => timed('npx', ['warden', 'status'], env))));
} finally {
  await server.stop();
}
for (const bootstrap of [false, true]) {
  const samples = await repeat(SERVER_RUNS, async () => {
    const started = await startServer(bootstrap);
    await started.stop();
    return started.readyMs;
  });
  rows.push(summary('server', `npm start → /health 200, empty home, WARDEN_BOOTSTRAP=${bootstrap}`, samples));
}

console.log(`${ROOT}: load average before: ${loadBefore.map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs; node ${process.version}`);
printTable(['kind', 'case', 'runs', 'median ms', 'min ms', 'max ms'], rows);
console.log(`load average after: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
