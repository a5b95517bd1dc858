/**
 * GET /models/compare on the SpamAssassin corpus: two models (logistic regression and naive
 * Bayes) trained in this process on the built-in corpus, then compared on the rows both held
 * out, through app.inject (no network). In-process SQLite store, temp WARDEN_HOME.
 *
 *   npm run bench:compare                 # 3 timed compares after one warm-up
 *   npm run bench:compare -- --runs 5
 *
 * Prints the rows compared, the wall and CPU time of each request, and the longest the event
 * loop was held during the requests (scoring yields every 20 ms; reading and parsing the
 * training datasets to rebuild the split does not).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { createPlatform } from '../src/main.js';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const RUNS = Number(args.runs);

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-bench-compare-'));
const adminToken = `bench-${randomBytes(16).toString('hex')}`;
const config = loadConfig({ WARDEN_HOME: home, WARDEN_ADMIN_TOKEN: adminToken, WARDEN_LOG_LEVEL: 'silent', WARDEN_BOOTSTRAP: 'false', WARDEN_WORKER_CONCURRENCY: '1', PORT: '0' });
const platform = await createPlatform(config);
try {
  const { training, jobs } = platform.services;
  for (const [model, family] of [['bench-lr', 'lr'], ['bench-nb', 'nb']] as const) {
    const started = performance.now();
    const queued = await training.enqueueTraining({ model, family, dataset: { builtin: ['spam-assassin'] }, task: 'spam' }, { name: 'bench' });
    for (;;) {
      const job = await jobs.get(queued.id);
      if (job.state === 'succeeded') break;
      if (job.state === 'failed' || job.state === 'cancelled') throw new Error(`training ${model} ${job.state}: ${JSON.stringify(job.error)}`);
      await sleep(200);
    }
    console.log(`trained ${model} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const url = '/models/compare?a=bench-lr@v1.0&b=bench-nb@v1.0';
  const headers = { authorization: `Bearer ${adminToken}` };
  await platform.app.inject({ method: 'GET', url, headers });
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const times: number[] = [];
  const cpu: number[] = [];
  let body: { rows: { count: number; source: string }; paired: { counts: Record<string, number>; mcnemar: { method: string; pValue: number } } } | undefined;
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    const res = await platform.app.inject({ method: 'GET', url, headers });
    times.push(performance.now() - started);
    const used = process.cpuUsage(cpuStarted);
    cpu.push((used.user + used.system) / 1000);
    if (res.statusCode !== 200) throw new Error(`compare answered ${res.statusCode}: ${res.body}`);
    body = res.json();
  }
  delay.disable();
  console.log(`rows compared: ${body!.rows.count} (${body!.rows.source}); McNemar ${body!.paired.mcnemar.method} p = ${body!.paired.mcnemar.pValue.toPrecision(3)}; counts ${JSON.stringify(body!.paired.counts)}`);
  // CPU time as well as wall time: the machine is shared and wall time is noisy.
  console.log(`request wall ms: ${times.map((t) => t.toFixed(0)).join(', ')}; CPU ms: ${cpu.map((t) => t.toFixed(0)).join(', ')}; load average ${os.loadavg()[0]!.toFixed(1)}`);
  console.log(`event loop held at most ${(delay.max / 1e6).toFixed(0)} ms during the requests`);
} finally {
  await platform.close();
  fs.rmSync(home, { recursive: true, force: true });
}
