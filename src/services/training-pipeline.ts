/**
 * The pipeline a train/retrain job runs inside the job queue's workers:
 *
 *   dataset (recipe spec + fresh data) → duplicate rule → split by the hash of each text →
 *   the Trainer for the recipe's family (per-epoch metrics on a tracking run, live job
 *   progress, held-out scoring) → artifacts on the run → version registered (parent,
 *   dataset digests, resource usage, source run, artifact digest) with the staging evidence
 *   → auto-stage policy (by the registry) → fresh files moved to used/ → the model's recipe
 *   updated when the job asked to.
 *
 * Crash safety (the queue runs a job at least once): every side effect that must happen
 * once is wrapped in `ctx.once()`, and the registration is also looked up by the job's
 * idempotency key (a version tag) before registering, so a worker killed between
 * registering and recording the checkpoint never leaves a duplicate version.
 *
 * Failure rule: the attempt that fails for good (no retry left, or an error retrying
 * cannot fix) registers a FAILED version — visible, with the error in its description,
 * staged None by the auto-stage policy — and ends the run FAILED; fresh files stay in
 * fresh/. A cancelled job registers nothing and ends the run KILLED.
 */
import { setImmediate as yieldTurn } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { WardenError } from '../domain/errors.js';
import { JobAbortedError, describeFailure, jobAbortReason, type JsonValue } from '../domain/jobs.js';
import { SPLIT_METHOD, describeDeduplication, type DatasetRow } from '../domain/datasets.js';
import type { JobContext } from '../domain/ports/job-queue.js';
import type { ResourceMeter } from '../domain/ports/resource-meter.js';
import type { TrainedModel, Trainer, TrainerArtifact, TrainerProgress } from '../domain/ports/trainer.js';
import { RECIPE_AUTHOR_TAG, type Recipe } from '../domain/recipes.js';
import { describeLedgerReplay, reportedEvidence, type ModelVersion, type StagingEvidence } from '../domain/registry/index.js';
import { REGISTERING_STEPS, TRAINING_PROGRESS, fractionIn } from '../domain/training-phases.js';
import type { ResourceUsage } from '../domain/tracking/run.js';
import { runInTurns, type TextClassifier } from '../ml/index.js';
import type { ArtifactService } from './artifact-service.js';
import { splitRows } from './dataset-service.js';
import type { FreshDataService } from './fresh-data-service.js';
import type { ModelEvaluation } from './model-evaluation.js';
import { REFERENCE_PROFILE_ARTIFACT, buildVersionProfileSteps } from './reference-profiles.js';
import type { RecipeResolver } from './recipe-resolver.js';
import type { RegistryService } from './registry-service.js';
import type { TrackingService } from './tracking-service.js';
import type { TrainingData } from './training-data.js';
import { actorOfInitiator, logJobMetrics, readPayload, recipeAuthorOf, round, type RobustnessEvaluator, type TrainingPayload, type VulnerabilityUses } from './training-jobs.js';

/** Metrics logged once per epoch (step = epoch). */
const EPOCH_METRICS: readonly string[] = ['train_loss', 'val_loss', 'val_roc_auc'];

/** Tag carrying the registration's idempotency key (job id + scope) on the version. */
export const JOB_KEY_TAG = 'warden.job_key';

/** On a version retrained from red-team vulnerabilities: the trigger whose vulnerabilities it trained on. */
export const VULNERABILITY_TRIGGER_TAG = 'warden.redteam_trigger';

/** The job's result (also what `GET /jobs/:id` shows once succeeded). */

/**
 * The red team's effort on a retraining decision's comparison (no gate waits on it): 50
 * malicious held-out inputs and a search budget of 50 queries each, about a minute less than a
 * campaign's 200 and 200 per version on SpamAssassin mail (which took several minutes there).
 */
const COMPARISON_ATTACK_EFFORT = { maxInputs: 50, queryBudget: 50 } as const;

export interface TrainingOutcome {
  readonly model: string;
  readonly version: number;
  readonly semver: string;
  readonly stage: string;
  readonly status: string;
  readonly runId: string;
  readonly artifactDigest: string | null;
  readonly metrics: Readonly<Record<string, number>>;
  readonly [key: string]: JsonValue;
}

