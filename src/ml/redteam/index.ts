/**
 * The red-team attack library: pure, seeded attacks on text classifiers.
 *
 * ```ts
 * const rng = createRng(seed);
 * for (const attack of attacksOfFamilies(['invisible-unicode', 'dilution'])) {
 *   if (attack.kind === 'transform') predict(model, attack.apply(text, rng));
 * }
 * attackById('zero-width').description;
 * ```
 */
export * from './attack.js';
export * from './catalogue.js';
export { CHAR_EDITS, type CharEdit } from './char-edits.js';
export { TRIGGER_REWRITES, BENIGN_WORDS, BENIGN_SENTENCES } from './lexicon.js';
export { dilutionAttacks, LEXICON_PADDING, type PaddingSource } from './dilution.js';
