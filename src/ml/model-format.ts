/**
 * The on-disk model format: `manifest.json` (plain JSON, described by ModelManifest) and
 * a weights file of little-endian IEEE-754 float32 values, the tensors concatenated in
 * the order the manifest lists them. Loading parses data only — nothing is evaluated —
 * validates every manifest field and verifies the weights' sha256 before use.
 *
 * ml/ does no I/O and has no crypto: the caller passes a `Sha256` function, e.g.
 * `(bytes) => createHash('sha256').update(bytes).digest('hex')` from node:crypto.
 */
import { WardenError, invalid } from '../domain/errors.js';
import { NORMALIZATION_STEPS, withLegacyDefaults, type NormalizationRecipe } from './normalize.js';
import { FEATURIZER_FIELDS, validateFeaturizerConfig, withFeaturizerDefaults, type FeaturizerConfig } from './features.js';
import { MODEL_FAMILIES, tensorLayout, type ModelFamily, type TextClassifier } from './classifier.js';
import { validateLogisticRegressionParams, type LogisticRegressionParams } from './logistic-regression.js';
import { validateNaiveBayesParams, type NaiveBayesParams } from './naive-bayes.js';
import { validateMlpParams, type MlpParams } from './mlp.js';

/** Lower-case hex sha256 of the bytes. */
export type Sha256 = (bytes: Uint8Array) => string;

export const MODEL_FORMAT = 'warden-text-classifier';
export const MODEL_FORMAT_VERSION = 1;

export interface TensorEntry {
  readonly name: string;
  readonly shape: readonly number[];
  /** Offset in float32 elements from the start of the weights file. */
  readonly offset: number;
  /** Number of float32 elements (product of shape). */
  readonly length: number;
}

/** The JSON manifest, field by field. */
export interface ModelManifest {
  readonly format: typeof MODEL_FORMAT;
  readonly formatVersion: number;
  readonly family: ModelFamily;
  readonly normalization: NormalizationRecipe;
  readonly featurizer: FeaturizerConfig;
  readonly hyperParameters: Readonly<Record<string, number | string | boolean>>;
  readonly seed: number;
  /** `windowOffset` only when the model has one (see PlattCalibration); older manifests lack it. */
  readonly calibration: { readonly method: 'platt'; readonly a: number; readonly b: number; readonly windowOffset?: number; readonly trimCut?: number; readonly trimOffset?: number };
  readonly threshold: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly datasetDigest: string | null;
  /** Number of hash buckets (2^featurizer.dimsLog2). */
  readonly dims: number;
  readonly tensors: readonly TensorEntry[];
  readonly weights: {
    readonly dtype: 'float32';
    readonly byteOrder: 'little';
    readonly bytes: number;
    readonly sha256: string;
  };
}

export interface SerializedModel {
  readonly manifest: ModelManifest;
  readonly weights: Uint8Array;
}

const LITTLE_ENDIAN = new Uint8Array(Float32Array.of(1).buffer)[3] === 0x3f;

function toLittleEndianBytes(values: Float32Array[], total: number): Uint8Array {
  const out = new Uint8Array(total * 4);
  if (LITTLE_ENDIAN) {
    const view = new Float32Array(out.buffer);
    let at = 0;
    for (const v of values) {
      view.set(v, at);
      at += v.length;
    }
    return out;
  }
  const dv = new DataView(out.buffer);
  let at = 0;
  for (const v of values) for (let i = 0; i < v.length; i++, at++) dv.setFloat32(at * 4, v[i]!, true);
  return out;
}

/** Model → manifest + weight bytes. Throws if a tensor is missing or has the wrong size. */
export function serializeModel(model: TextClassifier, sha256: Sha256): SerializedModel {
  const dims = 2 ** model.featurizer.dimsLog2;
  const layout = tensorLayout(model.family, dims, model.hyperParameters, model.featurizer);
  const tensors: TensorEntry[] = [];
  const arrays: Float32Array[] = [];
  let offset = 0;
  for (const [name, shape] of layout) {
    const t = model.tensors[name];
    const length = shape.reduce((a, b) => a * b, 1);
    if (t === undefined || t.length !== length) throw invalid(`model.tensors.${name}`, `tensor ${name} must hold ${length} values`);
    tensors.push({ name, shape, offset, length });
    arrays.push(t);
    offset += length;
  }
  const weights = toLittleEndianBytes(arrays, offset);
  const manifest: ModelManifest = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    family: model.family,
    normalization: { ...model.normalization },
    featurizer: { ...model.featurizer, wordNgrams: [...model.featurizer.wordNgrams], charNgrams: [...model.featurizer.charNgrams] } as FeaturizerConfig,
    hyperParameters: { ...model.hyperParameters },
    seed: model.seed,
    calibration: {
      method: 'platt',
      a: model.calibration.a,
      b: model.calibration.b,
      ...(model.calibration.windowOffset !== undefined ? { windowOffset: model.calibration.windowOffset } : {}),
      ...(model.calibration.trimOffset !== undefined ? { trimCut: model.calibration.trimCut!, trimOffset: model.calibration.trimOffset } : {}),
    },
    threshold: model.threshold,
    metrics: { ...model.metrics },
    datasetDigest: model.datasetDigest,
    dims,
    tensors,
    weights: { dtype: 'float32', byteOrder: 'little', bytes: weights.length, sha256: sha256(weights) },
  };
  return { manifest, weights };
}

