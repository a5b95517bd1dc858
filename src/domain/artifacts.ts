/**
 * Artifact rules: what a client-supplied display name may look like, which media
 * types and digests are well formed, and which stored blobs garbage collection may
 * delete. Pure: no file system, no clock; callers pass `now`.
 *
 * A display name is metadata only. Blobs are stored under their sha256, which the
 * server computes; a display name is never joined to a file system path. The name
 * rules below still refuse everything that some consumer (a CLI writing `-o` files,
 * a browser, a proxy, another tool exporting artifacts) could read as a path
 * escape, so a name that passes is safe to show and to reuse as a relative path.
 */
import { WardenError, invalid } from './errors.js';

/** Longest display name, in characters. */
export const MAX_ARTIFACT_NAME_LENGTH = 1024;
/** Longest segment (between `/`) of a display name, in characters. */
export const MAX_ARTIFACT_SEGMENT_LENGTH = 255;
/** How many rounds of percent-decoding are tried before a name is refused as obfuscated. */
const MAX_DECODE_ROUNDS = 4;

export const DEFAULT_MEDIA_TYPE = 'application/octet-stream';
const MAX_MEDIA_TYPE_LENGTH = 255;

const SHA256_HEX = /^[0-9a-f]{64}$/;
// C0 controls, DEL, C1 controls, and the bidi/zero-width characters that make a name
// display differently from what it is ("Trojan Source").
// eslint-disable-next-line no-control-regex
const CONTROL_OR_INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/u;
const PERCENT_OCTET = /%[0-9a-f]{2}/i;
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

function nameError(field: string, message: string): WardenError {
  return new WardenError('INVALID_ARTIFACT_NAME', `${field}: ${message}`, { field });
}

/** One round of percent-decoding that never throws (invalid UTF-8 becomes U+FFFD). */
function percentDecodeOnce(value: string): string {
  if (!value.includes('%')) return value;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < value.length; ) {
    const ch = value[i] as string;
    if (ch === '%' && /^[0-9a-f]{2}$/i.test(value.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(value.slice(i + 1, i + 3), 16));
      i += 3;
      continue;
    }
    const codePoint = value.codePointAt(i) as number;
    const char = String.fromCodePoint(codePoint);
    for (const b of encoder.encode(char)) bytes.push(b);
    i += char.length;
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(new Uint8Array(bytes));
}

/**
 * The structural checks applied to the name as given and to every decoded form of it.
 * Returns a reason when the form is unsafe.
 */
function unsafeReason(form: string): string | undefined {
  if (CONTROL_OR_INVISIBLE.test(form)) return 'must not contain NUL, control or invisible formatting characters';
  if (form.includes('\\')) return 'must not contain a backslash';
  if (form.includes('#')) return "must not contain '#'";
  if (form.includes('?')) return "must not contain '?'";
  if (URL_SCHEME.test(form)) return 'must not start with a URL scheme or drive letter';
  if (form.includes(':')) return "must not contain ':'";
  if (form.startsWith('/')) return 'must be relative, not an absolute path';
  if (form.startsWith('~')) return "must not start with '~'";
  const segments = form.split('/');
  for (const segment of segments) {
    if (segment === '') return "must not contain empty path segments ('//' or a trailing '/')";
    // '.', '..', and Windows' dot-and-space variants ('...', '.. ') that resolve to them.
    if (/^[. ]+$/.test(segment)) return "must not contain '.' or '..' segments";
    if (WINDOWS_DEVICE.test(segment)) return `must not use the reserved device name "${segment}"`;
  }
  return undefined;
}

/**
 * Validates a client-supplied artifact display name and returns its normalised form
 * (Unicode NFC). Refuses — with INVALID_ARTIFACT_NAME naming `field` — names that are
 * empty or too long (over {@link MAX_ARTIFACT_NAME_LENGTH} characters, or a segment
 * over {@link MAX_ARTIFACT_SEGMENT_LENGTH}), contain `..`/`.` or empty segments,
 * absolute paths (`/x`, `C:\x`), backslashes, NUL and control characters, `#`, `?`,
 * `:` (URL schemes such as `http:` and `file:`, drive letters), or any
 * percent-encoded octet. Percent-encoding is decoded repeatedly and every decoded
 * form is checked too, so `%2e%2e%2f`, `..%5c` and `%252e%252e%252f` are reported
 * as the traversal they hide. The NFKC form is checked as well, so full-width
 * look-alikes (`．．／`) that some systems fold to `../` are refused.
 */
