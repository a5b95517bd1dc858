import type { Role } from '../auth.js';
import { invalid } from '../errors.js';
import { METRIC_KEY_RULE, isMetricKey } from '../metric-keys.js';
import { compareMetric, isMetricComparison, type MetricComparison, type Stage, type VersionStatus } from './vocabulary.js';
import { judgeRobustness, parseRobustnessRequirement, type RobustnessEvidence, type RobustnessRequirement } from './robustness-gate.js';

/** Stages a policy may assign at registration. */
export const AUTO_STAGE_TARGETS = ['None', 'Staging', 'Production'] as const;
export type AutoStageTarget = (typeof AUTO_STAGE_TARGETS)[number];

/**
 * How a newly registered version is staged: when `metric comparison threshold` holds, the
 * version goes to `targetStage`, otherwise to `otherwiseStage`. A FAILED version always
 * stays in None; so does a PENDING one (it has no artifact to serve yet).
 */
export type AutoStagePolicy =
  | { readonly enabled: false }
  | {
      readonly enabled: true;
      readonly metric: string;
      readonly comparison: MetricComparison;
      readonly threshold: number;
      readonly targetStage: AutoStageTarget;
      readonly otherwiseStage: AutoStageTarget;
      /**
       * Champion/challenger gate: a challenger may be worse than the current Production version
       * on the policy's metric by at most this much (absolute, on the same held-out rows).
       */
      readonly tolerance: number;
      /** Significance level of the paired test (McNemar) that refuses a significantly worse challenger. */
      readonly alpha: number;
      /** The robustness gate before Production (see robustness-gate.ts); absent: none. */
      readonly robustness?: RobustnessRequirement;
    };

/** The platform's rule: `eval_accuracy > 0.9` → Production, otherwise Staging. */
export const DEFAULT_AUTO_STAGE_POLICY: AutoStagePolicy = Object.freeze({
  enabled: true,
  metric: 'eval_accuracy',
  comparison: '>',
  threshold: 0.9,
  targetStage: 'Production',
  otherwiseStage: 'Staging',
  tolerance: 0.01,
  alpha: 0.05,
});

export interface AutoStageDecision {
  readonly stage: Stage;
  /** Names the rule and the value that decided, e.g. `eval_accuracy 0.93 > 0.9 → Production`. */
  readonly reason: string;
  /**
   * The version cleared every gate to Production (rule, provenance, robustness, champion): true
   * when placed there, and when a retrain's promotion was left to its retraining decision.
   */
  readonly cleared?: boolean;
}


/**
 * Validates a policy given by a user. Accepts `{enabled:false}` or
 * `{metric, comparison, threshold, targetStage, otherwiseStage?}` (`enabled` optional, default true;
 * `otherwiseStage` defaults to Staging, or None when the target is Staging). Throws VALIDATION_FAILED
 * naming the offending `policy.<field>`.
 */
