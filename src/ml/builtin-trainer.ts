/**
 * The Trainer port for the built-in families (logistic regression, naive Bayes, MLP):
 * trains on the job's splits a slice at a time, scores the held-out rows itself (so its
 * metrics are Warden's, not a claim), and stores manifest.json, weights.bin and the
 * model.bundle the version points at.
 */
import { invalid } from '../domain/errors.js';
import type { DatasetRow } from '../domain/datasets.js';
import { ML_FAMILY, type Recipe } from '../domain/recipes.js';
import type { ArtifactSink, TrainedModel, Trainer, TrainerRequest } from '../domain/ports/trainer.js';
import type { TextClassifier } from './classifier.js';
import { metricsToRecord } from './metrics.js';
import { serializeModel } from './model-format.js';
import { BUNDLE_MEDIA_TYPE, BUNDLE_NAME, MANIFEST_NAME, WEIGHTS_NAME, encodeBundle } from './model-bundle.js';
import { runInTurns } from './steps.js';
import { evaluateClassifierSteps, trainTextClassifierSteps, type LabelledTexts, type TrainingRecipe, type TrainingResult } from './train.js';

/** The ml/ recipe of a built-in recipe. */
export function toMlRecipe(recipe: Recipe): TrainingRecipe {
  if (recipe.family === 'external') throw invalid('recipe.family', 'an external recipe has no built-in family');
  return {
    family: ML_FAMILY[recipe.family],
    hyperParameters: recipe.hyperParameters,
    normalization: recipe.normalization,
    featurizer: recipe.featurizer as TrainingRecipe['featurizer'],
    seed: recipe.seed,
    ...(recipe.threshold !== undefined ? { threshold: recipe.threshold as unknown as NonNullable<TrainingRecipe['threshold']> } : {}),
    ...(recipe.calibration !== undefined ? { calibration: recipe.calibration } : {}),
  };
}

/** What the built-in trainer needs from its host; ml/ itself does no I/O and reads no clock. */
export interface BuiltinTrainerHost {
  /** sha256 of bytes, hex (the bundle's digests). */
  readonly sha256: (data: Uint8Array) => string;
  /** A monotonic clock in ms (throughput figures). */
  readonly now: () => number;
  /** Gives the event loop a turn between slices of work (heartbeats, HTTP, cancel). */
  readonly yieldTurn: () => Promise<void>;
}

const labelled = (rows: readonly DatasetRow[]): LabelledTexts => ({ texts: rows.map((r) => r.text), labels: Uint8Array.from(rows, (r) => r.label) });

const round = (x: number, digits = 4): number => Math.round(x * 10 ** digits) / 10 ** digits;

const ML_PHASE_NAMES = { featurize: 'featurising', train: 'training', calibrate: 'calibrating', done: 'calibrating' } as const;

export class BuiltinTrainer implements Trainer<TextClassifier> {
  readonly families = ['lr', 'nb', 'mlp'] as const;

  constructor(private readonly host: BuiltinTrainerHost) {}

  async train(request: TrainerRequest): Promise<TrainedModel<TextClassifier>> {
    const { splits } = request;
    const result = await this.fit(request);
    request.onProgress({ part: 'evaluating', within: 0, phase: 'evaluating', message: `${splits.test.length} held-out rows` });
    const evalStarted = this.host.now();
    const evaluation = await runInTurns(evaluateClassifierSteps(result.model, labelled(splits.test)), request.signal, this.host.yieldTurn);
    const evalSeconds = Math.max(1e-3, (this.host.now() - evalStarted) / 1000);
    const metrics: Record<string, number> = {
      ...metricsToRecord(result.validation, 'val_'),
      ...metricsToRecord(evaluation, 'eval_'),
      eval_rows: splits.test.length,
      train_rows: splits.train.length,
      eval_docs_per_second: round(splits.test.length / evalSeconds, 1),
    };
    request.onProgress({ part: 'evaluating', within: 1, phase: 'evaluating', throughput: round(splits.test.length / evalSeconds, 1), throughputUnit: 'docs/s' });
    request.milestone(
      `evaluation on ${splits.test.length} held-out rows: accuracy ${round(evaluation.accuracy)} f1 ${round(evaluation.f1)} roc_auc ${round(evaluation.rocAuc)} fpr ${round(evaluation.fpr)}`,
    );
    const model = { ...result.model, metrics: { ...result.model.metrics, ...metricsToRecord(evaluation, 'eval_') } };
    return {
      metrics,
      metricsSource: 'warden',
      model,
      storeArtifacts: (store) => this.store(model, store),
      release: async () => undefined,
    };
  }

