/**
 * How a campaign is scored, the way TextAttack counts: an attack is only tried on an input the
 * model classifies correctly to begin with; an input it already gets wrong is *skipped* (there
 * is nothing to evade). Of the inputs tried, a *success* is one whose adversarial text the
 * model calls benign, a *failure* one it still catches.
 *
 * - attack success rate = successes / (successes + failures) — null when nothing was tried;
 * - accuracy under attack = failures / inputs (skipped inputs count as wrong: they were wrong
 *   before any attack), next to the original accuracy (successes + failures) / inputs;
 * - queries = texts scored by the model, the original of each input included.
 *
 * A family (and the whole campaign) succeeds on an input when ANY of its attacks evades: an
 * attacker picks whichever works, so a family is as strong as its best attack on each input.
 */

/** What one attack did to one input that was tried (not skipped). */
export interface AttackAttempt {
  readonly attack: string;
  readonly family: string;
  readonly evaded: boolean;
  /** Texts the attack had scored for this input (the original not included). */
  readonly queries: number;
}

/** One input of the campaign: skipped (already misclassified), or its attempts. */
export interface InputOutcome {
  readonly skipped: boolean;
  readonly attempts: readonly AttackAttempt[];
}

/** A rate (attack success, accuracy under attack) as people read it: one decimal of a percent, or n/a when nothing was tried. */
export function formatRate(rate: number | null): string {
  return rate === null ? 'n/a' : `${(Math.round(rate * 1000) / 10).toFixed(1)} %`;
}

export interface AttackTally {
  /** Inputs of the campaign (tried or skipped). */
  readonly inputs: number;
  readonly skipped: number;
  readonly successes: number;
  readonly failures: number;
  /** Texts scored, the originals included. */
  readonly queries: number;
  /** successes / (successes + failures); null when no input was tried. */
  readonly attackSuccessRate: number | null;
  /** failures / inputs; null when there were no inputs. */
  readonly accuracyUnderAttack: number | null;
  /** (successes + failures) / inputs; null when there were no inputs. */
  readonly originalAccuracy: number | null;
  /** queries / (successes + failures); null when no input was tried. */
  readonly averageQueries: number | null;
}

export interface AttackRow extends AttackTally {
  readonly attack: string;
  readonly family: string;
}

export interface FamilyRow extends AttackTally {
  readonly family: string;
  /** The attacks of the family that ran, by id. */
  readonly attacks: readonly string[];
}

export interface CampaignScore {
  readonly perAttack: readonly AttackRow[];
  readonly perFamily: readonly FamilyRow[];
  readonly overall: AttackTally;
}

function tally(inputs: number, skipped: number, successes: number, failures: number, queries: number): AttackTally {
  const tried = successes + failures;
  return {
    inputs,
    skipped,
    successes,
    failures,
    queries,
    attackSuccessRate: tried === 0 ? null : successes / tried,
    accuracyUnderAttack: inputs === 0 ? null : failures / inputs,
    originalAccuracy: inputs === 0 ? null : tried / inputs,
    averageQueries: tried === 0 ? null : queries / tried,
  };
}

/** Counts the attempts that `select` keeps: one success or failure per tried input, queries summed (each original once). */
function count(outcomes: readonly InputOutcome[], select: (attempt: AttackAttempt) => boolean): AttackTally {
  let skipped = 0;
  let successes = 0;
  let failures = 0;
  let queries = 0;
  for (const outcome of outcomes) {
    // The original is scored once per input, whatever the attack: that is how skips are known.
    queries += 1;
    if (outcome.skipped) {
      skipped += 1;
      continue;
    }
    let evaded = false;
    for (const attempt of outcome.attempts) {
      if (!select(attempt)) continue;
      queries += attempt.queries;
      evaded ||= attempt.evaded;
    }
    if (evaded) successes += 1;
    else failures += 1;
  }
  return tally(outcomes.length, skipped, successes, failures, queries);
}

/**
 * Scores a campaign: per attack, per family (any of its attacks evades) and overall (any
 * attack evades), in the order the attacks are listed.
 */
export function scoreCampaign(outcomes: readonly InputOutcome[], attacks: ReadonlyArray<{ readonly id: string; readonly family: string }>): CampaignScore {
  const perAttack = attacks.map((a): AttackRow => ({ attack: a.id, family: a.family, ...count(outcomes, (attempt) => attempt.attack === a.id) }));
  const families = [...new Set(attacks.map((a) => a.family))];
  const perFamily = families.map(
    (family): FamilyRow => ({ family, attacks: attacks.filter((a) => a.family === family).map((a) => a.id), ...count(outcomes, (attempt) => attempt.family === family) }),
  );
  return { perAttack, perFamily, overall: count(outcomes, () => true) };
}