export function parseAutoStagePolicy(raw: unknown, field = 'policy'): AutoStagePolicy {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid(field, 'policy must be an object');
  const p = raw as Record<string, unknown>;
  if (p.enabled !== undefined && typeof p.enabled !== 'boolean') throw invalid(`${field}.enabled`, 'enabled must be true or false');
  if (p.enabled === false) return { enabled: false };
  if (!isMetricKey(p.metric)) throw invalid(`${field}.metric`, `metric must be a metric name like eval_accuracy (${METRIC_KEY_RULE})`);
  if (!isMetricComparison(p.comparison)) throw invalid(`${field}.comparison`, 'comparison must be one of >, >=, <, <=, =');
  if (typeof p.threshold !== 'number' || !Number.isFinite(p.threshold)) throw invalid(`${field}.threshold`, 'threshold must be a finite number');
  if (!isTarget(p.targetStage)) throw invalid(`${field}.targetStage`, `targetStage must be one of ${AUTO_STAGE_TARGETS.join(', ')}`);
  const otherwise = p.otherwiseStage ?? (p.targetStage === 'Production' ? 'Staging' : 'None');
  if (!isTarget(otherwise)) throw invalid(`${field}.otherwiseStage`, `otherwiseStage must be one of ${AUTO_STAGE_TARGETS.join(', ')}`);
  const tolerance = p.tolerance ?? DEFAULT_GATE.tolerance;
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0 || tolerance > 1) throw invalid(`${field}.tolerance`, 'tolerance must be a number from 0 to 1 (how much worse than the champion a challenger may be)');
  const alpha = p.alpha ?? DEFAULT_GATE.alpha;
  if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha <= 0 || alpha >= 1) throw invalid(`${field}.alpha`, 'alpha must be a number between 0 and 1 exclusive, e.g. 0.05');
  const known = new Set(['enabled', 'metric', 'comparison', 'threshold', 'targetStage', 'otherwiseStage', 'tolerance', 'alpha', 'robustness']);
  const unknown = Object.keys(p).find((key) => !known.has(key));
  if (unknown !== undefined) throw invalid(`${field}.${unknown}`, `unknown policy field "${unknown}"; a policy has ${[...known].join(', ')}`);
  const robustness = p.robustness === undefined ? undefined : parseRobustnessRequirement(p.robustness, `${field}.robustness`);
  return {
    enabled: true,
    metric: p.metric,
    comparison: p.comparison,
    threshold: p.threshold,
    targetStage: p.targetStage,
    otherwiseStage: otherwise,
    tolerance,
    alpha,
    ...(robustness !== undefined ? { robustness } : {}),
  };
}

const DEFAULT_GATE = { tolerance: 0.01, alpha: 0.05 } as const;

function isTarget(value: unknown): value is AutoStageTarget {
  return typeof value === 'string' && (AUTO_STAGE_TARGETS as readonly string[]).includes(value);
}

const NEGATED: Record<MetricComparison, string> = { '>': '≤', '>=': '<', '<': '≥', '<=': '>', '=': '≠' };

/** What the decision needs of the model's current Production version. */
export interface ProductionFacts {
  readonly id: string;
  readonly number: number;
  readonly artifactDigest: string | null;
}

/** Who caused a registration: the platform itself (bootstrap, fresh data, schedules) or a user with a role. */
export type Initiator = { readonly kind: 'system'; readonly name: string } | { readonly kind: 'user'; readonly name: string; readonly role: Role };

/**
 * The challenger and the current Production version (the champion), scored by Warden on the
 * same held-out rows: the policy's metric for each and the paired counts on the rows where
 * exactly one of them is right, with McNemar's p-value for those counts.
 */
export interface ChampionEvidence {
  readonly championVersionId: string;
  readonly championNumber: number;
  readonly rows: number;
  readonly challengerMetrics: Readonly<Record<string, number>>;
  readonly championMetrics: Readonly<Record<string, number>>;
  /** Rows only the challenger classifies correctly. */
  readonly onlyChallengerRight: number;
  /** Rows only the champion classifies correctly. */
  readonly onlyChampionRight: number;
  /** Two-sided McNemar p-value on the discordant rows. */
  readonly pValue: number;
}

/**
 * What a registration knows about where its metrics and artifact come from. Only a version
 * whose metrics Warden computed itself, whose artifact exists and passes its sha256 check,
 * that an admin or the platform asked for, and that holds up against the current champion on
 * the same rows may be placed in Production by a policy.
 */
export interface StagingEvidence {
  /** `warden`: a Warden job computed the metrics on held-out rows; `reported`: the caller claimed them. */
  readonly metricsSource: 'warden' | 'reported';
  /** The artifact exists and its bytes hash to its digest (checked just before registration). */
  readonly artifactVerified: boolean;
  readonly initiator: Initiator;
  /** Who last wrote the recipe the job ran; null when unknown (recorded before authors were). */
  readonly recipeAuthor: Initiator | null;
  /** The comparison with the Production version at evaluation time; null when there was none. */
  readonly champion: ChampionEvidence | null;
  /** The candidate attacked by the red team, when its policy has a robustness gate or a retraining decision retrained it; absent otherwise. */
  readonly robustness?: RobustnessEvidence | null;
  /**
   * `retraining-decision`: a retrain owned by a retraining decision. Clearing the gates does not
   * place it in Production here: it stays in Staging and its decision promotes it by the
   * model's promotion policy (a rollout whose guardrails must hold, or an admin's approval).
   */
  readonly promotion?: 'retraining-decision';
}

