/**
 * The vulnerability ledger's rules: what makes two findings the same vulnerability, and when
 * a task has collected enough unused vulnerabilities to retrain every model of the task.
 */
import { invalid } from '../errors.js';

/** Bumped if the normalisation below ever changes, so old and new signatures never collide. */
const SIGNATURE_SCHEME = 'warden-redteam-v1';

/**
 * The text a signature is computed over. NFC only joins different encodings of the SAME
 * characters (a precomposed é and e + U+0301); runs of whitespace become one space and the
 * ends are trimmed, so re-wrapped copies of one evasion count once. Nothing else is folded:
 * homoglyphs, zero-width characters, casing and fullwidth letters ARE the attack, and two
 * texts that differ in them are different inputs for the model.
 */
export function normalizeForSignature(text: string): string {
  return text.normalize('NFC').replace(/\s+/gu, ' ').trim();
}

/**
 * A finding's de-duplication signature: sha256 over the scheme, the task and the normalised
 * adversarial text. The attack chain is deliberately NOT part of it: the same text reached by
 * two chains (or by one chain against two models of the task) is one input for training, and
 * counting it twice would reach the retrain threshold with duplicate rows. The chain of the
 * first finding is kept on the ledger entry; later models it evades are recorded as evasions.
 */
export function findingSignature(task: string, adversarial: string, sha256: (text: string) => string): string {
  return sha256(`${SIGNATURE_SCHEME}\n${task}\n${normalizeForSignature(adversarial)}`);
}

/** Default WARDEN_REDTEAM_RETRAIN_THRESHOLD: the platform's "≥ 10 vulnerabilities → retrain all models". */
export const DEFAULT_RETRAIN_THRESHOLD = 10;

export function validateRetrainThreshold(value: unknown, field = 'threshold'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 100_000) throw invalid(field, `${field} must be a whole number from 1 to 100000`);
  return value;
}

/** A vulnerability not yet claimed by a retrain trigger. */
export interface ClaimableVulnerability {
  readonly id: string;
  readonly signature: string;
}

/** A decision to retrain every model of a task on these vulnerabilities. */
export interface TriggerPlan {
  /** Derived from the set of signatures: the same set always yields the same trigger (and the same retrain jobs). */
  readonly id: string;
  readonly task: string;
  readonly vulnerabilityIds: readonly string[];
  readonly threshold: number;
}

/**
 * The threshold rule: when the unique, unclaimed vulnerabilities of a task number at least
 * `threshold`, ALL of them (not only the first `threshold`) go to one trigger, which retrains
 * every model of the task once; below it, nothing happens. The store runs this under the
 * task's lock, so two processes never claim one vulnerability twice.
 */
export function planRetrainTrigger(
  task: string,
  claimable: readonly ClaimableVulnerability[],
  threshold: number,
  sha256: (text: string) => string,
): TriggerPlan | null {
  const unique = new Map<string, string>();
  for (const v of claimable) if (!unique.has(v.signature)) unique.set(v.signature, v.id);
  if (unique.size < threshold) return null;
  const signatures = [...unique.keys()].sort();
  return { id: `vt-${sha256(`${task}\n${signatures.join('\n')}`).slice(0, 40)}`, task, vulnerabilityIds: [...unique.values()], threshold };
}

/** The dataset a task's claimed vulnerabilities are versioned in (origin `vulnerability-corpus`). */
export function vulnerabilityDatasetName(task: string): string {
  return `redteam-${task}`;
}

/**
 * The rows of a task's vulnerability corpus: each claimed vulnerability's adversarial text as
 * a malicious row, in the order of the texts. The ledger lists vulnerabilities by when they were
 * found, and the findings of one campaign share that time, so their ids decided the order: the
 * same evasions made a dataset of another digest, and a retrain that saw them in another order
 * trained another model.
 */
export function vulnerabilityCorpusRows(vulnerabilities: ReadonlyArray<{ readonly adversarial: string }>): Array<{ text: string; label: 1 }> {
  return vulnerabilities
    .map((v) => ({ text: v.adversarial.trim(), label: 1 as const }))
    .filter((row) => row.text.length > 0)
    .sort((x, y) => (x.text < y.text ? -1 : x.text > y.text ? 1 : 0));
}
