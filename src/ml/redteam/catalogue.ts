/**
 * Every attack Warden runs, by stable id. A campaign names attacks by id or by family, and a
 * finding's signature includes the id, so ids never change meaning once released.
 */
import { invalid } from '../../domain/errors.js';
import { ATTACK_FAMILIES, type Attack, type AttackFamily, type TransformAttack } from './attack.js';
import { DEEP_WORD_BUG } from './deep-word-bug.js';
import { DILUTION_ATTACKS } from './dilution.js';
import { ENCODING_ATTACKS } from './encoding.js';
import { INVISIBLE_UNICODE_ATTACKS } from './invisible-unicode.js';
import { TOKEN_SPLITTING_ATTACKS } from './token-splitting.js';
import { WORD_LEVEL_ATTACKS } from './word-level.js';

/** The blind transforms, family by family. */
export const TRANSFORM_ATTACKS: readonly TransformAttack[] = Object.freeze([
  ...INVISIBLE_UNICODE_ATTACKS,
  ...TOKEN_SPLITTING_ATTACKS,
  ...ENCODING_ATTACKS,
  ...WORD_LEVEL_ATTACKS,
  ...DILUTION_ATTACKS,
]);

/** Every attack: the transforms, then the score-guided searches. */
export const ATTACKS: readonly Attack[] = Object.freeze([...TRANSFORM_ATTACKS, DEEP_WORD_BUG]);

const byId = new Map<string, Attack>(ATTACKS.map((attack) => [attack.id, attack]));
if (byId.size !== ATTACKS.length) throw new Error('two attacks share an id');

/** The attack with this id; a VALIDATION_FAILED error on `field` that lists the valid ids otherwise. */
export function attackById(id: string, field = 'attack'): Attack {
  const attack = byId.get(id);
  if (attack === undefined) throw invalid(field, `unknown attack '${id}'; valid attacks: ${[...byId.keys()].join(', ')}`);
  return attack;
}

/** The attacks of the given families, in catalogue order; a VALIDATION_FAILED error on `field` for an unknown family. */
export function attacksOfFamilies(families: readonly AttackFamily[], field = 'families'): Attack[] {
  for (const family of families) {
    if (!ATTACK_FAMILIES.includes(family)) throw invalid(field, `unknown attack family '${String(family)}'; valid families: ${ATTACK_FAMILIES.join(', ')}`);
  }
  const wanted = new Set<AttackFamily>(families);
  return ATTACKS.filter((attack) => wanted.has(attack.family));
}
