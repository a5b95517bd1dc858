/**
 * The red team's proof on the default spam model (issue 10, "Proof"): attack success per
 * family before; the vulnerability retrain; attack success again on the retrained version,
 * with its clean F1 not lower by more than 1 point.
 *
 *   npm run bench:redteam-retrain                                # every family, seed 1, 200 inputs, SQLite
 *   npm run bench:redteam-retrain -- --families encoding,dilution --seed 7 --max-inputs 300
 *   npm run bench:redteam-retrain -- --store postgres            # a fresh schema in WARDEN_TEST_PG_URL
 *
 * Nothing here re-implements the product: an embedded platform (`createPlatform`, every role,
 * the default config) starts on an empty temp WARDEN_HOME as the first start does, so the
 * bootstrap trains the sample models on the SpamAssassin and everyday-messages corpora through
 * real `train` jobs. Then, through the services the API routes call:
 *
 * 1. a red-team campaign (a real `redteam` job) against spam-detector's Production version:
 *    per family attack success rate, accuracy under attack, queries;
 * 2. the campaign's threshold check claims the task's unused vulnerabilities (≥
 *    WARDEN_REDTEAM_RETRAIN_THRESHOLD, default 10) and its event makes the platform queue one
 *    `retrain` job per model of the task, through the retraining orchestrator's gate; the bench
 *    only waits for them, then reads the retrained version, its stage and the reason, and the
 *    vulnerabilities the ledger records it used;
 * 3. the identical campaign (same families, inputs, budget, seed) against the retrained version;
 *    the bench checks that both campaigns attacked the same inputs (the first malicious held-out
 *    rows: the vulnerability corpus is the last dataset a retrain reads, so those rows lead);
 * 4. clean F1 / precision / recall of both versions on the same rows, computed by Warden's
 *    comparison (`GET /models/compare` with `dataset=`) on the held-out rows of the version
 *    attacked first, registered as a dataset. Not the shared held-out rows of a plain
 *    comparison: the retrained version also holds out some vulnerability-corpus rows (they are
 *    split by their text's hash like every row), adversarial texts found against the version
 *    before, which would not be a clean set and would favour the retrained side.
 *
 * Exit code 1 when the clean F1 fell by more than 1 point, or when the proof could not be
 * made (the campaign found fewer vulnerabilities than the threshold, a job failed, the two
 * campaigns attacked different inputs).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { createPlatform, type Platform } from '../src/main.js';
import type { Job } from '../src/domain/jobs.js';
import type { Campaign, VulnerabilityView } from '../src/domain/redteam/index.js';
import type { ModelVersion } from '../src/domain/registry/index.js';
import { VULNERABILITY_TRIGGER_TAG } from '../src/services/training-service.js';
import { PG_URL, pgQuery } from './support/server.js';
import { printTable } from './support/report.js';

const { values: args } = parseArgs({
  options: {
    families: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'max-inputs': { type: 'string', default: '200' },
    'query-budget': { type: 'string', default: '200' },
    model: { type: 'string', default: 'spam-detector' },
    store: { type: 'string', default: 'sqlite' },
    // Minutes any one job may take before the bench gives up on it (loaded machines are slow).
    'job-timeout': { type: 'string', default: '30' },
  },
});
if (args.store !== 'sqlite' && args.store !== 'postgres') throw new Error(`--store must be sqlite or postgres, not ${args.store}`);
const MODEL = args.model;
const JOB_TIMEOUT_MS = Number(args['job-timeout']) * 60_000;
const MAX_F1_DROP = 0.01;
const ADMIN = { name: 'bench-redteam', role: 'admin' as const };
const campaignRequest = {
  ...(args.families !== undefined ? { families: args.families.split(',').map((f) => f.trim()) } : {}),
  seed: Number(args.seed),
  maxInputs: Number(args['max-inputs']),
  queryBudget: Number(args['query-budget']),
};

const fmt = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));
const seconds = (ms: number): string => `${(ms / 1000).toFixed(0)} s`;
const startedAt = performance.now();
const elapsed = (): string => seconds(performance.now() - startedAt);
const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(', ');

class ProofFailed extends Error {}

async function waitForJob(platform: Platform, id: string, what: string): Promise<Job> {
  const deadline = Date.now() + JOB_TIMEOUT_MS;
  for (;;) {
    const job = await platform.services.jobs.get(id);
    if (job.state === 'succeeded') return job;
    if (job.state === 'failed' || job.state === 'cancelled') throw new ProofFailed(`${what} (job ${id}) ${job.state}: ${JSON.stringify(job.error)}`);
    if (Date.now() > deadline) throw new ProofFailed(`${what} (job ${id}) not done after ${args['job-timeout']} min: ${job.state} ${JSON.stringify(job.progress)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function runCampaign(platform: Platform, version: ModelVersion, label: string): Promise<Campaign> {
  const started = performance.now();
  const queued = await platform.services.redteam.startCampaign({ model: version.model, version: version.number, ...campaignRequest }, ADMIN);
  await waitForJob(platform, queued.jobId, `the ${label} campaign`);
  const campaign = await platform.services.redteam.getCampaign(queued.id);
  const results = campaign.results!;
  console.log(
    `\n${label}: campaign ${campaign.id} on ${campaign.model} ${campaign.semver} (version ${campaign.version}), ${results.overall.inputs} malicious held-out inputs, ` +
      `families ${campaign.settings.families.join(', ')}, seed ${campaign.settings.seed}, query budget ${campaign.settings.queryBudget}, threshold ${fmt(results.threshold, 4)}; ` +
      `${seconds(performance.now() - started)} (load ${load()})`,
  );
  const row = (name: string, t: (typeof results)['overall']): string[] => [
    name,
    String(t.inputs),
    String(t.skipped),
    `${t.successes} / ${t.successes + t.failures}`,
    fmt(t.attackSuccessRate),
    fmt(t.originalAccuracy),
    fmt(t.accuracyUnderAttack),
    String(t.queries),
  ];
  printTable(
    ['family', 'inputs', 'skipped', 'evaded / tried', 'attack success', 'original accuracy', 'accuracy under attack', 'queries'],
    [...results.perFamily.map((f) => row(f.family, f)), row('overall', results.overall)],
  );
  const f = campaign.findings!;
  console.log(`findings: ${f.evasions} evasions, ${f.new} new in the ledger; replayed: ${f.replayed.map((r) => `${r.evaded} of ${r.tried} evade ${r.model} v${r.version}`).join('; ') || 'none'}`);
  return campaign;
}

/** The malicious texts a campaign with these settings attacks on `version` (as the redteam job picks them). */
async function attackedInputs(platform: Platform, version: ModelVersion): Promise<string[]> {
  const sample = await platform.services.comparison.heldOutSample(version, 50_000);
  if ('why' in sample) throw new ProofFailed(`no held-out rows for ${version.model} ${version.semver}: ${sample.why}`);
  return sample.rows.filter((r) => r.label === 1).slice(0, campaignRequest.maxInputs).map((r) => r.text);
}

