/**
 * Training: recipes on registered models, training and retraining jobs, and the
 * pipeline those jobs run inside the job queue's workers:
 *
 *   dataset (recipe spec + fresh data) → duplicate rule → split by the hash of each text → train
 *   (per-epoch metrics on a tracking run, live job progress) → evaluate on the held-out
 *   test split (eval_*) → artifact (manifest.json, weights.bin, model.bundle on the run)
 *   → version registered (parent, dataset digests, resource usage, source run, artifact
 *   digest = the bundle's sha256) → auto-stage policy (by the registry) → fresh files
 *   moved to used/ → the model's recipe updated when the job asked to.
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
import { performance } from 'node:perf_hooks';
import { WardenError, invalid, isWardenError } from '../domain/errors.js';
import { describeFailure, jobAbortReason, type Job, type JsonObject, type JsonValue } from '../domain/jobs.js';
import type { Clock } from '../domain/ports/clock.js';
import type { FreshDataEvent } from '../domain/ports/domain-events.js';
import type { ExternalTrainerRunner } from '../domain/ports/external-trainer.js';
import type { JobContext, JobHandlers, JobQueue } from '../domain/ports/job-queue.js';
import type { ResourceMeter } from '../domain/ports/resource-meter.js';
import { RECIPE_AUTHOR_ROLE_TAG, RECIPE_AUTHOR_TAG, canonicalJson, overrideRecipe, recipeFingerprint, retrainDedupeKey, type Recipe } from '../domain/recipes.js';
import { SPLIT_METHOD, describeDeduplication, type DatasetRow, type DeduplicatedRows } from '../domain/datasets.js';
import { freshDatasetName } from '../domain/fresh-data.js';
import { initiatorOf, reportedEvidence, type ChampionEvidence, type Initiator, type ModelVersion, type RegisteredModel, type StagingEvidence } from '../domain/registry/index.js';
import { isRole } from '../domain/auth.js';
import type { ResourceUsage } from '../domain/tracking/run.js';
import {
  evaluateClassifierSteps,
  metricsToRecord,
  serializeModel,
  trainTextClassifierSteps,
  type BinaryMetrics,
  type LabelledTexts,
  type TextClassifier,
  type TrainingResult,
} from '../ml/index.js';
import { evaluatePair } from './paired-evaluation.js';
import type { ArtifactService } from './artifact-service.js';
import type { ModelLoader } from './model-loader.js';
import { combineDatasetRows, splitRows, type DatasetService } from './dataset-service.js';
import type { FreshDataService } from './fresh-data-service.js';
import { RecipeResolver, toMlRecipe } from './recipe-resolver.js';
import { sha256Hex } from '../system/sha256-digest.js';
import { BUNDLE_MEDIA_TYPE, BUNDLE_NAME, MANIFEST_NAME, WEIGHTS_NAME, encodeBundle } from '../ml/model-bundle.js';
import type { Actor, RegistryService } from './registry-service.js';
import type { TrackingService } from './tracking-service.js';

/** Phases a training job reports, in order. */
export const TRAINING_PHASES = ['loading', 'featurising', 'training', 'calibrating', 'evaluating', 'registering'] as const;

/** Metrics logged once per epoch (step = epoch). */
const EPOCH_METRICS: readonly string[] = ['train_loss', 'val_loss', 'val_roc_auc'];

/** Tag carrying the registration's idempotency key (job id + scope) on the version. */
export const JOB_KEY_TAG = 'warden.job_key';

export interface TrainingServiceDeps {
  readonly registry: RegistryService;
  readonly tracking: TrackingService;
  readonly artifacts: ArtifactService;
  readonly datasets: DatasetService;
  /** Moves a fresh version's files to used/ once its training succeeded. */
  readonly freshData: Pick<FreshDataService, 'markDatasetUsed'>;
  readonly jobs: JobQueue;
  readonly meter: ResourceMeter;
  readonly clock: Clock;
  /** Loads versions for `evaluate` jobs; without it evaluate jobs are refused. */
  readonly models?: ModelLoader;
  /** Runs recipes with `family: external`; without it such recipes are refused. */
  readonly externalTrainer?: ExternalTrainerRunner;
  /** Checks recipes (the registry's too); default: built-in families only (external trainers off). */
  readonly recipes?: RecipeResolver;
  /** Progress and milestones as log lines (the server's logger). */
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
}

/** `POST /jobs/train`: train a new version of a model (created when missing, given a recipe or family). */
export interface TrainRequest {
  readonly model: string;
  /** A full recipe, or overrides of the model's stored recipe. */
  readonly recipe?: Readonly<Record<string, unknown>>;
  /** Shorthand for `recipe.family`. */
  readonly family?: string;
  /** Shorthand for `recipe.dataset`. */
  readonly dataset?: unknown;
  /** For a model created by this request; default `text-classification`. */
  readonly task?: string;
  readonly description?: string;
  /** The version this training descends from (lineage); default none. */
  readonly parent?: number | string | null;
  readonly maxAttempts?: number;
}

export interface RetrainOptions {
  /** The fresh-data version to train on too; its files move to used/ when the job succeeds. */
  readonly fresh?: { readonly name: string; readonly version: number; readonly digest: string };
  /** Why (logged on the job and tagged on the version): `manual`, `fresh-data`, `bootstrap`… */
  readonly trigger?: string;
  readonly idempotencyKey?: string;
}

/** What a training job carries (validated at enqueue, so a bad recipe is a 400, not a failed job). */
interface TrainingPayload {
  readonly model: string;
  readonly recipe: Recipe;
  readonly fingerprint: string;
  readonly parent: number | null;
  readonly fresh: { readonly name: string; readonly version: number; readonly digest: string } | null;
  readonly saveRecipe: boolean;
  readonly trigger: string;
  /** Whose name the registration records (the person who started the job, or Warden). */
  readonly actor: string;
  /** Who started the job. */
  readonly startedBy: string;
  /** Who wrote the recipe the job runs (the model's RECIPE_AUTHOR_TAG, or the starter when the request changed it); null when unknown. */
  readonly recipeAuthor: string | null;
  /** That author's role when the recipe was stored (`system` for Warden's own); null when unknown. */
  readonly recipeAuthorRole: string | null;
  /** Who started the job: a user with a role, or the platform's own trigger (bootstrap, fresh data). */
  readonly initiator: Initiator;
}

/** The job's result (also what `GET /jobs/:id` shows once succeeded). */
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

/** The bootstrap models registered on an empty home. */
export const BOOTSTRAP_MODELS: ReadonlyArray<{
  readonly name: string;
  readonly family: 'lr' | 'nb';
  /** Chosen by 5-fold CV on the training side of the corpus (bench/cv-procedures.ts). */
  readonly hyperParameters?: Readonly<Record<string, JsonValue>>;
  readonly description: string;
}> = [
  { name: 'spam-detector', family: 'lr', hyperParameters: { refit: true }, description: 'Spam/phishing mail detector: logistic regression on hashed word and character n-grams (SpamAssassin corpus).' },
  { name: 'spam-detector-nb', family: 'nb', description: 'Spam/phishing mail detector: complement naive Bayes on hashed n-grams (SpamAssassin corpus), a second opinion with another inductive bias.' },
];

