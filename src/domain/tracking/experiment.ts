import { invalid } from '../errors.js';
import { truncate, validateTags, type TagInput } from './run-data.js';

/** Experiment names: a letter or digit, then letters, digits, `.`, `_`, `-`; at most 128 characters. */
export const EXPERIMENT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const MAX_DESCRIPTION_LENGTH = 5_000;

/** A named group of runs (one per model recipe, campaign, ablation study…). */
export interface Experiment {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly createdAt: number;
}

export interface NewExperimentInput {
  name: unknown;
  description?: unknown;
  tags?: unknown;
}

export function validateExperimentName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || name.length === 0) throw invalid(field, `${field} is required`);
  if (!EXPERIMENT_NAME_PATTERN.test(name)) {
    throw invalid(field, `${field} "${truncate(name)}" must match ${EXPERIMENT_NAME_PATTERN.source} (letters, digits, '.', '_', '-'; at most 128 characters)`);
  }
  return name;
}

export function validateDescription(description: unknown, field = 'description'): string {
  if (description === undefined || description === null) return '';
  if (typeof description !== 'string') throw invalid(field, `${field} must be a string`);
  if (description.length > MAX_DESCRIPTION_LENGTH) throw invalid(field, `${field} is longer than ${MAX_DESCRIPTION_LENGTH} characters`);
  return description;
}

/** Validates a create request and returns the experiment to store. */
export function newExperiment(input: NewExperimentInput, id: string, now: number): Experiment {
  const name = validateExperimentName(input.name);
  const description = validateDescription(input.description);
  const tags = tagMap(input.tags, 'tags');
  return { id, name, description, tags, createdAt: now };
}

/** Accepts tags as `{key: value}` or `[{key, value}]`; validates every key and value. */
export function tagMap(tags: unknown, field: string): Record<string, string> {
  if (tags === undefined || tags === null) return {};
  let list: TagInput[];
  if (Array.isArray(tags)) list = tags as TagInput[];
  else if (typeof tags === 'object') list = Object.entries(tags as Record<string, unknown>).map(([key, value]) => ({ key, value }));
  else throw invalid(field, `${field} must be an object of string values or a list of {key, value}`);
  const out: Record<string, string> = {};
  for (const tag of validateTags(list, field)) out[tag.key] = tag.value;
  return out;
}
