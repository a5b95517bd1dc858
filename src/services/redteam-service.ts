/**
 * The red team: campaigns that attack a model version with the attack library, the
 * vulnerability ledger they fill, and the platform's rule that enough vulnerabilities of a
 * task retrain every model of the task on them.
 *
 *   POST /redteam/campaigns → a `redteam` job: the version's malicious held-out rows (or a
 *   dataset's) → every attack of the chosen families (transforms: one query per input; the
 *   search: up to its budget) → results per attack, family and overall → each evasion a
 *   finding, recorded once per (task, signature) → NEW findings replayed against every other
 *   model of the task → the threshold rule: the task's unused vulnerabilities ≥ threshold →
 *   one trigger (claimed under the task's lock, its event in the same transaction) → the
 *   subscriber (once per cluster) versions the task's vulnerability corpus and queues one
 *   retrain per model, keyed by the trigger → each version that registers records the
 *   trigger and its vulnerabilities are marked used by it.
 *
 * The job runs at least once: the findings and the replay are each done once per job
 * (`ctx.once`), and recording a finding twice is harmless (unique per signature).
 */
import { setImmediate as yieldTurn } from 'node:timers/promises';
import type { DatasetVersion } from '../domain/datasets.js';
import { WardenError, invalid, isWardenError } from '../domain/errors.js';
import { parseDatasetRef } from '../domain/evaluation/index.js';
import { describeFailure, jobAbortReason, type Job, type JsonValue } from '../domain/jobs.js';
import type { Clock, IdGenerator } from '../domain/ports/clock.js';
import type { VulnerabilitiesThresholdReachedEvent } from '../domain/ports/domain-events.js';
import type { JobContext, JobHandlers, JobQueue } from '../domain/ports/job-queue.js';
import type { ResourceMeter } from '../domain/ports/resource-meter.js';
import type { NewFinding, RedTeamStore, VulnerabilityFilter } from '../domain/ports/redteam-store.js';
import {
  DEFAULT_MAX_INPUTS,
  DEFAULT_QUERY_BUDGET,
  EXAMPLES_PER_FAMILY,
  MAX_CAMPAIGN_INPUTS,
  MAX_QUERY_BUDGET,
  VULNERABILITY_STATES,
  campaignVerdict,
  findingSignature,
  isCampaignEnded,
  planRetrainTrigger,
  formatRate,
  scoreCampaign,
  truncateExample,
  vulnerabilityCorpusRows,
  vulnerabilityDatasetName,
  type AttackAttempt,
  type Campaign,
  type CampaignExample,
  type CampaignFindings,
  type CampaignSettings,
  type CampaignState,
  type InputOutcome,
  type RetrainTrigger,
  type Vulnerability,
  type VulnerabilityState,
  type VulnerabilityView,
} from '../domain/redteam/index.js';
import type { ModelVersion, RegisteredModel, RobustnessEvidence } from '../domain/registry/index.js';
import { combineHashes, createRng, hashString, predictBatch, type TextClassifier } from '../ml/index.js';
import { ATTACK_FAMILIES, type Attack, type AttackFamily } from '../ml/redteam/attack.js';
import type { ComparisonService } from './comparison-service.js';
import type { DatasetService } from './dataset-service.js';
import type { ModelLoader } from './model-loader.js';
import type { Actor, RegistryService, RegistryStatus } from './registry-service.js';
import type { TrainingService } from './training-service.js';
import { productionOrNewestReady } from './training-jobs.js';

/** Warden's own actor for the retrains the red team starts (a platform trigger, like fresh data). */
export const REDTEAM_ACTOR: Actor = { name: 'warden-redteam' };

/** Held-out rows read to find the malicious ones (a version's test split is rarely larger). */
const HELD_OUT_ROWS = 50_000;
export const MAX_LIST_LIMIT = 500;

export interface CampaignRequest {
  readonly model: string;
  readonly version: number | string;
  /** Attack families to run; default all. */
  readonly families?: readonly string[];
  /** `name` or `name@version`: attack this dataset's malicious rows instead of the version's held-out ones (admin). */
  readonly dataset?: string;
  readonly maxInputs?: number;
  readonly queryBudget?: number;
  readonly seed?: number;
}