export function validateArtifactName(value: unknown, field = 'name'): string {
  if (typeof value !== 'string') throw nameError(field, 'is required and must be a string');
  if (value.length === 0) throw nameError(field, 'must not be empty');
  if (value.length > MAX_ARTIFACT_NAME_LENGTH) {
    throw nameError(field, `must be at most ${MAX_ARTIFACT_NAME_LENGTH} characters, got ${value.length}`);
  }
  const forms = [value];
  let current = value;
  for (let round = 0; round < MAX_DECODE_ROUNDS && PERCENT_OCTET.test(current); round++) {
    current = percentDecodeOnce(current);
    forms.push(current);
  }
  for (const form of [...forms]) forms.push(form.normalize('NFKC'));
  for (const [index, form] of forms.entries()) {
    const reason = unsafeReason(form);
    if (reason !== undefined) {
      throw nameError(field, index === 0 ? reason : `hides an unsafe name behind encoding: ${reason}`);
    }
  }
  // Nothing decoded is dangerous, but a name that still carries %XX octets means different
  // things to different consumers; display names are plain text.
  if (PERCENT_OCTET.test(value)) throw nameError(field, 'must not contain percent-encoded octets (%XX); send the plain characters');
  const normalised = value.normalize('NFC');
  for (const segment of normalised.split('/')) {
    if (segment.length > MAX_ARTIFACT_SEGMENT_LENGTH) {
      throw nameError(field, `has a segment longer than ${MAX_ARTIFACT_SEGMENT_LENGTH} characters`);
    }
  }
  if (normalised.length > MAX_ARTIFACT_NAME_LENGTH) {
    throw nameError(field, `must be at most ${MAX_ARTIFACT_NAME_LENGTH} characters`);
  }
  return normalised;
}

const TOKEN = "[a-z0-9!#$&^_.+'*`|~-]+";
const MEDIA_TYPE = new RegExp(`^(${TOKEN})/(${TOKEN})((?:\\s*;\\s*${TOKEN}=(?:${TOKEN}|"[^"\\\\\\u0000-\\u001f\\u007f]*"))*)$`, 'i');

/**
 * Validates a media type (`type/subtype` with optional `; key=value` parameters, RFC 6838
 * tokens, at most 255 characters) and returns it with type and subtype lower-cased.
 * Undefined or empty → {@link DEFAULT_MEDIA_TYPE}. Refuses with VALIDATION_FAILED naming `field`.
 */
export function validateMediaType(value: unknown, field = 'mediaType'): string {
  if (value === undefined || value === null || value === '') return DEFAULT_MEDIA_TYPE;
  if (typeof value !== 'string') throw invalid(field, `${field} must be a string like "text/plain"`);
  const trimmed = value.trim();
  if (trimmed.length > MAX_MEDIA_TYPE_LENGTH) throw invalid(field, `${field} must be at most ${MAX_MEDIA_TYPE_LENGTH} characters`);
  const match = MEDIA_TYPE.exec(trimmed);
  if (!match) throw invalid(field, `${field} must look like "type/subtype" (e.g. "application/json"), got "${trimmed.slice(0, 80)}"`);
  return `${(match[1] as string).toLowerCase()}/${(match[2] as string).toLowerCase()}${match[3] ?? ''}`;
}

const MEDIA_TYPES_BY_EXTENSION: Readonly<Record<string, string>> = {
  json: 'application/json',
  jsonl: 'application/x-ndjson',
  txt: 'text/plain',
  log: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  html: 'text/html',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  svg: 'image/svg+xml',
  gz: 'application/gzip',
  zip: 'application/zip',
  yaml: 'application/yaml',
  yml: 'application/yaml',
};

/** A media type guessed from a display name's extension; {@link DEFAULT_MEDIA_TYPE} when unknown. */
export function guessMediaType(name: string): string {
  const match = /\.([a-z0-9]+)$/i.exec(name);
  return (match && MEDIA_TYPES_BY_EXTENSION[(match[1] as string).toLowerCase()]) || DEFAULT_MEDIA_TYPE;
}

