/**
 * A deployment's checks of its candidate before any traffic moves: load it the way serving
 * will (artifact digest verified, into the shared cache) and, for blue-green, a smoke check
 * on the rows it held out from its own training.
 */
import type { DatasetRow } from '../domain/datasets.js';
import { WardenError } from '../domain/errors.js';
import type { ModelVersion } from '../domain/registry/entities.js';
import { predictBatch } from '../ml/index.js';
import type { ComparisonService } from './comparison-service.js';
import type { CandidateCheck } from './deployment-service.js';
import type { ModelLoader } from './model-loader.js';

/** Rows a smoke check scores; the floor it must beat on them (a coin flip). */
export const SMOKE_ROWS = 200;
export const SMOKE_MIN_ACCURACY = 0.5;

export class ServingCandidateCheck implements CandidateCheck {
  constructor(private readonly deps: { readonly loader: Pick<ModelLoader, 'loadVersion'>; readonly comparison: Pick<ComparisonService, 'heldOutSample'> }) {}

  async warm(version: ModelVersion): Promise<{ servable: boolean; detail: string }> {
    if (version.artifactDigest === null) return { servable: false, detail: `version ${version.number} has no model artifact (a registry-only version): nothing to load` };
    if (version.tags['warden.family'] === 'external') return { servable: false, detail: `version ${version.number} was trained by an external trainer, which Warden does not serve` };
    await this.deps.loader.loadVersion(version);
    return { servable: true, detail: `version ${version.number} loaded, its artifact digest verified` };
  }

  async smoke(version: ModelVersion): Promise<string> {
    const { classifier } = await this.deps.loader.loadVersion(version);
    const sample = await this.deps.comparison.heldOutSample(version, SMOKE_ROWS);
    const rows: readonly DatasetRow[] = 'rows' in sample ? sample.rows : [];
    if (rows.length === 0) throw new WardenError('VALIDATION_FAILED', `no validation sample to smoke-check version ${version.number} on (${'why' in sample ? sample.why : 'no held-out rows'}): deploy it with strategy direct or canary`, { field: 'strategy' });
    const predictions = predictBatch(classifier, rows.map((row) => row.text));
    const malformed = predictions.findIndex((p) => !Number.isFinite(p.probability) || p.probability < 0 || p.probability > 1 || (p.label !== 0 && p.label !== 1));
    if (malformed >= 0) throw new Error(`smoke check: answer ${malformed} of the validation sample is malformed (${JSON.stringify(predictions[malformed])})`);
    const right = predictions.filter((p, i) => p.label === rows[i]!.label).length;
    const accuracy = right / rows.length;
    if (accuracy < SMOKE_MIN_ACCURACY) throw new Error(`smoke check: accuracy ${accuracy.toFixed(3)} on ${rows.length} held-out rows, below ${SMOKE_MIN_ACCURACY}`);
    return `accuracy ${accuracy.toFixed(3)} on ${rows.length} held-out rows`;
  }
}
