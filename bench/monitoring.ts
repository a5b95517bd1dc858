/**
 * Drift computation on 10k, 100k, 1M and 10M rows: the live window's histograms in the
 * reference profile's bins (one pass over each column) and the comparison (KS / chi-square
 * or PSI / JS / Wasserstein per value), for the score alone and for the score with every
 * monitored value (positive flag, normalisation flip and the 10 text descriptors). Columns
 * are Float32Array (4 bytes a row each); they are generated before the clock starts.
 *
 *   npm run bench:monitoring                          # 10k, 100k, 1M, 10M rows, best of 3
 *   npm run bench:monitoring -- --sizes 10000,1000000 --runs 5
 *
 * Prints per size: wall and CPU ms (the fastest run) and million rows/s for the score and for all values, the
 * heap the computation allocated (it keeps O(bins), not O(rows)), the input's size and the
 * process RSS. Then the per-input costs the serving path would pay: text descriptors and
 * MinHash signatures of a 1,000-character mail; and the monitoring overhead on predict
 * throughput (descriptors and logging on vs off, SpamAssassin mails, a trained model).
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Histogram, buildReferenceProfile, compareDistributions, compareProfiles, type DistributionProfile } from '../src/domain/monitoring/index.js';
import { MONITORED_VALUE_SPECS, addToVocabulary, createHashedVocabulary, describeText } from '../src/ml/monitoring/descriptors.js';
import { minHash } from '../src/ml/monitoring/near-duplicates.js';
import { normalizeText } from '../src/ml/normalize.js';
import { createRng, type Rng } from '../src/ml/random.js';
import { pick, predictBatch, splitIndices, trainTextClassifier, vectorizeText } from '../src/ml/index.js';
import { describeInput } from '../src/domain/serving.js';
import type { PredictionStore } from '../src/domain/ports/prediction-store.js';
import { PredictionLog } from '../src/services/prediction-log.js';
import { InputMonitor } from '../src/services/input-monitor.js';
import { loadSpamAssassin } from '../src/store/datasets/spam-assassin.js';

const { values: args } = parseArgs({
  options: { sizes: { type: 'string', default: '10000,100000,1000000,10000000' }, runs: { type: 'string', default: '3' } },
});
const SIZES = args.sizes.split(',').map(Number);
const RUNS = Number(args.runs);
const gc = (globalThis as { gc?: () => void }).gc;
const MiB = 1024 * 1024;

const NAMES = Object.keys(MONITORED_VALUE_SPECS);

/** One row of every monitored value, shaped like mail traffic (skewed lengths, mostly-zero counts). */
function fillColumns(rng: Rng, rows: number): Record<string, Float32Array> {
  const columns: Record<string, Float32Array> = {};
  for (const name of NAMES) columns[name] = new Float32Array(rows);
  const c = columns as Record<(typeof NAMES)[number], Float32Array>;
  for (let i = 0; i < rows; i++) {
    const u = rng.next();
    const positive = u < 0.3;
    const score = positive ? 1 - 0.5 * rng.next() ** 3 : 0.5 * rng.next() ** 3;
    const length = 40 + 20_000 * rng.next() ** 4;
    c.score![i] = score;
    c.positive![i] = positive ? 1 : 0;
    c.normalizationFlip![i] = u > 0.995 ? 1 : 0;
    c.length![i] = length;
    c.tokens![i] = length / (5 + rng.next());
    c.nonAsciiShare![i] = u < 0.1 ? 0.3 * rng.next() : 0;
    c.invisiblePer1k![i] = u > 0.99 ? 10 * rng.next() : 0;
    c.mixedScriptTokens![i] = u > 0.98 ? 1 + Math.floor(3 * rng.next()) : 0;
    c.urls![i] = Math.floor(4 * rng.next() ** 3);
    c.base64Spans![i] = u > 0.995 ? 1 : 0;
    c.spacedLetterRuns![i] = u > 0.97 ? 1 : 0;
    c.beyondMaxShare![i] = length > 5000 ? 1 - 5000 / length : 0;
    c.oovShare![i] = 0.2 * rng.next() ** 2;
  }
  return columns;
}

