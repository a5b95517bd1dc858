/**
 * Training recipes: what a registered model is trained with, so any model can be
 * retrained from what the registry stores (registered_models.recipe).
 *
 * A recipe names a built-in family (`lr`, `nb`, `mlp`) or an external trainer command,
 * its hyper-parameters, the normalisation and featuriser configs, the dataset spec
 * (built-in corpora, named dataset versions, "include fresh data") and the split.
 * Its fingerprint is a stable hash of everything that defines the recipe EXCEPT the
 * dataset contents (versions and digests), so a retrain on newer data of the same
 * recipe is a minor bump and a change of family, hyper-parameters, features or split
 * is a major bump (see domain/registry/semver.ts).
 *
 * Pure: no ml/ import (the training service fills the family defaults from ml/ before a
 * recipe is stored), no crypto (the caller passes the sha256 function).
 */
import { parseSplitSpec, validateDatasetName, type SplitSpec } from './datasets.js';
import { invalid } from './errors.js';

export const RECIPE_FAMILIES = ['lr', 'nb', 'mlp', 'external'] as const;
export type RecipeFamily = (typeof RECIPE_FAMILIES)[number];
export type BuiltinRecipeFamily = Exclude<RecipeFamily, 'external'>;

/** Long spellings accepted on input and stored as the short ones. */
const FAMILY_ALIASES: Readonly<Record<string, RecipeFamily>> = {
  lr: 'lr',
  'logistic-regression': 'lr',
  nb: 'nb',
  'naive-bayes': 'nb',
  mlp: 'mlp',
  external: 'external',
};

/** The ml/ family name of a built-in recipe family. */
export const ML_FAMILY = { lr: 'logistic-regression', nb: 'naive-bayes', mlp: 'mlp' } as const satisfies Record<BuiltinRecipeFamily, string>;

export const RECIPE_FORMAT_VERSION = 1;

export type RecipeScalar = number | string | boolean;

export interface RecipeDatasetRef {
  readonly name: string;
  /** A pinned version; absent = the newest version at training time. */
  readonly version?: number;
}

export interface RecipeDatasetSpec {
  /** Built-in corpora by name (e.g. `spam-assassin`), versioned on first use. */
  readonly builtin: readonly string[];
  /** Dataset versions by name (newest, or pinned). */
  readonly datasets: readonly RecipeDatasetRef[];
  /**
   * Train on the model's fresh data too: the `<model>-fresh` version that triggered a
   * retrain, plus the fresh versions its parent was trained on (so fresh data once used
   * keeps being trained on by the versions that descend from it).
   */
  readonly includeFresh: boolean;
}

export interface Recipe {
  readonly formatVersion: typeof RECIPE_FORMAT_VERSION;
  readonly family: RecipeFamily;
  /** External trainers only: argv (no shell), e.g. `["python", "train_bert.py"]`; Warden appends the config path. */
  readonly command?: readonly string[];
  readonly hyperParameters: Readonly<Record<string, RecipeScalar>>;
  /** Normalisation steps on/off (ml NormalizationRecipe); filled with defaults by the training service. */
  readonly normalization: Readonly<Record<string, boolean>>;
  /** Featuriser config (ml FeaturizerConfig); filled with defaults by the training service. */
  readonly featurizer: Readonly<Record<string, unknown>>;
  /** Training seed (initialisation, shuffling). */
  readonly seed: number;
  /** Threshold objective and calibration, passed to ml/ as given. */
  readonly threshold?: Readonly<Record<string, unknown>>;
  readonly calibration?: 'platt' | 'none';
  readonly dataset: RecipeDatasetSpec;
  /** Which rows train, validate and test (domain/datasets.ts: by a keyed hash of each row's text). */
  readonly split: SplitSpec;
}

export const MAX_COMMAND_ARGS = 64;
const KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const MAX_RECIPE_JSON = 50_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkKeys(value: Record<string, unknown>, allowed: readonly string[], field: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw invalid(field ? `${field}.${key}` : key, `unknown field ${key}; expected one of ${allowed.join(', ')}`);
  }
}

