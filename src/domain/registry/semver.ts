/** What `nextSemver` needs to know about an existing version of the model. */
export interface SemverPoint {
  readonly number: number;
  readonly major: number;
  readonly minor: number;
  readonly recipeFingerprint: string | null;
}

export interface SemverDecision {
  readonly major: number;
  readonly minor: number;
  readonly semver: string;
  /** Why: `first version`, `retrain of recipe <fp> (major 1)`, `new recipe`. */
  readonly reason: string;
}

export function formatSemver(major: number, minor: number): string {
  return `v${major}.${minor}`;
}

/**
 * The semver label of a new version of a model.
 *
 * - The first version is `v1.0`.
 * - A retrain of the same recipe (equal fingerprint; `null` counts as one "unspecified" recipe)
 *   bumps the minor of the newest version on that recipe's major: `v1.3` → `v1.4`.
 *   The major is the parent's when the parent has the same fingerprint, else the major of the
 *   newest version (highest number) with that fingerprint.
 * - A new recipe or architecture bumps the major past the highest one: → `v(N+1).0`.
 *
 * `existing` must contain, at least, the newest version of each fingerprint and the highest
 * minor of each major (stores may pass exactly those instead of every version).
 */
export function nextSemver(existing: readonly SemverPoint[], recipeFingerprint: string | null, parent: SemverPoint | null): SemverDecision {
  if (existing.length === 0) return { major: 1, minor: 0, semver: formatSemver(1, 0), reason: 'first version' };
  let major: number | undefined;
  if (parent !== null && parent.recipeFingerprint === recipeFingerprint) {
    major = parent.major;
  } else {
    let newest: SemverPoint | undefined;
    for (const point of existing) {
      if (point.recipeFingerprint === recipeFingerprint && (newest === undefined || point.number > newest.number)) newest = point;
    }
    major = newest?.major;
  }
  if (major !== undefined) {
    const onMajor = major;
    const minor = Math.max(...existing.filter((p) => p.major === onMajor).map((p) => p.minor), -1) + 1;
    return { major: onMajor, minor, semver: formatSemver(onMajor, minor), reason: `retrain of the same recipe: minor bump on major ${onMajor}` };
  }
  const next = Math.max(...existing.map((p) => p.major)) + 1;
  return { major: next, minor: 0, semver: formatSemver(next, 0), reason: 'new recipe: major bump' };
}