/** Wall and CPU ms of the fastest run (CPU time as well: the machine is shared and wall time is noisy). */
function best(run: () => void): { wall: number; cpu: number } {
  let fastest = { wall: Number.POSITIVE_INFINITY, cpu: Number.POSITIVE_INFINITY };
  for (let r = 0; r < RUNS; r++) {
    const cpuStarted = process.cpuUsage();
    const started = performance.now();
    run();
    const wall = performance.now() - started;
    const used = process.cpuUsage(cpuStarted);
    if (wall < fastest.wall) fastest = { wall, cpu: (used.user + used.system) / 1000 };
  }
  return fastest;
}
const figures = (ms: { wall: number; cpu: number }, rows: number): string =>
  `${ms.wall.toFixed(2).padStart(9)} ${ms.cpu.toFixed(1).padStart(8)} ${(rows / (ms.wall / 1000) / 1e6).toFixed(1).padStart(8)}`;

const reference = buildReferenceProfile(MONITORED_VALUE_SPECS, fillColumns(createRng(1), 100_000));
console.log(`reference profile: ${NAMES.length} values from 100,000 rows, ${JSON.stringify(reference).length.toLocaleString()} bytes of JSON`);
console.log(`node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg()[0]!.toFixed(1)}${gc ? '' : ' (run with --expose-gc for the heap figures)'}`);
console.log('');
console.log('rows        | score: wall ms  CPU ms  Mrows/s | all 13 values: wall ms  CPU ms  Mrows/s | heap allocated | input MiB | RSS MiB');

for (const rows of SIZES) {
  const columns = fillColumns(createRng(rows), rows);
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let verdict = '';
  const scoreMs = best(() => {
    const live = Histogram.like(reference.distributions.score!);
    live.addAll(columns.score!);
    verdict = compareDistributions('score', reference.distributions.score!, live.toProfile(), undefined, 1).verdict;
  });
  let report = '';
  const allMs = best(() => {
    const live: Record<string, DistributionProfile> = {};
    for (const name of NAMES) {
      const histogram = Histogram.like(reference.distributions[name]!);
      histogram.addAll(columns[name]!);
      live[name] = histogram.toProfile();
    }
    report = compareProfiles(reference, live).verdict;
  });
  const heapAllocated = process.memoryUsage().heapUsed - heapBefore;
  const inputMiB = (NAMES.length * rows * 4) / MiB;
  const rss = process.memoryUsage().rss / MiB;
  console.log(
    `${rows.toLocaleString().padEnd(11)} | ${figures(scoreMs, rows).padStart(29)} | ${figures(allMs, rows).padStart(37)} | ${gc ? `${(heapAllocated / 1024).toFixed(0)} KiB`.padStart(14) : 'n/a'.padStart(14)} | ${inputMiB.toFixed(0).padStart(9)} | ${rss.toFixed(0).padStart(7)}   (verdicts: score ${verdict}, all ${report})`,
  );
}

// Per-input costs on the serving path: a 1,000-character mail with a link and a few oddities.
const rng = createRng(7);
const words = ['account', 'verify', 'meeting', 'invoice', 'password', 'schedule', 'the', 'your', 'please', 'today', 'report', 'f r e e'];
const texts = Array.from({ length: 2000 }, (_, i) => {
  let text = '';
  while (text.length < 1000) text += words[rng.nextInt(words.length)] + (rng.next() < 0.1 ? '. ' : ' ');
  return `${text} https://example.com/${i}${i % 50 === 0 ? '\u200b' : ''}`;
});
const normalized = texts.map((t) => normalizeText(t));
for (let warm = 0; warm < 2; warm++) for (const t of texts) describeText(t, { maxChars: 5000 });
const describeMs = best(() => {
  for (let i = 0; i < texts.length; i++) describeText(texts[i]!, { maxChars: 5000, normalized: normalized[i]! });
});
const minHashMs = best(() => {
  for (const t of normalized) minHash(t);
});
console.log('');
console.log(
  `per 1,000-character input: text descriptors ${((1000 * describeMs.wall) / texts.length).toFixed(1)} µs, MinHash signature ${((1000 * minHashMs.wall) / texts.length).toFixed(1)} µs (best of ${RUNS} over ${texts.length} texts); load average ${os.loadavg()[0]!.toFixed(1)}`,
);