function scalars(value: unknown, field: string): Record<string, RecipeScalar> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw invalid(field, `${field} must be an object of numbers, strings or booleans`);
  const out: Record<string, RecipeScalar> = {};
  for (const [key, v] of Object.entries(value)) {
    if (!KEY.test(key)) throw invalid(`${field}.${key}`, 'names are letters, digits and _ (starting with a letter)');
    if (typeof v === 'number' ? !Number.isFinite(v) : typeof v !== 'string' && typeof v !== 'boolean') {
      throw invalid(`${field}.${key}`, `${key} must be a finite number, a string or a boolean`);
    }
    if (typeof v === 'string' && v.length > 1_000) throw invalid(`${field}.${key}`, `${key} must be at most 1000 characters`);
    out[key] = v as RecipeScalar;
  }
  return out;
}

function booleans(value: unknown, field: string): Record<string, boolean> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw invalid(field, `${field} must be an object of booleans`);
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'boolean') throw invalid(`${field}.${key}`, `${key} must be a boolean`);
  }
  return { ...(value as Record<string, boolean>) };
}

function plainJson(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw invalid(field, `${field} must be an object`);
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

function uint32(value: unknown, field: string, fallback: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) throw invalid(field, `${field} must be an integer in [0, 4294967295]`);
  return v;
}

/** Parses the family, accepting `logistic-regression` / `naive-bayes` for `lr` / `nb`. */
export function parseRecipeFamily(value: unknown, field = 'recipe.family'): RecipeFamily {
  const family = typeof value === 'string' ? FAMILY_ALIASES[value] : undefined;
  if (family === undefined) throw invalid(field, 'family must be one of lr, nb, mlp (or logistic-regression, naive-bayes), or external with a command');
  return family;
}

function parseDatasetSpec(value: unknown, field: string): RecipeDatasetSpec {
  if (value === undefined || value === null) throw invalid(field, `${field} is required: {builtin: ["spam-assassin"], datasets: [...], includeFresh}`);
  if (!isObject(value)) throw invalid(field, `${field} must be an object {builtin, datasets, includeFresh}`);
  checkKeys(value, ['builtin', 'datasets', 'includeFresh'], field);
  const builtinRaw = value.builtin ?? [];
  const builtinList = typeof builtinRaw === 'string' ? [builtinRaw] : builtinRaw;
  if (!Array.isArray(builtinList) || builtinList.length > 10) throw invalid(`${field}.builtin`, 'builtin must be a list of at most 10 corpus names');
  const builtin = builtinList.map((name, i) => {
    // A corpus is versioned under its own name, so it follows the dataset-name rule.
    return validateDatasetName(name, `${field}.builtin[${i}]`);
  });
  const datasetsRaw = value.datasets ?? [];
  if (!Array.isArray(datasetsRaw) || datasetsRaw.length > 50) throw invalid(`${field}.datasets`, 'datasets must be a list of at most 50 {name, version?}');
  const datasets = datasetsRaw.map((entry: unknown, i): RecipeDatasetRef => {
    const at = `${field}.datasets[${i}]`;
    const ref = typeof entry === 'string' ? { name: entry } : entry;
    if (!isObject(ref)) throw invalid(at, 'each dataset is a name or {name, version?}');
    checkKeys(ref, ['name', 'version'], at);
    const name = validateDatasetName(ref.name, `${at}.name`);
    if (ref.version === undefined || ref.version === null) return { name };
    if (typeof ref.version !== 'number' || !Number.isInteger(ref.version) || ref.version < 1) throw invalid(`${at}.version`, 'version must be a whole number ≥ 1');
    return { name, version: ref.version };
  });
  const includeFresh = value.includeFresh ?? false;
  if (typeof includeFresh !== 'boolean') throw invalid(`${field}.includeFresh`, 'includeFresh must be a boolean');
  if (builtin.length === 0 && datasets.length === 0 && !includeFresh) {
    throw invalid(field, 'the dataset spec names no data: give builtin corpora, datasets, or includeFresh: true');
  }
  return { builtin, datasets, includeFresh };
}

/**
 * Validates a recipe as given by a person or stored by an older build, filling the
 * structural defaults (split, seed, empty configs). VALIDATION_FAILED names the field
 * (`recipe.…`). Family defaults for hyper-parameters and features are the training
 * service's business (it resolves them with ml/ before storing).
 */
