/**
 * The shape of an adversarial attack on a text classifier. Attacks are pure and seeded:
 * the same text, attack and seed give the same adversarial text on every machine, so a
 * campaign can be replayed and a finding reproduced from its ledger entry.
 */
import type { Rng } from '../random.js';

/** The five transformation families, plus the score-guided search. */
export const ATTACK_FAMILIES = ['invisible-unicode', 'token-splitting', 'encoding', 'word-level', 'dilution', 'search'] as const;
export type AttackFamily = (typeof ATTACK_FAMILIES)[number];

/** A blind transformation: it never looks at the model. */
export interface TransformAttack {
  readonly kind: 'transform';
  /** Stable id, e.g. `homoglyph`, `zero-width`, `base64-decode-this`; part of a finding's signature. */
  readonly id: string;
  readonly family: Exclude<AttackFamily, 'search'>;
  /** One line for people (CLI, API listing, dashboard). */
  readonly description: string;
  /** Returns the adversarial text; consumes randomness only from `rng`. */
  apply(text: string, rng: Rng): string;
}

/** Scores texts with the attacked model: the probability of the malicious class, one per text. */
export type ScoreOracle = (texts: readonly string[]) => Promise<readonly number[]> | readonly number[];

export interface SearchOptions {
  /** Most oracle calls (texts scored) the search may spend on one input. */
  readonly queryBudget: number;
  /** The model's decision threshold: a score below it is a benign verdict (an evasion). */
  readonly threshold: number;
  readonly rng: Rng;
}

export interface SearchResult {
  /** The best text found (lowest score); equal to the input when nothing was tried. */
  readonly adversarial: string;
  readonly score: number;
  /** Texts scored, including the original. */
  readonly queries: number;
  /** True when `score < threshold`. */
  readonly evaded: boolean;
  /** The edits applied, in order, e.g. `swap@free`, `delete@money`. */
  readonly chain: readonly string[];
}

/** A black-box attack that may query the model's scores within a budget. */
export interface SearchAttack {
  readonly kind: 'search';
  readonly id: string;
  readonly family: 'search';
  readonly description: string;
  run(text: string, oracle: ScoreOracle, options: SearchOptions): Promise<SearchResult>;
}

export type Attack = TransformAttack | SearchAttack;
