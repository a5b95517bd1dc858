/**
 * The split of rows into train, validation and test, by a keyed hash of each row's text
 * (domain/datasets.ts `SplitSpec` states the rule). Nothing about a row but its text and
 * the seed decides its place, so adding, removing, reordering or relabelling rows never
 * moves another row, and old test rows stay test rows as a dataset grows. Class balance
 * per split is therefore not forced: each class lands in each split in expectation only.
 */
import type { SplitSpec } from '../domain/datasets.js';
import { murmur3Utf8 } from './hash.js';

export type SplitName = 'train' | 'validation' | 'test';

/** Row indices per split, each ascending. */
export interface SplitIndices {
  readonly train: Int32Array;
  readonly validation: Int32Array;
  readonly test: Int32Array;
}

/** Where a text falls in [0, 1) for a seed: murmur3_32 of its UTF-8 bytes, over 2^32. */
export function splitPosition(text: string, seed: number): number {
  return murmur3Utf8(text, seed) / 2 ** 32;
}

/** The split a text belongs to: test below `test`, validation below `test + validation`, else train. */
export function assignSplit(text: string, spec: SplitSpec): SplitName {
  const u = splitPosition(text, spec.seed);
  return u < spec.test ? 'test' : u < spec.test + spec.validation ? 'validation' : 'train';
}

/** Splits row indices by their texts (see {@link assignSplit}). */
export function splitIndices(texts: ArrayLike<string>, spec: SplitSpec): SplitIndices {
  const parts: Record<SplitName, number[]> = { train: [], validation: [], test: [] };
  for (let i = 0; i < texts.length; i++) parts[assignSplit(texts[i]!, spec)].push(i);
  return { train: Int32Array.from(parts.train), validation: Int32Array.from(parts.validation), test: Int32Array.from(parts.test) };
}

/** Splits rows by their texts, each part in the input order. */
export function splitRows<T extends { readonly text: string }>(rows: readonly T[], spec: SplitSpec): Record<SplitName, T[]> {
  const parts: Record<SplitName, T[]> = { train: [], validation: [], test: [] };
  for (const row of rows) parts[assignSplit(row.text, spec)].push(row);
  return parts;
}

/** Picks `rows` out of `items` (e.g. texts or labels for one split). */
export function pick<T>(items: ArrayLike<T>, rows: ArrayLike<number>): T[] {
  const out = new Array<T>(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = items[rows[i]!]!;
  return out;
}
