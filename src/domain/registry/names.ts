import { WardenError, invalid } from '../errors.js';

/** Model names: lowercase, URL-safe, at most 64 characters. */
export const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Names taken by the platform's own routes under /models (e.g. `GET /models/status`). */
export const RESERVED_MODEL_NAMES = ['status', 'compare', 'deploy', 'archive', 'retrain', 'rollback'] as const;

/**
 * Aliases start with a letter and never look like a version number or a semver label,
 * so `/models/m/versions/<ref>` can accept a number, `v1.2` or an alias unambiguously.
 */
export const ALIAS_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;
const SEMVER_LABEL = /^v(\d{1,9})\.(\d{1,9})$/;

/** Throws VALIDATION_FAILED or NAME_RESERVED naming `field` unless `name` is a legal model name. */
export function validateModelName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || !MODEL_NAME_PATTERN.test(name)) {
    throw invalid(field, `model name must match ${MODEL_NAME_PATTERN.source} (lowercase letters, digits, '.', '_', '-'; at most 64 characters)`);
  }
  if ((RESERVED_MODEL_NAMES as readonly string[]).includes(name)) {
    throw new WardenError('NAME_RESERVED', `"${name}" is reserved by a platform route; reserved names: ${RESERVED_MODEL_NAMES.join(', ')}`, { field });
  }
  return name;
}

/** Throws VALIDATION_FAILED naming `field` unless `alias` is a legal alias. */
export function validateAlias(alias: unknown, field = 'alias'): string {
  if (typeof alias !== 'string' || !ALIAS_PATTERN.test(alias)) {
    throw invalid(field, `alias must match ${ALIAS_PATTERN.source} (start with a letter; lowercase letters, digits, '_', '-')`);
  }
  if (/^v\d+$/.test(alias)) throw invalid(field, `alias "${alias}" looks like a version label; choose another name`);
  return alias;
}

/** How a request names a version: its number, its semver label or an alias. */
export type VersionRef =
  | { readonly kind: 'number'; readonly number: number }
  | { readonly kind: 'semver'; readonly major: number; readonly minor: number }
  | { readonly kind: 'alias'; readonly alias: string };

/** Parses `3`, `"3"`, `"v1.2"` or `"champion"`; throws VALIDATION_FAILED naming `field` otherwise. */
export function parseVersionRef(raw: unknown, field = 'version'): VersionRef {
  if (typeof raw === 'number') {
    if (Number.isSafeInteger(raw) && raw >= 1) return { kind: 'number', number: raw };
    throw invalid(field, 'version number must be a whole number ≥ 1');
  }
  if (typeof raw !== 'string' || raw === '') throw invalid(field, 'version must be a number, a label like v1.2 or an alias');
  if (/^\d{1,15}$/.test(raw)) {
    const number = Number(raw);
    if (number >= 1) return { kind: 'number', number };
    throw invalid(field, 'version number must be a whole number ≥ 1');
  }
  const semver = SEMVER_LABEL.exec(raw);
  if (semver) return { kind: 'semver', major: Number(semver[1]), minor: Number(semver[2]) };
  if (ALIAS_PATTERN.test(raw) && !/^v\d+$/.test(raw)) return { kind: 'alias', alias: raw };
  throw invalid(field, `"${raw}" is not a version number, a label like v1.2 or an alias`);
}

export function formatVersionRef(ref: VersionRef): string {
  if (ref.kind === 'number') return String(ref.number);
  if (ref.kind === 'semver') return `v${ref.major}.${ref.minor}`;
  return ref.alias;
}