/**
 * A sha256 digest in its one stored spelling: 64 lower-case hex characters, no prefix.
 * Every digest that reaches a store, an index or a cache key has been through
 * {@link parseSha256Digest}, so two spellings of one blob never become two keys (a
 * `sha256:`-prefixed spelling once hid a registered model's blob from garbage collection).
 */
export type Sha256Digest = string & { readonly __sha256Digest: true };

/** The prefix some clients (OCI, Docker, MLflow) put before a sha256; accepted on input, never stored. */
export const SHA256_PREFIX = 'sha256:';
/** Every spelling {@link parseSha256Digest} accepts, as a JSON-schema pattern (for request schemas). */
export const SHA256_DIGEST_INPUT_PATTERN = `^(?:${SHA256_PREFIX})?[0-9a-f]{64}$`;
const SHA256_INPUT = new RegExp(SHA256_DIGEST_INPUT_PATTERN);

/** True when `value` is a digest in the stored spelling (64 lower-case hex characters, no prefix). */
export function isSha256Digest(value: unknown): value is Sha256Digest {
  return typeof value === 'string' && SHA256_HEX.test(value);
}

/**
 * The stored spelling of a sha256 digest given as input: 64 lower-case hex characters,
 * optionally prefixed with `sha256:` (the prefix is dropped). Anything else is
 * VALIDATION_FAILED naming `field`. Upper-case hex is refused rather than folded: a digest
 * is an identifier, and one spelling per blob keeps lookups and path building unambiguous.
 */
export function parseSha256Digest(value: unknown, field = 'sha256'): Sha256Digest {
  if (typeof value !== 'string' || !SHA256_INPUT.test(value)) throw invalid(field, `${field} must be a sha256 digest: 64 lower-case hex characters, optionally prefixed with "${SHA256_PREFIX}"`);
  return value.slice(value.length - 64) as Sha256Digest;
}

/** A blob as the artifact store lists it. */
export interface StoredBlobInfo {
  readonly digest: string;
  /** Last write of the blob, ms since the epoch. */
  readonly modifiedAt: number;
}

export interface GarbageCollectionPlan {
  /** Blobs to delete: stored, unreferenced, and older than the grace period. */
  readonly toDelete: readonly string[];
  /** Unreferenced blobs spared because they were written within the grace period. */
  readonly spared: readonly string[];
}

/**
 * Decides which stored blobs garbage collection deletes: exactly those no reference
 * names, minus the ones written within `graceMs` of `now` — an upload stores its blob
 * before it records the reference, and a blob that young may be about to be referenced.
 * A referenced digest is never in `toDelete`, whatever the other inputs.
 */
/**
 * A blob that something records (a run artifact, a model or dataset version) is gone from
 * the artifact store: an integrity failure (422), not an unknown artifact (404). The store
 * itself only knows "absent" (ARTIFACT_NOT_FOUND); the caller holding the record says this.
 */
export function blobMissingError(digest: string, what: string, field: string, cause?: unknown): WardenError {
  return new WardenError(
    'ARTIFACT_BLOB_MISSING',
    `${what} is recorded, but its bytes (sha256 ${digest}) are missing from the artifact store; restore the blob from a backup, or train or upload it again`,
    { field, details: { sha256: digest }, ...(cause === undefined ? {} : { cause }) },
  );
}

export function planGarbageCollection(input: {
  stored: Iterable<StoredBlobInfo>;
  referenced: Iterable<string>;
  now: number;
  graceMs: number;
}): GarbageCollectionPlan {
  const referenced = new Set(input.referenced);
  const toDelete: string[] = [];
  const spared: string[] = [];
  const seen = new Set<string>();
  for (const blob of input.stored) {
    if (seen.has(blob.digest) || referenced.has(blob.digest)) continue;
    seen.add(blob.digest);
    if (input.now - blob.modifiedAt < input.graceMs) spared.push(blob.digest);
    else toDelete.push(blob.digest);
  }
  return { toDelete, spared };
}

/** An artifact recorded for a run: its display name and the blob it names. */
export interface RunArtifact {
  readonly id: string;
  readonly runId: string;
  /** Validated display name (see {@link validateArtifactName}); metadata only, never a path. */
  readonly name: string;
  readonly size: number;
  /** sha256 of the bytes: the blob's key in the artifact store. */
  readonly sha256: string;
  readonly mediaType: string;
  readonly createdAt: number;
}