const DEFAULT_TASK = 'text-classification';
/** Dataset names listed in an error that asks which data to train on. */
const DATA_CHOICES_SHOWN = 20;

const corporaChoice = (corpora: readonly string[]): string => (corpora.length === 0 ? 'no built-in corpora ship with this build' : `built-in corpora: ${corpora.join(', ')}`);

/** What the training step hands to registration. */
interface TrainedModel {
  readonly metrics: Record<string, number>;
  /** Stores the model artifact once; returns its digest. */
  readonly upload: () => Promise<string>;
  /** The built-in classifier, to score against the champion; null for external trainers (Warden cannot run them). */
  readonly classifier: TextClassifier | null;
  /** `warden` when Warden evaluated the model on the held-out rows itself. */
  readonly metricsSource: StagingEvidence['metricsSource'];
}
const SYSTEM_ACTOR: Actor = { name: 'warden-training' };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function* bytes(data: Uint8Array): AsyncGenerator<Uint8Array> {
  yield data;
}

function usageRecord(usage: ResourceUsage): Record<string, number> {
  const out: Record<string, number> = { cpu_seconds: usage.cpuSeconds, peak_rss_bytes: usage.peakRssBytes, wall_seconds: usage.wallSeconds };
  if (usage.gpuMemoryMb !== undefined) out.gpu_memory_mb = usage.gpuMemoryMb;
  if (usage.gpuUtilizationPct !== undefined) out.gpu_utilization_pct = usage.gpuUtilizationPct;
  return out;
}