/** An actor without a role is the platform itself (its own jobs and triggers); users carry their token's role. */
export function initiatorOf(actor: { readonly name: string; readonly role?: Role }): Initiator {
  return actor.role === undefined ? { kind: 'system', name: actor.name } : { kind: 'user', name: actor.name, role: actor.role };
}

/** Evidence for a registration through the API: self-reported metrics, an unverified artifact. */
export function reportedEvidence(initiator: Initiator): StagingEvidence {
  return { metricsSource: 'reported', artifactVerified: false, initiator, recipeAuthor: null, champion: null };
}

/**
 * The stage a new version gets under `policy`, with the reason that names the rule and the value.
 * A policy verdict of Production is capped at Staging, with the reason saying why, unless
 * `evidence` satisfies every condition of {@link StagingEvidence}. `currentProduction` is the
 * model's Production version at decision time (the champion must be that version).
 */
export function decideAutoStage(
  policy: AutoStagePolicy,
  version: { readonly status: VersionStatus; readonly metrics: Readonly<Record<string, number>>; readonly artifactDigest: string | null },
  evidence: StagingEvidence,
  currentProduction: ProductionFacts | null,
): AutoStageDecision {
  const verdict = policyVerdict(policy, version);
  if (verdict.stage !== 'Production' || !policy.enabled) return verdict;
  const gate = productionGate(policy, evidence, currentProduction, version.artifactDigest);
  const rule = verdict.reason.replace(/ → Production$/, '');
  if (gate.refusal !== null) return { stage: 'Staging', reason: `${rule}, but ${gate.refusal} → Staging` };
  if (evidence.promotion === 'retraining-decision') {
    return { stage: 'Staging', cleared: true, reason: `${rule}${gate.note === null ? '' : `; ${gate.note}`}: cleared for Production, which a retrain reaches through its retraining decision → Staging` };
  }
  return { ...(gate.note === null ? verdict : { stage: 'Production', reason: `${rule}; ${gate.note} → Production` }), cleared: true };
}

function policyVerdict(policy: AutoStagePolicy, version: { readonly status: VersionStatus; readonly metrics: Readonly<Record<string, number>> }): AutoStageDecision {
  if (version.status === 'FAILED') return { stage: 'None', reason: 'auto-stage: status FAILED → None' };
  if (version.status === 'PENDING') return { stage: 'None', reason: 'auto-stage: status PENDING → None (staged once READY)' };
  if (!policy.enabled) return { stage: 'None', reason: 'auto-stage disabled by the model policy → None' };
  const rule = `rule ${policy.metric} ${policy.comparison} ${policy.threshold}`;
  const value = version.metrics[policy.metric];
  if (value === undefined) {
    return { stage: policy.otherwiseStage, reason: `auto-stage ${rule}: ${policy.metric} not reported → ${policy.otherwiseStage}` };
  }
  if (compareMetric(value, policy.comparison, policy.threshold)) {
    return { stage: policy.targetStage, reason: `auto-stage ${rule}: ${policy.metric} ${metricBesideThreshold(value, policy.threshold)} ${policy.comparison} ${policy.threshold} → ${policy.targetStage}` };
  }
  return {
    stage: policy.otherwiseStage,
    reason: `auto-stage ${rule}: ${policy.metric} ${metricBesideThreshold(value, policy.threshold)} ${NEGATED[policy.comparison]} ${policy.threshold} → ${policy.otherwiseStage}`,
  };
}

/**
 * A metric as a reason shows it beside a threshold: 4 significant digits (0.9906, not
 * 0.9906001446131598), more only when fewer would put it on the threshold or the wrong side.
 */
function metricBesideThreshold(value: number, threshold: number): string {
  for (let digits = 4; digits < 17; digits++) {
    const shown = Number(value.toPrecision(digits));
    if (Math.sign(shown - threshold) === Math.sign(value - threshold)) return String(shown);
  }
  return String(value);
}

