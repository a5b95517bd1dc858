/**
 * Serving throughput on loopback: a real `warden server` child process (SQLite, the first-start
 * bootstrap training the default `spam-detector` on the SpamAssassin corpus, prediction logging
 * on as always) beside a bare Fastify child process whose one route returns a constant, both
 * driven by autocannon from this process in the same run, bounded in time.
 *
 *   npm run bench:serve                                    # 10 s per case
 *   npm run bench:serve -- --duration 5 --connections 16
 *   npm run bench:serve -- --api-processes 2              # warden server's default on 2 CPUs
 *
 * Prints req/s and p50/p99 for: the bare route; POST /predict/spam-detector with one short text;
 * the same at a fixed 1,000 req/s (latency under a steady load); a batch of 64 texts per request
 * (texts/s). Then the ratio predict / bare, and the prediction log's written and dropped counts.
 * Exit code 1 when any request failed.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import os from 'node:os';
import autocannon from 'autocannon';
import { call, freePort, startServer, type BenchServer } from './support/server.js';
import { printTable } from './support/report.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    rate: { type: 'string', default: '1000' },
    'api-processes': { type: 'string', default: '1' },
  },
});
const DURATION_S = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const RATE = Number(args.rate);
// One by default, like the bare baseline: the ratio compares one process with one process.
const API_PROCESSES = args['api-processes'];
const MODEL = 'spam-detector';
const SHORT = 'Congratulations! You WON a free prize, click here to claim it now';
const BATCH = Array.from({ length: 64 }, (_, i) => (i % 2 === 0 ? `${SHORT} #${i}` : `Minutes of the project meeting on tuesday, item ${i}`));
const BOOTSTRAP_LIMIT_MS = 10 * 60_000;

interface Case {
  name: string;
  url: string;
  path: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  overallRate?: number;
  textsPerRequest: number;
}

async function run(c: Case): Promise<autocannon.Result> {
  return autocannon({
    url: c.url,
    connections: c.connections,
    duration: DURATION_S,
    ...(c.overallRate !== undefined ? { overallRate: c.overallRate } : {}),
    requests: [{ method: 'POST', path: c.path, headers: { 'content-type': 'application/json', ...c.headers }, body: c.body }],
  });
}

/** The bare baseline: Fastify, one POST route, JSON body parsed, a constant answered; its own process like the server. */
async function startBare(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const source = `
    import Fastify from 'fastify';
    const app = Fastify({ logger: false });
    app.post('/bare', async () => ({ label: 1, probability: 0.9 }));
    await app.listen({ host: '127.0.0.1', port: ${port} });
    process.send?.('ready');
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { PATH: process.env.PATH ?? '' } });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the bare server exited with code ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Waits (bounded) until the bootstrap has trained and auto-staged the default model, so /predict answers 200. */
async function waitForLiveModel(server: BenchServer, token: string): Promise<void> {
  const deadline = Date.now() + BOOTSTRAP_LIMIT_MS;
  for (;;) {
    const res = await fetch(`${server.url}/predict/${MODEL}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: SHORT }),
    });
    if (res.ok) return;
    if (Date.now() > deadline) throw new Error(`${MODEL} was not live within ${BOOTSTRAP_LIMIT_MS / 60_000} min: ${res.status} ${await res.text()}`);
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

