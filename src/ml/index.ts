/**
 * Warden's text-classifier library: pure TypeScript, no I/O, deterministic given a seed.
 *
 * Typical use:
 * ```ts
 * const split = splitIndices(texts, { seed: 42, test: 0.2, validation: 0.1 }); // by a keyed hash of each text
 * const { model } = trainTextClassifier({ family: 'logistic-regression' }, { train, validation }, { onProgress });
 * const test = evaluateClassifier(model, testData);              // BinaryMetrics
 * const { manifest, weights } = serializeModel(model, sha256);   // manifest.json + weights.bin
 * const loaded = deserializeModel(manifest, weights, sha256);    // verifies the digest
 * predict(loaded, 'FREE m o n e y') // → { label, probability, score }
 * ```
 */
export * from './normalize.js';
export * from './features.js';
export * from './hash.js';
export * from './random.js';
export * from './split.js';
export * from './metrics.js';
export * from './calibration.js';
export * from './logistic-regression.js';
export * from './naive-bayes.js';
export * from './mlp.js';
export * from './classifier.js';
export * from './train.js';
export * from './steps.js';
export * from './model-format.js';
