import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ATTACKS, ATTACK_FAMILIES, TRANSFORM_ATTACKS, attackById, attacksOfFamilies, type AttackFamily } from '../../../src/ml/redteam/index.js';
import { WardenError } from '../../../src/domain/errors.js';
import { createRng } from '../../../src/ml/random.js';
import { isWellFormed } from './unicode.js';

const SPAM = 'Congratulations WINNER! Click here to claim your FREE prize money now, reply with your password to verify your account.';

describe('attack catalogue', () => {
  it('holds at least 20 transforms covering the five transform families, with unique kebab-case ids and one-line descriptions', () => {
    assert.ok(TRANSFORM_ATTACKS.length >= 20, `${TRANSFORM_ATTACKS.length} transforms`);
    const families = new Set(TRANSFORM_ATTACKS.map((attack) => attack.family));
    assert.deepEqual([...families].sort(), ATTACK_FAMILIES.filter((family) => family !== 'search').sort());
    assert.equal(new Set(ATTACKS.map((attack) => attack.id)).size, ATTACKS.length);
    for (const attack of ATTACKS) {
      assert.match(attack.id, /^[a-z0-9]+(?:-[a-z0-9]+)*$/);
      assert.ok(attack.description.length > 10 && !attack.description.includes('\n'), attack.id);
      assert.ok(Object.isFrozen(attack), attack.id);
    }
    for (const attack of TRANSFORM_ATTACKS) assert.equal(attack.kind, 'transform');
  });

  it('finds an attack by id, and names the unknown id and the valid ones otherwise', () => {
    assert.equal(attackById('zero-width').family, 'invisible-unicode');
    assert.equal(attackById('base64-decode-this').kind, 'transform');
    const search = attackById('deep-word-bug');
    assert.equal(search.kind, 'search');
    assert.equal(search.family, 'search');
    assert.throws(
      () => attackById('zero-widht', 'attacks[2]'),
      (e: unknown) =>
        e instanceof WardenError &&
        e.code === 'VALIDATION_FAILED' &&
        e.field === 'attacks[2]' &&
        e.message.includes("'zero-widht'") &&
        e.message.includes('zero-width') &&
        e.message.includes('fragmented-payload'),
    );
  });

  it('selects the attacks of some families in catalogue order, and refuses an unknown family', () => {
    const chosen = attacksOfFamilies(['dilution', 'encoding']);
    assert.deepEqual(
      chosen.map((attack) => attack.id),
      ATTACKS.filter((attack) => attack.family === 'encoding' || attack.family === 'dilution').map((attack) => attack.id),
    );
    assert.ok(chosen.some((attack) => attack.family === 'dilution') && chosen.some((attack) => attack.family === 'encoding'));
    assert.deepEqual(attacksOfFamilies([]), []);
    assert.deepEqual(attacksOfFamilies(['search']).map((attack) => attack.id), ['deep-word-bug']);
    assert.deepEqual(attacksOfFamilies([...ATTACK_FAMILIES]), [...ATTACKS]);
    assert.throws(
      () => attacksOfFamilies(['dilution', 'telepathy' as AttackFamily]),
      (e: unknown) => e instanceof WardenError && e.field === 'families' && e.message.includes("'telepathy'") && e.message.includes('word-level'),
    );
  });

  for (const attack of TRANSFORM_ATTACKS) {
    it(`${attack.id}: changes the text, deterministically for a seed, differently across seeds, into well-formed UTF-16`, () => {
      const out = attack.apply(SPAM, createRng(7));
      assert.notEqual(out, SPAM);
      assert.ok(isWellFormed(out), 'no lone surrogates');
      assert.equal(attack.apply(SPAM, createRng(7)), out);
      const outputs = new Set(Array.from({ length: 8 }, (_, seed) => attack.apply(SPAM, createRng(seed))));
      assert.ok(outputs.size > 1, 'some seeds give other texts');
      assert.ok(isWellFormed(attack.apply('', createRng(1))));
    });
  }
});