export interface TrainingPipelineDeps {
  readonly registry: RegistryService;
  readonly tracking: TrackingService;
  readonly artifacts: ArtifactService;
  readonly freshData: Pick<FreshDataService, 'markDatasetUsed'>;
  readonly data: TrainingData;
  readonly evaluation: ModelEvaluation;
  readonly recipes: RecipeResolver;
  /** One trainer per recipe family this process runs (the composition root decides which). */
  readonly trainers: ReadonlyArray<Trainer<TextClassifier>>;
  readonly meter: ResourceMeter;
  /** Records which vulnerabilities a version trained on; needed only for vulnerability retrains. */
  readonly vulnerabilityUses?: VulnerabilityUses;
  /** Attacks a new model for a policy's robustness gate (the red team); without it such a gate refuses Production. */
  readonly robustness?: RobustnessEvaluator;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
}

type Say = (line: string, fields?: Record<string, unknown>) => void;

export class TrainingPipeline {
  constructor(private readonly deps: TrainingPipelineDeps) {}

  /** Runs one attempt of a train/retrain job. See the module comment for the guarantees. */
  async runJob(ctx: JobContext): Promise<JsonValue> {
    const payload = readPayload(ctx.payload, this.deps.recipes);
    const measurement = this.deps.meter.start();
    const started = performance.now();
    const say: Say = (line, fields = {}) => {
      ctx.log(line);
      this.deps.log?.('info', `[${payload.model}] ${line}`, { job: ctx.job.id, ...fields });
    };
    const runId = await ctx.once('run', async () => {
      const run = await this.deps.tracking.createRun({
        experimentName: `train-${payload.model}`,
        name: `${payload.model} ${ctx.job.kind} ${ctx.job.id}`,
        tags: { 'warden.job_id': ctx.job.id, 'warden.model': payload.model, 'warden.trigger': payload.trigger, 'warden.family': payload.recipe.family },
      });
      await this.deps.tracking.logBatch(run.id, { params: recipeParams(payload.recipe, payload.fingerprint) });
      return run.id;
    });
    say(`${ctx.job.kind} of ${payload.model} (${payload.recipe.family}, trigger ${payload.trigger}, attempt ${ctx.attempt}); run ${runId}`);
    try {
      // The run belongs to the job, not to one attempt: an earlier attempt that was taken
      // over may have ended it KILLED (earlier releases did); this attempt carries it on.
      if ((await this.deps.tracking.requireRun(runId)).status === 'KILLED') {
        await this.deps.tracking.resumeRun(runId);
        say(`run ${runId} had been ended KILLED by an interrupted attempt; resumed`);
      }
      const outcome = await this.trainAndRegister(ctx, payload, runId, measurement, say);
      say(`registered ${payload.model} ${outcome.semver} (stage ${outcome.stage}) in ${round((performance.now() - started) / 1000, 1)} s`, { version: outcome.version });
      return outcome;
    } catch (error) {
      const failure = describeFailure(error);
      const usage = await measurement.stop();
      const aborted = jobAbortReason(ctx.signal);
      if (aborted === 'lost' || aborted === 'shutdown') {
        // The job goes on in another attempt, which carries the run on: leave it RUNNING
        // and register nothing (only a cancel or the final failure ends the run).
        this.deps.log?.('warn', `[${payload.model}] training attempt ${ctx.attempt} stopped: ${failure.message}`, { job: ctx.job.id, reason: aborted });
        throw error;
      }
      const cancelled = aborted === 'cancel';
      const final = !cancelled && (!failure.retryable || ctx.attempt >= ctx.job.maxAttempts);
      this.deps.log?.('warn', `[${payload.model}] training attempt ${ctx.attempt} failed: ${failure.message}`, { job: ctx.job.id, final, cancelled });
      // An attempt another worker took over leaves the run to it, whatever it failed with.
      if ((cancelled || final) && (await stillOwned(ctx))) {
        await this.endRun(runId, cancelled ? 'KILLED' : 'FAILED', usage);
        if (final) await this.registerFailure(ctx, payload, runId, usage, failure.message);
      }
      throw error;
    }
  }

  private trainerFor(recipe: Recipe): Trainer<TextClassifier> {
    const trainer = this.deps.trainers.find((t) => t.families.includes(recipe.family));
    if (trainer === undefined) {
      const what = recipe.family === 'external' ? 'external trainers are' : `the ${recipe.family} family is`;
      throw new WardenError('VALIDATION_FAILED', `${what} not enabled in this process`, { field: 'recipe.family' });
    }
    return trainer;
  }

  private async endRun(runId: string, status: 'FINISHED' | 'FAILED' | 'KILLED', usage: ResourceUsage): Promise<void> {
    try {
      const run = await this.deps.tracking.requireRun(runId);
      if (run.status === 'RUNNING') await this.deps.tracking.endRun(runId, status, usage);
    } catch (error) {
      this.deps.log?.('warn', 'could not end the training run', { run: runId, err: error instanceof Error ? error.message : String(error) });
    }
  }

