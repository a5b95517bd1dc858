/**
 * Drift between a reference profile (training time) and a live window, judged on the two
 * histograms. The test depends on the sample size, because on big windows every p-value is
 * tiny and says nothing about how much the data moved:
 *
 * - fewer than `minRows` rows on either side: `insufficient-data`, no verdict;
 * - small windows (the smaller side below `largeSampleRows`): a hypothesis test with a
 *   Bonferroni-adjusted level — Kolmogorov–Smirnov for continuous values, chi-square
 *   (2×k homogeneity) for discrete ones;
 * - large windows: fixed thresholds on effect sizes — PSI (0.1 warning, 0.2 drift) and
 *   Jensen–Shannon distance.
 *
 * Every result carries all effect sizes (KS distance, PSI, JS distance, Wasserstein-1 in
 * reference standard deviations) whichever decided, and the value ranges that gained most
 * share, so the caller can show example inputs from those ranges.
 */
import { binEdges, profileMoments, sameLayout, type DistributionProfile, type ReferenceProfile } from './profile.js';
import { chiSquareSurvival, ksPValue } from './distributions.js';

export const DRIFT_VERDICTS = ['insufficient-data', 'stable', 'warning', 'drift'] as const;
export type DriftVerdict = (typeof DRIFT_VERDICTS)[number];

export const DRIFT_TESTS = ['ks', 'chi-square', 'psi', 'js-distance'] as const;
export type DriftTest = (typeof DRIFT_TESTS)[number];

export interface DriftPolicy {
  /** Rows each side needs before any verdict. */
  readonly minRows: number;
  /** From this many rows on the smaller side, effect-size thresholds decide instead of p-values. */
  readonly largeSampleRows: number;
  /** Family-wise significance level of the small-window tests (split over the values compared). */
  readonly alpha: number;
  /** PSI at or above this is a warning … */
  readonly psiWarning: number;
  /** … and at or above this a drift. */
  readonly psiDrift: number;
  /** Jensen–Shannon distance (base 2, in [0, 1]) at or above this is a drift. */
  readonly jsDrift: number;
  /** How many groups of about equal reference mass PSI, JS and chi-square use (fine bins are merged into them). */
  readonly groups: number;
  /** How many moved value ranges each result lists. */
  readonly movedBins: number;
}

export const DEFAULT_DRIFT_POLICY: DriftPolicy = Object.freeze({
  minRows: 100,
  largeSampleRows: 1000,
  alpha: 0.01,
  psiWarning: 0.1,
  psiDrift: 0.2,
  // JS distance ≈ √(PSI / 8 / ln 2) for small shifts: 0.2 sits near PSI 0.22.
  jsDrift: 0.2,
  groups: 10,
  movedBins: 3,
});

/** A range of values whose share changed; `upper` is exclusive except for the last range. */
export interface MovedBin {
  readonly lower: number;
  readonly upper: number;
  readonly referenceShare: number;
  readonly liveShare: number;
}

/** A small-window hypothesis test: KS (effect size: the distance D) or chi-square (effect size: Cramér's V). */
export interface DriftTestResult {
  readonly name: 'ks' | 'chi-square';
  readonly statistic: number;
  readonly pValue: number;
  /** The level this value was judged at (the policy's alpha over the number of values compared). */
  readonly alpha: number;
  readonly effectSize: number;
}

export interface DriftEffects {
  /** Largest gap between the two cumulative distributions at the fine bin edges. */
  readonly ksDistance: number;
  /** Population stability index over the groups. */
  readonly psi: number;
  /** Jensen–Shannon distance over the groups (√ of the divergence in bits). */
  readonly jsDistance: number;
  /** Earth mover's distance on the fine bins, in reference standard deviations; null when the reference does not vary. */
  readonly wasserstein: number | null;
}

export interface DriftResult {
  readonly name: string;
  readonly verdict: DriftVerdict;
  /** The test or effect size that gave the verdict; null for insufficient data. */
  readonly decidedBy: DriftTest | null;
  readonly referenceRows: number;
  readonly liveRows: number;
  /** The small-window hypothesis test; null on large windows and without data. */
  readonly test: DriftTestResult | null;
  /** Null without data. */
  readonly effects: DriftEffects | null;
  /**
   * The value ranges whose share grew most in the live window, largest gain first: the
   * hook for example inputs (the caller picks live inputs whose value falls in the first ranges).
   */
  readonly movedBins: readonly MovedBin[];
}

