/**
 * The model bundle: ONE blob holding a model's manifest.json and its weights, whose
 * sha256 is the model version's `artifactDigest`. One digest pins everything: the
 * artifact store verifies the bundle's sha256 on every read, and the manifest inside
 * pins the weights' sha256, which `deserializeModel` verifies again.
 *
 * Why a bundle and not the weights' digest: the version must keep its artifact alive by
 * itself (artifact GC keeps exactly the digests a run artifact or a version references),
 * and a version pointing at the weights alone could not find its manifest once the run
 * that uploaded `manifest.json` was deleted.
 *
 * Layout (parsed as data only, never evaluated):
 *   `WARDEN-MODEL-BUNDLE 1\n` · `<manifest byte length, decimal>\n` · manifest JSON (UTF-8) · weights
 */
import { WardenError } from '../domain/errors.js';
import type { TextClassifier } from './classifier.js';
import { deserializeModel, parseManifest, type ModelManifest, type SerializedModel, type Sha256 } from './model-format.js';

export const BUNDLE_MAGIC = 'WARDEN-MODEL-BUNDLE 1\n';
const MAX_MANIFEST_BYTES = 1024 * 1024; // 1 MiB: a manifest is a few kB

export const BUNDLE_MEDIA_TYPE = 'application/octet-stream';
export const BUNDLE_NAME = 'model.bundle';
export const MANIFEST_NAME = 'manifest.json';
export const WEIGHTS_NAME = 'weights.bin';

const encoder = new TextEncoder();
// ignoreBOM: a byte-order mark stays in the text, so a manifest starting with one fails to parse.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const MAGIC_BYTES = encoder.encode(BUNDLE_MAGIC);

/** Manifest + weights → one bundle. */
export function encodeBundle(model: SerializedModel): Uint8Array {
  const manifest = encoder.encode(JSON.stringify(model.manifest));
  const header = encoder.encode(`${BUNDLE_MAGIC}${manifest.length}\n`);
  const bundle = new Uint8Array(header.length + manifest.length + model.weights.length);
  bundle.set(header, 0);
  bundle.set(manifest, header.length);
  bundle.set(model.weights, header.length + manifest.length);
  return bundle;
}

function tampered(message: string): WardenError {
  return new WardenError('ARTIFACT_TAMPERED', `model bundle: ${message}`, { field: 'artifactDigest' });
}

/** Splits a bundle into its validated manifest and its weights (no copy). */
export function decodeBundle(bytes: Uint8Array): { manifest: ModelManifest; weights: Uint8Array } {
  const magic = MAGIC_BYTES;
  if (bytes.length < magic.length || !magic.every((byte, i) => bytes[i] === byte)) throw tampered('not a Warden model bundle (bad header)');
  const lineEnd = bytes.indexOf(0x0a, magic.length);
  if (lineEnd < 0 || lineEnd - magic.length > 8) throw tampered('bad manifest length line');
  const lengthText = utf8.decode(bytes.subarray(magic.length, lineEnd));
  if (!/^\d{1,7}$/.test(lengthText)) throw tampered('bad manifest length');
  const length = Number(lengthText);
  if (length > MAX_MANIFEST_BYTES || lineEnd + 1 + length > bytes.length) throw tampered('manifest length out of range');
  const manifestText = utf8.decode(bytes.subarray(lineEnd + 1, lineEnd + 1 + length));
  const manifest = parseManifest(manifestText);
  return { manifest, weights: bytes.subarray(lineEnd + 1 + length) };
}

/** Bundle bytes → a ready classifier; the weights' sha256 is checked against the manifest. */
export function loadBundle(bytes: Uint8Array, sha256: Sha256): TextClassifier {
  const { manifest, weights } = decodeBundle(bytes);
  return deserializeModel(manifest, weights, sha256);
}