export interface RedTeamServiceDeps {
  readonly store: RedTeamStore;
  /** Measures each campaign's CPU time, peak RSS, wall time (and GPU), kept in its job's result; none when absent. */
  readonly meter?: ResourceMeter;
  readonly registry: Pick<RegistryService, 'getModel' | 'getVersion' | 'listModels' | 'searchVersions'>;
  readonly models: Pick<ModelLoader, 'loadVersion'>;
  readonly comparison: Pick<ComparisonService, 'heldOutSample'>;
  readonly datasets: Pick<DatasetService, 'get' | 'latest' | 'readRows' | 'registerRows'>;
  readonly training: Pick<TrainingService, 'requestRetrain'>;
  readonly jobs: JobQueue;
  /** The attack library (ml/redteam): what a campaign may run. */
  readonly attacks: readonly Attack[];
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly sha256: (text: string) => string;
  /** Unique unused vulnerabilities of a task that retrain all its models (WARDEN_REDTEAM_RETRAIN_THRESHOLD). */
  readonly retrainThreshold: number;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
}

/** A model's newest finished campaign as GET /models/status shows it. */
export interface CampaignStatus {
  readonly campaign: string;
  readonly version: number;
  readonly semver: string;
  readonly verdict: Campaign['verdict'];
  readonly attackSuccessRate: number | null;
  readonly finishedAt: number | null;
}

/** One evasion found by the campaign's attacks, before it is recorded. */
interface Evasion {
  readonly attack: Attack;
  readonly input: number;
  readonly adversarial: string;
  readonly score: number;
  readonly chain: readonly string[];
}

function positiveInteger(value: unknown, field: string, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) throw invalid(field, `${field} must be a whole number from 1 to ${max}`);
  return value;
}

function isAttackFamily(value: unknown): value is AttackFamily {
  return typeof value === 'string' && (ATTACK_FAMILIES as readonly string[]).includes(value);
}

export class RedTeamService {
  constructor(private readonly deps: RedTeamServiceDeps) {}

  // ------------------------------------------------------------------ campaigns

  /**
   * Queues a campaign against a READY, built-in model version. Naming a `dataset` needs the
   * admin role: its rows are taken as malicious on the caller's word, and what evades becomes
   * training data of every model of the task under Warden's own name (a platform trigger may
   * reach Production), so only an admin may vouch for those labels. The held-out rows are the
   * model's own training data, which its recipe already vouches for.
   */
  async startCampaign(request: CampaignRequest, actor: Actor): Promise<Campaign> {
    const families = this.families(request.families);
    const maxInputs = positiveInteger(request.maxInputs, 'maxInputs', MAX_CAMPAIGN_INPUTS, DEFAULT_MAX_INPUTS);
    const queryBudget = positiveInteger(request.queryBudget, 'queryBudget', MAX_QUERY_BUDGET, DEFAULT_QUERY_BUDGET);
    const seed = request.seed ?? 1;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw invalid('seed', 'seed must be a whole number from 0 to 4294967295');
    if (request.dataset !== undefined && actor.role !== undefined && actor.role !== 'admin') {
      throw new WardenError('FORBIDDEN', 'a campaign on a named dataset needs the admin role: its rows are taken as malicious, and what evades is trained on by every model of the task', {
        field: 'dataset',
      });
    }
    const model = await this.deps.registry.getModel(request.model);
    const version = await this.deps.registry.getVersion(model.name, request.version);
    // Refuse now what the job could not attack: a FAILED version, no artifact, an external trainer's model.
    await this.deps.models.loadVersion(version);
    let dataset: DatasetVersion | null = null;
    if (request.dataset !== undefined) {
      const ref = parseDatasetRef(request.dataset);
      dataset = ref.version === undefined ? await this.deps.datasets.latest(ref.name) : await this.deps.datasets.get(ref.name, ref.version);
      if (dataset.positives === 0) throw invalid('dataset', `dataset ${dataset.name} v${dataset.version} has no malicious (label 1) rows to attack`);
    }
    const settings: CampaignSettings = {
      families,
      source: dataset === null ? 'held-out' : 'dataset',
      dataset: dataset === null ? null : { name: dataset.name, version: dataset.version, sha256: dataset.sha256 },
      maxInputs,
      queryBudget,
      seed,
    };
    const payload = { model: model.name, version: version.number, semver: version.semver, task: model.task, settings, createdBy: actor.name };
    const job = await this.deps.jobs.enqueue({ kind: 'redteam', payload: payload as unknown as Record<string, JsonValue> });
    const campaign = this.newCampaign(job, payload);
    await this.deps.store.createCampaign(campaign);
    return (await this.deps.store.getCampaign(campaign.id)) ?? campaign;
  }

