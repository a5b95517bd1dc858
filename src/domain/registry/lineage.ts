import type { Deployment, DeploymentState, DeploymentStrategy } from '../deployments/rollout.js';
import type { ModelVersion, StageTransition } from './entities.js';

/** What a store reads for one version's lineage; `assembleLineage` turns it into the answer. */
export interface LineageFacts {
  readonly version: ModelVersion;
  /** Parent first, then its parent, and so on (any order is accepted; the chain is rebuilt). */
  readonly ancestors: readonly ModelVersion[];
  /** Versions whose parent is `version`. */
  readonly children: readonly ModelVersion[];
  /** Stage transitions of `version` and its ancestors (any order). */
  readonly transitions: readonly StageTransition[];
}

export interface VersionSummary {
  readonly number: number;
  readonly semver: string;
  readonly stage: ModelVersion['stage'];
  readonly status: ModelVersion['status'];
  readonly retrainingCount: number;
  readonly createdAt: number;
}

export interface PerformancePoint extends VersionSummary {
  readonly metrics: Readonly<Record<string, number>>;
}

/** One stay in Production: entered at `enteredAt`, left at `exitedAt` (null while still serving). */
export interface DeploymentPeriod {
  readonly version: number;
  readonly semver: string;
  readonly enteredAt: number;
  readonly enteredBy: string;
  readonly enteredReason: string;
  readonly exitedAt: number | null;
  readonly exitedTo: ModelVersion['stage'] | null;
  readonly exitReason: string | null;
}

/** One deployment a version took part in: as the candidate it moved traffic to, or as the baseline it replaced (or tried to). */
export interface VersionDeployment {
  readonly deployment: string;
  readonly strategy: DeploymentStrategy;
  readonly role: 'candidate' | 'baseline';
  readonly candidate: number;
  /** The Production version it started from; null for a model's first deployment. */
  readonly baseline: number | null;
  readonly state: DeploymentState;
  readonly startedAt: number;
  /** null while it is in flight. */
  readonly endedAt: number | null;
  /** The admin who started it. */
  readonly startedBy: string;
  /** The last entry of its history: why it ended where it did (or where it stands). */
  readonly outcome: string;
  /** Who made that last move ('system' for the periodic check). */
  readonly outcomeBy: string;
}

export interface Lineage {
  readonly model: string;
  readonly version: PerformancePoint & { readonly parentVersion: number | null };
  /** Nearest first: parent, grandparent, … */
  readonly ancestors: readonly VersionSummary[];
  readonly children: readonly VersionSummary[];
  /** Metrics of each version along the chain, oldest ancestor first, this version last. */
  readonly performanceHistory: readonly PerformancePoint[];
  /** Every entry into and exit from Production of the versions on the chain, in time order (from the stage history). */
  readonly productionHistory: readonly DeploymentPeriod[];
  /** Every deployment of this version, as candidate or as the baseline it replaced, oldest first. */
  readonly deploymentHistory: readonly VersionDeployment[];
  readonly retrainingCount: number;
  readonly resourceUsage: Readonly<Record<string, number>>;
  /** The retraining decision whose retrain registered this version, with what became of it; null for a version no decision made. */
  readonly retraining: LineageRetraining | null;
}

/** A version's retraining decision as its lineage shows it (GET /retraining/:id has the whole record). */
export interface LineageRetraining {
  readonly decision: string;
  readonly decidedAt: number;
  readonly summary: string;
  readonly triggers: readonly string[];
  readonly outcomes: ReadonlyArray<{ readonly kind: string; readonly at: number; readonly detail: string }>;
}

function summary(v: ModelVersion): VersionSummary {
  return { number: v.number, semver: v.semver, stage: v.stage, status: v.status, retrainingCount: v.retrainingCount, createdAt: v.createdAt };
}

function point(v: ModelVersion): PerformancePoint {
  return { ...summary(v), metrics: v.metrics };
}

function deploymentOf(version: number, d: Deployment): VersionDeployment {
  const last = d.history.at(-1);
  return {
    deployment: d.id,
    strategy: d.strategy,
    role: d.candidate === version ? 'candidate' : 'baseline',
    candidate: d.candidate,
    baseline: d.baseline,
    state: d.state,
    startedAt: d.createdAt,
    endedAt: d.endedAt,
    startedBy: d.createdBy,
    outcome: last?.detail ?? '',
    outcomeBy: last?.actor ?? d.createdBy,
  };
}

/**
 * Rebuilds the ancestor chain from parent links and derives the histories. `deployments` are
 * the model's deployments this version took part in (any order; others are ignored). Pure.
 */
export function assembleLineage(facts: LineageFacts, deployments: readonly Deployment[] = [], retraining: LineageRetraining | null = null): Lineage {
  const byNumber = new Map(facts.ancestors.map((v) => [v.number, v]));
  const chain: ModelVersion[] = [];
  const seen = new Set<number>([facts.version.number]);
  let parent = facts.version.parentVersion;
  while (parent !== null && !seen.has(parent)) {
    const next = byNumber.get(parent);
    if (next === undefined) break;
    chain.push(next);
    seen.add(parent);
    parent = next.parentVersion;
  }
  const onChain = new Map([facts.version, ...chain].map((v) => [v.id, v]));
  const transitions = [...facts.transitions].filter((t) => onChain.has(t.versionId)).sort((a, b) => a.seq - b.seq);
  const periods: DeploymentPeriod[] = [];
  const open = new Map<string, number>();
  for (const t of transitions) {
    const v = onChain.get(t.versionId);
    if (v === undefined) continue;
    if (t.to === 'Production') {
      open.set(t.versionId, periods.length);
      periods.push({ version: v.number, semver: v.semver, enteredAt: t.at, enteredBy: t.actor, enteredReason: t.reason, exitedAt: null, exitedTo: null, exitReason: null });
    } else if (t.from === 'Production') {
      const index = open.get(t.versionId);
      const period = index === undefined ? undefined : periods[index];
      if (index !== undefined && period !== undefined) {
        periods[index] = { ...period, exitedAt: t.at, exitedTo: t.to, exitReason: t.reason };
        open.delete(t.versionId);
      }
    }
  }
  const v = facts.version;
  return {
    model: v.model,
    version: { ...point(v), parentVersion: v.parentVersion },
    ancestors: chain.map(summary),
    children: [...facts.children].sort((a, b) => a.number - b.number).map(summary),
    performanceHistory: [...chain].reverse().concat(v).map(point),
    productionHistory: periods,
    deploymentHistory: deployments
      .filter((d) => d.model === v.model && (d.candidate === v.number || d.baseline === v.number))
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((d) => deploymentOf(v.number, d)),
    retrainingCount: v.retrainingCount,
    resourceUsage: v.resourceUsage,
    retraining,
  };
}
