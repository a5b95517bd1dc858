/**
 * Scoring registered and freshly trained models: the `evaluate` job (a version scored on a
 * dataset version, metrics on a run of its own), and the evidence the auto-stage policy
 * relies on when a training registers a version — who started it, whether Warden computed
 * the metrics, whether the stored artifact passes its check, and the new model against the
 * Production one on the same held-out rows (paired evaluation, McNemar).
 */
import { setImmediate as yieldTurn } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { WardenError, invalid } from '../domain/errors.js';
import type { DatasetRow } from '../domain/datasets.js';
import type { Job, JsonValue } from '../domain/jobs.js';
import type { JobContext, JobQueue } from '../domain/ports/job-queue.js';
import type { ChampionEvidence, Initiator, ModelVersion, StagingEvidence } from '../domain/registry/index.js';
import { EVALUATION_PROGRESS } from '../domain/training-phases.js';
import { evaluateClassifierSteps, metricsToRecord, runInTurns, type TextClassifier } from '../ml/index.js';
import type { ArtifactService } from './artifact-service.js';
import type { DatasetService } from './dataset-service.js';
import type { ModelLoader } from './model-loader.js';
import { evaluatePair } from './paired-evaluation.js';
import type { Actor, RegistryService } from './registry-service.js';
import type { TrackingService } from './tracking-service.js';
import { isObject, logJobMetrics, round } from './training-jobs.js';

export interface ModelEvaluationDeps {
  readonly registry: Pick<RegistryService, 'getVersion' | 'searchVersions'>;
  readonly datasets: Pick<DatasetService, 'latest' | 'get' | 'readRowsBySha256'>;
  readonly tracking: TrackingService;
  readonly artifacts: Pick<ArtifactService, 'loadModelArtifact'>;
  readonly jobs: JobQueue;
  /** Loads versions; without it evaluate jobs are refused and nothing is scored against Production. */
  readonly models?: ModelLoader;
}

/** What a training tells the policy about the version it registers. */
export interface TrainedCandidate {
  readonly initiator: Initiator;
  readonly recipeAuthor: Initiator | null;
  readonly metricsSource: StagingEvidence['metricsSource'];
  /** The model Warden can score, or null (an external trainer's). */
  readonly model: TextClassifier | null;
  readonly artifactDigest: string;
}

export class ModelEvaluation {
  constructor(private readonly deps: ModelEvaluationDeps) {}

  /**
   * Enqueues an `evaluate` job: a registered version scored on a dataset version (all its
   * rows; default the newest version of `dataset`). Metrics go to a run in experiment
   * `eval-<model>`; the job's result holds them. The version itself never changes.
   */
  async enqueue(request: { model: string; version: number | string; dataset: string; datasetVersion?: number }, _actor: Actor): Promise<Job> {
    if (!isObject(request)) throw invalid('body', 'expected an object');
    if (this.deps.models === undefined) throw invalid('kind', 'evaluation is not enabled in this process');
    const version = await this.deps.registry.getVersion(request.model, request.version);
    const dataset = request.datasetVersion === undefined ? await this.deps.datasets.latest(request.dataset) : await this.deps.datasets.get(request.dataset, request.datasetVersion);
    return this.deps.jobs.enqueue({
      kind: 'evaluate',
      payload: { model: request.model, version: version.number, semver: version.semver, dataset: dataset.name, datasetVersion: dataset.version, datasetDigest: dataset.sha256 },
    });
  }

  /** Runs an `evaluate` job. */
  async runJob(ctx: JobContext): Promise<JsonValue> {
    const p = ctx.payload;
    if (this.deps.models === undefined) throw invalid('kind', 'evaluation is not enabled in this process');
    if (typeof p.model !== 'string' || typeof p.version !== 'number' || typeof p.datasetDigest !== 'string') throw invalid('payload', 'an evaluate job names model, version and datasetDigest');
    const model = p.model;
    const number = p.version;
    const digest = p.datasetDigest;
    ctx.reportProgress({ fraction: EVALUATION_PROGRESS.loading.from, phase: 'loading', message: `${model} v${number}` });
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
    ctx.reportProgress({ fraction: EVALUATION_PROGRESS.evaluating.from, phase: 'evaluating', message: `${rows.length} rows` });
    const started = performance.now();
    const evaluation = await runInTurns(evaluateClassifierSteps(loaded.classifier, { texts: rows.map((r) => r.text), labels: Uint8Array.from(rows, (r) => r.label) }), ctx.signal, yieldTurn);
    const seconds = Math.max(1e-3, (performance.now() - started) / 1000);
    const metrics = { ...metricsToRecord(evaluation, 'eval_'), eval_rows: rows.length, eval_docs_per_second: round(rows.length / seconds, 1) };
    await logJobMetrics(this.deps.tracking, ctx, runId, Object.entries(metrics).map(([key, value]) => ({ key, value, step: 0 })));
    const run = await this.deps.tracking.requireRun(runId);
    if (run.status === 'RUNNING') await this.deps.tracking.endRun(runId, 'FINISHED');
    ctx.reportProgress({ fraction: EVALUATION_PROGRESS.evaluating.to, phase: 'evaluating', throughput: round(rows.length / seconds, 1), throughputUnit: 'docs/s' });
    ctx.log(`${model} ${loaded.version.semver} on ${rows.length} rows: accuracy ${round(evaluation.accuracy)} f1 ${round(evaluation.f1)} roc_auc ${round(evaluation.rocAuc)}`);
    return { model, version: number, semver: loaded.version.semver, runId, metrics };
  }

  /** The model's version in Production, or null. */
  async currentProduction(model: string): Promise<ModelVersion | null> {
    return (await this.deps.registry.searchVersions(model, { stage: 'Production', limit: 1 })).items[0] ?? null;
  }

  /**
   * What the auto-stage policy may rely on: who started the job, whether Warden computed the
   * metrics, whether the stored artifact passes its sha256 check, and — when a version is in
   * Production — both models scored on this job's held-out rows with the paired test.
   */
  async stagingEvidence(ctx: JobContext, candidate: TrainedCandidate, heldOut: readonly DatasetRow[], champion: ModelVersion | null): Promise<StagingEvidence> {
    let artifactVerified = false;
    try {
      await this.deps.artifacts.loadModelArtifact(candidate.artifactDigest);
      artifactVerified = true;
    } catch (error) {
      ctx.log(`the stored artifact failed its check: ${error instanceof Error ? error.message : String(error)}`);
    }
    let championEvidence: ChampionEvidence | null = null;
    // A byte-identical model needs no scoring: the policy keeps it out of Production (no churn).
    if (champion !== null && candidate.model !== null && champion.artifactDigest !== candidate.artifactDigest) {
      try {
        championEvidence = await this.scoreAgainstChampion(candidate.model, champion, heldOut);
        const c = championEvidence;
        ctx.log(
          `against Production ${champion.semver} on ${c.rows} held-out rows: accuracy ${round(c.challengerMetrics.eval_accuracy ?? NaN)} vs ${round(c.championMetrics.eval_accuracy ?? NaN)}, ` +
            `only this model right on ${c.onlyChallengerRight}, only Production on ${c.onlyChampionRight} (McNemar p ${round(c.pValue)})`,
        );
      } catch (error) {
        ctx.log(`Production ${champion.semver} could not be scored on the held-out rows: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return { metricsSource: candidate.metricsSource, artifactVerified, initiator: candidate.initiator, recipeAuthor: candidate.recipeAuthor, champion: championEvidence };
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
}