  async getCampaign(id: string): Promise<Campaign> {
    const campaign = await this.deps.store.getCampaign(id);
    if (campaign === undefined) throw new WardenError('CAMPAIGN_NOT_FOUND', `no red-team campaign has id "${id}"; list them with \`warden redteam list\``);
    return campaign;
  }

  /** Newest first; `before` is the id of the last campaign of the previous page. */
  async listCampaigns(query: { model?: string; state?: CampaignState; limit?: number; before?: string } = {}): Promise<Campaign[]> {
    const limit = positiveInteger(query.limit, 'limit', MAX_LIST_LIMIT, 50);
    const before = query.before === undefined ? undefined : await this.getCampaign(query.before);
    return this.deps.store.listCampaigns({
      limit,
      ...(query.model !== undefined ? { model: query.model } : {}),
      ...(query.state !== undefined ? { state: query.state } : {}),
      ...(before !== undefined ? { before: { createdAt: before.createdAt, id: before.id } } : {}),
    });
  }

  /** The ledger, newest first, filtered; `before` is the id of the last entry of the previous page. */
  async listVulnerabilities(
    query: Omit<VulnerabilityFilter, 'limit' | 'before' | 'usedBy'> & { readonly limit?: number; readonly before?: string; readonly usedBy?: string } = {},
  ): Promise<VulnerabilityView[]> {
    const limit = positiveInteger(query.limit, 'limit', MAX_LIST_LIMIT, 50);
    if (query.state !== undefined && !VULNERABILITY_STATES.includes(query.state)) throw invalid('state', `state must be one of ${VULNERABILITY_STATES.join(', ')}`);
    let before: VulnerabilityView | undefined;
    if (query.before !== undefined) {
      before = await this.deps.store.getVulnerability(query.before);
      if (before === undefined) throw invalid('before', `no vulnerability has id "${query.before}"`);
    }
    let usedBy: { model: string; version: number } | undefined;
    if (query.usedBy !== undefined) {
      const at = query.usedBy.lastIndexOf('@');
      if (at <= 0) throw invalid('usedBy', 'usedBy must be model@version, e.g. spam-detector@3 or spam-detector@v1.2');
      const version = await this.deps.registry.getVersion(query.usedBy.slice(0, at), query.usedBy.slice(at + 1));
      usedBy = { model: version.model, version: version.number };
    }
    const { before: _before, usedBy: _usedBy, limit: _limit, ...filters } = query;
    return this.deps.store.listVulnerabilities({ ...filters, limit, ...(before !== undefined ? { before: { createdAt: before.createdAt, id: before.id } } : {}), ...(usedBy !== undefined ? { usedBy } : {}) });
  }

  /** How many vulnerabilities of `task` are unused, claimed and used, and the threshold. */
  async ledgerSummary(task: string): Promise<Record<VulnerabilityState, number> & { readonly threshold: number }> {
    return { ...(await this.deps.store.countVulnerabilities(task)), threshold: this.deps.retrainThreshold };
  }

  /**
   * GET /models/status with the red team's word: each model's newest finished campaign, and
   * the flag `redteam-failed` when that campaign attacked the version now in Production (or
   * any version, when none is) and an attack evaded it or the campaign failed.
   */
  async withStatus(status: RegistryStatus): Promise<RegistryStatus & { readonly models: ReadonlyArray<RegistryStatus['models'][number] & { readonly redteam: CampaignStatus | null }> }> {
    const latest = new Map((await this.deps.store.latestEndedCampaigns()).map((c) => [c.model, c]));
    return {
      ...status,
      models: status.models.map((model) => {
        const campaign = latest.get(model.name);
        const failed = campaign !== undefined && (campaign.verdict === 'evaded' || campaign.verdict === 'error') && (model.production === null || model.production.number === campaign.version);
        return {
          ...model,
          flags: failed ? [...model.flags, 'redteam-failed' as const] : model.flags,
          redteam:
            campaign === undefined
              ? null
              : {
                  campaign: campaign.id,
                  version: campaign.version,
                  semver: campaign.semver,
                  verdict: campaign.verdict,
                  attackSuccessRate: campaign.results?.overall.attackSuccessRate ?? null,
                  finishedAt: campaign.finishedAt,
                },
        };
      }),
    };
  }

