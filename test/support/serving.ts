/**
 * Models with real trained versions for serving tests: a model whose auto-stage policy is off
 * (so the test decides what is in Production), its versions trained by the platform's own
 * training jobs on synthetic rows, each with different epochs so their answers differ.
 */
import type { Platform } from '../../src/main.js';
import type { Actor } from '../../src/services/registry-service.js';
import { SMALL_FEATURES, syntheticRows } from './training.js';
import { jobEnded } from './wait.js';

export const ROOT: Actor = { name: 'root', role: 'admin' };

/** Registers `synth-<model>` rows once and trains `epochs.length` versions (1, 2, …) of `model`, all in stage None. */
export async function trainServingVersions(platform: Pick<Platform, 'services'>, model: string, epochs: readonly number[]): Promise<void> {
  const { services } = platform;
  const dataset = `synth-${model}`;
  await services.datasets.registerRows(syntheticRows(200), { name: dataset, origin: 'upload' });
  await services.registry.createModel({ name: model, task: 'spam', policy: { enabled: false } }, ROOT);
  for (const e of epochs) {
    const job = await services.training.enqueueTraining(
      { model, family: 'lr', dataset: { datasets: [dataset] }, recipe: { featurizer: SMALL_FEATURES, hyperParameters: { epochs: e } } },
      ROOT,
    );
    const done = await jobEnded(services.jobs, job.id);
    if (done.state !== 'succeeded') throw new Error(`training ${model} failed: ${JSON.stringify(done.error)}`);
  }
}