function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export class TrainingService {
  private readonly recipes: RecipeResolver;

  constructor(private readonly deps: TrainingServiceDeps) {
    this.recipes = deps.recipes ?? new RecipeResolver();
  }

  // ─────────────────────────────────────────────────────────────── recipes

  /**
   * Validates a recipe and fills the family defaults (hyper-parameters, normalisation,
   * featuriser, threshold, calibration) from ml/, so what is stored is complete and its
   * fingerprint does not depend on how much the person spelled out.
   */
  resolveRecipe(input: unknown, field = 'recipe'): Recipe {
    const recipe = this.recipes.resolve(input, field);
    if (recipe.family === 'external' && this.deps.externalTrainer === undefined) throw invalid(`${field}.command`, 'external trainers are not enabled in this process');
    return recipe;
  }

  fingerprint(recipe: Recipe): string {
    return recipeFingerprint(recipe, (text) => sha256Hex(text));
  }

  /** The stored recipe of a model, or null when it has none (or an unreadable one). */
  storedRecipe(model: RegisteredModel): Recipe | null {
    return this.recipes.stored(model.recipe);
  }

  // ─────────────────────────────────────────────────────────────── enqueue

  /** Enqueues a `train` job; creates the model first when it does not exist (a recipe or family is then required). */
  async enqueueTraining(request: TrainRequest, actor: Actor): Promise<Job> {
    if (!isObject(request)) throw invalid('body', 'expected an object');
    if (typeof request.model !== 'string') throw invalid('model', 'model is required');
    const overrides: Record<string, unknown> = isObject(request.recipe) ? { ...request.recipe } : {};
    if (request.recipe !== undefined && !isObject(request.recipe)) throw invalid('recipe', 'recipe must be an object');
    if (request.family !== undefined) overrides.family = request.family;
    if (request.dataset !== undefined) overrides.dataset = request.dataset;
    let model = await this.findModel(request.model);
    const base = model === undefined ? null : this.storedRecipe(model);
    if (base === null && overrides.family === undefined && overrides.command === undefined) {
      throw invalid('recipe', `model "${request.model}" has no stored recipe: give recipe (or family and dataset)`);
    }
    if (base === null && overrides.dataset === undefined) {
      throw invalid('dataset', `model "${request.model}" has no stored recipe, so say what to train on: dataset {builtin: [corpus…]} or {datasets: [name…]} (CLI: --builtin <corpus> or --dataset <name>). ${await this.dataChoices()}`);
    }
    const recipe = this.resolveRecipe(overrideRecipe(base, overrides));
    const datasetField = request.dataset !== undefined ? 'dataset' : isObject(request.recipe) && request.recipe.dataset !== undefined ? 'recipe.dataset' : 'model.recipe.dataset';
    await this.checkData(recipe, datasetField);
    this.recipes.authorize(base, recipe, actor);
    // A request that changes the recipe makes its starter the author; an unchanged one keeps the stored author.
    const recipeKept = base !== null && canonicalJson(base) === canonicalJson(recipe);
    const author = recipeKept && model !== undefined ? storedRecipeAuthor(model) : authorOf(actor);
    if (model === undefined) {
      model = await this.deps.registry.createModel(
        { name: request.model, task: request.task ?? DEFAULT_TASK, ...(request.description !== undefined ? { description: request.description } : {}), recipe: recipe as unknown as Record<string, unknown> },
        actor,
      );
    }
    let parent: number | null = null;
    if (request.parent !== undefined && request.parent !== null) parent = (await this.deps.registry.getVersion(model.name, request.parent)).number;
    return this.enqueue('train', { model: model.name, recipe, fingerprint: this.fingerprint(recipe), parent, fresh: null, saveRecipe: true, trigger: 'train', ...whoFields(actor, author) }, {
      ...(request.maxAttempts !== undefined ? { maxAttempts: request.maxAttempts } : {}),
    });
  }

  /**
   * Enqueues a `retrain` job of a model from its stored recipe; the parent is the version
   * in Production, else the newest READY version (none for a model without versions).
   */
  async enqueueRetrain(modelName: string, actor: Actor, options: RetrainOptions = {}): Promise<Job> {
    return (await this.requestRetrain(modelName, actor, options)).job;
  }

  /**
   * {@link enqueueRetrain}, de-duplicated: while a retrain of the same model, recipe and data
   * (dataset digests, fresh version, parent) is queued or running, that job is returned with
   * `deduplicated: true` instead of queueing the same work again.
   */
  async requestRetrain(modelName: string, actor: Actor, options: RetrainOptions = {}): Promise<{ job: Job; deduplicated: boolean }> {
    const model = await this.deps.registry.getModel(modelName);
    const recipe = this.storedRecipe(model);
    if (recipe === null) throw invalid('model', `model "${model.name}" has no usable training recipe; train it once with \`warden train ${model.name} --family lr\``);
    // Refuse now (400) what the job would fail on; the stored recipe itself is what runs and is fingerprinted.
    this.resolveRecipe(recipe, 'model.recipe');
    const datasetDigests = await this.checkData(recipe, 'model.recipe.dataset');
    const parent = await this.retrainParent(model.name);
    const fingerprint = this.fingerprint(recipe);
    const dedupeKey = retrainDedupeKey(
      { model: model.name, fingerprint, builtin: recipe.dataset.builtin, datasetDigests, freshDigest: options.fresh?.digest ?? null, parent: parent?.number ?? null },
      sha256Hex,
    );
    const submitted = await this.submit(
      'retrain',
      { model: model.name, recipe, fingerprint, parent: parent?.number ?? null, fresh: options.fresh ?? null, saveRecipe: false, trigger: options.trigger ?? 'manual', ...whoFields(actor, storedRecipeAuthor(model)) },
      { dedupeKey, ...(options.idempotencyKey !== undefined ? { idempotencyKey: options.idempotencyKey } : {}) },
    );
    return { job: submitted.job, deduplicated: !submitted.created };
  }

  /** `POST /models/retrain {all: true}`: one retrain job per model that has a recipe (de-duplicated as {@link requestRetrain}). */
  async enqueueRetrainAll(actor: Actor): Promise<{ jobs: Array<{ job: Job; deduplicated: boolean }>; skipped: string[] }> {
    const jobs: Array<{ job: Job; deduplicated: boolean }> = [];
    const skipped: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.deps.registry.listModels({ limit: 500, ...(pageToken !== undefined ? { pageToken } : {}) });
      for (const model of page.items) {
        if (this.storedRecipe(model) === null) skipped.push(model.name);
        else jobs.push(await this.requestRetrain(model.name, actor));
      }
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    return { jobs, skipped };
  }

  /**
   * The fresh-data subscriber: a retrain of the model on its recipe plus the fresh version.
   * Keyed by the fresh version's digest, so the same data never queues two retrains.
   * A folder named after no registered model (or a model without recipe) is only logged.
   */
  async onFreshData(event: FreshDataEvent): Promise<Job | undefined> {
    const job = await this.queueFreshRetrain(event.model, { name: event.datasetName, version: event.datasetVersion, digest: event.datasetDigest }, false);
    if (job !== undefined) this.deps.log?.('info', 'fresh data: retraining queued', { model: event.model, job: job.id, rows: event.rows, files: event.files.map((f) => f.name) });
    return job;
  }

  /**
   * Recovers fresh-data events that were lost (published by a process that died before its
   * subscriber queued the retrain): after a scan, every model whose waiting files are all in
   * its newest `<model>-fresh` version gets the retrain that version's event would have
   * queued. Idempotent by the version's digest: a retrain already queued, running, done or
   * failed for that data is returned, not repeated (a failed one leaves the files waiting
   * until new data makes a new version). Returns the jobs created by this call.
   */
  async reconcileFreshData(report: {
    readonly models: ReadonlyArray<{ readonly model: string; readonly announced: boolean; readonly files: ReadonlyArray<{ readonly name: string; readonly sha256: string }> }>;
  }): Promise<Job[]> {
    const created: Job[] = [];
    for (const scanned of report.models) {
      if (scanned.announced || scanned.files.length === 0) continue;
      let latest;
      try {
        latest = await this.deps.datasets.latest(freshDatasetName(scanned.model));
      } catch (error) {
        if (isWardenError(error) && (error.code === 'DATASET_NOT_FOUND' || error.code === 'VALIDATION_FAILED')) continue;
        throw error;
      }
      const versioned = new Map(latest.sourceFiles.map((f) => [f.name, f.sha256]));
      if (!scanned.files.every((f) => versioned.get(f.name) === f.sha256)) continue;
      const before = this.deps.clock.now();
      const job = await this.queueFreshRetrain(scanned.model, { name: latest.name, version: latest.version, digest: latest.sha256 }, true);
      if (job !== undefined && job.createdAt >= before) {
        created.push(job);
        this.deps.log?.('info', 'fresh data waiting without a retrain (lost event): retraining queued', { model: scanned.model, job: job.id, dataset: `${latest.name} v${latest.version}` });
      }
    }
    return created;
  }

  private async queueFreshRetrain(modelName: string, fresh: { name: string; version: number; digest: string }, quiet: boolean): Promise<Job | undefined> {
    const model = await this.findModel(modelName);
    const recipe = model === undefined ? null : this.storedRecipe(model);
    if (model === undefined || recipe === null || !recipe.dataset.includeFresh) {
      if (!quiet) {
        this.deps.log?.('warn', 'fresh data for a model that does not train on fresh data (unknown model, no recipe, or includeFresh off): left in fresh/', {
          model: modelName,
          dataset: fresh.name,
        });
      }
      return undefined;
    }
    return this.enqueueRetrain(model.name, SYSTEM_ACTOR, { fresh, trigger: 'fresh-data', idempotencyKey: `fresh:${model.name}:${fresh.digest.slice(0, 32)}` });
  }

  /**
   * First start: when NO model is registered, registers the bootstrap models (SpamAssassin,
   * logistic regression and naive Bayes, tagged `warden.bootstrap`) and queues their
   * training. On later starts it returns only the bootstrap trainings still unfinished —
   * a bootstrap model without any version (the process stopped before its job was queued
   * or while it ran): its job, keyed `bootstrap:<model>`, is queued once and found again,
   * never repeated. Returns [] once every bootstrap model has a version.
   */
  async bootstrap(): Promise<Job[]> {
    const existing = await this.deps.registry.listModels({ limit: 1 });
    const jobs: Job[] = [];
    for (const spec of BOOTSTRAP_MODELS) {
      let model = existing.items.length === 0 ? undefined : await this.findModel(spec.name);
      if (existing.items.length > 0 && (model === undefined || model.tags['warden.bootstrap'] !== 'true' || model.latestVersion > 0)) continue;
      const recipe = model !== undefined ? this.storedRecipe(model) : this.resolveRecipe({ family: spec.family, ...(spec.hyperParameters ? { hyperParameters: spec.hyperParameters } : {}), dataset: { builtin: ['spam-assassin'], includeFresh: true } });
      if (recipe === null) continue;
      if (model === undefined) {
        try {
          model = await this.deps.registry.createModel(
            { name: spec.name, task: 'spam', description: spec.description, tags: { 'warden.bootstrap': 'true' }, recipe: recipe as unknown as Record<string, unknown> },
            SYSTEM_ACTOR,
          );
        } catch (error) {
          if (isWardenError(error) && error.code === 'MODEL_ALREADY_EXISTS') continue; // another process bootstrapped it
          throw error;
        }
      }
      const job = await this.enqueue(
        'train',
        { model: spec.name, recipe, fingerprint: this.fingerprint(recipe), parent: null, fresh: null, saveRecipe: false, trigger: 'bootstrap', ...whoFields(SYSTEM_ACTOR, { recipeAuthor: model.tags[RECIPE_AUTHOR_TAG] ?? SYSTEM_ACTOR.name, recipeAuthorRole: model.tags[RECIPE_AUTHOR_ROLE_TAG] ?? 'system' }) },
        { idempotencyKey: `bootstrap:${spec.name}` },
      );
      if (job.state === 'queued' || job.state === 'running') jobs.push(job);
    }
    return jobs;
  }

  /**
   * Refuses at enqueue (VALIDATION_FAILED naming the field) a dataset spec the job would
   * fail on, after spending a version number on a FAILED version: an unknown built-in
   * corpus, an unknown dataset name, or a version the dataset does not have. Returns the
   * digests of the named dataset versions as they are now.
   */
  private async checkData(recipe: Recipe, field: string): Promise<string[]> {
    const corpora = this.deps.datasets.builtinCorpora();
    recipe.dataset.builtin.forEach((corpus, i) => {
      if (!corpora.includes(corpus)) throw invalid(`${field}.builtin[${i}]`, `unknown built-in corpus "${corpus}". ${corporaChoice(corpora)}`);
    });
    const digests: string[] = [];
    for (const [i, ref] of recipe.dataset.datasets.entries()) {
      const newest = await this.findDataset(() => this.deps.datasets.latest(ref.name));
      if (newest === undefined) throw invalid(`${field}.datasets[${i}].name`, `no dataset is named "${ref.name}". ${await this.dataChoices()}`);
      if (ref.version === undefined) {
        digests.push(newest.sha256);
        continue;
      }
      const pinned = await this.findDataset(() => this.deps.datasets.get(ref.name, ref.version!));
      if (pinned === undefined) throw invalid(`${field}.datasets[${i}].version`, `dataset "${ref.name}" has no version ${ref.version}; its versions are 1 to ${newest.version}`);
      digests.push(pinned.sha256);
    }
    return digests;
  }

  private async findDataset<T>(read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (error) {
      if (isWardenError(error) && error.code === 'DATASET_NOT_FOUND') return undefined;
      throw error;
    }
  }

  /** What a training request can name as its data: the built-in corpora and the datasets stored. */
  private async dataChoices(): Promise<string> {
    const names = (await this.deps.datasets.summaries()).map((d) => d.name);
    const shown = names.slice(0, DATA_CHOICES_SHOWN).join(', ');
    const datasets = names.length === 0 ? 'no datasets yet (`warden datasets import <file>`)' : `datasets: ${shown}${names.length > DATA_CHOICES_SHOWN ? `, … (${names.length} in all: \`warden datasets list\`)` : ''}`;
    return `${corporaChoice(this.deps.datasets.builtinCorpora())}; ${datasets}.`;
  }

  private async enqueue(kind: 'train' | 'retrain', payload: TrainingPayload, options: { idempotencyKey?: string; dedupeKey?: string; maxAttempts?: number }): Promise<Job> {
    return (await this.submit(kind, payload, options)).job;
  }

  private async submit(
    kind: 'train' | 'retrain',
    payload: TrainingPayload,
    options: { idempotencyKey?: string; dedupeKey?: string; maxAttempts?: number },
  ): Promise<{ job: Job; created: boolean }> {
    return this.deps.jobs.submit({
      kind,
      payload: payload as unknown as JsonObject,
      ...(options.idempotencyKey !== undefined ? { idempotencyKey: options.idempotencyKey } : {}),
      ...(options.dedupeKey !== undefined ? { dedupeKey: options.dedupeKey } : {}),
      ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    });
  }

  private async findModel(name: string): Promise<RegisteredModel | undefined> {
    try {
      return await this.deps.registry.getModel(name);
    } catch (error) {
      if (isWardenError(error) && error.code === 'MODEL_NOT_FOUND') return undefined;
      throw error;
    }
  }

  private async retrainParent(model: string): Promise<ModelVersion | undefined> {
    const production = await this.deps.registry.searchVersions(model, { stage: 'Production', limit: 1 });
    if (production.items[0] !== undefined) return production.items[0];
    // Newest first: the first READY one is the newest.
    let pageToken: string | undefined;
    do {
      const page = await this.deps.registry.searchVersions(model, { limit: 100, ...(pageToken !== undefined ? { pageToken } : {}) });
      const ready = page.items.find((v) => v.status === 'READY');
      if (ready !== undefined) return ready;
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    return undefined;
  }

  // ────────────────────────────────────────────────────────────── handlers

  /** The job handlers of this area (train and retrain run the same pipeline; evaluate scores a version). */
  handlers(): JobHandlers {
    const handler = (ctx: JobContext) => this.runTrainingJob(ctx);
    return { train: handler, retrain: handler, evaluate: (ctx) => this.runEvaluationJob(ctx) };
  }

  // ─────────────────────────────────────────────────────────── evaluate

  /**
   * Enqueues an `evaluate` job: a registered version scored on a dataset version (all its
   * rows; default the newest version of `dataset`). Metrics go to a run in experiment
   * `eval-<model>`; the job's result holds them. The version itself never changes.
   */
  async enqueueEvaluation(request: { model: string; version: number | string; dataset: string; datasetVersion?: number }, _actor: Actor): Promise<Job> {
    if (!isObject(request)) throw invalid('body', 'expected an object');
    if (this.deps.models === undefined) throw invalid('kind', 'evaluation is not enabled in this process');
    const version = await this.deps.registry.getVersion(request.model, request.version);
    const dataset = request.datasetVersion === undefined ? await this.deps.datasets.latest(request.dataset) : await this.deps.datasets.get(request.dataset, request.datasetVersion);
    return this.deps.jobs.enqueue({
      kind: 'evaluate',
      payload: { model: request.model, version: version.number, semver: version.semver, dataset: dataset.name, datasetVersion: dataset.version, datasetDigest: dataset.sha256 },
    });
  }

  async runEvaluationJob(ctx: JobContext): Promise<JsonValue> {
    const p = ctx.payload;
    if (this.deps.models === undefined) throw invalid('kind', 'evaluation is not enabled in this process');
    if (typeof p.model !== 'string' || typeof p.version !== 'number' || typeof p.datasetDigest !== 'string') throw invalid('payload', 'an evaluate job names model, version and datasetDigest');
    const model = p.model;
    const number = p.version;
    const digest = p.datasetDigest;
    ctx.reportProgress({ fraction: 0, phase: 'loading', message: `${model} v${number}` });
    const loaded = await this.deps.models.load(model, number);
    const rows = await this.deps.datasets.readRowsBySha256(digest);
    ctx.signal.throwIfAborted();
    const runId = await ctx.once('run', async () => {
      const run = await this.deps.tracking.createRun({
        experimentName: `eval-${model}`,
        name: `${model} ${loaded.version.semver} on ${String(p.dataset)} v${String(p.datasetVersion)}`,
        tags: { 'warden.job_id': ctx.job.id, 'warden.model': model, 'warden.version': loaded.version.semver },
      });
      await this.deps.tracking.logBatch(run.id, {
        params: [
          { key: 'model', value: model },
          { key: 'version', value: loaded.version.semver },
          { key: 'dataset.digest', value: digest },
          { key: 'dataset.rows', value: String(rows.length) },
        ],
      });
      return run.id;
    });
    ctx.reportProgress({ fraction: 0.1, phase: 'evaluating', message: `${rows.length} rows` });
    const started = performance.now();
    const evaluation = await this.evaluate(ctx, loaded.classifier, { texts: rows.map((r) => r.text), labels: Uint8Array.from(rows, (r) => r.label) });
    const seconds = Math.max(1e-3, (performance.now() - started) / 1000);
    const metrics = { ...metricsToRecord(evaluation, 'eval_'), eval_rows: rows.length, eval_docs_per_second: round(rows.length / seconds, 1) };
    await this.logMetrics(ctx, runId, Object.entries(metrics).map(([key, value]) => ({ key, value, step: 0 })));
    const run = await this.deps.tracking.requireRun(runId);
    if (run.status === 'RUNNING') await this.deps.tracking.endRun(runId, 'FINISHED');
    ctx.reportProgress({ fraction: 1, phase: 'evaluating', throughput: round(rows.length / seconds, 1), throughputUnit: 'docs/s' });
    ctx.log(`${model} ${loaded.version.semver} on ${rows.length} rows: accuracy ${round(evaluation.accuracy)} f1 ${round(evaluation.f1)} roc_auc ${round(evaluation.rocAuc)}`);
    return { model, version: number, semver: loaded.version.semver, runId, metrics };
  }

  /** Runs one attempt of a train/retrain job. See the module comment for the guarantees. */
  async runTrainingJob(ctx: JobContext): Promise<JsonValue> {
    const payload = this.readPayload(ctx.payload);
    const measurement = this.deps.meter.start();
    const started = performance.now();
    const say = (line: string, fields: Record<string, unknown> = {}) => {
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
      if (cancelled || final) {
        await this.endRun(runId, cancelled ? 'KILLED' : 'FAILED', usage);
        if (final) await this.registerFailure(ctx, payload, runId, usage, failure.message);
      }
      throw error;
    }
  }

  private readPayload(raw: JsonObject): TrainingPayload {
    if (typeof raw.model !== 'string') throw invalid('payload.model', 'the job names no model');
    const recipe = this.resolveRecipe(raw.recipe, 'payload.recipe');
    const parent = raw.parent === null || raw.parent === undefined ? null : Number(raw.parent);
    const fresh = isObject(raw.fresh) ? (raw.fresh as unknown as TrainingPayload['fresh']) : null;
    return {
      model: raw.model,
      recipe,
      fingerprint: typeof raw.fingerprint === 'string' ? raw.fingerprint : this.fingerprint(recipe),
      parent: Number.isInteger(parent) ? parent : null,
      fresh,
      saveRecipe: raw.saveRecipe === true,
      trigger: typeof raw.trigger === 'string' ? raw.trigger : 'train',
      actor: typeof raw.actor === 'string' ? raw.actor : SYSTEM_ACTOR.name,
      startedBy: typeof raw.startedBy === 'string' ? raw.startedBy : typeof raw.actor === 'string' ? raw.actor : SYSTEM_ACTOR.name,
      recipeAuthor: typeof raw.recipeAuthor === 'string' ? raw.recipeAuthor : null,
      recipeAuthorRole: typeof raw.recipeAuthorRole === 'string' ? raw.recipeAuthorRole : null,
      initiator: readInitiator(raw.initiator, typeof raw.actor === 'string' ? raw.actor : SYSTEM_ACTOR.name),
    };
  }

  private async endRun(runId: string, status: 'FINISHED' | 'FAILED' | 'KILLED', usage: ResourceUsage): Promise<void> {
    try {
      const run = await this.deps.tracking.requireRun(runId);
      if (run.status === 'RUNNING') await this.deps.tracking.endRun(runId, status, usage);
    } catch (error) {
      this.deps.log?.('warn', 'could not end the training run', { run: runId, err: error instanceof Error ? error.message : String(error) });
    }
  }

  private async trainAndRegister(
    ctx: JobContext,
    payload: TrainingPayload,
    runId: string,
    measurement: { stop(): Promise<ResourceUsage> },
    say: (line: string, fields?: Record<string, unknown>) => void,
  ): Promise<TrainingOutcome> {
    const { recipe, model } = payload;
    // ── loading
    ctx.reportProgress({ fraction: 0, phase: 'loading', message: 'reading the datasets' });
    const data = await this.loadDataset(model, recipe, payload);
    ctx.signal.throwIfAborted();
    const splits = splitRows(data.rows, recipe.split);
    say(`dataset: ${data.rows.length} rows (${data.positives} positive) from ${data.sources.join(', ')} (${describeDeduplication(data.deduplicated)}); split train ${splits.train.length} / validation ${splits.validation.length} / test ${splits.test.length} (seed ${recipe.split.seed})`);
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
    ctx.reportProgress({ fraction: 0.05, phase: 'loading', message: `${data.rows.length} rows loaded` });

    // ── train + evaluate (built-in) or run the external trainer
    const trained =
      recipe.family === 'external'
        ? await this.runExternal(ctx, payload, runId, splits)
        : await this.runBuiltin(ctx, payload, runId, splits, data.digests[0] ?? null, say);
    ctx.signal.throwIfAborted();

    // ── registering
    ctx.reportProgress({ fraction: 0.93, phase: 'registering', message: 'storing the model artifact' });
    const artifactDigest = await ctx.once('artifact', () => trained.upload());
    const usage = await measurement.stop();
    const resourceUsage = usageRecord(usage);
    // Keys with a per-epoch history keep it: the last epoch's point is the final value.
    await this.logMetrics(
      ctx,
      runId,
      Object.entries(trained.metrics)
        .filter(([key]) => !EPOCH_METRICS.includes(key))
        .map(([key, value]) => ({ key, value, step: 0 })),
    );
    await this.deps.tracking.logBatch(runId, { tags: [{ key: 'warden.artifact_digest', value: artifactDigest ?? '' }] });
    const champion = await this.currentProduction(model);
    ctx.reportProgress({ fraction: 0.95, phase: 'registering', message: champion === null ? 'checking the artifact' : `comparing with Production ${champion.semver} on the held-out rows` });
    const evidence = await this.stagingEvidence(ctx, payload, trained, artifactDigest, splits.test, champion);
    ctx.reportProgress({ fraction: 0.96, phase: 'registering', message: 'registering the version' });
    const registered = await ctx.once('register', () =>
      this.registerOnce(ctx, payload, evidence, {
        status: 'READY',
        description: `${payload.trigger} job ${ctx.job.id}: ${payload.recipe.family} on ${data.rows.length} rows (${data.sources.join(', ')})`,
        metrics: trained.metrics,
        datasetDigests: data.digests,
        resourceUsage,
        sourceRunId: runId,
        artifactDigest,
        tags: { 'warden.family': recipe.family, 'warden.trigger': payload.trigger },
      }),
    );
    await this.endRun(runId, 'FINISHED', usage);
    await this.deps.tracking.logBatch(runId, { tags: [{ key: 'warden.version', value: `${model}/${registered.semver}` }] });

    await this.afterSuccess(ctx, payload, say);
    ctx.reportProgress({ fraction: 1, phase: 'registering', message: `${model} ${registered.semver} → ${registered.stage}` });
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
      resourceUsage,
      startedBy: payload.startedBy,
      recipeAuthor: payload.recipeAuthor,
    };
  }

  /** After a successful job: fresh files to used/, the recipe saved when the job asked to. */
  private async afterSuccess(ctx: JobContext, payload: TrainingPayload, say: (line: string) => void): Promise<void> {
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
  ): Promise<{ version: number; semver: string; stage: string; reason: string }> {
    const key = ctx.idempotencyKey('register');
    const existing = await this.deps.registry.searchVersions(payload.model, { tag: `${JOB_KEY_TAG}=${key}`, limit: 1 });
    const found = existing.items[0];
    if (found !== undefined) return { version: found.number, semver: found.semver, stage: found.stage, reason: 'registered by an earlier attempt of this job' };
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
    return { version: registered.version.number, semver: registered.version.semver, stage: registered.version.stage, reason: registered.autoStage.reason };
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

  // ─────────────────────────────────────────────────────────── governance

  private async currentProduction(model: string): Promise<ModelVersion | null> {
    return (await this.deps.registry.searchVersions(model, { stage: 'Production', limit: 1 })).items[0] ?? null;
  }

  /**
   * What the auto-stage policy may rely on: who started the job, whether Warden computed the
   * metrics, whether the stored artifact passes its sha256 check, and — when a version is in
   * Production — both models scored on this job's held-out rows with the paired test.
   */
  private async stagingEvidence(
    ctx: JobContext,
    payload: TrainingPayload,
    trained: TrainedModel,
    artifactDigest: string,
    heldOut: readonly DatasetRow[],
    champion: ModelVersion | null,
  ): Promise<StagingEvidence> {
    let artifactVerified = false;
    try {
      await this.deps.artifacts.loadModelArtifact(artifactDigest);
      artifactVerified = true;
    } catch (error) {
      ctx.log(`the stored artifact failed its check: ${error instanceof Error ? error.message : String(error)}`);
    }
    let championEvidence: ChampionEvidence | null = null;
    // A byte-identical model needs no scoring: the policy keeps it out of Production (no churn).
    if (champion !== null && trained.classifier !== null && champion.artifactDigest !== artifactDigest) {
      try {
        championEvidence = await this.scoreAgainstChampion(trained.classifier, champion, heldOut);
        const c = championEvidence;
        ctx.log(
          `against Production ${champion.semver} on ${c.rows} held-out rows: accuracy ${round(c.challengerMetrics.eval_accuracy ?? NaN)} vs ${round(c.championMetrics.eval_accuracy ?? NaN)}, ` +
            `only this model right on ${c.onlyChallengerRight}, only Production on ${c.onlyChampionRight} (McNemar p ${round(c.pValue)})`,
        );
      } catch (error) {
        ctx.log(`Production ${champion.semver} could not be scored on the held-out rows: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return { metricsSource: trained.metricsSource, artifactVerified, initiator: payload.initiator, recipeAuthor: recipeAuthorOf(payload), champion: championEvidence };
  }

  private async scoreAgainstChampion(challenger: TextClassifier, champion: ModelVersion, heldOut: readonly DatasetRow[]): Promise<ChampionEvidence> {
    if (this.deps.models === undefined) throw new WardenError('VALIDATION_FAILED', 'model loading is not enabled in this process', { field: 'models' });
    if (heldOut.length === 0) throw invalid('recipe.split.test', 'there are no held-out rows to compare on');
    const loaded = await this.deps.models.load(champion.model, champion.number);
    const pair = await evaluatePair(challenger, loaded.classifier, { texts: heldOut.map((r) => r.text), labels: Uint8Array.from(heldOut, (r) => r.label) });
    return {
      championVersionId: champion.id,
      championNumber: champion.number,
      rows: pair.rows,
      challengerMetrics: pair.metricsA,
      championMetrics: pair.metricsB,
      onlyChallengerRight: pair.paired.counts.onlyARight,
      onlyChampionRight: pair.paired.counts.onlyBRight,
      pValue: pair.paired.mcnemar.pValue,
    };
  }

  // ──────────────────────────────────────────────────────────────── data

  private async loadDataset(
    model: string,
    recipe: Recipe,
    payload: TrainingPayload,
  ): Promise<{ rows: readonly DatasetRow[]; deduplicated: DeduplicatedRows; digests: string[]; sources: string[]; positives: number }> {
    const parts: Array<{ digest: string; rows: readonly DatasetRow[]; label: string }> = [];
    const add = async (digest: string, label: string) => {
      if (parts.some((p) => p.digest === digest)) return;
      parts.push({ digest, rows: await this.deps.datasets.readRowsBySha256(digest), label });
    };
    for (const corpus of recipe.dataset.builtin) {
      const imported = await this.deps.datasets.importBuiltinCorpus(corpus);
      await add(imported.dataset.sha256, `${imported.dataset.name} v${imported.dataset.version}`);
    }
    for (const ref of recipe.dataset.datasets) {
      const version = ref.version === undefined ? await this.deps.datasets.latest(ref.name) : await this.deps.datasets.get(ref.name, ref.version);
      await add(version.sha256, `${version.name} v${version.version}`);
    }
    if (recipe.dataset.includeFresh) {
      // Fresh data any version of the model trained on stays in later training data: its files
      // left fresh/ for used/, so a version that never reached Production must not take them with it.
      for (const digest of await this.freshDigestsTrainedOn(model)) {
        try {
          const version = await this.deps.datasets.getBySha256(digest);
          if (version.name === freshDatasetName(model)) await add(version.sha256, `${version.name} v${version.version}`);
        } catch (error) {
          if (!(isWardenError(error) && error.code === 'DATASET_NOT_FOUND')) throw error;
        }
      }
      if (payload.fresh !== null) {
        const fresh = await this.deps.datasets.get(payload.fresh.name, payload.fresh.version);
        await add(fresh.sha256, `${fresh.name} v${fresh.version}`);
      }
    } else if (payload.fresh !== null) {
      throw invalid('recipe.dataset.includeFresh', `the recipe of ${model} does not include fresh data`);
    }
    if (parts.length === 0) throw invalid('recipe.dataset', 'the dataset spec resolved to no data');
    // One duplicate rule whether the spec names one dataset or several (the comparison rebuilds rows the same way).
    const deduplicated = combineDatasetRows(parts);
    const rows = deduplicated.rows;
    let positives = 0;
    for (const r of rows) positives += r.label;
    return { rows, deduplicated, digests: parts.map((p) => p.digest), sources: parts.map((p) => p.label), positives };
  }

  /** Every dataset digest the model's READY versions list, oldest version first, without repeats. */
  private async freshDigestsTrainedOn(model: string): Promise<string[]> {
    const digests: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.deps.registry.searchVersions(model, { limit: 100, ...(pageToken !== undefined ? { pageToken } : {}) });
      for (const version of page.items) if (version.status === 'READY') digests.push(...version.datasetDigests);
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    return [...new Set(digests.reverse())];
  }

  // ─────────────────────────────────────────────────────────── built-in

  private async runBuiltin(
    ctx: JobContext,
    payload: TrainingPayload,
    runId: string,
    splits: { train: DatasetRow[]; validation: DatasetRow[]; test: DatasetRow[] },
    datasetDigest: string | null,
    say: (line: string, fields?: Record<string, unknown>) => void,
  ): Promise<TrainedModel> {
    const asData = (rows: readonly DatasetRow[]) => ({ texts: rows.map((r) => r.text), labels: Uint8Array.from(rows, (r) => r.label) });
    const steps = trainTextClassifierSteps(toMlRecipe(payload.recipe), { train: asData(splits.train), validation: asData(splits.validation) }, { datasetDigest });
    const TRAIN_FROM = 0.05;
    const TRAIN_SPAN = 0.8; // 0.05 → 0.85 for featurising, training and calibrating
    // A phase starts when the previous one reported last (reports come at the END of a chunk of work).
    let lastReportAt = performance.now();
    let phaseStarted = lastReportAt;
    let lastPhase = 'featurising';
    let lastLogged = -1;
    let result: TrainingResult;
    const docs = splits.train.length + splits.validation.length;
    for (;;) {
      ctx.signal.throwIfAborted();
      const next = steps.next();
      if (next.done === true) {
        result = next.value;
        break;
      }
      const p = next.value;
      const phase = p.phase === 'featurize' ? 'featurising' : p.phase === 'train' ? 'training' : 'calibrating';
      const now = performance.now();
      if (phase !== lastPhase) {
        phaseStarted = lastReportAt;
        lastPhase = phase;
      }
      lastReportAt = now;
      const seconds = Math.max(1e-3, (now - phaseStarted) / 1000);
      const trainedRows = p.row === undefined ? splits.train.length * p.epoch : splits.train.length * (p.epoch - 1) + p.row;
      const throughput = p.phase === 'featurize' ? p.step / seconds : p.phase === 'train' ? trainedRows / seconds : undefined;
      ctx.reportProgress({
        fraction: Math.min(0.85, TRAIN_FROM + TRAIN_SPAN * p.fraction),
        phase,
        ...(p.phase === 'train' ? { epoch: p.epoch, totalEpochs: p.epochs } : {}),
        ...(p.phase === 'featurize' ? { step: Math.min(p.step, docs), totalSteps: docs } : {}),
        ...(throughput !== undefined && Number.isFinite(throughput) ? { throughput: round(throughput, 1), throughputUnit: 'docs/s' } : {}),
      });
      // Reports from inside an epoch (p.row set) carry no metrics yet.
      if (p.phase === 'train' && p.row === undefined && p.epoch !== lastLogged) {
        lastLogged = p.epoch;
        const metrics = [
          { key: 'train_loss', value: p.loss },
          { key: 'val_loss', value: p.validationLoss },
          { key: 'val_roc_auc', value: p.validationRocAuc },
        ].filter((m): m is { key: string; value: number } => typeof m.value === 'number' && Number.isFinite(m.value));
        if (metrics.length > 0) await this.logMetrics(ctx, runId, metrics.map((m) => ({ ...m, step: p.epoch })));
        // Per-epoch lines go to the job log only; the server log keeps the milestones.
        ctx.log(`epoch ${p.epoch}/${p.epochs}${p.loss !== undefined && Number.isFinite(p.loss) ? ` loss ${round(p.loss)}` : ''}${p.validationRocAuc !== undefined && Number.isFinite(p.validationRocAuc) ? ` val_roc_auc ${round(p.validationRocAuc)}` : ''}`);
      }
      // Training is synchronous CPU work: give the event loop a turn (heartbeats, HTTP, cancel).
      await nextTick();
    }
    ctx.reportProgress({ fraction: 0.86, phase: 'evaluating', message: `${splits.test.length} held-out rows` });
    const evalStarted = performance.now();
    const evaluation = await this.evaluate(ctx, result.model, asData(splits.test));
    const evalSeconds = Math.max(1e-3, (performance.now() - evalStarted) / 1000);
    const metrics: Record<string, number> = {
      ...metricsToRecord(result.validation, 'val_'),
      ...metricsToRecord(evaluation, 'eval_'),
      eval_rows: splits.test.length,
      train_rows: splits.train.length,
      eval_docs_per_second: round(splits.test.length / evalSeconds, 1),
    };
    ctx.reportProgress({ fraction: 0.92, phase: 'evaluating', throughput: round(splits.test.length / evalSeconds, 1), throughputUnit: 'docs/s' });
    say(`evaluation on ${splits.test.length} held-out rows: accuracy ${round(evaluation.accuracy)} f1 ${round(evaluation.f1)} roc_auc ${round(evaluation.rocAuc)} fpr ${round(evaluation.fpr)}`);
    const classifier = { ...result.model, metrics: { ...result.model.metrics, ...metricsToRecord(evaluation, 'eval_') } };
    const upload = async (): Promise<string> => {
      const serialized = serializeModel(classifier, sha256Hex);
      const manifest = Buffer.from(JSON.stringify(serialized.manifest, null, 2), 'utf8');
      await this.uploadOnce(runId, MANIFEST_NAME, manifest, 'application/json');
      await this.uploadOnce(runId, WEIGHTS_NAME, serialized.weights, 'application/octet-stream');
      return this.uploadOnce(runId, BUNDLE_NAME, encodeBundle(serialized), BUNDLE_MEDIA_TYPE);
    };
    return { metrics, upload, classifier, metricsSource: 'warden' };
  }

  /**
   * Logs metric points on the job's run. A later attempt trains the same epochs again:
   * the points an earlier attempt logged are kept and not repeated.
   */
  private async logMetrics(ctx: JobContext, runId: string, metrics: ReadonlyArray<{ key: string; value: number; step: number }>): Promise<void> {
    if (metrics.length === 0) return;
    if (ctx.attempt > 1) await this.deps.tracking.logMetricsOnce(runId, metrics);
    else await this.deps.tracking.logBatch(runId, { metrics: [...metrics] });
  }

  /** Scores a model on labelled texts a slice at a time, giving the event loop a turn between slices (heartbeats, cancel). */
  private async evaluate(ctx: JobContext, model: TextClassifier, data: LabelledTexts): Promise<BinaryMetrics> {
    const steps = evaluateClassifierSteps(model, data);
    for (;;) {
      ctx.signal.throwIfAborted();
      const next = steps.next();
      if (next.done === true) return next.value;
      await nextTick();
    }
  }

  /** Uploads `data` as `name` on the run; an artifact of that name left by an earlier attempt is reused. */
  private async uploadOnce(runId: string, name: string, data: Uint8Array, mediaType: string): Promise<string> {
    const existing = (await this.deps.artifacts.list(runId)).find((a) => a.name === name);
    if (existing !== undefined) return existing.sha256;
    const artifact = await this.deps.artifacts.upload(runId, { name, mediaType, declaredSize: data.length }, bytes(data));
    return artifact.sha256;
  }

  // ─────────────────────────────────────────────────────────── external

  private async runExternal(
    ctx: JobContext,
    payload: TrainingPayload,
    runId: string,
    splits: { train: DatasetRow[]; validation: DatasetRow[]; test: DatasetRow[] },
  ): Promise<TrainedModel> {
    const runner = this.deps.externalTrainer;
    if (runner === undefined) throw new WardenError('VALIDATION_FAILED', 'external trainers are not enabled in this process', { field: 'recipe.family' });
    const command = payload.recipe.command ?? [];
    ctx.reportProgress({ fraction: 0.06, phase: 'training', message: `running ${command[0] ?? ''}` });
    const pendingMetrics: Array<{ key: string; value: number; step: number }> = [];
    let flushing: Promise<unknown> = Promise.resolve();
    const flush = () => {
      const batch = pendingMetrics.splice(0, pendingMetrics.length);
      if (batch.length === 0) return flushing;
      flushing = flushing.then(() => this.logMetrics(ctx, runId, batch)).catch((error: unknown) => ctx.log(`metrics not logged: ${error instanceof Error ? error.message : String(error)}`));
      return flushing;
    };
    const result = await runner.run({
      command,
      splits,
      hyperParameters: { ...payload.recipe.hyperParameters },
      context: { model: payload.model, seed: payload.recipe.seed, job_id: ctx.job.id, run_id: runId },
      signal: ctx.signal,
      onMessage: (message) => {
        if (message.type === 'progress') {
          try {
            ctx.reportProgress({
              fraction: 0.06 + 0.8 * Math.min(1, Math.max(0, message.fraction)),
              phase: message.phase ?? 'training',
              ...(message.epoch !== undefined ? { epoch: message.epoch } : {}),
              ...(message.totalEpochs !== undefined ? { totalEpochs: message.totalEpochs } : {}),
              ...(message.step !== undefined ? { step: message.step } : {}),
              ...(message.totalSteps !== undefined ? { totalSteps: message.totalSteps } : {}),
              ...(message.message !== undefined ? { message: message.message.slice(0, 500) } : {}),
            });
          } catch (error) {
            ctx.log(`[trainer] progress ignored: ${error instanceof Error ? error.message : String(error)}`);
          }
        } else if (message.type === 'metric') {
          pendingMetrics.push({ key: message.key, value: message.value, step: message.step ?? 0 });
          if (pendingMetrics.length >= 100) void flush();
        } else if (message.type === 'log') {
          ctx.log(`[trainer] ${message.message}`);
        }
      },
      onLog: (line) => ctx.log(`[trainer] ${line}`),
    });
    await flush();
    try {
      if (ctx.signal.aborted) ctx.signal.throwIfAborted();
      if (result.exitCode !== 0) {
        throw new WardenError('VALIDATION_FAILED', `the external trainer exited with ${result.exitCode ?? `signal ${result.signal}`}`, { field: 'recipe.command' });
      }
      if (result.finalMetrics === null) throw new WardenError('VALIDATION_FAILED', 'the external trainer exited 0 without a {"type":"final"} line', { field: 'recipe.command' });
      if (result.outputFiles.length === 0) throw new WardenError('VALIDATION_FAILED', 'the external trainer wrote no file into output_dir', { field: 'recipe.command' });
      // Upload now (the files live in a temporary directory removed below); the index is the version's artifact.
      const uploaded: Array<{ name: string; sha256: string; size: number }> = [];
      for (const file of result.outputFiles) {
        const name = `output/${file.name}`;
        const existing = (await this.deps.artifacts.list(runId)).find((a) => a.name === name);
        const artifact = existing ?? (await this.deps.artifacts.upload(runId, { name, declaredSize: file.size }, file.open()));
        uploaded.push({ name: file.name, sha256: artifact.sha256, size: artifact.size });
      }
      const index = Buffer.from(JSON.stringify({ format: 'warden-external-model', formatVersion: 1, command, files: uploaded }, null, 2), 'utf8');
      const metrics = { ...result.finalMetrics };
      // The metrics come from the trainer's own "final" line: claims, like any caller's.
      return { metrics, upload: () => this.uploadOnce(runId, 'external-model.json', index, 'application/json'), classifier: null, metricsSource: 'reported' };
    } finally {
      await result.cleanup();
    }
  }
}

