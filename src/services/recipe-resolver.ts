/**
 * The one home of "is this recipe acceptable here, and may this actor store it": used by
 * the registry when a recipe is stored (POST/PATCH /models) and by training when one is
 * given to a job, so a recipe is checked completely before anything keeps or runs it.
 */
import { requireRole, type Role } from '../domain/auth.js';
import { ML_FAMILY, checkExternalCommand, parseRecipe, setsExternalRecipe, type Recipe } from '../domain/recipes.js';
import { invalid } from '../domain/errors.js';
import { resolveRecipe, type TrainingRecipe } from '../ml/index.js';

/** Who acts (the registry's Actor has this shape). */
interface RecipeActor {
  readonly name: string;
  readonly role?: Role;
}

/** The ml/ recipe of a built-in recipe. */
export function toMlRecipe(recipe: Recipe): TrainingRecipe {
  if (recipe.family === 'external') throw invalid('recipe.family', 'an external recipe has no built-in family');
  return {
    family: ML_FAMILY[recipe.family],
    hyperParameters: recipe.hyperParameters,
    normalization: recipe.normalization,
    featurizer: recipe.featurizer as TrainingRecipe['featurizer'],
    seed: recipe.seed,
    ...(recipe.threshold !== undefined ? { threshold: recipe.threshold as unknown as NonNullable<TrainingRecipe['threshold']> } : {}),
    ...(recipe.calibration !== undefined ? { calibration: recipe.calibration } : {}),
  };
}

export class RecipeResolver {
  /** @param externalTrainers the operator's allowlist (Config.externalTrainers); empty = external recipes refused. */
  constructor(private readonly externalTrainers: readonly string[] = []) {}

  /**
   * Validates a recipe and fills the family defaults (hyper-parameters, normalisation,
   * featuriser, threshold, calibration) from ml/, so what is stored is complete and its
   * fingerprint does not depend on how much the person spelled out. An external recipe's
   * program must be allowlisted. VALIDATION_FAILED names the field (`<field>.…`).
   */
  resolve(input: unknown, field = 'recipe'): Recipe {
    const recipe = parseRecipe(input, field);
    checkExternalCommand(recipe, this.externalTrainers, field);
    if (recipe.family === 'external') return recipe;
    const resolved = resolveRecipe(toMlRecipe(recipe));
    return {
      ...recipe,
      hyperParameters: { ...resolved.hyperParameters },
      normalization: { ...resolved.normalization },
      featurizer: JSON.parse(JSON.stringify(resolved.featurizer)) as Record<string, unknown>,
      seed: resolved.seed,
      threshold: { ...resolved.threshold } as Record<string, unknown>,
      calibration: resolved.calibration,
    };
  }

  /** A stored recipe as it reads today, or null when there is none or it no longer parses. */
  stored(recipe: Readonly<Record<string, unknown>> | null): Recipe | null {
    if (recipe === null) return null;
    try {
      return parseRecipe(recipe);
    } catch {
      return null;
    }
  }

  /** FORBIDDEN (naming `<field>.command`) when a non-admin sets or changes an external recipe. */
  authorize(previous: Recipe | null, next: Recipe | null, actor: RecipeActor, field = 'recipe'): void {
    if (setsExternalRecipe(previous, next)) requireRole(actor, 'admin', `${field}.command`, 'setting or changing an external trainer recipe');
  }
}