export interface DriftReport {
  /** The worst verdict over the values ('insufficient-data' only when no value had enough rows). */
  readonly verdict: DriftVerdict;
  /** Names of the values that drifted, most moved (by PSI) first. */
  readonly drifted: readonly string[];
  readonly warnings: readonly string[];
  readonly insufficient: readonly string[];
  readonly results: readonly DriftResult[];
}

const PSEUDO_COUNT = 0.5;

/**
 * Compares one live distribution with its reference. `comparisons` is the number of values
 * judged together (the Bonferroni divisor of `policy.alpha`). Throws RangeError when the
 * two were binned differently.
 */
export function compareDistributions(
  name: string,
  reference: DistributionProfile,
  live: DistributionProfile,
  policy: DriftPolicy = DEFAULT_DRIFT_POLICY,
  comparisons = 1,
): DriftResult {
  if (!sameLayout(reference.layout, live.layout)) throw new RangeError(`${name}: the live window was binned with another layout than the reference`);
  const referenceRows = reference.rows;
  const liveRows = live.rows;
  if (referenceRows < policy.minRows || liveRows < policy.minRows) {
    return { name, verdict: 'insufficient-data', decidedBy: null, referenceRows, liveRows, test: null, effects: null, movedBins: [] };
  }
  const edges = binEdges(reference.layout);
  const fine = reference.counts.length;

  // KS distance and Wasserstein-1 on the fine bins, one pass over the cumulative shares.
  let cumulativeReference = 0;
  let cumulativeLive = 0;
  let ksDistance = 0;
  let earthMoved = 0;
  for (let j = 0; j < fine; j++) {
    cumulativeReference += reference.counts[j]! / referenceRows;
    cumulativeLive += live.counts[j]! / liveRows;
    const gap = Math.abs(cumulativeReference - cumulativeLive);
    if (gap > ksDistance) ksDistance = gap;
    if (j < fine - 1) earthMoved += gap * (edges[j + 1]! - edges[j]!);
  }
  const sd = profileMoments(reference)?.sd ?? 0;

  const groups = groupBins(reference.counts, policy.groups);
  const k = groups.length;
  const referenceGroup = new Float64Array(k);
  const liveGroup = new Float64Array(k);
  for (let g = 0; g < k; g++) {
    const end = g + 1 < k ? groups[g + 1]! : fine;
    for (let j = groups[g]!; j < end; j++) {
      referenceGroup[g]! += reference.counts[j]!;
      liveGroup[g]! += live.counts[j]!;
    }
  }
  // Shares smoothed by half a row per group, so a range the reference never saw gives a
  // large but finite PSI.
  const share = (count: number, rows: number): number => (count + PSEUDO_COUNT) / (rows + PSEUDO_COUNT * k);
  let psi = 0;
  let js = 0;
  const moved: MovedBin[] = [];
  for (let g = 0; g < k; g++) {
    const p = share(referenceGroup[g]!, referenceRows);
    const q = share(liveGroup[g]!, liveRows);
    psi += (q - p) * Math.log(q / p);
    const m = (p + q) / 2;
    js += (p * Math.log2(p / m) + q * Math.log2(q / m)) / 2;
    const end = g + 1 < k ? groups[g + 1]! : fine;
    moved.push({ lower: edges[groups[g]!]!, upper: edges[end]!, referenceShare: referenceGroup[g]! / referenceRows, liveShare: liveGroup[g]! / liveRows });
  }
  const effects: DriftEffects = {
    ksDistance,
    psi,
    jsDistance: Math.sqrt(Math.max(0, js)),
    wasserstein: sd > 0 ? earthMoved / sd : null,
  };
  // Ranges the live window gained share in come first: that is where its new inputs are.
  moved.sort((a, b) => b.liveShare - b.referenceShare - (a.liveShare - a.referenceShare));
  const movedBins = moved.slice(0, policy.movedBins);

  if (Math.min(referenceRows, liveRows) >= policy.largeSampleRows) {
    let verdict: DriftVerdict = 'stable';
    let decidedBy: DriftTest = 'psi';
    if (psi >= policy.psiDrift) verdict = 'drift';
    else if (effects.jsDistance >= policy.jsDrift) {
      verdict = 'drift';
      decidedBy = 'js-distance';
    } else if (psi >= policy.psiWarning) verdict = 'warning';
    return { name, verdict, decidedBy, referenceRows, liveRows, test: null, effects, movedBins };
  }

  const alpha = policy.alpha / Math.max(1, comparisons);
  let test: DriftTestResult;
  if (reference.scale === 'continuous') {
    test = { name: 'ks', statistic: ksDistance, pValue: ksPValue(ksDistance, referenceRows, liveRows), alpha, effectSize: ksDistance };
  } else {
    const chi = chiSquareHomogeneity(referenceGroup, liveGroup);
    test = { name: 'chi-square', statistic: chi.statistic, pValue: chi.pValue, alpha, effectSize: chi.cramersV };
  }
  return { name, verdict: test.pValue < alpha ? 'drift' : 'stable', decidedBy: test.name, referenceRows, liveRows, test, effects, movedBins };
}