/** Why a policy may not place this version in Production (refusal), or what cleared it (note). */
function productionGate(
  policy: Extract<AutoStagePolicy, { enabled: true }>,
  evidence: StagingEvidence,
  currentProduction: ProductionFacts | null,
  artifactDigest: string | null,
): { refusal: string | null; note: string | null } {
  const refuse = (refusal: string) => ({ refusal, note: null });
  if (evidence.metricsSource !== 'warden') return refuse('the metrics were reported by the caller, not computed by Warden on held-out rows (an admin may promote it)');
  if (!evidence.artifactVerified) return refuse('the artifact is missing or fails its sha256 check');
  if (evidence.initiator.kind === 'user' && evidence.initiator.role !== 'admin') {
    return refuse(`the job was started by ${evidence.initiator.role} "${evidence.initiator.name}"; only an admin or a platform trigger may reach Production`);
  }
  const author = evidence.recipeAuthor;
  if (author !== null && author.kind === 'user' && author.role !== 'admin') {
    return refuse(`the recipe was last changed by ${author.role} "${author.name}"; an admin must review it (store it again) or promote by hand`);
  }
  const robust = policy.robustness === undefined ? null : judgeRobustness(policy.robustness, evidence.robustness ?? null);
  if (robust !== null && !robust.pass) return refuse(robust.reason);
  if (currentProduction === null) return { refusal: null, note: robust?.reason ?? null };
  if (artifactDigest !== null && currentProduction.artifactDigest === artifactDigest) {
    return refuse(`it is byte-identical to the current Production version ${currentProduction.number} (same artifact sha256), so promoting it would change nothing`);
  }
  const champion = evidence.champion;
  if (champion === null || champion.championVersionId !== currentProduction.id) {
    return refuse(`it was not compared with the current Production version ${currentProduction.number} on the same rows`);
  }
  const judged = judgeChallenger(policy, champion);
  return judged.pass ? { refusal: null, note: robust === null ? judged.reason : `${robust.reason}; ${judged.reason}` } : refuse(judged.reason);
}

export interface ChallengerJudgement {
  readonly pass: boolean;
  /** The deltas and the paired test, in words. */
  readonly reason: string;
}

/**
 * The champion/challenger gate: the challenger passes when it is not worse than the champion
 * beyond `policy.tolerance` on the policy's metric (measured on the same rows), and the
 * paired test does not find the champion significantly better (McNemar p < alpha with the
 * champion right on more of the rows where they disagree).
 */
export function judgeChallenger(policy: Extract<AutoStagePolicy, { enabled: true }>, evidence: ChampionEvidence): ChallengerJudgement {
  const metric = policy.metric;
  const challenger = evidence.challengerMetrics[metric];
  const champion = evidence.championMetrics[metric];
  const vs = `champion version ${evidence.championNumber} on the same ${evidence.rows} held-out rows`;
  if (challenger === undefined || champion === undefined) return { pass: false, reason: `${metric} could not be measured for both against ${vs}` };
  // Which way is better follows the policy's comparison: `> / >=` reward larger values.
  const higherIsBetter = policy.comparison !== '<' && policy.comparison !== '<=';
  const delta = challenger - champion;
  const worseBy = policy.comparison === '=' ? Math.abs(challenger - policy.threshold) - Math.abs(champion - policy.threshold) : higherIsBetter ? -delta : delta;
  const paired = `McNemar p ${formatP(evidence.pValue)} (challenger alone right on ${evidence.onlyChallengerRight} rows, champion alone on ${evidence.onlyChampionRight})`;
  const deltas = `${metric} ${round(challenger)} vs ${round(champion)} (Δ ${delta >= 0 ? '+' : ''}${round(delta)}, tolerance ${policy.tolerance}) against ${vs}; ${paired}`;
  if (worseBy > policy.tolerance + 1e-12) return { pass: false, reason: `the challenger is worse than the champion: ${deltas}` };
  if (evidence.pValue < policy.alpha && evidence.onlyChampionRight > evidence.onlyChallengerRight) {
    return { pass: false, reason: `the champion is significantly better (p < ${policy.alpha}): ${deltas}` };
  }
  return { pass: true, reason: `holds up against the champion: ${deltas}` };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

function formatP(p: number): string {
  return p < 1e-4 ? p.toExponential(1) : String(round(p));
}