  handlers(): JobHandlers {
    return { redteam: (ctx) => this.runJob(ctx) };
  }

  private families(raw: readonly string[] | undefined): AttackFamily[] {
    if (raw === undefined) return ATTACK_FAMILIES.filter((family) => this.deps.attacks.some((a) => a.family === family));
    if (!Array.isArray(raw) || raw.length === 0) throw invalid('families', `families must be a non-empty list of ${ATTACK_FAMILIES.join(', ')}`);
    const families: AttackFamily[] = [];
    raw.forEach((family, i) => {
      if (!isAttackFamily(family)) throw invalid(`families[${i}]`, `unknown attack family "${String(family).slice(0, 40)}"; valid: ${ATTACK_FAMILIES.join(', ')}`);
      if (!this.deps.attacks.some((a) => a.family === family)) throw invalid(`families[${i}]`, `no attack of family ${family} is in this build`);
      if (!families.includes(family)) families.push(family);
    });
    return families;
  }

  private newCampaign(job: Pick<Job, 'id' | 'createdAt'>, payload: { model: string; version: number; semver: string; task: string; settings: CampaignSettings; createdBy: string }): Campaign {
    return {
      id: job.id,
      jobId: job.id,
      model: payload.model,
      version: payload.version,
      semver: payload.semver,
      task: payload.task,
      settings: payload.settings,
      state: 'queued',
      verdict: null,
      results: null,
      findings: null,
      error: null,
      createdBy: payload.createdBy,
      createdAt: job.createdAt,
      startedAt: null,
      finishedAt: null,
    };
  }

  // ------------------------------------------------------------------ the job

  /** Runs one attempt of a `redteam` job. */
  async runJob(ctx: JobContext): Promise<JsonValue> {
    const campaign = await this.campaignOfJob(ctx);
    if (isCampaignEnded(campaign)) return campaignResult(campaign);
    const running: Campaign = { ...campaign, state: 'running', startedAt: campaign.startedAt ?? this.deps.clock.now() };
    await this.deps.store.saveCampaign(running, this.deps.clock.now());
    const measurement = this.deps.meter?.start();
    try {
      const done = await this.attack(ctx, running);
      await this.deps.store.saveCampaign(done, this.deps.clock.now());
      ctx.reportProgress({ fraction: 1, phase: 'done', message: `${done.verdict}: attack success rate ${formatRate(done.results?.overall.attackSuccessRate ?? null)}` });
      // What this attempt used, as a training job's run records it (the whole worker process's figures).
      const usage = await measurement?.stop();
      return usage === undefined ? campaignResult(done) : { ...(campaignResult(done) as Record<string, JsonValue>), resourceUsage: { ...usage } };
    } catch (error) {
      const failure = describeFailure(error);
      const aborted = jobAbortReason(ctx.signal);
      // Another attempt carries the campaign on: leave it running.
      if (aborted === 'lost' || aborted === 'shutdown') throw error;
      const cancelled = aborted === 'cancel';
      if (cancelled || !failure.retryable || ctx.attempt >= ctx.job.maxAttempts) {
        const now = this.deps.clock.now();
        await this.deps.store.saveCampaign({ ...running, state: cancelled ? 'cancelled' : 'failed', verdict: cancelled ? null : 'error', error: failure.message, finishedAt: now }, now);
      }
      throw error;
    }
  }

  /** The campaign the job runs; created from the payload when the request's write has not landed yet. */
  private async campaignOfJob(ctx: JobContext): Promise<Campaign> {
    const existing = await this.deps.store.getCampaign(ctx.job.id);
    if (existing !== undefined) return existing;
    const p = ctx.payload as Record<string, unknown>;
    if (typeof p.model !== 'string' || typeof p.version !== 'number' || typeof p.task !== 'string' || typeof p.settings !== 'object' || p.settings === null) {
      throw invalid('payload', 'a redteam job names model, version, task and settings');
    }
    const campaign = this.newCampaign(ctx.job, {
      model: p.model,
      version: p.version,
      semver: typeof p.semver === 'string' ? p.semver : `version ${p.version}`,
      task: p.task,
      settings: p.settings as CampaignSettings,
      createdBy: typeof p.createdBy === 'string' ? p.createdBy : REDTEAM_ACTOR.name,
    });
    await this.deps.store.createCampaign(campaign);
    return (await this.deps.store.getCampaign(campaign.id)) ?? campaign;
  }

