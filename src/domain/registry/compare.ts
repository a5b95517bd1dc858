import type { ModelVersion } from './entities.js';

// Error-like metrics: a lower value is better. Everything else (accuracy, f1, auc…) higher is better.
const LOWER_IS_BETTER = /(loss|fpr|fnr|false_pos|false_neg|latency|error|err_|_err|mse|mae|rmse|brier|ece|perplexity|duration|seconds|_ms$|_bytes$|size|(^|_)(fp|fn)$)/i;

export function higherIsBetter(metric: string): boolean {
  return !LOWER_IS_BETTER.test(metric);
}

export type LineageRelation = 'same' | 'ancestor' | 'descendant' | 'siblings' | 'related' | 'unrelated';

export interface MetricComparisonRow {
  readonly metric: string;
  readonly a: number | null;
  readonly b: number | null;
  /** b − a, null when either side lacks the metric. */
  readonly delta: number | null;
  readonly higherIsBetter: boolean;
  readonly winner: 'a' | 'b' | 'tie' | null;
}

export interface VersionComparison {
  readonly model: string;
  readonly a: ComparedVersion;
  readonly b: ComparedVersion;
  readonly metrics: readonly MetricComparisonRow[];
  /** How a relates to b: `ancestor` means a is an ancestor of b. */
  readonly relation: LineageRelation;
  /** Metrics won by each side. */
  readonly wins: { readonly a: number; readonly b: number; readonly ties: number };
}

export interface ComparedVersion {
  readonly number: number;
  readonly semver: string;
  readonly stage: ModelVersion['stage'];
  readonly status: ModelVersion['status'];
}

/**
 * Compares two versions: metrics side by side (union of both sides, sorted by name), deltas,
 * the winner of each metric, and their lineage relation. `ancestorsOfA`/`ancestorsOfB` are the
 * version numbers on each one's parent chain (nearest first).
 */
export function compareVersions(
  a: ModelVersion,
  b: ModelVersion,
  ancestorsOfA: readonly number[],
  ancestorsOfB: readonly number[],
): VersionComparison {
  const keys = [...new Set([...Object.keys(a.metrics), ...Object.keys(b.metrics)])].sort();
  const wins = { a: 0, b: 0, ties: 0 };
  const metrics = keys.map((metric): MetricComparisonRow => {
    const va = a.metrics[metric] ?? null;
    const vb = b.metrics[metric] ?? null;
    const hib = higherIsBetter(metric);
    let winner: MetricComparisonRow['winner'] = null;
    if (va !== null && vb !== null) {
      winner = va === vb ? 'tie' : va > vb === hib ? 'a' : 'b';
      if (winner === 'tie') wins.ties += 1;
      else wins[winner] += 1;
    }
    return { metric, a: va, b: vb, delta: va !== null && vb !== null ? vb - va : null, higherIsBetter: hib, winner };
  });
  return { model: a.model, a: compared(a), b: compared(b), metrics, relation: relationOf(a, b, ancestorsOfA, ancestorsOfB), wins };
}

function compared(v: ModelVersion): ComparedVersion {
  return { number: v.number, semver: v.semver, stage: v.stage, status: v.status };
}

function relationOf(a: ModelVersion, b: ModelVersion, ancestorsOfA: readonly number[], ancestorsOfB: readonly number[]): LineageRelation {
  if (a.id === b.id) return 'same';
  if (ancestorsOfB.includes(a.number)) return 'ancestor';
  if (ancestorsOfA.includes(b.number)) return 'descendant';
  if (a.parentVersion !== null && a.parentVersion === b.parentVersion) return 'siblings';
  if (ancestorsOfA.some((n) => ancestorsOfB.includes(n))) return 'related';
  return 'unrelated';
}
