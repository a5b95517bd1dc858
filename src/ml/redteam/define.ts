import type { Rng } from '../random.js';
import type { TransformAttack } from './attack.js';

/** A frozen transform attack of `family`. */
export function transformAttack(
  family: TransformAttack['family'],
  id: string,
  description: string,
  apply: (text: string, rng: Rng) => string,
): TransformAttack {
  return Object.freeze({ kind: 'transform', family, id, description, apply });
}