  private async trainAndRegister(ctx: JobContext, payload: TrainingPayload, runId: string, measurement: { stop(): Promise<ResourceUsage> }, say: Say): Promise<TrainingOutcome> {
    const { recipe, model } = payload;
    const trainer = this.trainerFor(recipe);
    // ── loading
    ctx.reportProgress({ fraction: TRAINING_PROGRESS.loading.from, phase: 'loading', message: 'reading the datasets' });
    const data = await this.deps.data.load(model, recipe, payload.fresh, payload.vulnerabilities, payload.feedback);
    ctx.signal.throwIfAborted();
    const splits = splitRows(data.rows, recipe.split);
    say(
      `dataset: ${data.rows.length} rows (${data.positives} positive) from ${data.sources.join(', ')} (${describeDeduplication(data.deduplicated)}); ` +
        `split train ${splits.train.length} / validation ${splits.validation.length} / test ${splits.test.length} (seed ${recipe.split.seed})`,
    );
    await this.deps.tracking.logBatch(runId, {
      params: [
        { key: 'dataset.rows', value: String(data.rows.length) },
        { key: 'split.method', value: SPLIT_METHOD },
        { key: 'dataset.duplicates_dropped', value: String(data.deduplicated.duplicatesDropped) },
        { key: 'dataset.conflicting_rows_dropped', value: String(data.deduplicated.conflictRowsDropped) },
        { key: 'dataset.digests', value: data.digests.join(',') },
        { key: 'split.train_rows', value: String(splits.train.length) },
        { key: 'split.validation_rows', value: String(splits.validation.length) },
        { key: 'split.test_rows', value: String(splits.test.length) },
      ],
    });
    ctx.reportProgress({ fraction: TRAINING_PROGRESS.loading.to, phase: 'loading', message: `${data.rows.length} rows loaded` });

    // ── training and held-out scoring, by the family's trainer
    const trained = await trainer.train({
      model,
      recipe,
      splits,
      datasetDigest: data.digests[0] ?? null,
      jobId: ctx.job.id,
      runId,
      signal: ctx.signal,
      onProgress: (progress) => ctx.reportProgress(jobProgress(progress)),
      onMetrics: (points) => logJobMetrics(this.deps.tracking, ctx, runId, points),
      log: (line) => ctx.log(line),
      milestone: (line) => say(line),
    });
    try {
      ctx.signal.throwIfAborted();
      return await this.register(ctx, payload, runId, measurement, trained, { splits, data }, say);
    } finally {
      await trained.release();
    }
  }

