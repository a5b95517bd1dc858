/** Entries of the vulnerability ledger and the retrain triggers they feed. */

/** One unique evasion of a task: the first finding of its signature. */
export interface Vulnerability {
  readonly id: string;
  readonly task: string;
  readonly signature: string;
  readonly original: string;
  readonly adversarial: string;
  /** The transformations applied, in order: the attack id, then the search's edits (e.g. `search`, `swap@free`). */
  readonly chain: readonly string[];
  readonly attack: string;
  readonly family: string;
  /** The version it was found against. */
  readonly model: string;
  readonly version: number;
  /** That version's malicious-class probability for the adversarial text. */
  readonly score: number;
  readonly campaignId: string;
  /** The retrain trigger that claimed it; null while unused. */
  readonly triggerId: string | null;
  /** When the first version trained on it was registered; null until then. */
  readonly usedAt: number | null;
  readonly createdAt: number;
}

/** A vulnerability with the versions it evades and the versions trained on it. */
export interface VulnerabilityView extends Vulnerability {
  readonly evades: ReadonlyArray<{ readonly model: string; readonly version: number; readonly score: number }>;
  readonly usedBy: ReadonlyArray<{ readonly model: string; readonly version: number }>;
}

/** Where a vulnerability stands: unused (counts toward the threshold), claimed by a trigger, used by a trained version. */
export const VULNERABILITY_STATES = ['unused', 'claimed', 'used'] as const;
export type VulnerabilityState = (typeof VULNERABILITY_STATES)[number];

export function vulnerabilityState(v: Pick<Vulnerability, 'triggerId' | 'usedAt'>): VulnerabilityState {
  if (v.usedAt !== null) return 'used';
  return v.triggerId === null ? 'unused' : 'claimed';
}

/** A claim of vulnerabilities for one retrain of every model of a task. */
export interface RetrainTrigger {
  readonly id: string;
  readonly task: string;
  readonly vulnerabilities: number;
  readonly threshold: number;
  readonly createdAt: number;
}