  /** Featurises, trains and calibrates, reporting each slice; per-epoch metrics go to the run. */
  private async fit(request: TrainerRequest): Promise<TrainingResult> {
    const { splits } = request;
    const steps = trainTextClassifierSteps(toMlRecipe(request.recipe), { train: labelled(splits.train), validation: labelled(splits.validation) }, { datasetDigest: request.datasetDigest });
    // A phase starts when the previous one reported last (reports come at the END of a chunk of work).
    let lastReportAt = this.host.now();
    let phaseStarted = lastReportAt;
    let lastPhase: string = ML_PHASE_NAMES.featurize;
    let lastLogged = -1;
    for (;;) {
      request.signal.throwIfAborted();
      const next = steps.next();
      if (next.done === true) return next.value;
      const p = next.value;
      const phase = ML_PHASE_NAMES[p.phase];
      const now = this.host.now();
      if (phase !== lastPhase) {
        phaseStarted = lastReportAt;
        lastPhase = phase;
      }
      lastReportAt = now;
      const seconds = Math.max(1e-3, (now - phaseStarted) / 1000);
      if (p.adversarialCopies !== undefined) {
        // Before featurising: no rows featurised yet, so no throughput or step to show.
        request.onProgress({ part: 'training', within: p.fraction, phase, message: `writing adversarial copies ${p.adversarialCopies.done}/${p.adversarialCopies.total}` });
        // Featurising's throughput counts from the last copy on.
        phaseStarted = now;
        await this.host.yieldTurn();
        continue;
      }
      const trainedRows = p.row === undefined ? splits.train.length * p.epoch : splits.train.length * (p.epoch - 1) + p.row;
      const throughput = p.phase === 'featurize' ? p.step / seconds : p.phase === 'train' ? trainedRows / seconds : undefined;
      request.onProgress({
        part: 'training',
        within: p.fraction,
        phase,
        ...(p.phase === 'train' ? { epoch: p.epoch, totalEpochs: p.epochs } : {}),
        // p.steps counts the adversarial copies too: they are featurised with the training rows.
        ...(p.phase === 'featurize' ? { step: p.step, totalSteps: p.steps } : {}),
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
        if (metrics.length > 0) await request.onMetrics(metrics.map((m) => ({ ...m, step: p.epoch })));
        // Per-epoch lines go to the job log only; the server log keeps the milestones.
        request.log(
          `epoch ${p.epoch}/${p.epochs}${p.loss !== undefined && Number.isFinite(p.loss) ? ` loss ${round(p.loss)}` : ''}` +
            `${p.validationRocAuc !== undefined && Number.isFinite(p.validationRocAuc) ? ` val_roc_auc ${round(p.validationRocAuc)}` : ''}`,
        );
      }
      // Training is synchronous CPU work: give the event loop a turn (heartbeats, HTTP, cancel).
      await this.host.yieldTurn();
    }
  }

  /** manifest.json and weights.bin for people and tools, then model.bundle: the version's artifact. */
  private async store(model: TextClassifier, store: ArtifactSink): Promise<string> {
    const serialized = serializeModel(model, this.host.sha256);
    await store(inMemory(MANIFEST_NAME, new TextEncoder().encode(JSON.stringify(serialized.manifest, null, 2)), 'application/json'));
    await store(inMemory(WEIGHTS_NAME, serialized.weights, 'application/octet-stream'));
    return store(inMemory(BUNDLE_NAME, encodeBundle(serialized), BUNDLE_MEDIA_TYPE));
  }
}

function inMemory(name: string, data: Uint8Array, mediaType: string) {
  return {
    name,
    mediaType,
    size: data.length,
    async *open(): AsyncGenerator<Uint8Array> {
      yield data;
    },
  };
}
