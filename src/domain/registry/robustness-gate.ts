/**
 * The robustness gate a model's promotion policy may add before Production: the candidate is
 * attacked with the attack library on its malicious held-out rows (the same campaign a person
 * runs), and the policy may require
 *
 * - `maxAttackSuccessRate`: the overall attack success rate at most this (0..1);
 * - `maxFamilyRegression`: no family's attack success rate higher than the Production
 *   version's, on the same inputs, by more than this many points (0..1; 0.05 = 5 points);
 * - `replayLedger`: every vulnerability of the task a version already trained on (the ledger's
 *   used entries) is still caught — no old evasion comes back.
 */
import { invalid } from '../errors.js';
import { formatRate } from '../redteam/scoring.js';

export interface RobustnessRequirement {
  readonly maxAttackSuccessRate?: number;
  readonly maxFamilyRegression?: number;
  readonly replayLedger?: boolean;
}

/** What the training measured for the gate. */
export interface RobustnessEvidence {
  /** Malicious held-out inputs attacked. */
  readonly inputs: number;
  readonly attackSuccessRate: number | null;
  /** Attack success rate per family (null: nothing tried). */
  readonly families: Readonly<Record<string, number | null>>;
  /**
   * The Production version attacked on the same inputs; null when there is none (or it could
   * not be scored). Its overall rate is absent in evidence recorded before it was kept.
   */
  readonly champion: { readonly version: number; readonly attackSuccessRate?: number | null; readonly families: Readonly<Record<string, number | null>> } | null;
  /** The task's used vulnerabilities replayed against the candidate, and how many evade it again. */
  readonly ledger: { readonly replayed: number; readonly evaded: number };
}

export interface RobustnessJudgement {
  readonly pass: boolean;
  readonly reason: string;
}

const KNOWN = ['maxAttackSuccessRate', 'maxFamilyRegression', 'replayLedger'];

/** Validates `policy.robustness` (VALIDATION_FAILED naming the field). */
export function parseRobustnessRequirement(raw: unknown, field: string): RobustnessRequirement {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid(field, `${field} must be an object with ${KNOWN.join(', ')}`);
  const r = raw as Record<string, unknown>;
  const unknown = Object.keys(r).find((key) => !KNOWN.includes(key));
  if (unknown !== undefined) throw invalid(`${field}.${unknown}`, `unknown robustness requirement "${unknown}"; one of ${KNOWN.join(', ')}`);
  const fraction = (key: string): number | undefined => {
    const value = r[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) throw invalid(`${field}.${key}`, `${key} must be a number from 0 to 1`);
    return value;
  };
  const maxAttackSuccessRate = fraction('maxAttackSuccessRate');
  const maxFamilyRegression = fraction('maxFamilyRegression');
  if (r.replayLedger !== undefined && typeof r.replayLedger !== 'boolean') throw invalid(`${field}.replayLedger`, 'replayLedger must be true or false');
  const requirement: RobustnessRequirement = {
    ...(maxAttackSuccessRate !== undefined ? { maxAttackSuccessRate } : {}),
    ...(maxFamilyRegression !== undefined ? { maxFamilyRegression } : {}),
    ...(r.replayLedger === true ? { replayLedger: true } : {}),
  };
  if (Object.keys(requirement).length === 0) throw invalid(field, `${field} requires nothing: give maxAttackSuccessRate, maxFamilyRegression or replayLedger: true`);
  return requirement;
}

/**
 * The ledger replay in words, for logs and decisions: with nothing replayed (no version of the
 * task trained on a finding yet) "0 of 0 … evade it" read like a check that found nothing wrong.
 */
export function describeLedgerReplay(ledger: RobustnessEvidence['ledger']): string {
  return ledger.replayed === 0 ? 'no finding a version already trained on to replay yet' : `${ledger.evaded} of ${ledger.replayed} vulnerabilities already trained on evade it again`;
}

const points = (x: number): string => `${(Math.round(x * 1000) / 10).toFixed(1)} points`;

/** The gate's verdict, in words that become the stage transition's reason. */
export function judgeRobustness(requirement: RobustnessRequirement, evidence: RobustnessEvidence | null): RobustnessJudgement {
  if (evidence === null) return { pass: false, reason: 'robustness was not measured (no attack library or no malicious held-out rows), and the policy requires it' };
  const said: string[] = [];
  const max = requirement.maxAttackSuccessRate;
  if (max !== undefined) {
    const rate = evidence.attackSuccessRate;
    if (rate === null) return { pass: false, reason: `robustness: no malicious held-out input could be attacked (of ${evidence.inputs}), so the attack success rate is unknown` };
    if (rate > max + 1e-12) return { pass: false, reason: `robustness: attack success ${formatRate(rate)} on ${evidence.inputs} malicious held-out inputs > bound ${formatRate(max)}` };
    said.push(`attack success ${formatRate(rate)} ≤ ${formatRate(max)}`);
  }
  const regression = requirement.maxFamilyRegression;
  if (regression !== undefined) {
    if (evidence.champion === null) said.push('no Production version to compare families with');
    else {
      let worst: { family: string; delta: number } | null = null;
      for (const [family, rate] of Object.entries(evidence.families)) {
        const before = evidence.champion.families[family];
        if (rate === null || before === null || before === undefined) continue;
        if (worst === null || rate - before > worst.delta) worst = { family, delta: rate - before };
      }
      if (worst !== null && worst.delta > regression + 1e-12) {
        return {
          pass: false,
          reason: `robustness: ${worst.family} attack success ${formatRate(evidence.families[worst.family] ?? null)} vs ${formatRate(evidence.champion.families[worst.family] ?? null)} for Production version ${evidence.champion.version}, worse by ${points(worst.delta)} > ${points(regression)}`,
        };
      }
      said.push(`no family worse than Production version ${evidence.champion.version} by more than ${points(regression)}${worst === null ? '' : ` (worst: ${worst.family} ${worst.delta >= 0 ? '+' : ''}${points(worst.delta)})`}`);
    }
  }
  if (requirement.replayLedger === true) {
    if (evidence.ledger.evaded > 0) return { pass: false, reason: `robustness: ${describeLedgerReplay(evidence.ledger)}` };
    said.push(evidence.ledger.replayed === 0 ? describeLedgerReplay(evidence.ledger) : `none of ${evidence.ledger.replayed} ledger vulnerabilities came back`);
  }
  return { pass: true, reason: `robustness: ${said.join('; ')}` };
}