  private async attack(ctx: JobContext, campaign: Campaign): Promise<Campaign> {
    const { settings } = campaign;
    ctx.reportProgress({ fraction: 0, phase: 'loading', message: `${campaign.model} ${campaign.semver}` });
    const version = await this.deps.registry.getVersion(campaign.model, campaign.version);
    const { classifier } = await this.deps.models.loadVersion(version);
    const inputs = await this.inputs(campaign, version);
    const attacks = this.deps.attacks.filter((a) => settings.families.includes(a.family));
    if (attacks.length === 0) throw invalid('families', `no attack of ${settings.families.join(', ')} is in this build`);
    ctx.log(`${campaign.model} ${campaign.semver}: ${inputs.length} malicious inputs (${settings.source}), ${attacks.length} attacks of ${settings.families.join(', ')}, threshold ${classifier.threshold}`);

    const { evasions, scored } = await this.runAttacks(classifier, inputs, attacks, settings, {
      signal: ctx.signal,
      log: (line) => ctx.log(line),
      progress: (done, total, attack) => ctx.reportProgress({ fraction: Math.min(0.9, (0.9 * done) / total), phase: 'attacking', step: done, totalSteps: total, message: `${attack.family}: ${attack.id}` }),
    });

    ctx.reportProgress({ fraction: 0.92, phase: 'recording', message: `${evasions.length} evasions` });
    const recorded = await ctx.once('findings', async () => {
      const now = this.deps.clock.now();
      const findings = evasions.map(
        (e): NewFinding => ({
          id: this.deps.ids.next(),
          task: campaign.task,
          signature: findingSignature(campaign.task, e.adversarial, this.deps.sha256),
          original: inputs[e.input]!,
          adversarial: e.adversarial,
          chain: e.chain,
          attack: e.attack.id,
          family: e.attack.family,
          model: campaign.model,
          version: campaign.version,
          score: e.score,
          campaignId: campaign.id,
          createdAt: now,
        }),
      );
      const result = await this.deps.store.recordFindings(findings);
      return { newIds: [...new Set(result.filter((r) => r.created).map((r) => r.vulnerability.id))] };
    });
    ctx.log(`${evasions.length} evasions, ${recorded.newIds.length} new in the ${campaign.task} ledger`);

    ctx.reportProgress({ fraction: 0.95, phase: 'replaying', message: `${recorded.newIds.length} new findings against the other ${campaign.task} models` });
    const replayed = await ctx.once('replay', () => this.replay(campaign, recorded.newIds));
    for (const r of replayed) ctx.log(`replay: ${r.evaded} of ${r.tried} new findings also evade ${r.model} version ${r.version}`);
    const trigger = await this.checkThreshold(campaign.task);
    if (trigger !== undefined) ctx.log(`the ${campaign.task} ledger reached ${trigger.vulnerabilities} unused vulnerabilities (threshold ${trigger.threshold}): trigger ${trigger.id} retrains every ${campaign.task} model`);

    const findings: CampaignFindings = { evasions: evasions.length, new: recorded.newIds.length, replayed };
    const results = { ...scored, examples: examplesOf(evasions, inputs), threshold: classifier.threshold };
    const now = this.deps.clock.now();
    return { ...campaign, state: 'succeeded', verdict: campaignVerdict(results), results, findings, error: null, finishedAt: now };
  }

