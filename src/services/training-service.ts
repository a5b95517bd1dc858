/**
 * Training, as the API and the CLI see it: `POST /jobs/train` (train a model, created on
 * the way when missing), retrains, evaluate jobs, and the job handlers a worker runs. The
 * work lives in its own modules, each with one job:
 *
 * - recipe-resolver.ts: is a recipe acceptable, may this actor store it, its fingerprint;
 * - training-data.ts: what a dataset spec may name, and the rows a job trains on;
 * - training-pipeline.ts: the train/retrain job, over the Trainer port (domain/ports/trainer.ts);
 * - model-evaluation.ts: evaluate jobs and the staging evidence (the new model vs Production);
 * - retrain-triggers.ts: manual retrains, fresh data, and the first start's sample models;
 * - training-jobs.ts: the job payload and who it records;
 * - domain/training-phases.ts: the phases and the share of progress each covers.
 */
import { invalid } from '../domain/errors.js';
import type { Job, JsonValue } from '../domain/jobs.js';
import type { Clock } from '../domain/ports/clock.js';
import type { FreshDataEvent } from '../domain/ports/domain-events.js';
import type { JobContext, JobHandlers, JobQueue } from '../domain/ports/job-queue.js';
import type { ResourceMeter } from '../domain/ports/resource-meter.js';
import type { Trainer } from '../domain/ports/trainer.js';
import { canonicalJson, overrideRecipe } from '../domain/recipes.js';
import type { TextClassifier } from '../ml/index.js';
import type { ArtifactService } from './artifact-service.js';
import type { DatasetService } from './dataset-service.js';
import type { FreshDataService } from './fresh-data-service.js';
import { ModelEvaluation } from './model-evaluation.js';
import type { ModelLoader } from './model-loader.js';
import { RecipeResolver } from './recipe-resolver.js';
import type { Actor, RegistryService } from './registry-service.js';
import { RetrainTriggers, type RetrainGate, type RetrainOptions } from './retrain-triggers.js';
import type { TrackingService } from './tracking-service.js';
import { TrainingData } from './training-data.js';
import { authorOf, findModel, isObject, storedRecipeAuthor, submitTraining, whoFields, type RobustnessEvaluator, type VulnerabilityUses } from './training-jobs.js';
import { TrainingPipeline } from './training-pipeline.js';

export { BOOTSTRAP_MODELS, type RetrainOptions } from './retrain-triggers.js';
export { JOB_KEY_TAG, VULNERABILITY_TRIGGER_TAG, type TrainingOutcome } from './training-pipeline.js';

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
  /** The trainers this process runs, one per recipe family (built-in; external when allowlisted). */
  readonly trainers: ReadonlyArray<Trainer<TextClassifier>>;
  /** Loads versions for `evaluate` jobs and the Production comparison; without it evaluate jobs are refused. */
  readonly models?: ModelLoader;
  /** Checks recipes (the registry's too); default: built-in families only (external trainers off). */
  readonly recipes?: RecipeResolver;
  /** Records which red-team vulnerabilities a retrained version trained on (vulnerability retrains). */
  readonly vulnerabilityUses?: VulnerabilityUses;
  /** Attacks new models whose policy has a robustness gate (the red team). */
  readonly robustness?: RobustnessEvaluator;
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

const DEFAULT_TASK = 'text-classification';

export class TrainingService {
  private readonly recipes: RecipeResolver;
  private readonly data: TrainingData;
  private readonly evaluation: ModelEvaluation;
  private readonly pipeline: TrainingPipeline;
  private readonly triggers: RetrainTriggers;

  constructor(private readonly deps: TrainingServiceDeps) {
    this.recipes = deps.recipes ?? new RecipeResolver();
    this.data = new TrainingData(deps);
    this.evaluation = new ModelEvaluation(deps);
    this.pipeline = new TrainingPipeline({ ...deps, recipes: this.recipes, data: this.data, evaluation: this.evaluation });
    this.triggers = new RetrainTriggers({ ...deps, recipes: this.recipes, data: this.data });
  }