/** Waits (bounded) until no training job is queued or running: the bootstrap's second model trains in the server's process. */
async function waitForIdleWorker(server: BenchServer): Promise<void> {
  const deadline = Date.now() + BOOTSTRAP_LIMIT_MS;
  for (;;) {
    const { jobs } = await call<{ jobs: Array<{ state: string }> }>(server, 'GET', '/jobs?kind=train&limit=100');
    if (jobs.every((job) => job.state !== 'queued' && job.state !== 'running')) return;
    if (Date.now() > deadline) throw new Error('the bootstrap training did not finish in time');
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

function metric(text: string, pattern: RegExp): number {
  const match = pattern.exec(text);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

const started = Date.now();
const server = await startServer('sqlite', 'serve', {
  WARDEN_BOOTSTRAP: 'true',
  WARDEN_WORKER_CONCURRENCY: '1',
  WARDEN_API_PROCESSES: API_PROCESSES,
  // The bench's traffic is one text repeated, drift by design: a retrain on it would train in
  // the serving process (one API process has every role) and measure training, not serving.
  WARDEN_RETRAINING_POLICY: JSON.stringify({ retrainOnDrift: false }),
});
const bare = await startBare();
let failed = false;
try {
  const viewer = (await call<{ token: string }>(server, 'POST', '/tokens', { name: 'bench-viewer', role: 'viewer' })).token;
  process.stdout.write(`waiting for the bootstrap to train ${MODEL} (about a minute)…\n`);
  await waitForLiveModel(server, viewer);
  await waitForIdleWorker(server);
  process.stdout.write(`${MODEL} live and the bootstrap done after ${Math.round((Date.now() - started) / 1000)} s; ${API_PROCESSES} API process(es); load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  const auth = { authorization: `Bearer ${viewer}` };
  const single = JSON.stringify({ text: SHORT });
  const cases: Case[] = [
    { name: 'bare Fastify route (constant)', url: bare.url, path: '/bare', body: single, headers: {}, connections: CONNECTIONS, textsPerRequest: 1 },
    { name: 'predict, 1 short text', url: server.url, path: `/predict/${MODEL}`, body: single, headers: auth, connections: CONNECTIONS, textsPerRequest: 1 },
    { name: `predict, 1 short text at ${RATE} req/s`, url: server.url, path: `/predict/${MODEL}`, body: single, headers: auth, connections: CONNECTIONS, overallRate: RATE, textsPerRequest: 1 },
    { name: 'predict, batch of 64 texts', url: server.url, path: `/predict/${MODEL}`, body: JSON.stringify({ texts: BATCH }), headers: auth, connections: 4, textsPerRequest: 64 },
  ];
  const results: Array<{ c: Case; r: autocannon.Result }> = [];
  for (const c of cases) results.push({ c, r: await run(c) });

  const lines = results.map(({ c, r }) => {
    if (r.non2xx > 0 || r.errors > 0) failed = true;
    return [
      c.name,
      String(c.connections),
      String(Math.round(r.requests.average)),
      String(Math.round(r.requests.average * c.textsPerRequest)),
      String(r.latency.p50),
      String(r.latency.p99),
      String(r.requests.total),
      String(r.non2xx + r.errors),
    ];
  });
  printTable(['case', 'c', 'req/s', 'texts/s', 'p50 ms', 'p99 ms', 'requests', 'failed'], lines);
  const [bareRun, predictRun] = results;
  if (bareRun && predictRun) {
    const ratio = predictRun.r.requests.average / bareRun.r.requests.average;
    process.stdout.write(`\npredict / bare route: ${(ratio * 100).toFixed(1)} % (${Math.round(predictRun.r.requests.average)} / ${Math.round(bareRun.r.requests.average)} req/s)\n`);
  }
  // Whatever the log buffered is written within a flush interval.
  await new Promise((r) => setTimeout(r, 1_500));
  const metrics = await (await fetch(`${server.url}/metrics`, { headers: auth })).text();
  const written = metric(metrics, /^warden_prediction_log_written_total (\d+)/m);
  const dropped = metric(metrics, /^warden_prediction_log_dropped_total\{reason="buffer-full"\} (\d+)/m) + metric(metrics, /^warden_prediction_log_dropped_total\{reason="write-failed"\} (\d+)/m);
  process.stdout.write(`prediction log: ${written} records written, ${dropped} dropped\n`);
} finally {
  await bare.stop();
  await server.stop();
}
process.exitCode = failed ? 1 : 0;