/**
 * Compares every value of the reference profile with the live profile of the same name (a
 * value the live side lacks counts as zero rows). Values only the live side has are ignored.
 */
export function compareProfiles(
  reference: ReferenceProfile,
  live: Readonly<Record<string, DistributionProfile>>,
  policy: DriftPolicy = DEFAULT_DRIFT_POLICY,
): DriftReport {
  const names = Object.keys(reference.distributions);
  const results = names.map((name) => {
    const ref = reference.distributions[name]!;
    const window = live[name];
    if (window === undefined) {
      return { name, verdict: 'insufficient-data' as const, decidedBy: null, referenceRows: ref.rows, liveRows: 0, test: null, effects: null, movedBins: [] };
    }
    return compareDistributions(name, ref, window, policy, names.length);
  });
  const named = (verdict: DriftVerdict): string[] =>
    results
      .filter((r) => r.verdict === verdict)
      .sort((a, b) => (b.effects?.psi ?? 0) - (a.effects?.psi ?? 0))
      .map((r) => r.name);
  const drifted = named('drift');
  const warnings = named('warning');
  const insufficient = named('insufficient-data');
  const verdict: DriftVerdict =
    drifted.length > 0 ? 'drift' : warnings.length > 0 ? 'warning' : insufficient.length === results.length ? 'insufficient-data' : 'stable';
  return { verdict, drifted, warnings, insufficient, results };
}

/**
 * Start indices of groups of consecutive fine bins holding about 1/`target` of the reference
 * rows each. A bin heavier than that is a group of its own (a point mass at 0 stays apart
 * from the tail), and the bins after the last reference row join the last group, so values
 * the reference never saw land in a group it has little mass in.
 */
export function groupBins(counts: readonly number[], target: number): number[] {
  let total = 0;
  for (const c of counts) total += c;
  const starts = [0];
  const quota = total / Math.max(1, target);
  let inGroup = 0;
  for (let j = 0; j < counts.length - 1; j++) {
    inGroup += counts[j]!;
    if (inGroup >= quota && inGroup > 0) {
      starts.push(j + 1);
      inGroup = 0;
    }
  }
  return starts;
}

/** Chi-square test of homogeneity on a 2×k table (groups empty on both sides dropped); Cramér's V is √(χ²/N). */
export function chiSquareHomogeneity(a: ArrayLike<number>, b: ArrayLike<number>): { statistic: number; pValue: number; df: number; cramersV: number } {
  let totalA = 0;
  let totalB = 0;
  for (let g = 0; g < a.length; g++) {
    totalA += a[g]!;
    totalB += b[g]!;
  }
  const total = totalA + totalB;
  let statistic = 0;
  let used = 0;
  for (let g = 0; g < a.length; g++) {
    const column = a[g]! + b[g]!;
    if (column === 0) continue;
    used++;
    const expectedA = (column * totalA) / total;
    const expectedB = (column * totalB) / total;
    statistic += (a[g]! - expectedA) ** 2 / expectedA + (b[g]! - expectedB) ** 2 / expectedB;
  }
  const df = used - 1;
  return { statistic, df, pValue: df > 0 ? chiSquareSurvival(statistic, df) : 1, cramersV: total > 0 ? Math.sqrt(statistic / total) : 0 };
}