  /**
   * Every attack on every input the model catches (the others are skipped): each transform
   * once per input, a search within its budget. Pure of storage: campaigns and the promotion
   * gate both run it.
   */
  private async runAttacks(
    classifier: TextClassifier,
    inputs: readonly string[],
    attacks: readonly Attack[],
    settings: Pick<CampaignSettings, 'seed' | 'queryBudget'>,
    hooks: { signal?: AbortSignal; log?: (line: string) => void; progress?: (done: number, total: number, attack: Attack) => void } = {},
  ): Promise<{ evasions: Evasion[]; scored: ReturnType<typeof scoreCampaign> }> {
    const score = (texts: readonly string[]) => predictBatch(classifier, texts).map((p) => p.probability);
    const originals = score(inputs);
    const tried = originals.map((p) => p >= classifier.threshold);
    const attempts: AttackAttempt[][] = inputs.map(() => []);
    const evasions: Evasion[] = [];
    const triedIndexes = inputs.flatMap((_, i) => (tried[i] ? [i] : []));
    hooks.log?.(`${triedIndexes.length} of ${inputs.length} inputs are caught before any attack (the others are skipped)`);
    const total = Math.max(1, attacks.length * triedIndexes.length);
    let done = 0;
    for (const attack of attacks) {
      hooks.signal?.throwIfAborted();
      hooks.progress?.(done, total, attack);
      if (attack.kind === 'transform') {
        const adversarial = triedIndexes.map((i) => attack.apply(inputs[i]!, createRng(inputSeed(settings.seed, attack.id, i))));
        const scores = score(adversarial);
        triedIndexes.forEach((i, k) => {
          const evaded = scores[k]! < classifier.threshold;
          attempts[i]!.push({ attack: attack.id, family: attack.family, evaded, queries: 1 });
          if (evaded) evasions.push({ attack, input: i, adversarial: adversarial[k]!, score: scores[k]!, chain: [attack.id] });
        });
        done += triedIndexes.length;
      } else {
        for (const i of triedIndexes) {
          hooks.signal?.throwIfAborted();
          const result = await attack.run(inputs[i]!, score, { queryBudget: settings.queryBudget, threshold: classifier.threshold, rng: createRng(inputSeed(settings.seed, attack.id, i)) });
          // The search counts the original too; the campaign counts each original once per input.
          attempts[i]!.push({ attack: attack.id, family: attack.family, evaded: result.evaded, queries: Math.max(0, result.queries - 1) });
          if (result.evaded) evasions.push({ attack, input: i, adversarial: result.adversarial, score: result.score, chain: [attack.id, ...result.chain] });
          done += 1;
          if (done % 10 === 0) hooks.progress?.(done, total, attack);
          await yieldTurn();
        }
      }
      // Transforms of a few hundred texts take milliseconds; let heartbeats and requests through between attacks.
      await yieldTurn();
    }
    const outcomes: InputOutcome[] = inputs.map((_, i) => ({ skipped: !tried[i], attempts: attempts[i]! }));
    return { evasions, scored: scoreCampaign(outcomes, attacks) };
  }

  /**
   * The evidence of the promotion policy's robustness gate: the candidate attacked by every
   * family on (up to 200 of) its malicious held-out rows, the Production version attacked on
   * the same inputs, and the task's used vulnerabilities replayed against the candidate.
   * Null when there is nothing to attack.
   */
  async robustnessEvidence(input: {
    task: string;
    candidate: TextClassifier;
    heldOut: ReadonlyArray<{ readonly text: string; readonly label: number }>;
    champion: ModelVersion | null;
    effort?: { readonly maxInputs: number; readonly queryBudget: number };
    progress?: (done: number, total: number, what: string) => void;
  }): Promise<RobustnessEvidence | null> {
    const effort = input.effort ?? { maxInputs: DEFAULT_MAX_INPUTS, queryBudget: DEFAULT_QUERY_BUDGET };
    const inputs = input.heldOut.filter((r) => r.label === 1).slice(0, effort.maxInputs).map((r) => r.text);
    if (inputs.length === 0 || this.deps.attacks.length === 0) return null;
    const settings = { seed: 1, queryBudget: effort.queryBudget };
    const families = (scored: ReturnType<typeof scoreCampaign>) => Object.fromEntries(scored.perFamily.map((f) => [f.family, f.attackSuccessRate]));
    // Both versions' attacks count as one stretch of work: the candidate's first half, Production's second.
    const rounds = input.champion === null ? 1 : 2;
    const hooks = (round: number, who: string) =>
      input.progress === undefined ? {} : { progress: (done: number, total: number, attack: Attack) => input.progress!(round * total + done, rounds * total, `${who}: ${attack.family}/${attack.id}`) };
    const candidate = (await this.runAttacks(input.candidate, inputs, this.deps.attacks, settings, hooks(0, 'the new model'))).scored;
    let champion: RobustnessEvidence['champion'] = null;
    if (input.champion !== null) {
      try {
        const loaded = await this.deps.models.loadVersion(input.champion);
        const scored = (await this.runAttacks(loaded.classifier, inputs, this.deps.attacks, settings, hooks(1, `Production ${input.champion.semver}`))).scored;
        champion = { version: input.champion.number, attackSuccessRate: scored.overall.attackSuccessRate, families: families(scored) };
      } catch (error) {
        this.deps.log?.('warn', 'the Production version could not be attacked for the robustness gate', { model: input.champion.model, version: input.champion.number, error: error instanceof Error ? error.message : String(error) });
      }
    }
    const used = await this.deps.store.listVulnerabilities({ task: input.task, state: 'used', limit: 10_000 });
    const replayed = predictBatch(
      input.candidate,
      used.map((v) => v.adversarial),
    );
    return {
      inputs: inputs.length,
      attackSuccessRate: candidate.overall.attackSuccessRate,
      families: families(candidate),
      champion,
      ledger: { replayed: used.length, evaded: replayed.filter((p) => p.probability < input.candidate.threshold).length },
    };
  }