// ---- strict manifest validation ----

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const f = (path: string): string => `manifest.${path}`;

function expectKeys(value: Json, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw invalid(f(path ? `${path}.${key}` : key), `unknown field ${key}`);
  }
  for (const key of allowed) {
    if (!(key in value)) throw invalid(f(path ? `${path}.${key}` : key), `missing field ${key}`);
  }
}
function object(value: unknown, path: string): Json {
  if (!isObject(value)) throw invalid(f(path), `${path} must be an object`);
  return value;
}
function finite(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(f(path), `${path} must be a finite number`);
  return value;
}
function integer(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(f(path), `${path} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** Validates a parsed (or JSON text) manifest; throws VALIDATION_FAILED naming the first bad field (`manifest.…`). */
export function parseManifest(input: unknown): ModelManifest {
  let raw: unknown = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch (e) {
      throw new WardenError('VALIDATION_FAILED', `manifest is not valid JSON: ${(e as Error).message}`, { field: 'manifest' });
    }
  }
  const m = object(raw, '');
  expectKeys(
    m,
    ['format', 'formatVersion', 'family', 'normalization', 'featurizer', 'hyperParameters', 'seed', 'calibration', 'threshold', 'metrics', 'datasetDigest', 'dims', 'tensors', 'weights'],
    '',
  );
  if (m.format !== MODEL_FORMAT) throw invalid(f('format'), `format must be "${MODEL_FORMAT}"`);
  if (m.formatVersion !== MODEL_FORMAT_VERSION) throw invalid(f('formatVersion'), `unsupported formatVersion ${String(m.formatVersion)} (this build reads ${MODEL_FORMAT_VERSION})`);
  if (!MODEL_FAMILIES.includes(m.family as ModelFamily)) throw invalid(f('family'), `family must be one of ${MODEL_FAMILIES.join(', ')}`);
  const family = m.family as ModelFamily;

  // A manifest written before a step or field existed lacks it: it reads as off, the chain that model was trained with.
  const normalization = withLegacyDefaults(object(m.normalization, 'normalization'));
  expectKeys(normalization, NORMALIZATION_STEPS, 'normalization');
  for (const step of NORMALIZATION_STEPS) {
    if (typeof normalization[step] !== 'boolean') throw invalid(f(`normalization.${step}`), `${step} must be a boolean`);
  }

  const featurizer = withFeaturizerDefaults(object(m.featurizer, 'featurizer'));
  expectKeys(featurizer, FEATURIZER_FIELDS, 'featurizer');
  validateFeaturizerConfig(featurizer as unknown as FeaturizerConfig, 'manifest.featurizer');
  if (featurizer.windowWeights === true && family !== 'logistic-regression') throw invalid(f('featurizer.windowWeights'), 'window weights belong to logistic regression models only');

  const hyper = object(m.hyperParameters, 'hyperParameters');
  for (const [key, v] of Object.entries(hyper)) {
    if (!['number', 'string', 'boolean'].includes(typeof v)) throw invalid(f(`hyperParameters.${key}`), `${key} must be a number, string or boolean`);
  }
  if (family === 'logistic-regression') validateLogisticRegressionParams(hyper as unknown as LogisticRegressionParams, 'manifest.hyperParameters');
  if (family === 'naive-bayes') validateNaiveBayesParams(hyper as unknown as NaiveBayesParams, 'manifest.hyperParameters');
  if (family === 'mlp') validateMlpParams(hyper as unknown as MlpParams, 'manifest.hyperParameters');

  integer(m.seed, 'seed', 0, 0xffffffff);
  const calibration = object(m.calibration, 'calibration');
  const trimmed = 'trimCut' in calibration || 'trimOffset' in calibration;
  expectKeys(calibration, ['method', 'a', 'b', ...('windowOffset' in calibration ? ['windowOffset'] : []), ...(trimmed ? ['trimCut', 'trimOffset'] : [])], 'calibration');
  if ('windowOffset' in calibration && finite(calibration.windowOffset, 'calibration.windowOffset') < 0) {
    throw invalid(f('calibration.windowOffset'), 'calibration.windowOffset must be ≥ 0');
  }
  if (trimmed) {
    finite(calibration.trimCut, 'calibration.trimCut');
    if (finite(calibration.trimOffset, 'calibration.trimOffset') < 0) throw invalid(f('calibration.trimOffset'), 'calibration.trimOffset must be ≥ 0');
  }
  if (calibration.method !== 'platt') throw invalid(f('calibration.method'), 'calibration.method must be "platt"');
  finite(calibration.a, 'calibration.a');
  finite(calibration.b, 'calibration.b');
  const threshold = finite(m.threshold, 'threshold');
  if (threshold < 0 || threshold > 1) throw invalid(f('threshold'), 'threshold must be a probability in [0, 1]');
  const metrics = object(m.metrics, 'metrics');
  for (const [key, v] of Object.entries(metrics)) finite(v, `metrics.${key}`);
  if (m.datasetDigest !== null && (typeof m.datasetDigest !== 'string' || m.datasetDigest.length === 0 || m.datasetDigest.length > 200)) {
    throw invalid(f('datasetDigest'), 'datasetDigest must be a non-empty string or null');
  }
  const dims = 2 ** (featurizer.dimsLog2 as number);
  if (m.dims !== dims) throw invalid(f('dims'), `dims must equal 2^featurizer.dimsLog2 = ${dims}`);

  const expected = tensorLayout(family, dims, hyper, featurizer as unknown as FeaturizerConfig);
  if (!Array.isArray(m.tensors) || m.tensors.length !== expected.length) throw invalid(f('tensors'), `tensors must list ${expected.map(([n]) => n).join(', ')}`);
  let offset = 0;
  m.tensors.forEach((entry: unknown, i) => {
    const path = `tensors.${i}`;
    const t = object(entry, path);
    expectKeys(t, ['name', 'shape', 'offset', 'length'], path);
    const [name, shape] = expected[i]!;
    if (t.name !== name) throw invalid(f(`${path}.name`), `tensor ${i} must be ${name}`);
    if (!Array.isArray(t.shape) || t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) {
      throw invalid(f(`${path}.shape`), `tensor ${name} must have shape [${shape.join(', ')}]`);
    }
    const length = shape.reduce((a, b) => a * b, 1);
    if (t.offset !== offset) throw invalid(f(`${path}.offset`), `tensor ${name} must start at ${offset}`);
    if (t.length !== length) throw invalid(f(`${path}.length`), `tensor ${name} must hold ${length} values`);
    offset += length;
  });

  const weights = object(m.weights, 'weights');
  expectKeys(weights, ['dtype', 'byteOrder', 'bytes', 'sha256'], 'weights');
  if (weights.dtype !== 'float32') throw invalid(f('weights.dtype'), 'weights.dtype must be "float32"');
  if (weights.byteOrder !== 'little') throw invalid(f('weights.byteOrder'), 'weights.byteOrder must be "little"');
  if (weights.bytes !== offset * 4) throw invalid(f('weights.bytes'), `weights.bytes must be ${offset * 4} (4 × the tensor lengths)`);
  if (typeof weights.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(weights.sha256)) throw invalid(f('weights.sha256'), 'weights.sha256 must be 64 lower-case hex digits');
  return { ...m, normalization, featurizer } as unknown as ModelManifest;
}

/**
 * Manifest + weight bytes → model. Validates the manifest (VALIDATION_FAILED naming the
 * field), the byte length, then the sha256 (ARTIFACT_TAMPERED), then that every weight is
 * finite. The returned tensors are copies, independent of `weights`.
 */
export function deserializeModel(manifestInput: unknown, weights: Uint8Array, sha256: Sha256): TextClassifier {
  const manifest = parseManifest(manifestInput);
  if (weights.length !== manifest.weights.bytes) {
    throw new WardenError('ARTIFACT_TAMPERED', `weights hold ${weights.length} bytes, the manifest says ${manifest.weights.bytes}`, { field: 'weights' });
  }
  const digest = sha256(weights);
  if (digest !== manifest.weights.sha256) {
    throw new WardenError('ARTIFACT_TAMPERED', `weights sha256 ${digest} does not match the manifest (${manifest.weights.sha256})`, { field: 'weights' });
  }
  const dv = new DataView(weights.buffer, weights.byteOffset, weights.byteLength);
  const tensors: Record<string, Float32Array> = {};
  for (const t of manifest.tensors) {
    const out = new Float32Array(t.length);
    for (let i = 0; i < t.length; i++) {
      const v = dv.getFloat32((t.offset + i) * 4, true);
      if (!Number.isFinite(v)) throw new WardenError('ARTIFACT_TAMPERED', `tensor ${t.name} holds a non-finite value at ${i}`, { field: 'weights' });
      out[i] = v;
    }
    tensors[t.name] = out;
  }
  return {
    family: manifest.family,
    normalization: { ...manifest.normalization },
    featurizer: { ...manifest.featurizer },
    hyperParameters: { ...manifest.hyperParameters },
    tensors,
    calibration: {
      a: manifest.calibration.a,
      b: manifest.calibration.b,
      ...(manifest.calibration.windowOffset !== undefined ? { windowOffset: manifest.calibration.windowOffset } : {}),
      ...(manifest.calibration.trimOffset !== undefined ? { trimCut: manifest.calibration.trimCut!, trimOffset: manifest.calibration.trimOffset } : {}),
    },
    threshold: manifest.threshold,
    metrics: { ...manifest.metrics },
    datasetDigest: manifest.datasetDigest,
    seed: manifest.seed,
  };
}