  private async register(
    ctx: JobContext,
    payload: TrainingPayload,
    runId: string,
    measurement: { stop(): Promise<ResourceUsage> },
    trained: TrainedModel<TextClassifier>,
    { splits, data }: { splits: ReturnType<typeof splitRows>; data: Awaited<ReturnType<TrainingData['load']>> },
    say: Say,
  ): Promise<TrainingOutcome> {
    const { recipe, model } = payload;
    ctx.reportProgress({ fraction: REGISTERING_STEPS.storingArtifact, phase: 'registering', message: 'storing the model artifact' });
    const artifactDigest = await ctx.once('artifact', () => trained.storeArtifacts((artifact) => this.storeOnce(runId, artifact)));
    if (trained.model !== null) {
      const classifier = trained.model;
      // Monitoring's drift reference: the held-out rows as this version sees them (see reference-profiles.ts).
      await ctx.once('reference-profile', async () => {
        const bytes = new TextEncoder().encode(JSON.stringify(await runInTurns(buildVersionProfileSteps(classifier, splits.train, [...splits.validation, ...splits.test]), ctx.signal, yieldTurn)));
        return this.storeOnce(runId, {
          name: REFERENCE_PROFILE_ARTIFACT,
          mediaType: 'application/json',
          size: bytes.length,
          open: async function* () {
            yield bytes;
          },
        });
      });
    }
    const usage = await measurement.stop();
    const resourceUsage = usageRecord(usage);
    // Keys with a per-epoch history keep it: the last epoch's point is the final value.
    await logJobMetrics(
      this.deps.tracking,
      ctx,
      runId,
      Object.entries(trained.metrics)
        .filter(([key]) => !EPOCH_METRICS.includes(key))
        .map(([key, value]) => ({ key, value, step: 0 })),
    );
    await this.deps.tracking.logBatch(runId, { tags: [{ key: 'warden.artifact_digest', value: artifactDigest ?? '' }] });
    const champion = await this.deps.evaluation.currentProduction(model);
    ctx.reportProgress({
      fraction: REGISTERING_STEPS.comparingWithProduction,
      phase: 'registering',
      message: champion === null ? 'checking the artifact' : `comparing with Production ${champion.semver} on the held-out rows`,
    });
    const staging = await this.deps.evaluation.stagingEvidence(
      ctx,
      { initiator: payload.initiator, recipeAuthor: recipeAuthorOf(payload), metricsSource: trained.metricsSource, model: trained.model, artifactDigest },
      splits.test,
      champion,
    );
    const measured = await this.withRobustness(ctx, model, staging, trained.model, splits.test, champion, payload.promotion === 'retraining-decision');
    const evidence: StagingEvidence = payload.promotion === undefined ? measured : { ...measured, promotion: payload.promotion };
    ctx.reportProgress({ fraction: REGISTERING_STEPS.registeringVersion, phase: 'registering', message: 'registering the version' });
    const registered = await ctx.once('register', () =>
      this.registerOnce(ctx, payload, evidence, {
        status: 'READY',
        description: `${payload.trigger} job ${ctx.job.id}: ${payload.recipe.family} on ${data.rows.length} rows (${data.sources.join(', ')})`,
        metrics: trained.metrics,
        datasetDigests: data.digests,
        resourceUsage,
        sourceRunId: runId,
        artifactDigest,
        tags: { 'warden.family': recipe.family, 'warden.trigger': payload.trigger, ...vulnerabilityTags(payload) },
      }),
    );
    // A stale attempt (its epochs outlasted the lease) must not end the run under the
    // attempt that took the job over: that one is still logging to it.
    await ctx.confirmOwnership();
    await this.endRun(runId, 'FINISHED', usage);
    await this.deps.tracking.logBatch(runId, { tags: [{ key: 'warden.version', value: `${model}/${registered.semver}` }] });

    await this.afterSuccess(ctx, payload, registered.version, say);
    ctx.reportProgress({ fraction: REGISTERING_STEPS.done, phase: 'registering', message: `${model} ${registered.semver} → ${registered.stage}` });
    return {
      model,
      version: registered.version,
      semver: registered.semver,
      stage: registered.stage,
      status: 'READY',
      runId,
      artifactDigest,
      metrics: Object.fromEntries(Object.entries(trained.metrics).filter(([k]) => k.startsWith('eval_'))),
      autoStageReason: registered.reason,
      // What a retraining decision promotes by: whether the gates cleared it, and against which Production version.
      productionCleared: registered.cleared,
      comparedWith: evidence.champion?.championNumber ?? null,
      // The red team's evidence on the new model and Production (null when nothing was attacked).
      robustness: (evidence.robustness ?? null) as JsonValue,
      resourceUsage,
      startedBy: payload.startedBy,
      recipeAuthor: payload.recipeAuthor,
    };
  }

  /**
   * The new model attacked by the red team (and the Production version on the same inputs, and
   * the task's used vulnerabilities replayed) when the model's policy has a robustness gate,
   * which judges it at registration, or when the retrain is a retraining decision's, whose
   * comparison with Production records it. Otherwise nothing is attacked.
   */
  private async withRobustness(
    ctx: JobContext,
    modelName: string,
    evidence: StagingEvidence,
    candidate: TextClassifier | null,
    heldOut: readonly DatasetRow[],
    champion: ModelVersion | null,
    decided: boolean,
  ): Promise<StagingEvidence> {
    const model = await this.deps.registry.getModel(modelName);
    const gated = model.policy.enabled && model.policy.robustness !== undefined;
    if (!gated && !decided) return evidence;
    if (candidate === null || this.deps.robustness === undefined) return gated ? { ...evidence, robustness: null } : evidence;
    const purpose = gated ? 'for the robustness gate' : 'for its comparison with Production';
    // The attacks take a while on real mail (hundreds of inputs, a query budget each): say how far they are.
    const from = REGISTERING_STEPS.comparingWithProduction;
    const span = REGISTERING_STEPS.registeringVersion - from;
    const robustness = await this.deps.robustness.evidence({
      task: model.task,
      candidate,
      heldOut,
      champion,
      // A gate decides with a campaign's effort; a decision's comparison only records, at a quarter of it.
      ...(gated ? {} : { effort: COMPARISON_ATTACK_EFFORT }),
      progress: (done, total, what) => ctx.reportProgress({ fraction: from + (span * done) / total, phase: 'registering', step: done, totalSteps: total, message: `attacking ${purpose}: ${what}` }),
    });
    if (robustness !== null) {
      const rate = robustness.attackSuccessRate === null ? 'n/a' : `${round(robustness.attackSuccessRate * 100, 1)} %`;
      ctx.log(`robustness: attack success ${rate} on ${robustness.inputs} malicious held-out inputs; ${describeLedgerReplay(robustness.ledger)}`);
    }
    return { ...evidence, robustness };
  }