  /** The malicious texts a campaign attacks: the version's held-out rows, or the named dataset's, the first `maxInputs`. */
  private async inputs(campaign: Campaign, version: ModelVersion): Promise<string[]> {
    const { settings } = campaign;
    let rows: ReadonlyArray<{ readonly text: string; readonly label: number }>;
    if (settings.dataset !== null) {
      rows = await this.deps.datasets.readRows(settings.dataset.name, settings.dataset.version);
    } else {
      const sample = await this.deps.comparison.heldOutSample(version, HELD_OUT_ROWS);
      if ('why' in sample) throw invalid('version', `no held-out rows to attack: ${sample.why}; name a dataset instead`);
      rows = sample.rows;
    }
    const malicious = rows.filter((r) => r.label === 1).slice(0, settings.maxInputs).map((r) => r.text);
    if (malicious.length === 0) throw invalid('dataset', `there are no malicious (label 1) rows to attack in the ${settings.source} rows`);
    return malicious;
  }

  /** New findings scored by every other model of the task (its Production version, else its newest READY one). */
  private async replay(campaign: Campaign, newIds: readonly string[]): Promise<CampaignFindings['replayed'] & JsonValue> {
    if (newIds.length === 0) return [];
    const found: Vulnerability[] = [];
    for (const id of newIds) {
      const v = await this.deps.store.getVulnerability(id);
      if (v !== undefined) found.push(v);
    }
    const replayed: Array<{ model: string; version: number; evaded: number; tried: number }> = [];
    for (const model of await this.modelsOfTask(campaign.task)) {
      if (model.name === campaign.model) continue;
      const target = await productionOrNewestReady(this.deps.registry, model.name);
      if (target === undefined) continue;
      let classifier: TextClassifier;
      try {
        classifier = (await this.deps.models.loadVersion(target)).classifier;
      } catch (error) {
        // An external trainer's model (or a broken artifact) cannot be scored here: say so, go on.
        this.deps.log?.('warn', 'red-team replay skipped a model it cannot score', { model: model.name, version: target.number, error: error instanceof Error ? error.message : String(error) });
        continue;
      }
      const now = this.deps.clock.now();
      const predictions = predictBatch(
        classifier,
        found.map((v) => v.adversarial),
      );
      const evasions = found.flatMap((v, i) =>
        predictions[i]!.probability < classifier.threshold ? [{ vulnerabilityId: v.id, model: model.name, version: target.number, score: predictions[i]!.probability, campaignId: campaign.id, at: now }] : [],
      );
      await this.deps.store.recordEvasions(evasions);
      replayed.push({ model: model.name, version: target.number, evaded: evasions.length, tried: found.length });
    }
    return replayed;
  }

  // ------------------------------------------------------------------ retraining from vulnerabilities

  /**
   * The threshold rule, applied under the task's lock: when the task's unused vulnerabilities
   * reach the threshold they are claimed by one trigger, whose event (recorded with it) makes
   * the cluster retrain every model of the task. Undefined when below the threshold.
   */
  async checkThreshold(task: string): Promise<RetrainTrigger | undefined> {
    return this.deps.store.claimTrigger(task, this.deps.clock.now(), (claimable) => planRetrainTrigger(task, claimable, this.deps.retrainThreshold, this.deps.sha256));
  }