  /** Enqueues a `train` job; creates the model first when it does not exist (a recipe or family is then required). */
  async enqueueTraining(request: TrainRequest, actor: Actor): Promise<Job> {
    if (!isObject(request)) throw invalid('body', 'expected an object');
    if (typeof request.model !== 'string') throw invalid('model', 'model is required');
    const overrides: Record<string, unknown> = isObject(request.recipe) ? { ...request.recipe } : {};
    if (request.recipe !== undefined && !isObject(request.recipe)) throw invalid('recipe', 'recipe must be an object');
    if (request.family !== undefined) overrides.family = request.family;
    if (request.dataset !== undefined) overrides.dataset = request.dataset;
    let model = await findModel(this.deps.registry, request.model);
    const base = model === undefined ? null : this.recipes.stored(model.recipe);
    if (base === null && overrides.family === undefined && overrides.command === undefined) {
      throw invalid('recipe', `model "${request.model}" has no stored recipe: give recipe (or family and dataset)`);
    }
    if (base === null && overrides.dataset === undefined) {
      throw invalid(
        'dataset',
        `model "${request.model}" has no stored recipe, so say what to train on: dataset {builtin: [corpus…]} or {datasets: [name…]} (CLI: --builtin <corpus> or --dataset <name>). ${await this.data.choices()}`,
      );
    }
    const recipe = this.recipes.resolve(overrideRecipe(base, overrides));
    const datasetField = request.dataset !== undefined ? 'dataset' : isObject(request.recipe) && request.recipe.dataset !== undefined ? 'recipe.dataset' : 'model.recipe.dataset';
    await this.data.check(recipe, datasetField);
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
    const payload = { model: model.name, recipe, fingerprint: this.recipes.fingerprint(recipe), parent, fresh: null, saveRecipe: true, trigger: 'train', ...whoFields(actor, author) };
    return (await submitTraining(this.deps.jobs, 'train', payload, request.maxAttempts !== undefined ? { maxAttempts: request.maxAttempts } : {})).job;
  }

  /**
   * Enqueues a `retrain` job of a model from its stored recipe; the parent is the version
   * in Production, else the newest READY version (none for a model without versions).
   */
  async enqueueRetrain(modelName: string, actor: Actor, options: RetrainOptions = {}): Promise<Job> {
    return (await this.triggers.requestRetrain(modelName, actor, options)).job;
  }

  /**
   * {@link enqueueRetrain}, de-duplicated: while a retrain of the same model, recipe and data
   * (dataset digests, fresh version, parent) is queued or running, that job is returned with
   * `deduplicated: true` instead of queueing the same work again.
   */
  requestRetrain(modelName: string, actor: Actor, options: RetrainOptions = {}): Promise<{ job: Job; deduplicated: boolean }> {
    return this.triggers.requestRetrain(modelName, actor, options);
  }

  /** `POST /models/retrain {all: true}`: one retrain job per model that has a recipe (de-duplicated as {@link requestRetrain}). */
  enqueueRetrainAll(actor: Actor): Promise<{ jobs: Array<{ job: Job; deduplicated: boolean }>; skipped: string[] }> {
    return this.triggers.retrainAll(actor);
  }

  /** Wires the retraining orchestrator: from now on every retrain request leaves a recorded decision. */
  useRetrainGate(gate: RetrainGate): void {
    this.triggers.useGate(gate);
  }

  /** The fresh-data subscriber: see {@link RetrainTriggers.onFreshData}. */
  onFreshData(event: FreshDataEvent): Promise<Job | undefined> {
    return this.triggers.onFreshData(event);
  }

  /** Retrains for fresh data whose event was lost: see {@link RetrainTriggers.reconcileFreshData}. */
  reconcileFreshData(report: Parameters<RetrainTriggers['reconcileFreshData']>[0]): Promise<Job[]> {
    return this.triggers.reconcileFreshData(report);
  }

  /** First start's sample models: see {@link RetrainTriggers.bootstrap}. */
  bootstrap(): Promise<Job[]> {
    return this.triggers.bootstrap();
  }

  /** Enqueues an `evaluate` job: see {@link ModelEvaluation.enqueue}. */
  enqueueEvaluation(request: { model: string; version: number | string; dataset: string; datasetVersion?: number }, actor: Actor): Promise<Job> {
    return this.evaluation.enqueue(request, actor);
  }

  /** Runs one attempt of a train/retrain job (what the `train` and `retrain` handlers call). */
  runTrainingJob(ctx: JobContext): Promise<JsonValue> {
    return this.pipeline.runJob(ctx);
  }

  /** The job handlers of this area (train and retrain run the same pipeline; evaluate scores a version). */
  handlers(): JobHandlers {
    const handler = (ctx: JobContext) => this.pipeline.runJob(ctx);
    return { train: handler, retrain: handler, evaluate: (ctx) => this.evaluation.runJob(ctx) };
  }
}
