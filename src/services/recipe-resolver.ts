/**
 * The one home of "is this recipe acceptable here, and may this actor store it": used by
 * the registry when a recipe is stored (POST/PATCH /models) and by training when one is
 * given to a job or read back from one, so a recipe is checked completely before anything
 * keeps or runs it; and of its fingerprint (what a version records, what dedupes retrains).
 */
import { requireRole, type Role } from '../domain/auth.js';
import { checkExternalCommand, parseRecipe, recipeFingerprint, setsExternalRecipe, type Recipe } from '../domain/recipes.js';
import { resolveRecipe } from '../ml/index.js';
import { toMlRecipe } from '../ml/builtin-trainer.js';
import { sha256Hex } from '../system/sha256-digest.js';

/** Who acts (the registry's Actor has this shape). */
interface RecipeActor {
  readonly name: string;
  readonly role?: Role;
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

  /** The recipe's fingerprint: the sha256 of its canonical form. */
  fingerprint(recipe: Recipe): string {
    return recipeFingerprint(recipe, (text) => sha256Hex(text));
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