  /**
   * The `vulnerabilities-threshold-reached` subscriber (once per cluster, at least once): versions
   * the task's vulnerability corpus (every claimed vulnerability, as malicious rows; the same
   * content is the same dataset version) and queues a retrain of every model of the task that
   * has a recipe, keyed by trigger and model, so a redelivered event queues nothing new.
   */
  async onThresholdReached(event: VulnerabilitiesThresholdReachedEvent): Promise<Job[]> {
    const trigger = await this.deps.store.getTrigger(event.triggerId);
    if (trigger === undefined) throw new WardenError('VALIDATION_FAILED', `retrain trigger ${event.triggerId} is not recorded`, { field: 'triggerId' });
    const claimed = await this.deps.store.claimedVulnerabilities(trigger.task);
    const rows = vulnerabilityCorpusRows(claimed);
    const { dataset } = await this.deps.datasets.registerRows(rows, {
      name: vulnerabilityDatasetName(trigger.task),
      origin: 'vulnerability-corpus',
      description: `red-team evasions of the ${trigger.task} models: ${rows.length} vulnerabilities, as malicious rows (trigger ${trigger.id})`,
    });
    const jobs: Job[] = [];
    for (const model of await this.modelsOfTask(trigger.task)) {
      if (model.recipe === null) {
        this.deps.log?.('warn', 'red-team retrain skipped a model without a training recipe', { model: model.name, trigger: trigger.id });
        continue;
      }
      try {
        const { job } = await this.deps.training.requestRetrain(model.name, REDTEAM_ACTOR, {
          trigger: 'vulnerabilities',
          vulnerabilities: { name: dataset.name, version: dataset.version, digest: dataset.sha256, triggerId: trigger.id },
          idempotencyKey: `vulns:${trigger.id}:${model.name}`,
        });
        jobs.push(job);
      } catch (error) {
        // A model whose recipe can no longer run must not keep the others from retraining.
        if (!isWardenError(error) || error.code !== 'VALIDATION_FAILED') throw error;
        this.deps.log?.('warn', 'red-team retrain refused for a model', { model: model.name, trigger: trigger.id, error: error.message });
      }
    }
    this.deps.log?.('info', 'red-team vulnerabilities: retraining every model of the task', { task: trigger.task, trigger: trigger.id, vulnerabilities: rows.length, jobs: jobs.map((j) => j.id) });
    return jobs;
  }

  private async modelsOfTask(task: string): Promise<RegisteredModel[]> {
    const models: RegisteredModel[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.deps.registry.listModels({ limit: 500, ...(pageToken !== undefined ? { pageToken } : {}) });
      models.push(...page.items.filter((m) => m.task === task));
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    return models;
  }
}

/** A seed per (campaign seed, attack, input): any attack on any input replays alone, whatever else ran. */
function inputSeed(seed: number, attack: string, input: number): number {
  return combineHashes(combineHashes(seed >>> 0, hashString(attack)), input);
}

function examplesOf(evasions: readonly Evasion[], inputs: readonly string[]): CampaignExample[] {
  const shown = new Map<string, number>();
  const examples: CampaignExample[] = [];
  for (const e of evasions) {
    const count = shown.get(e.attack.family) ?? 0;
    if (count >= EXAMPLES_PER_FAMILY) continue;
    shown.set(e.attack.family, count + 1);
    examples.push({ attack: e.attack.id, family: e.attack.family, original: truncateExample(inputs[e.input]!), adversarial: truncateExample(e.adversarial), score: e.score });
  }
  return examples;
}

/** The job's result: where to read the campaign, and its headline figures. */
function campaignResult(campaign: Campaign): JsonValue {
  return {
    campaign: campaign.id,
    model: campaign.model,
    version: campaign.version,
    semver: campaign.semver,
    state: campaign.state,
    verdict: campaign.verdict,
    attackSuccessRate: campaign.results?.overall.attackSuccessRate ?? null,
    evasions: campaign.findings?.evasions ?? 0,
    newVulnerabilities: campaign.findings?.new ?? 0,
  };
}
