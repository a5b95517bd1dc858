/**
 * How a retrained version reaches Production: never at registration (the registry caps a
 * retrain at Staging, saying whether it cleared every gate of the model's auto-stage policy:
 * metric rule, champion/challenger on the same held-out rows, provenance, robustness), but
 * through its retraining decision, by the model's promotion setting:
 *
 * - `automatic`: a version that cleared the gates starts a rollout (canary by default) and is
 *   Production only when the rollout completes with its guardrails held;
 * - `approval`: it stays in Staging until an admin approves (then the same rollout) or rejects.
 *
 * A version that did not clear the gates is not promoted, with the gate's reason.
 */
import { WardenError, invalid, isWardenError } from '../errors.js';
import { OPTION_STRATEGIES, deploymentSettings, type DeploymentOptions } from '../deployments/rollout.js';

export const PROMOTION_MODES = ['automatic', 'approval'] as const;
export type PromotionMode = (typeof PROMOTION_MODES)[number];

/** Strategies a retrain may be rolled out with: each moves traffic only after the candidate loaded, and the progressive ones watch guardrails. */
export const PROMOTION_STRATEGIES = ['canary', 'linear', 'blue-green'] as const;
export type PromotionStrategy = (typeof PROMOTION_STRATEGIES)[number];

export interface PromotionPolicy {
  readonly mode: PromotionMode;
  readonly strategy: PromotionStrategy;
  /** The rollout's options as the deployment service takes them (steps, stepPercent, bakeSeconds, guardrails, keepWarmSeconds), validated. */
  readonly rollout: Readonly<Record<string, unknown>>;
}

/** A canary with the deployment defaults (5 → 25 → 50 → 100 %, 10 minutes per step), no human step. */
export const DEFAULT_PROMOTION_POLICY: PromotionPolicy = Object.freeze({ mode: 'automatic', strategy: 'canary', rollout: Object.freeze({}) });

const ROLLOUT_KEYS = ['steps', 'stepPercent', 'bakeSeconds', 'guardrails', 'keepWarmSeconds'] as const;

/** Reads `promotion: {mode?, strategy?, steps?, stepPercent?, bakeSeconds?, guardrails?, keepWarmSeconds?}` on top of `base`. */
export function parsePromotionPolicy(raw: unknown, field: string, base: PromotionPolicy = DEFAULT_PROMOTION_POLICY): PromotionPolicy {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid(field, `${field} must be an object`);
  let mode = base.mode;
  let strategy = base.strategy;
  const rollout: Record<string, unknown> = { ...base.rollout };
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const at = `${field}.${key}`;
    if (key === 'mode') {
      if (!(PROMOTION_MODES as readonly unknown[]).includes(value)) throw invalid(at, `${at} must be one of ${PROMOTION_MODES.join(', ')}`);
      mode = value as PromotionMode;
    } else if (key === 'strategy') {
      if (!(PROMOTION_STRATEGIES as readonly unknown[]).includes(value)) throw invalid(at, `${at} must be one of ${PROMOTION_STRATEGIES.join(', ')}`);
      strategy = value as PromotionStrategy;
    } else if ((ROLLOUT_KEYS as readonly string[]).includes(key)) rollout[key] = value;
    else throw invalid(at, `${at} is not a setting; known: mode, strategy, ${ROLLOUT_KEYS.join(', ')}`);
  }
  // A strategy changed on top of a base keeps only the options it uses.
  if (strategy !== base.strategy) {
    for (const key of Object.keys(base.rollout)) {
      const uses = OPTION_STRATEGIES[key as keyof typeof OPTION_STRATEGIES];
      if (!Object.hasOwn(raw, key) && !uses.includes(strategy)) delete rollout[key];
    }
  }
  try {
    deploymentSettings(strategy, rollout as DeploymentOptions);
  } catch (error) {
    if (isWardenError(error) && error.code === 'VALIDATION_FAILED') throw invalid(`${field}.${error.field ?? 'strategy'}`, `${field}: ${error.message}`);
    throw error;
  }
  return { mode, strategy, rollout };
}

/** The deployment request a promotion starts (strategy and its options). */
export function rolloutRequest(policy: PromotionPolicy): DeploymentOptions {
  return { strategy: policy.strategy, ...policy.rollout };
}

/** What the registration said of the retrained version. */
export interface RegisteredRetrain {
  readonly version: number;
  readonly stage: string;
  readonly status: string;
  /** Whether it cleared every gate of the model's auto-stage policy to Production. */
  readonly cleared: boolean;
  /** The registration's verdict, in words (the gate that refused it, or what cleared it). */
  readonly gate: string;
  /** The Production version it was compared with at registration; null when there was none. */
  readonly comparedWith: number | null;
}

export type PromotionPlan =
  | { readonly action: 'rollout'; readonly reason: string }
  | { readonly action: 'hold'; readonly reason: string }
  | { readonly action: 'reject'; readonly reason: string };

/**
 * What becomes of a retrained version: a rollout, a hold for an admin's approval, or no
 * promotion, with why. `production` is the model's Production version now.
 */
export function planPromotion(policy: PromotionPolicy, retrain: RegisteredRetrain, production: number | null): PromotionPlan {
  if (retrain.status !== 'READY') return { action: 'reject', reason: `version ${retrain.version} is ${retrain.status}: nothing to promote` };
  if (retrain.stage === 'Production' || production === retrain.version) return { action: 'reject', reason: `version ${retrain.version} is already Production` };
  if (!retrain.cleared) return { action: 'reject', reason: `not promoted: ${retrain.gate}` };
  if (production === null) {
    return { action: 'hold', reason: `the model has no Production version to roll out against: version ${retrain.version} stays in Staging until an admin deploys it` };
  }
  if (retrain.comparedWith !== production) {
    const compared = retrain.comparedWith === null ? 'no Production version' : `version ${retrain.comparedWith}`;
    return { action: 'reject', reason: `not promoted: it was compared with ${compared}, and Production is now version ${production}; a new retrain compares with it` };
  }
  if (policy.mode === 'approval') return { action: 'hold', reason: `cleared the gates (${retrain.gate}); the model's promotion policy holds retrains for an admin's approval` };
  return { action: 'rollout', reason: `cleared the gates (${retrain.gate}); ${policy.strategy} rollout by the model's promotion policy` };
}

/** An approval or rejection of a held version is refused unless the decision is still waiting for one. */
export function requireHeld(outcomes: ReadonlyArray<{ readonly kind: string }>, id: string): void {
  const kinds = outcomes.map((o) => o.kind);
  if (!kinds.includes('held')) throw new WardenError('VERSION_CONFLICT', `retraining decision ${id} is not holding a version for approval`, { field: 'id' });
  const settled = kinds.find((k) => k === 'approved' || k === 'rejected' || k === 'rollout-started' || k === 'promoted');
  if (settled !== undefined) throw new WardenError('VERSION_CONFLICT', `retraining decision ${id} was already settled (${settled})`, { field: 'id' });
}
