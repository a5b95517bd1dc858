/**
 * A deployment of one model version as a state machine: planned from a request, then moved
 * only by these functions (the candidate loaded or failed to load, a periodic check with
 * the arms' readings, an operator's pause, resume, abort, conclusion or rollback). A
 * deployment is plain data, so it is stored as it is and a restart resumes at the same step.
 *
 *   warming ──ready──▶ active ⇄ paused
 *      │                 │
 *      └─load failed─▶ failed      active ──▶ succeeded | rolled-back | aborted | concluded
 *
 * Traffic follows the state (trafficSplit); the effects tell the caller what to change
 * in the registry (promote the candidate, archive the baseline) and in serving.
 */
import { WardenError, invalid } from '../errors.js';
import { guardrailPolicy, judgeGuardrails, type ArmReadings, type GuardrailPolicy, type GuardrailReading } from './guardrails.js';
import type { ArmName, TrafficSplit } from './traffic.js';

export const DEPLOYMENT_STRATEGIES = ['direct', 'blue-green', 'canary', 'linear', 'ab', 'shadow'] as const;
export type DeploymentStrategy = (typeof DEPLOYMENT_STRATEGIES)[number];

export const DEPLOYMENT_STATES = ['warming', 'active', 'paused', 'failed', 'succeeded', 'rolled-back', 'aborted', 'concluded'] as const;
export type DeploymentState = (typeof DEPLOYMENT_STATES)[number];
const ENDED: readonly DeploymentState[] = ['failed', 'succeeded', 'rolled-back', 'aborted', 'concluded'];

export const DEFAULT_CANARY_STEPS: readonly number[] = [5, 25, 50, 100];
export const DEFAULT_LINEAR_STEP_PERCENT = 20;
export const DEFAULT_BAKE_MS = 10 * 60_000;
export const DEFAULT_KEEP_WARM_MS = 10 * 60_000;
export const DEFAULT_MIRROR_PERCENT = 10;
const MAX_STEPS = 20;
const MAX_SECONDS = 7 * 24 * 3600;

/** What a deployment request may carry besides model and version (each only for its strategies). */
export interface DeploymentOptions {
  readonly strategy?: unknown;
  readonly steps?: unknown;
  readonly stepPercent?: unknown;
  readonly bakeSeconds?: unknown;
  readonly guardrails?: unknown;
  readonly weights?: unknown;
  readonly mirrorPercent?: unknown;
  readonly keepWarmSeconds?: unknown;
}

export interface DeploymentSettings {
  /** Candidate share of traffic at each step, in percent, ending at 100 (canary, linear). */
  readonly steps: readonly number[];
  /** How long each step runs without a breach before the next, in ms. */
  readonly bakeMs: number;
  readonly guardrails: GuardrailPolicy;
  /** Serving weights of an A/B test, in percent. */
  readonly weights: { readonly baseline: number; readonly candidate: number };
  /** Share of requests copied to a shadow candidate, in percent. */
  readonly mirrorPercent: number;
  /** How long a blue-green switch keeps the old version loaded for an instant switch back, in ms. */
  readonly keepWarmMs: number;
}

export type DeploymentHistoryEvent =
  | 'created'
  | 'ready'
  | 'load-failed'
  | 'advanced'
  | 'waiting-for-traffic'
  | 'breach'
  | 'paused'
  | 'resumed'
  | 'promoted'
  | 'rolled-back'
  | 'aborted'
  | 'concluded';

export interface DeploymentHistoryEntry {
  readonly at: number;
  readonly event: DeploymentHistoryEvent;
  /** Who moved it; 'system' for the periodic check. */
  readonly actor: string;
  readonly detail: string;
  /** The candidate's share of traffic after this entry, in percent. */
  readonly candidatePercent: number;
  readonly readings?: readonly GuardrailReading[];
}