  /** Stores `artifact` on the run; an artifact of that name left by an earlier attempt is reused. */
  private async storeOnce(runId: string, artifact: TrainerArtifact): Promise<string> {
    const existing = (await this.deps.artifacts.list(runId)).find((a) => a.name === artifact.name);
    if (existing !== undefined) return existing.sha256;
    const stored = await this.deps.artifacts.upload(
      runId,
      { name: artifact.name, declaredSize: artifact.size, ...(artifact.mediaType !== undefined ? { mediaType: artifact.mediaType } : {}) },
      artifact.open(),
    );
    return stored.sha256;
  }

  /** After a successful job: fresh files to used/, the recipe saved when the job asked to. */
  private async afterSuccess(ctx: JobContext, payload: TrainingPayload, version: number, say: Say): Promise<void> {
    const vulnerabilities = payload.vulnerabilities;
    if (vulnerabilities !== undefined) {
      const uses = this.deps.vulnerabilityUses;
      if (uses === undefined) throw new WardenError('VALIDATION_FAILED', 'vulnerability retrains are not enabled in this process', { field: 'payload.vulnerabilities' });
      const marked = await ctx.once('mark-vulnerabilities-used', () => uses.markUsed(vulnerabilities.triggerId, payload.model, version));
      say(`red-team vulnerabilities used: ${marked} of trigger ${vulnerabilities.triggerId} recorded as trained on by version ${version}`);
    }
    if (payload.fresh !== null) {
      const fresh = payload.fresh;
      const moved = await ctx.once('mark-used', async () => {
        const report = await this.deps.freshData.markDatasetUsed(fresh.name, fresh.version);
        return report.moved.map((m) => m.usedAs);
      });
      say(`fresh data used: ${moved.length} file(s) moved to used/${payload.model}/`);
    }
    if (payload.saveRecipe) {
      await ctx.once('save-recipe', async () => {
        // Stored as the job's initiator: the recipe's authorship (and its role) is never laundered through the job.
        await this.deps.registry.updateModel(payload.model, { recipe: payload.recipe as unknown as Record<string, unknown> }, actorOfInitiator(payload.initiator));
        return true;
      });
    }
  }

  /** Registers exactly once per job: a version already carrying this job's key is returned as is. */
  private async registerOnce(
    ctx: JobContext,
    payload: TrainingPayload,
    evidence: StagingEvidence,
    input: {
      status: 'READY' | 'FAILED';
      description: string;
      metrics: Readonly<Record<string, number>>;
      datasetDigests: readonly string[];
      resourceUsage: Readonly<Record<string, number>>;
      sourceRunId: string;
      artifactDigest: string | null;
      tags: Readonly<Record<string, string>>;
    },
  ): Promise<{ version: number; semver: string; stage: string; reason: string; cleared: boolean }> {
    const key = ctx.idempotencyKey('register');
    const existing = await this.deps.registry.searchVersions(payload.model, { tag: `${JOB_KEY_TAG}=${key}`, limit: 1 });
    const found = existing.items[0];
    // The earlier attempt's verdict is not known here: not cleared, so nothing is promoted on a guess.
    if (found !== undefined) return { version: found.number, semver: found.semver, stage: found.stage, reason: 'registered by an earlier attempt of this job', cleared: false };
    const registered = await this.deps.registry.registerVersion(
      payload.model,
      {
        status: input.status,
        description: input.description.slice(0, 10_000),
        metrics: input.metrics,
        // Who asked and whose recipe ran stay with the version after the job record is gone.
        tags: {
          ...input.tags,
          [JOB_KEY_TAG]: key,
          'warden.job_id': ctx.job.id,
          'warden.started_by': payload.startedBy,
          ...(payload.recipeAuthor !== null ? { [RECIPE_AUTHOR_TAG]: payload.recipeAuthor } : {}),
        },
        parent: payload.parent,
        recipeFingerprint: payload.fingerprint,
        datasetDigests: input.datasetDigests,
        resourceUsage: input.resourceUsage,
        sourceRunId: input.sourceRunId,
        artifactDigest: input.artifactDigest,
      },
      { name: payload.actor },
      evidence,
    );
    return {
      version: registered.version.number,
      semver: registered.version.semver,
      stage: registered.version.stage,
      reason: registered.autoStage.reason,
      cleared: registered.autoStage.cleared === true,
    };
  }