/** Run params from a recipe: family, fingerprint, hyper-parameters (`hp.*`), features, split. */
type RecipeAuthorFields = Pick<TrainingPayload, 'recipeAuthor' | 'recipeAuthorRole'>;
type WhoFields = Pick<TrainingPayload, 'actor' | 'startedBy' | 'initiator'> & RecipeAuthorFields;

/** The one place a job payload's "who" is written: the starter (as actor, startedBy and initiator) and the recipe's author. */
function whoFields(starter: Actor, author: RecipeAuthorFields): WhoFields {
  return { actor: starter.name, startedBy: starter.name, initiator: initiatorOf(starter), ...author };
}

/** The recipe's author as Warden recorded it on the model (tags set by the registry when the recipe changed). */
function storedRecipeAuthor(model: RegisteredModel): RecipeAuthorFields {
  return { recipeAuthor: model.tags[RECIPE_AUTHOR_TAG] ?? null, recipeAuthorRole: model.tags[RECIPE_AUTHOR_ROLE_TAG] ?? null };
}

/** `actor` as the author of a recipe it writes (`system` for Warden's own actor). */
function authorOf(actor: Actor): RecipeAuthorFields {
  return { recipeAuthor: actor.name, recipeAuthorRole: actor.role ?? 'system' };
}

/**
 * The initiator a job payload records. A payload without one (queued before initiators were
 * recorded) or with a malformed one acts with the least privilege: a policy cannot promote it.
 */
function readInitiator(raw: JsonValue | undefined, actor: string): Initiator {
  if (isObject(raw) && typeof raw.name === 'string') {
    if (raw.kind === 'system') return { kind: 'system', name: raw.name };
    if (raw.kind === 'user' && isRole(raw.role)) return { kind: 'user', name: raw.name, role: raw.role };
  }
  return { kind: 'user', name: actor, role: 'viewer' };
}

/** The recipe's author as the policy sees it; null when the job does not know (queued before authors were recorded). */
function recipeAuthorOf(payload: TrainingPayload): Initiator | null {
  if (payload.recipeAuthor === null || payload.recipeAuthorRole === null) return null;
  if (payload.recipeAuthorRole === 'system') return { kind: 'system', name: payload.recipeAuthor };
  return { kind: 'user', name: payload.recipeAuthor, role: isRole(payload.recipeAuthorRole) ? payload.recipeAuthorRole : 'viewer' };
}

function actorOfInitiator(initiator: Initiator): Actor {
  return initiator.kind === 'system' ? { name: initiator.name } : { name: initiator.name, role: initiator.role };
}

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