async function usedBy(platform: Platform, version: ModelVersion): Promise<VulnerabilityView[]> {
  const all: VulnerabilityView[] = [];
  for (;;) {
    const page = await platform.services.redteam.listVulnerabilities({ usedBy: `${version.model}@${version.number}`, limit: 500, ...(all.length > 0 ? { before: all.at(-1)!.id } : {}) });
    all.push(...page);
    if (page.length < 500) return all;
  }
}

async function main(): Promise<number> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-bench-redteam-'));
  const env: Record<string, string> = {
    WARDEN_HOME: home,
    WARDEN_ADMIN_TOKEN: `bench-admin-${randomBytes(16).toString('hex')}`,
    WARDEN_LOG_LEVEL: 'warn',
    PORT: '0',
  };
  // The rule's own knob, read from the environment like the server does (default 10).
  if (process.env.WARDEN_REDTEAM_RETRAIN_THRESHOLD !== undefined) env.WARDEN_REDTEAM_RETRAIN_THRESHOLD = process.env.WARDEN_REDTEAM_RETRAIN_THRESHOLD;
  let schema: string | undefined;
  if (args.store === 'postgres') {
    schema = `bench_redteam_${process.pid}_${randomBytes(3).toString('hex')}`;
    await pgQuery(`CREATE SCHEMA ${schema}`);
    env.WARDEN_STORE_URL = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  }
  const config = loadConfig(env);
  console.log(`embedded platform on ${args.store === 'sqlite' ? config.storeUrl : `PostgreSQL schema ${schema}`}, ${config.workerConcurrency} worker slot(s), retrain threshold ${config.redteamRetrainThreshold}; load ${load()}, ${os.cpus().length} CPUs`);
  const platform = await createPlatform(config);
  try {
    return await prove(platform, config.redteamRetrainThreshold);
  } finally {
    await platform.close();
    if (schema !== undefined) await pgQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    fs.rmSync(home, { recursive: true, force: true });
  }
}

