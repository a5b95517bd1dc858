/**
 * How long a training job blocks the event loop: the real platform (SQLite, in-process
 * queue, one worker) trains one model on the SpamAssassin corpus while
 * `perf_hooks.monitorEventLoopDelay` samples the loop. A worker must renew its job lease
 * (WARDEN_JOB_LEASE_MS, 30 s by default, heartbeats every third of it): a block near the
 * heartbeat interval loses the lease and another worker takes the job over.
 *
 *   npx tsx bench/event-loop-block.ts                 # mlp, the family's defaults
 *   npx tsx bench/event-loop-block.ts --family lr
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { createPlatform } from '../src/main.js';

const args = process.argv.slice(2);
const family = args[args.indexOf('--family') + 1] && args.includes('--family') ? args[args.indexOf('--family') + 1]! : 'mlp';
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-bench-loop-'));
const platform = await createPlatform(
  loadConfig({ WARDEN_HOME: home, WARDEN_ADMIN_TOKEN: 'bench-admin-token-0123456789abcdef', WARDEN_LOG_LEVEL: 'silent', WARDEN_BOOTSTRAP: 'false', WARDEN_WORKER_CONCURRENCY: '1' }),
);
try {
  // Import first so the corpus parse is not counted as training.
  await platform.services.datasets.importBuiltinCorpus('spam-assassin');
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  // The longest gap between two timer callbacks, with the phase the job reported before it.
  let last = performance.now();
  let longest = { ms: 0, phase: '' };
  let phase = 'queued';
  const byPhase = new Map<string, number>();
  const probe = setInterval(() => {
    const now = performance.now();
    if (now - last > longest.ms) longest = { ms: now - last, phase };
    const name = phase.split(' ')[0]!;
    byPhase.set(name, Math.max(byPhase.get(name) ?? 0, now - last));
    last = now;
  }, 5);
  histogram.enable();
  const started = performance.now();
  const job = await platform.services.training.enqueueTraining({ model: `loop-${family}`, family, dataset: { builtin: ['spam-assassin'] } }, { name: 'bench' });
  // Live events name the phase the job reported last (a poll of the store lags behind).
  await platform.services.jobs.subscribe(job.id, (event) => {
    const progress = event.type === 'progress' ? event.progress : event.type === 'snapshot' || event.type === 'state' ? event.job.progress : null;
    if (progress) phase = `${progress.phase} at ${Math.round(progress.fraction * 100)} %${progress.message ? ` (${progress.message})` : ''}`;
  });
  for (;;) {
    const current = await platform.services.jobs.get(job.id);
    if (current.state === 'succeeded' || current.state === 'failed' || current.state === 'cancelled') {
      if (current.state !== 'succeeded') throw new Error(`job ${current.state}: ${JSON.stringify(current.error)}`);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  histogram.disable();
  clearInterval(probe);
  const ms = (ns: number) => Math.round(ns / 1e6);
  console.log(`family ${family}: job took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(`event-loop delay (monitorEventLoopDelay): max ${ms(histogram.max)} ms, p99 ${ms(histogram.percentile(99))} ms, mean ${ms(histogram.mean)} ms`);
  console.log(`longest gap between 5 ms timer ticks: ${Math.round(longest.ms)} ms (last phase reported before it: ${longest.phase})`);
  console.log(`longest gap per phase: ${[...byPhase].map(([name, gap]) => `${name} ${Math.round(gap)} ms`).join(', ')}`);
} finally {
  await platform.close();
  fs.rmSync(home, { recursive: true, force: true });
}