export interface Deployment {
  readonly id: string;
  readonly model: string;
  readonly strategy: DeploymentStrategy;
  readonly candidate: number;
  /** The Production version when the deployment started; null for a model's first deployment. */
  readonly baseline: number | null;
  readonly settings: DeploymentSettings;
  readonly state: DeploymentState;
  readonly stepIndex: number;
  /** When the current step (or the A/B test, or the shadow) started; readings are taken from here. */
  readonly stepStartedAt: number;
  readonly consecutiveBreaches: number;
  readonly waitingForTraffic: boolean;
  /** The arm that won an A/B test or shadow; set when concluded. */
  readonly winner: ArmName | null;
  /** Key of the sticky arm assignment (HMAC of a subject), secret to the cluster: it is never shown. */
  readonly assignmentKey: string;
  readonly createdBy: string;
  readonly reason: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly endedAt: number | null;
  readonly history: readonly DeploymentHistoryEntry[];
}

/** What the caller must change outside the deployment record. */
export type DeploymentEffect =
  /** Make `version` Production and archive `archive` (the version it replaces), in one registry transaction. */
  | { readonly type: 'promote'; readonly version: number; readonly archive: number | null }
  /** Keep `version` loaded until `until` (blue-green's instant switch back). */
  | { readonly type: 'keep-warm'; readonly version: number; readonly until: number };

export interface DeploymentStep {
  readonly deployment: Deployment;
  readonly effects: readonly DeploymentEffect[];
}

export function isDeploymentStrategy(value: unknown): value is DeploymentStrategy {
  return typeof value === 'string' && (DEPLOYMENT_STRATEGIES as readonly string[]).includes(value);
}

export function isDeploymentEnded(deployment: Pick<Deployment, 'state'>): boolean {
  return ENDED.includes(deployment.state);
}

function conflict(message: string): WardenError {
  return new WardenError('VERSION_CONFLICT', message);
}

function integerIn(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw invalid(field, `${field} must be an integer from ${min} to ${max}`);
  return value;
}

function secondsToMs(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_SECONDS) throw invalid(field, `${field} must be a number of seconds from 0 to ${MAX_SECONDS}`);
  return Math.round(value * 1000);
}

/** Which strategies use each option (any other strategy refuses it). */
export const OPTION_STRATEGIES: Record<Exclude<keyof DeploymentOptions, 'strategy'>, readonly DeploymentStrategy[]> = {
  steps: ['canary'],
  stepPercent: ['linear'],
  bakeSeconds: ['canary', 'linear'],
  guardrails: ['canary', 'linear', 'ab'],
  weights: ['ab'],
  mirrorPercent: ['shadow'],
  keepWarmSeconds: ['blue-green'],
};

function canarySteps(raw: unknown): readonly number[] {
  if (raw === undefined) return DEFAULT_CANARY_STEPS;
  if (!Array.isArray(raw) || raw.length < 2 || raw.length > MAX_STEPS) throw invalid('steps', `steps must be a list of 2 to ${MAX_STEPS} percentages ending at 100`);
  const steps = raw.map((step, index) => integerIn(step, `steps[${index}]`, 1, 100));
  steps.forEach((step, index) => {
    if (index > 0 && step <= steps[index - 1]!) throw invalid(`steps[${index}]`, 'steps must increase');
  });
  if (steps[steps.length - 1] !== 100) throw invalid('steps', 'the last step must be 100 (the candidate takes all traffic)');
  return steps;
}

function linearSteps(raw: unknown): readonly number[] {
  const percent = raw === undefined ? DEFAULT_LINEAR_STEP_PERCENT : integerIn(raw, 'stepPercent', Math.ceil(100 / MAX_STEPS), 99);
  const steps: number[] = [];
  for (let share = percent; share < 100; share += percent) steps.push(share);
  return [...steps, 100];
}

function abWeights(raw: unknown): DeploymentSettings['weights'] {
  if (raw === undefined) return { baseline: 50, candidate: 50 };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('weights', 'weights must be an object {baseline, candidate} in percent');
  for (const key of Object.keys(raw)) if (key !== 'baseline' && key !== 'candidate') throw invalid(`weights.${key}`, `weights.${key} is not an arm; arms: baseline, candidate`);
  const weights = raw as { baseline?: unknown; candidate?: unknown };
  const baseline = integerIn(weights.baseline, 'weights.baseline', 1, 99);
  const candidate = integerIn(weights.candidate, 'weights.candidate', 1, 99);
  if (baseline + candidate !== 100) throw invalid('weights', `weights must add up to 100, not ${baseline + candidate}`);
  return { baseline, candidate };
}

