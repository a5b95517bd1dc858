/**
 * Attacks that keep the message and change its words: each spam or injection trigger of the
 * built-in lexicon becomes a plainer synonym or paraphrase, in the original's case.
 */
import type { Rng } from '../random.js';
import type { TransformAttack } from './attack.js';
import { pick } from './char-edits.js';
import { transformAttack } from './define.js';
import { TRIGGER_REWRITES } from './lexicon.js';
import { matchCase } from './words.js';

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One alternation of `keys`, longest first (so a phrase wins over its prefix), whole words, any case; a phrase's words may be joined by spaces or hyphens. */
function triggerPattern(keys: readonly string[]): RegExp {
  const alternatives = [...keys].sort((a, b) => b.length - a.length).map((key) => escapeRegExp(key).replace(/ /g, '[\\s-]+'));
  return new RegExp(`\\b(?:${alternatives.join('|')})\\b`, 'gi');
}

const keys = Object.keys(TRIGGER_REWRITES);
const SINGLE_WORDS = triggerPattern(keys.filter((key) => !key.includes(' ')));
const PHRASES = triggerPattern(keys.filter((key) => key.includes(' ')));

/** Replaces every match of `pattern` with a rewrite of its lexicon entry, chosen by `rng`. */
function rewriteTriggers(text: string, pattern: RegExp, rng: Rng): string {
  return text.replace(pattern, (match) => {
    const rewrites = TRIGGER_REWRITES[match.toLowerCase().replace(/[\s-]+/g, ' ')];
    return rewrites === undefined ? match : matchCase(match, pick(rewrites, rng));
  });
}

export const WORD_LEVEL_ATTACKS: readonly TransformAttack[] = [
  transformAttack('word-level', 'synonym-swap', 'replaces trigger words with synonyms from a built-in table (free → complimentary, password → passcode)', (text, rng) =>
    rewriteTriggers(text, SINGLE_WORDS, rng),
  ),
  transformAttack(
    'word-level',
    'paraphrase-swap',
    'rewords trigger phrases (click here → follow this link, ignore previous instructions → disregard the earlier guidance)',
    (text, rng) => rewriteTriggers(text, PHRASES, rng),
  ),
  transformAttack('word-level', 'reword-all', 'rewords trigger phrases, then replaces the remaining trigger words with synonyms', (text, rng) =>
    rewriteTriggers(rewriteTriggers(text, PHRASES, rng), SINGLE_WORDS, rng),
  ),
];