  private async registerFailure(ctx: JobContext, payload: TrainingPayload, runId: string, usage: ResourceUsage, message: string): Promise<void> {
    try {
      const registered = await ctx.once('register', () =>
        // A failed training has nothing to promote: the policy stages it None whatever the evidence.
        this.registerOnce(ctx, payload, reportedEvidence(payload.initiator), {
          status: 'FAILED',
          description: `${payload.trigger} job ${ctx.job.id} failed: ${message}`,
          metrics: {},
          datasetDigests: [],
          resourceUsage: usageRecord(usage),
          sourceRunId: runId,
          artifactDigest: null,
          tags: { 'warden.family': payload.recipe.family, 'warden.trigger': payload.trigger, 'warden.error': message.slice(0, 1_000) },
        }),
      );
      ctx.log(`version ${payload.model} ${registered.semver} is registered for this job (stage ${registered.stage})`);
    } catch (error) {
      ctx.log(`could not register the FAILED version: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** Lineage of a vulnerability retrain on the version: the trigger and the corpus version it trained on. */
function vulnerabilityTags(payload: TrainingPayload): Record<string, string> {
  const v = payload.vulnerabilities;
  return v === undefined ? {} : { [VULNERABILITY_TRIGGER_TAG]: v.triggerId, 'warden.vulnerability_corpus': `${v.name}@${v.version}` };
}

/** A trainer's report as the job's progress: its part's share of the job (domain/training-phases.ts). */
function jobProgress(progress: TrainerProgress): Parameters<JobContext['reportProgress']>[0] {
  const { part, within, ...details } = progress;
  return { ...details, fraction: fractionIn(TRAINING_PROGRESS[part], within) };
}

function usageRecord(usage: ResourceUsage): Record<string, number> {
  const out: Record<string, number> = { cpu_seconds: usage.cpuSeconds, peak_rss_bytes: usage.peakRssBytes, wall_seconds: usage.wallSeconds };
  if (usage.gpuMemoryMb !== undefined) out.gpu_memory_mb = usage.gpuMemoryMb;
  if (usage.gpuUtilizationPct !== undefined) out.gpu_utilization_pct = usage.gpuUtilizationPct;
  return out;
}

/** Run params from a recipe: family, fingerprint, hyper-parameters (`hp.*`), features, split. */
function recipeParams(recipe: Recipe, fingerprint: string): Array<{ key: string; value: string }> {
  const params: Array<{ key: string; value: string }> = [
    { key: 'family', value: recipe.family },
    { key: 'recipe_fingerprint', value: fingerprint },
    { key: 'seed', value: String(recipe.seed) },
    { key: 'split.seed', value: String(recipe.split.seed) },
    { key: 'split.validation', value: String(recipe.split.validation) },
    { key: 'split.test', value: String(recipe.split.test) },
    { key: 'dataset.spec', value: JSON.stringify(recipe.dataset).slice(0, 6_000) },
  ];
  if (recipe.command !== undefined) params.push({ key: 'command', value: JSON.stringify(recipe.command).slice(0, 6_000) });
  for (const [k, v] of Object.entries(recipe.hyperParameters)) params.push({ key: `hp.${k}`, value: String(v) });
  for (const [k, v] of Object.entries(recipe.featurizer)) params.push({ key: `featurizer.${k}`, value: JSON.stringify(v) });
  for (const [k, v] of Object.entries(recipe.normalization)) params.push({ key: `normalization.${k}`, value: String(v) });
  if (recipe.threshold !== undefined) params.push({ key: 'threshold', value: JSON.stringify(recipe.threshold) });
  if (recipe.calibration !== undefined) params.push({ key: 'calibration', value: recipe.calibration });
  return params.slice(0, 100);
}

async function stillOwned(ctx: JobContext): Promise<boolean> {
  try {
    await ctx.confirmOwnership();
    return true;
  } catch (error) {
    // Only a takeover says no; a store that cannot answer leaves the attempt's verdict standing.
    return !(error instanceof JobAbortedError && error.reason === 'lost');
  }
}