/** The settings a request asks for, with defaults; an option its strategy does not use is refused, not ignored. */
export function deploymentSettings(strategy: DeploymentStrategy, options: DeploymentOptions): DeploymentSettings {
  for (const [key, strategies] of Object.entries(OPTION_STRATEGIES)) {
    if (options[key as keyof DeploymentOptions] !== undefined && !strategies.includes(strategy)) {
      throw invalid(key, `${key} applies to strategy ${strategies.join(' or ')}, not ${strategy}`);
    }
  }
  const steps = strategy === 'canary' ? canarySteps(options.steps) : strategy === 'linear' ? linearSteps(options.stepPercent) : [100];
  return {
    steps,
    bakeMs: options.bakeSeconds === undefined ? DEFAULT_BAKE_MS : secondsToMs(options.bakeSeconds, 'bakeSeconds'),
    guardrails: guardrailPolicy(options.guardrails),
    weights: abWeights(options.weights),
    mirrorPercent: options.mirrorPercent === undefined ? DEFAULT_MIRROR_PERCENT : integerIn(options.mirrorPercent, 'mirrorPercent', 1, 100),
    keepWarmMs: options.keepWarmSeconds === undefined ? DEFAULT_KEEP_WARM_MS : secondsToMs(options.keepWarmSeconds, 'keepWarmSeconds'),
  };
}

export interface PlanContext {
  readonly id: string;
  readonly model: string;
  readonly candidate: number;
  /** The model's Production version now, if any. */
  readonly production: number | null;
  /** A deployment of this model that has not ended, if any: one at a time per model. */
  readonly inFlight: Pick<Deployment, 'id' | 'candidate' | 'strategy'> | null;
  readonly actor: string;
  readonly reason: string | null;
  readonly now: number;
  /** A fresh random key for the sticky assignment of requests to arms. */
  readonly assignmentKey: string;
}

/** A new deployment, warming: serving switches nothing until the candidate has loaded (candidateReady). */
export function planDeployment(options: DeploymentOptions, context: PlanContext): Deployment {
  const strategy = options.strategy ?? 'direct';
  if (!isDeploymentStrategy(strategy)) throw invalid('strategy', `strategy must be one of ${DEPLOYMENT_STRATEGIES.join(', ')}`);
  const settings = deploymentSettings(strategy, options);
  if (context.inFlight) {
    throw conflict(`${context.model} already has deployment ${context.inFlight.id} (${context.inFlight.strategy} of version ${context.inFlight.candidate}) in progress: let it end, or abort it first`);
  }
  if (context.production === context.candidate) throw conflict(`version ${context.candidate} of ${context.model} is already Production`);
  if (context.production === null && strategy !== 'direct' && strategy !== 'blue-green') {
    throw conflict(`${strategy} compares the candidate with the live version, and ${context.model} has no Production version: deploy with strategy direct or blue-green first`);
  }
  return {
    id: context.id,
    model: context.model,
    strategy,
    candidate: context.candidate,
    baseline: context.production,
    settings,
    state: 'warming',
    stepIndex: 0,
    stepStartedAt: context.now,
    consecutiveBreaches: 0,
    waitingForTraffic: false,
    winner: null,
    assignmentKey: context.assignmentKey,
    createdBy: context.actor,
    reason: context.reason,
    createdAt: context.now,
    updatedAt: context.now,
    endedAt: null,
    history: [{ at: context.now, event: 'created', actor: context.actor, detail: describePlan(strategy, settings, context), candidatePercent: 0 }],
  };
}