export function parseRecipe(input: unknown, field = 'recipe'): Recipe {
  if (!isObject(input)) throw invalid(field, `${field} must be an object {family, hyperParameters, dataset, split, …}`);
  let size: number;
  try {
    size = JSON.stringify(input).length;
  } catch {
    throw invalid(field, `${field} must be JSON`);
  }
  if (size > MAX_RECIPE_JSON) throw invalid(field, `${field} must be at most ${MAX_RECIPE_JSON} bytes of JSON`);
  checkKeys(
    input,
    ['formatVersion', 'family', 'command', 'hyperParameters', 'normalization', 'featurizer', 'seed', 'threshold', 'calibration', 'dataset', 'split'],
    field,
  );
  if (input.formatVersion !== undefined && input.formatVersion !== RECIPE_FORMAT_VERSION) {
    throw invalid(`${field}.formatVersion`, `formatVersion must be ${RECIPE_FORMAT_VERSION}`);
  }
  const family = parseRecipeFamily(input.family ?? (input.command !== undefined ? 'external' : undefined), `${field}.family`);
  let command: string[] | undefined;
  if (family === 'external') {
    const raw = input.command;
    if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_COMMAND_ARGS) {
      throw invalid(`${field}.command`, `an external trainer needs command: a list of 1-${MAX_COMMAND_ARGS} arguments (argv, no shell), e.g. ["python3", "train.py"]`);
    }
    command = raw.map((arg: unknown, i) => {
      if (typeof arg !== 'string' || arg.length === 0 || arg.length > 4_096 || arg.includes('\0')) {
        throw invalid(`${field}.command[${i}]`, 'arguments are non-empty strings without NUL, at most 4096 characters');
      }
      return arg;
    });
  } else if (input.command !== undefined) {
    throw invalid(`${field}.command`, `command is for family external; ${family} is built in`);
  }
  const calibration = input.calibration;
  if (calibration !== undefined && calibration !== 'platt' && calibration !== 'none') throw invalid(`${field}.calibration`, "calibration must be 'platt' or 'none'");
  const recipe: Recipe = {
    formatVersion: RECIPE_FORMAT_VERSION,
    family,
    ...(command !== undefined ? { command } : {}),
    hyperParameters: scalars(input.hyperParameters, `${field}.hyperParameters`),
    normalization: booleans(input.normalization, `${field}.normalization`),
    featurizer: plainJson(input.featurizer, `${field}.featurizer`),
    seed: uint32(input.seed, `${field}.seed`, 42),
    ...(input.threshold !== undefined ? { threshold: plainJson(input.threshold, `${field}.threshold`) } : {}),
    ...(calibration !== undefined ? { calibration } : {}),
    dataset: parseDatasetSpec(input.dataset, `${field}.dataset`),
    split: parseSplitSpec(input.split, `${field}.split`),
  };
  return recipe;
}

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * The part of a recipe its fingerprint covers: everything but the dataset contents.
 * Which corpora and dataset NAMES it trains on, and whether it includes fresh data,
 * are part of the recipe; pinned versions (and digests, recorded on the version) are not.
 */
export function fingerprintSubject(recipe: Recipe): Record<string, unknown> {
  return {
    formatVersion: recipe.formatVersion,
    family: recipe.family,
    command: recipe.command ?? null,
    hyperParameters: recipe.hyperParameters,
    normalization: recipe.normalization,
    featurizer: recipe.featurizer,
    seed: recipe.seed,
    threshold: recipe.threshold ?? null,
    calibration: recipe.calibration ?? null,
    dataset: {
      builtin: [...recipe.dataset.builtin].sort(),
      datasets: [...new Set(recipe.dataset.datasets.map((d) => d.name))].sort(),
      includeFresh: recipe.dataset.includeFresh,
    },
    split: recipe.split,
  };
}

/** `recipe-<sha256 hex>` of the canonical fingerprint subject. */
export function recipeFingerprint(recipe: Recipe, sha256: (text: string) => string): string {
  return `recipe-${sha256(canonicalJson(fingerprintSubject(recipe)))}`;
}

