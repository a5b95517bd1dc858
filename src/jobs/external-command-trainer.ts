/**
 * The Trainer port for `family: external` recipes: runs the recipe's program through an
 * ExternalTrainerRunner (the protocol of docs/external-trainers.md), turns its progress,
 * metric and log lines into the job's, and stores its output files plus an index
 * (`external-model.json`, the version's artifact). Its metrics are the program's claims
 * (`reported`); Warden cannot run its model, so it is never scored against Production.
 */
import { WardenError } from '../domain/errors.js';
import type { ExternalTrainerRunner } from '../domain/ports/external-trainer.js';
import type { ArtifactSink, MetricPoint, TrainedModel, Trainer, TrainerRequest } from '../domain/ports/trainer.js';

/** Metric points sent to the run in one batch while the program runs. */
const METRIC_BATCH = 100;
const INDEX_NAME = 'external-model.json';

export class ExternalCommandTrainer implements Trainer<never> {
  readonly families = ['external'] as const;

  constructor(private readonly runner: ExternalTrainerRunner) {}

  async train(request: TrainerRequest): Promise<TrainedModel<never>> {
    const command = request.recipe.command ?? [];
    request.onProgress({ part: 'training', within: 0, phase: 'training', message: `running ${command[0] ?? ''}` });
    const pending: MetricPoint[] = [];
    let flushing: Promise<unknown> = Promise.resolve();
    const flush = () => {
      const batch = pending.splice(0, pending.length);
      if (batch.length === 0) return flushing;
      flushing = flushing.then(() => request.onMetrics(batch)).catch((error: unknown) => request.log(`metrics not logged: ${error instanceof Error ? error.message : String(error)}`));
      return flushing;
    };
    const result = await this.runner.run({
      command,
      splits: request.splits,
      hyperParameters: { ...request.recipe.hyperParameters },
      context: { model: request.model, seed: request.recipe.seed, job_id: request.jobId, run_id: request.runId },
      signal: request.signal,
      onMessage: (message) => {
        if (message.type === 'progress') {
          try {
            request.onProgress({
              part: 'training',
              within: message.fraction,
              phase: message.phase ?? 'training',
              ...(message.epoch !== undefined ? { epoch: message.epoch } : {}),
              ...(message.totalEpochs !== undefined ? { totalEpochs: message.totalEpochs } : {}),
              ...(message.step !== undefined ? { step: message.step } : {}),
              ...(message.totalSteps !== undefined ? { totalSteps: message.totalSteps } : {}),
              ...(message.message !== undefined ? { message: message.message.slice(0, 500) } : {}),
            });
          } catch (error) {
            request.log(`[trainer] progress ignored: ${error instanceof Error ? error.message : String(error)}`);
          }
        } else if (message.type === 'metric') {
          pending.push({ key: message.key, value: message.value, step: message.step ?? 0 });
          if (pending.length >= METRIC_BATCH) void flush();
        } else if (message.type === 'log') {
          request.log(`[trainer] ${message.message}`);
        }
      },
      onLog: (line) => request.log(`[trainer] ${line}`),
    });
    await flush();
    try {
      if (request.signal.aborted) request.signal.throwIfAborted();
      if (result.exitCode !== 0) {
        throw new WardenError('VALIDATION_FAILED', `the external trainer exited with ${result.exitCode ?? `signal ${result.signal}`}`, { field: 'recipe.command' });
      }
      if (result.finalMetrics === null) throw new WardenError('VALIDATION_FAILED', 'the external trainer exited 0 without a {"type":"final"} line', { field: 'recipe.command' });
      if (result.outputFiles.length === 0) throw new WardenError('VALIDATION_FAILED', 'the external trainer wrote no file into output_dir', { field: 'recipe.command' });
    } catch (error) {
      await result.cleanup();
      throw error;
    }
    const outputs = result.outputFiles;
    return {
      // The metrics come from the trainer's own "final" line: claims, like any caller's.
      metrics: { ...result.finalMetrics },
      metricsSource: 'reported',
      model: null,
      storeArtifacts: async (store: ArtifactSink) => {
        const files: Array<{ name: string; sha256: string; size: number }> = [];
        for (const file of outputs) {
          files.push({ name: file.name, sha256: await store({ name: `output/${file.name}`, size: file.size, open: () => file.open() }), size: file.size });
        }
        const index = new TextEncoder().encode(JSON.stringify({ format: 'warden-external-model', formatVersion: 1, command, files }, null, 2));
        return store({
          name: INDEX_NAME,
          mediaType: 'application/json',
          size: index.length,
          async *open() {
            yield index;
          },
        });
      },
      release: () => result.cleanup(),
    };
  }
}