async function prove(platform: Platform, threshold: number): Promise<number> {
  const { registry, redteam, jobs, datasets, comparison } = platform.services;
  // 0. The first start: the bootstrap's train jobs, through the platform's own workers.
  if (platform.bootstrapJobs.length === 0) throw new ProofFailed('the first start queued no bootstrap training (is WARDEN_BOOTSTRAP off?)');
  for (const job of platform.bootstrapJobs) {
    const done = await waitForJob(platform, job.id, `bootstrap training of ${String(job.payload.model)}`);
    const result = done.result as { semver?: string; stage?: string };
    console.log(`bootstrap: ${String(job.payload.model)} ${result.semver} → ${result.stage} (${elapsed()} since start, load ${load()})`);
  }
  const before = (await registry.searchVersions(MODEL, { stage: 'Production', limit: 1 })).items[0];
  if (before === undefined) throw new ProofFailed(`${MODEL} has no Production version after the bootstrap`);

  // 1. The campaign before.
  const first = await runCampaign(platform, before, 'BEFORE');
  const summary = await redteam.ledgerSummary(first.task);
  console.log(`ledger of task ${first.task}: ${JSON.stringify(summary)}`);
  // The campaign's own threshold check claims them (claimed, then used once a retrain registers).
  if (summary.claimed + summary.used === 0) {
    throw new ProofFailed(`the campaign left ${summary.unused} unique unused vulnerabilities, below the threshold ${threshold}: no retrain; attack more inputs (--max-inputs) or more families`);
  }

  // 2. The platform's rule retrains every model of the task; the bench only waits.
  const retrainStarted = performance.now();
  const retrains = async () => (await jobs.list({ kind: 'retrain', limit: 200 })).items.filter((j) => j.payload.trigger === 'vulnerabilities');
  const deadline = Date.now() + 60_000;
  const models = (await registry.listModels({ limit: 500 })).items.filter((m) => m.task === first.task);
  while ((await retrains()).length < models.length) {
    if (Date.now() > deadline) throw new ProofFailed(`the threshold event queued ${(await retrains()).length} of ${models.length} retrains within 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  let after: ModelVersion | undefined;
  const retrainRows: string[][] = [];
  for (const job of await retrains()) {
    const done = await waitForJob(platform, job.id, `the vulnerability retrain of ${String(job.payload.model)}`);
    const result = done.result as { version: number; semver: string; stage: string; autoStageReason: string };
    const version = await registry.getVersion(String(job.payload.model), result.version);
    const used = await usedBy(platform, version);
    retrainRows.push([version.model, `${version.semver} (version ${version.number})`, version.stage, String(used.length), version.tags[VULNERABILITY_TRIGGER_TAG] ?? '—', version.tags['warden.vulnerability_corpus'] ?? '—']);
    console.log(`retrained ${version.model} ${version.semver}: ${result.autoStageReason}`);
    if (version.model === MODEL) after = version;
  }
  console.log(`\nvulnerability retrains (${seconds(performance.now() - retrainStarted)}, load ${load()}):`);
  printTable(['model', 'new version', 'stage', 'vulnerabilities used', 'trigger', 'corpus'], retrainRows);
  if (after === undefined) throw new ProofFailed(`no vulnerability retrain of ${MODEL}`);

  // 3. The identical campaign against the retrained version, on the same inputs.
  const [inputsBefore, inputsAfter] = await Promise.all([attackedInputs(platform, before), attackedInputs(platform, after)]);
  const same = inputsBefore.length === inputsAfter.length && inputsBefore.every((t, i) => t === inputsAfter[i]);
  if (!same) throw new ProofFailed(`the two versions' first ${campaignRequest.maxInputs} malicious held-out rows differ: the campaigns would not be comparable`);
  const second = await runCampaign(platform, after, 'AFTER');

  // 4. Clean figures of both versions on the same rows, computed by Warden's comparison.
  const heldOut = await comparison.heldOutSample(before, 50_000);
  if ('why' in heldOut) throw new ProofFailed(heldOut.why);
  const { dataset } = await datasets.registerRows(heldOut.rows.map((r) => ({ text: r.text, label: r.label })), {
    name: 'bench-clean-held-out',
    origin: 'upload',
    description: `the held-out rows of ${before.model} ${before.semver}: the clean set both versions are scored on`,
  });
  const compared = await comparison.compare({ a: `${MODEL}@${before.number}`, b: `${MODEL}@${after.number}`, dataset: `${dataset.name}@${dataset.version}`, flips: 0 });
  const metric = (name: string) => compared.metrics.find((m) => m.metric === name);
  console.log(`\nclean held-out rows of ${before.semver}: ${compared.rows.count} (${dataset.positives} malicious); ${compared.note}`);
  printTable(
    ['metric', `${before.semver} (before)`, `${after.semver} (after)`, 'delta'],
    ['f1', 'precision', 'recall', 'fpr', 'accuracy'].flatMap((name) => {
      const m = metric(name);
      return m === undefined ? [] : [[name, fmt(m.a, 4), fmt(m.b, 4), m.delta === null ? '—' : `${m.delta >= 0 ? '+' : ''}${(m.delta * 100).toFixed(2)} pt`]];
    }),
  );
  const f1 = metric('f1');
  if (f1 === undefined || f1.a === null || f1.b === null) throw new ProofFailed(`the comparison gave no f1: ${compared.metrics.map((m) => m.metric).join(', ')}`);

  const perFamily = (c: Campaign) => new Map(c.results!.perFamily.map((f) => [f.family, f]));
  const [b, a] = [perFamily(first), perFamily(second)];
  console.log(`\nattack success before → after (${MODEL} ${before.semver} → ${after.semver}, same ${first.results!.overall.inputs} inputs, seed ${first.settings.seed}):`);
  printTable(
    ['family', 'attack success', 'accuracy under attack', 'queries'],
    [...[...b.keys()].map((family) => [family, b.get(family)!, a.get(family)] as const), ['overall', first.results!.overall, second.results!.overall] as const].map(([family, x, y]) => [
      family,
      `${fmt(x.attackSuccessRate)} → ${fmt(y?.attackSuccessRate)}`,
      `${fmt(x.accuracyUnderAttack)} → ${fmt(y?.accuracyUnderAttack)}`,
      `${x.queries} → ${y?.queries ?? '—'}`,
    ]),
  );
  const drop = f1.a - f1.b;
  const pass = drop <= MAX_F1_DROP + 1e-12;
  console.log(
    `\n${pass ? 'PASS' : 'FAIL'}: clean F1 ${fmt(f1.a, 4)} → ${fmt(f1.b, 4)} (${drop > 0 ? '−' : '+'}${(Math.abs(drop) * 100).toFixed(2)} pt), ` +
      `${pass ? 'not lower by more than' : 'lower by more than'} ${MAX_F1_DROP * 100} point; retrained on ${(await usedBy(platform, after)).length} vulnerabilities. Total ${elapsed()}, load ${load()}`,
  );
  return pass ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (error) {
  if (!(error instanceof ProofFailed)) throw error;
  console.error(`\nNO PROOF: ${error.message}`);
  process.exitCode = 1;
}