function describePlan(strategy: DeploymentStrategy, settings: DeploymentSettings, context: PlanContext): string {
  const target = `version ${context.candidate}${context.production === null ? '' : ` replacing ${context.production}`}`;
  switch (strategy) {
    case 'canary':
    case 'linear':
      return `${strategy} of ${target}: ${settings.steps.join(' → ')} %, ${settings.bakeMs / 1000} s per step`;
    case 'ab':
      return `A/B test of ${target}: ${settings.weights.baseline} / ${settings.weights.candidate} %`;
    case 'shadow':
      return `shadow of ${target}: ${settings.mirrorPercent} % of requests copied`;
    default:
      return `${strategy} switch to ${target}`;
  }
}

/** The candidate's share of served traffic in this state, in percent. */
export function candidatePercent(deployment: Deployment): number {
  switch (deployment.state) {
    case 'succeeded':
      return 100;
    case 'concluded':
      return deployment.winner === 'candidate' ? 100 : 0;
    case 'active':
    case 'paused':
      if (deployment.strategy === 'canary' || deployment.strategy === 'linear') return deployment.settings.steps[deployment.stepIndex]!;
      if (deployment.strategy === 'ab') return deployment.settings.weights.candidate;
      return 0;
    default:
      return 0;
  }
}

/** Which versions answer requests, and in which shares, while this deployment is the model's latest. */
export function trafficSplit(deployment: Deployment): TrafficSplit {
  const candidateShare = candidatePercent(deployment);
  const serving = [
    ...(deployment.baseline !== null && candidateShare < 100 ? [{ arm: 'baseline' as const, version: deployment.baseline, percent: 100 - candidateShare }] : []),
    ...(candidateShare > 0 ? [{ arm: 'candidate' as const, version: deployment.candidate, percent: candidateShare }] : []),
  ];
  const shadowing = deployment.strategy === 'shadow' && deployment.state === 'active';
  return { serving, mirror: shadowing ? { arm: 'candidate', version: deployment.candidate, percent: deployment.settings.mirrorPercent } : null };
}

function transition(
  deployment: Deployment,
  now: number,
  changes: Partial<Deployment>,
  entry: Omit<DeploymentHistoryEntry, 'at' | 'candidatePercent'>,
): Deployment {
  const next = { ...deployment, ...changes, updatedAt: now };
  const ended = ENDED.includes(next.state) && next.endedAt === null ? { endedAt: now } : {};
  const moved = { ...next, ...ended };
  return { ...moved, history: [...deployment.history, { at: now, ...entry, candidatePercent: candidatePercent(moved) }] };
}

function requireState(deployment: Deployment, action: string, allowed: readonly DeploymentState[]): void {
  if (!allowed.includes(deployment.state)) {
    throw conflict(`deployment ${deployment.id} is ${deployment.state}: ${action} needs it ${allowed.join(' or ')}`);
  }
}

function promotion(deployment: Deployment, now: number): DeploymentEffect[] {
  const effects: DeploymentEffect[] = [{ type: 'promote', version: deployment.candidate, archive: deployment.baseline }];
  if (deployment.strategy === 'blue-green' && deployment.baseline !== null) {
    effects.push({ type: 'keep-warm', version: deployment.baseline, until: now + deployment.settings.keepWarmMs });
  }
  return effects;
}

/**
 * The version a finished blue-green switch keeps loaded, and until when (ms): the one it
 * replaced, for `keepWarmMs` after the switch, so switching back within that window loads
 * nothing. null for any other deployment, or one not (or no longer) switched.
 */
export function keepWarmOf(deployment: Deployment): { readonly version: number; readonly until: number } | null {
  if (deployment.strategy !== 'blue-green' || deployment.state !== 'succeeded' || deployment.baseline === null || deployment.endedAt === null) return null;
  return { version: deployment.baseline, until: deployment.endedAt + deployment.settings.keepWarmMs };
}

/** The candidate loaded (and, for blue-green, passed its smoke check): the deployment starts. */
export function candidateReady(deployment: Deployment, now: number, detail = 'candidate loaded'): Deployment {
  requireState(deployment, 'marking the candidate ready', ['warming']);
  return transition(deployment, now, { state: 'active', stepStartedAt: now }, { event: 'ready', actor: 'system', detail });
}