/** What makes two retrains the same work: one model, one recipe, the same data. */
export interface RetrainIdentity {
  readonly model: string;
  readonly fingerprint: string;
  /** Built-in corpora by name (their content ships with the build). */
  readonly builtin: readonly string[];
  /** sha256 of each named dataset version the recipe resolves to now. */
  readonly datasetDigests: readonly string[];
  /** The fresh-data version trained on too, if any. */
  readonly freshDigest: string | null;
  /** The parent version: with includeFresh, its fresh data is part of the training data. */
  readonly parent: number | null;
  /** The red-team vulnerability corpus trained on too, if any (absent keeps older keys unchanged). */
  readonly vulnerabilityDigest?: string;
  /** The labelled-feedback snapshot trained on too, if any (absent keeps older keys unchanged). */
  readonly feedbackDigest?: string;
}

/**
 * The key under which a retrain is queued at most once at a time: while a retrain of the
 * same model, recipe and data is queued or running, asking again returns that job.
 */
export function retrainDedupeKey(identity: RetrainIdentity, sha256: (text: string) => string): string {
  return `retrain:${sha256(canonicalJson({ ...identity, builtin: [...identity.builtin].sort() })).slice(0, 48)}`;
}

/**
 * A recipe built from a model's stored one with a person's overrides: the family and
 * top-level sections given replace the stored ones (hyper-parameters are replaced as a
 * whole when the family changes, merged otherwise).
 */
export function overrideRecipe(base: Recipe | null, override: Readonly<Record<string, unknown>>, field = 'recipe'): Recipe {
  if (base === null) return parseRecipe(override, field);
  const merged: Record<string, unknown> = { ...base };
  const familyChanged = override.family !== undefined && parseRecipeFamily(override.family, `${field}.family`) !== base.family;
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    if (key === 'hyperParameters' && !familyChanged && isObject(value)) merged.hyperParameters = { ...base.hyperParameters, ...value };
    else merged[key] = value;
  }
  if (familyChanged) {
    if (override.hyperParameters === undefined) merged.hyperParameters = {};
    if (override.featurizer === undefined) merged.featurizer = {};
    if (override.command === undefined) delete merged.command;
  }
  return parseRecipe(merged, field);
}

/** Model tag naming who last stored the model's recipe (set by the registry, never by a caller). */
export const RECIPE_AUTHOR_TAG = 'warden.recipe_author';
/** Model tag with the role of that author (`admin`, `editor`, … or `system`): a policy promotes only what an admin or Warden wrote. */
export const RECIPE_AUTHOR_ROLE_TAG = 'warden.recipe_author_role';

/**
 * An external recipe runs a program as the server's user, so the operator decides which
 * ones (WARDEN_EXTERNAL_TRAINERS, `allowlist`; empty = external trainers are off). The
 * program must be one of the allowlisted absolute paths exactly: no PATH lookup, no
 * relative path. VALIDATION_FAILED names `<field>.command`. Built-in recipes pass.
 */
export function checkExternalCommand(recipe: Recipe, allowlist: readonly string[], field = 'recipe'): void {
  if (recipe.family !== 'external') return;
  if (allowlist.length === 0) {
    throw invalid(
      `${field}.command`,
      'external trainers are disabled on this server; the operator enables them by setting WARDEN_EXTERNAL_TRAINERS to the absolute paths of the allowed trainer programs (docs/external-trainers.md)',
    );
  }
  const program = recipe.command?.[0] ?? '';
  if (!allowlist.includes(program)) {
    throw invalid(`${field}.command`, `${JSON.stringify(program.slice(0, 200))} is not an allowed trainer program; give the absolute path of one listed in the server's WARDEN_EXTERNAL_TRAINERS`);
  }
}

/**
 * True when storing `next` where `previous` was (null: none) sets or changes an external
 * recipe. Any change counts (command, arguments, hyper-parameters, data): each decides what
 * a program running as the server's user is given, so it is an admin's call. Keeping an
 * external recipe unchanged, or replacing it by a built-in one, is not.
 */
export function setsExternalRecipe(previous: Recipe | null, next: Recipe | null): boolean {
  if (next === null || next.family !== 'external') return false;
  return previous === null || canonicalJson(previous) !== canonicalJson(next);
}