// ── Monitoring overhead on predict throughput: the serving path's per-request work in this
// process (score a batch, record each answer in the prediction log) with the monitoring
// descriptors off (the three cheap facts serving always recorded) and on (InputMonitor: every
// descriptor, the near-duplicate check, a 1 % text sample), on the default logistic regression
// trained on SpamAssassin, real mails. The log's store discards (the writer is the same).
// HTTP is left out, so the share below is an upper bound of what a request over the wire pays.
{
  const rows = loadSpamAssassin();
  const split = splitIndices(rows.map((r) => r.text), { seed: 42, test: 0.2, validation: 0.1 });
  const part = (idx: Int32Array) => ({ texts: pick(rows.map((r) => r.text), idx), labels: Uint8Array.from(pick(Array.from(rows, (r) => r.label), idx)) });
  const { model } = trainTextClassifier({ family: 'logistic-regression', seed: 42 }, { train: part(split.train), validation: part(split.validation) });
  const mails = part(split.test).texts;
  const discard = { insertMany: async () => {}, insertFailures: async () => {}, deleteOlderThan: async () => 0 } as unknown as PredictionStore;
  const metrics = { predictionLogDropped: () => {}, predictionLogWritten: () => {} };
  const log = new PredictionLog({ store: discard, clock: { now: () => Date.now() }, metrics, maxBuffer: 1_000_000, batchSize: 500, flushIntervalMs: 60_000, retentionMs: 86_400_000 });
  // The training rows' vocabulary, as the reference profile keeps it: a described input's out-of-vocabulary share looks up the buckets its scoring hashed.
  const vocabulary = createHashedVocabulary(1 << model.featurizer.dimsLog2);
  for (const text of part(split.train).texts) addToVocabulary(vocabulary, vectorizeText(model, text).indices);
  const version = { model: 'm', number: 1, sourceRunId: 'run' };
  // Seeded and restarted before every run: each run of a case describes and samples the same inputs, so the fastest run differs from the others by the machine only.
  let draws = createRng(1);
  const monitorAt = (describeRate: number, withVocabulary: boolean) =>
    new InputMonitor({ describeRate, sampleRate: 0.01, sampleChars: 200, nearDuplicateWindow: 1_000, random: () => draws.next(), ...(withVocabulary ? { vocabularies: async () => vocabulary } : {}) });
  const monitors = { plain: monitorAt(1, false), every: monitorAt(1, true), default: monitorAt(0.05, true) };
  for (const monitor of Object.values(monitors)) await monitor.prepare(version);
  const BATCH = 16;
  const serve = (monitor: InputMonitor | undefined): void => {
    for (let i = 0; i < mails.length; i += BATCH) {
      const texts = mails.slice(i, i + BATCH);
      // As ServingService: with monitoring on the monitor scores (drawing the described inputs first).
      const answering = { version, classifier: model };
      const scored = monitor?.score(texts, answering);
      const answers = scored?.map((s) => s.prediction) ?? predictBatch(model, texts);
      const createdAt = Date.now();
      answers.forEach((p, j) => {
        const text = texts[j]!;
        log.record({ id: `${i}.${j}`, requestId: String(i), model: 'm', version: 1, semver: 'v1.0', arm: 'production', label: p.label, probability: p.probability, score: p.score, latencyMs: 1, createdAt, ...describeInput(text), ...(scored !== undefined ? monitor?.observe('m', text, answering, scored[j]!) : {}) });
      });
    }
  };
  // Interleaved, the log emptied between runs, the fastest run of each kept (in wall and, apart, in CPU time: on a shared
  // machine the process waits for a core, which wall time counts and CPU time does not): the cases see the same machine.
  const timed = async (monitor: InputMonitor | undefined): Promise<{ wall: number; cpu: number }> => {
    await log.flush();
    // A full collection first: the case before (every input described allocates the most) must not leave its garbage to this one.
    globalThis.gc?.();
    draws = createRng(1);
    const cpuStarted = process.cpuUsage();
    const started = performance.now();
    serve(monitor);
    const wall = performance.now() - started;
    const used = process.cpuUsage(cpuStarted);
    return { wall, cpu: (used.user + used.system) / 1000 };
  };
  const fastest = Object.fromEntries(['off', 'plain', 'every', 'share'].map((k) => [k, { wall: Infinity, cpu: Infinity }])) as Record<'off' | 'plain' | 'every' | 'share', { wall: number; cpu: number }>;
  for (let run = 0; run < RUNS + 2; run++) {
    const times = { off: await timed(undefined), plain: await timed(monitors.plain), every: await timed(monitors.every), share: await timed(monitors.default) };
    if (run < 2) continue; // warm-up
    for (const [k, t] of Object.entries(times) as [keyof typeof fastest, { wall: number; cpu: number }][]) {
      fastest[k] = { wall: Math.min(fastest[k].wall, t.wall), cpu: Math.min(fastest[k].cpu, t.cpu) };
    }
  }
  const { off, plain, every, share } = fastest;
  // The default rate's overhead (a few µs a text) is smaller than this VM's run-to-run noise
  // (±20 % of a run): pairs of runs, off and default back to back in alternating order, and
  // the median of the pairs' differences, which noise shared by a pair cancels out of.
  const PAIRS = Math.max(20, 4 * RUNS);
  const differences: number[] = [];
  const offTimes: number[] = [];
  for (let pair = 0; pair < PAIRS; pair++) {
    const first = pair % 2 === 0;
    const a = await timed(first ? undefined : monitors.default);
    const b = await timed(first ? monitors.default : undefined);
    const [offRun, shareRun] = first ? [a, b] : [b, a];
    differences.push(shareRun.cpu - offRun.cpu);
    offTimes.push(offRun.cpu);
  }
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
  const quartiles = (values: number[]): [number, number] => {
    const sorted = [...values].sort((x, y) => x - y);
    return [sorted[Math.floor(sorted.length / 4)]!, sorted[Math.floor((3 * sorted.length) / 4)]!];
  };
  await log.close();
  const rate = (ms: { wall: number }) => (mails.length / ms.wall) * 1000;
  const meanChars = mails.reduce((s, t) => s + t.length, 0) / mails.length;
  console.log('');
  const cost = (ms: { wall: number }) => `${rate(ms).toFixed(0)} texts/s (${(100 * (1 - rate(ms) / rate(off))).toFixed(1)} % below off, ${((1000 * (ms.wall - off.wall)) / mails.length).toFixed(1)} µs per text)`;
  console.log(
    `predict + log, ${mails.length} SpamAssassin mails (mean ${meanChars.toFixed(0)} chars) in batches of ${BATCH}: descriptors off ${rate(off).toFixed(0)} texts/s; every input described without the version's vocabulary ${cost(plain)}; every input described ${cost(every)}; the default 5 % described ${cost(share)}; load average ${os.loadavg()[0]!.toFixed(1)}`,
  );
  const cpuCost = (ms: { cpu: number }) => `+${(100 * (ms.cpu / off.cpu - 1)).toFixed(1)} % (${((1000 * (ms.cpu - off.cpu)) / mails.length).toFixed(1)} µs per text)`;
  console.log(
    `the same in CPU time: descriptors off ${((1000 * off.cpu) / mails.length).toFixed(1)} µs per text; every input described without the version's vocabulary ${cpuCost(plain)}; every input described ${cpuCost(every)}; the default 5 % described ${cpuCost(share)}`,
  );
  const perText = (ms: number) => (1000 * ms) / mails.length;
  const [q1, q3] = quartiles(differences);
  console.log(
    `the default 5 % in ${PAIRS} paired runs (CPU): +${perText(median(differences)).toFixed(1)} µs per text (quartiles ${perText(q1).toFixed(1)} to ${perText(q3).toFixed(1)}), ${((100 * median(differences)) / median(offTimes)).toFixed(1)} % of the ${perText(median(offTimes)).toFixed(1)} µs a text costs with descriptors off`,
  );
}