/** The candidate could not be loaded or failed its smoke check: nothing was switched to it. */
export function candidateFailed(deployment: Deployment, now: number, reason: string): Deployment {
  requireState(deployment, 'failing the candidate', ['warming']);
  return transition(deployment, now, { state: 'failed' }, { event: 'load-failed', actor: 'system', detail: reason });
}

/** Guardrails that apply to a strategy: an A/B test's arms may differ in what they predict, not in whether they answer. */
function guardrailsFor(deployment: Deployment): GuardrailPolicy {
  const policy = deployment.settings.guardrails;
  return deployment.strategy === 'ab' ? { ...policy, maxPositiveRateShift: 1, maxMetricDrop: 1 } : policy;
}

function describeBreaches(readings: readonly GuardrailReading[]): string {
  return readings
    .filter((reading) => reading.breached)
    .map((reading) => `${reading.check} ${round(reading.candidate)} beyond ${round(reading.limit)}${reading.baseline === null ? '' : ` (baseline ${round(reading.baseline)}${reading.z === undefined ? '' : `, ${reading.z.toFixed(1)} standard errors past the limit`})`}`)
    .join('; ');
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/**
 * The periodic check of an active deployment, with each arm's readings since the step
 * started: a direct or blue-green switch completes; a canary step advances after its bake
 * time without breach (the step before 100 % completes it), or rolls back after
 * `maxConsecutiveBreaches` breached checks in a row; an A/B test rolls back on broken
 * answers (errors, latency). Anything else leaves the deployment as it is.
 */
export function checkDeployment(deployment: Deployment, readings: { candidate: ArmReadings; baseline: ArmReadings | null }, now: number): DeploymentStep {
  if (deployment.state !== 'active') return { deployment, effects: [] };
  const strategy = deployment.strategy;
  if (strategy === 'direct' || strategy === 'blue-green') {
    const promoted = transition(deployment, now, { state: 'succeeded' }, { event: 'promoted', actor: 'system', detail: `version ${deployment.candidate} takes all traffic` });
    return { deployment: promoted, effects: promotion(deployment, now) };
  }
  if (strategy === 'shadow') return { deployment, effects: [] };
  const policy = guardrailsFor(deployment);
  const verdict = judgeGuardrails(policy, readings.candidate, readings.baseline);
  if (verdict.outcome === 'breach') {
    const breaches = deployment.consecutiveBreaches + 1;
    const detail = describeBreaches(verdict.readings);
    if (breaches >= policy.maxConsecutiveBreaches) {
      const rolledBack = transition(
        deployment,
        now,
        { state: 'rolled-back', consecutiveBreaches: breaches },
        { event: 'rolled-back', actor: 'system', detail: `guardrails breached ${breaches} checks in a row: ${detail}`, readings: verdict.readings },
      );
      return { deployment: rolledBack, effects: [] };
    }
    return {
      deployment: transition(deployment, now, { consecutiveBreaches: breaches }, { event: 'breach', actor: 'system', detail: `${breaches} of ${policy.maxConsecutiveBreaches}: ${detail}`, readings: verdict.readings }),
      effects: [],
    };
  }
  const calm = deployment.consecutiveBreaches === 0 ? deployment : { ...deployment, consecutiveBreaches: 0 };
  if (strategy === 'ab' || now - deployment.stepStartedAt < deployment.settings.bakeMs) return { deployment: calm, effects: [] };
  if (verdict.outcome === 'insufficient') {
    if (deployment.waitingForTraffic) return { deployment: calm, effects: [] };
    const detail = `the bake time is over but the candidate answered ${readings.candidate.requests} of the ${policy.minRequests} requests a step needs`;
    return { deployment: transition(calm, now, { waitingForTraffic: true }, { event: 'waiting-for-traffic', actor: 'system', detail }), effects: [] };
  }
  const next = deployment.stepIndex + 1;
  const share = deployment.settings.steps[next]!;
  if (share === 100) {
    const promoted = transition(calm, now, { state: 'succeeded', stepIndex: next, waitingForTraffic: false }, {
      event: 'promoted',
      actor: 'system',
      detail: `every step passed its guardrails: version ${deployment.candidate} takes all traffic`,
      readings: verdict.readings,
    });
    return { deployment: promoted, effects: promotion(deployment, now) };
  }
  const advanced = transition(calm, now, { stepIndex: next, stepStartedAt: now, waitingForTraffic: false }, {
    event: 'advanced',
    actor: 'system',
    detail: `step ${next + 1} of ${deployment.settings.steps.length}: ${share} % to version ${deployment.candidate}`,
    readings: verdict.readings,
  });
  return { deployment: advanced, effects: [] };
}

/** Freezes the split where it is; the checks stop until resumed. */
export function pauseDeployment(deployment: Deployment, now: number, actor: string, reason: string | null): Deployment {
  requireState(deployment, 'pause', ['active']);
  return transition(deployment, now, { state: 'paused' }, { event: 'paused', actor, detail: reason ?? 'paused' });
}

/** Resumes a paused deployment; the current step's bake time starts again, since readings from before the pause may be stale. */
export function resumeDeployment(deployment: Deployment, now: number, actor: string, reason: string | null): Deployment {
  requireState(deployment, 'resume', ['paused']);
  return transition(deployment, now, { state: 'active', stepStartedAt: now, consecutiveBreaches: 0, waitingForTraffic: false }, { event: 'resumed', actor, detail: reason ?? 'resumed' });
}

/** Stops a deployment that has not switched: the baseline keeps (or takes back) all traffic. */
export function abortDeployment(deployment: Deployment, now: number, actor: string, reason: string | null): Deployment {
  requireState(deployment, 'abort', ['warming', 'active', 'paused']);
  return transition(deployment, now, { state: 'aborted' }, { event: 'aborted', actor, detail: reason ?? 'aborted' });
}

/**
 * Ends an A/B test or a shadow with a winner: the candidate winning is promoted (the
 * baseline archived), the baseline winning keeps serving and nothing changes stage.
 */
export function concludeDeployment(deployment: Deployment, winner: ArmName, now: number, actor: string, reason: string | null): DeploymentStep {
  if (deployment.strategy !== 'ab' && deployment.strategy !== 'shadow') {
    throw conflict(`deployment ${deployment.id} is a ${deployment.strategy}: only an A/B test or a shadow is concluded with a winner`);
  }
  requireState(deployment, 'conclude', ['active', 'paused']);
  const version = winner === 'candidate' ? deployment.candidate : deployment.baseline;
  const concluded = transition(deployment, now, { state: 'concluded', winner }, { event: 'concluded', actor, detail: `${winner} (version ${version}) wins${reason ? `: ${reason}` : ''}` });
  return { deployment: concluded, effects: winner === 'candidate' ? [{ type: 'promote', version: deployment.candidate, archive: deployment.baseline }] : [] };
}

/**
 * Gives all traffic back to the baseline in one step: while the deployment runs, by ending
 * it; after it switched (succeeded, or an A/B test the candidate won), by making the
 * baseline Production again (the candidate archived).
 */
export function rollbackDeployment(deployment: Deployment, now: number, actor: string, reason: string | null): DeploymentStep {
  const switched = deployment.state === 'succeeded' || (deployment.state === 'concluded' && deployment.winner === 'candidate');
  if (!switched) requireState(deployment, 'roll back', ['warming', 'active', 'paused', 'succeeded']);
  if (deployment.baseline === null) throw conflict(`deployment ${deployment.id} replaced no version: there is nothing to roll back to`);
  const effects: DeploymentEffect[] = switched ? [{ type: 'promote', version: deployment.baseline, archive: deployment.candidate }] : [];
  const detail = `version ${deployment.baseline} takes all traffic back${reason ? `: ${reason}` : ''}`;
  return { deployment: transition(deployment, now, { state: 'rolled-back' }, { event: 'rolled-back', actor, detail }), effects };
}
