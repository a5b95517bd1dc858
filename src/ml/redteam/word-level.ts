/**
 * Attacks that keep the message and change its words: each spam or injection trigger of the
 * built-in lexicon becomes a plainer synonym or paraphrase, in the original's case.
 */
import type { Rng } from '../random.js';
import type { TransformAttack } from './attack.js';
import { pickOne } from './char-edits.js';
import { transformAttack } from './define.js';
import { TRIGGER_REWRITES } from './lexicon.js';
import { isTriggerAt, matchCase, wordBounds } from './words.js';

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One alternation of the phrases, longest first (so a phrase wins over its prefix), whole words, any case; a phrase's words may be joined by spaces or hyphens. */
function triggerPattern(keys: readonly string[]): RegExp {
  const alternatives = [...keys].sort((a, b) => b.length - a.length).map((key) => escapeRegExp(key).replace(/ /g, '[\\s-]+'));
  return new RegExp(`\\b(?:${alternatives.join('|')})\\b`, 'gi');
}

const PHRASES = triggerPattern(Object.keys(TRIGGER_REWRITES).filter((key) => key.includes(' ')));

/** Replaces every match of `pattern` with a rewrite of its lexicon entry, chosen by `rng`. */
function rewritePhrases(text: string, pattern: RegExp, rng: Rng): string {
  return text.replace(pattern, (match) => {
    const rewrites = TRIGGER_REWRITES[match.toLowerCase().replace(/[\s-]+/g, ' ')];
    return rewrites === undefined ? match : matchCase(match, pickOne(rewrites, rng));
  });
}

/** Replaces every single trigger word with a synonym chosen by `rng` (a word scan: an alternation of every trigger is several times slower). */
function rewriteWords(text: string, rng: Rng): string {
  const bounds = wordBounds(text);
  let out = '';
  let copied = 0;
  for (let k = 0; k < bounds.length; k += 2) {
    const start = bounds[k]!;
    const end = bounds[k + 1]!;
    if (!isTriggerAt(text, start, end)) continue;
    const word = text.slice(start, end);
    out += text.slice(copied, start) + matchCase(word, pickOne(TRIGGER_REWRITES[word.toLowerCase()]!, rng));
    copied = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

export const WORD_LEVEL_ATTACKS: readonly TransformAttack[] = [
  transformAttack('word-level', 'synonym-swap', 'replaces trigger words with synonyms from a built-in table (free → complimentary, password → passcode)', (text, rng) =>
    rewriteWords(text, rng),
  ),
  transformAttack(
    'word-level',
    'paraphrase-swap',
    'rewords trigger phrases (click here → follow this link, ignore previous instructions → disregard the earlier guidance)',
    (text, rng) => rewritePhrases(text, PHRASES, rng),
  ),
  transformAttack('word-level', 'reword-all', 'rewords trigger phrases, then replaces the remaining trigger words with synonyms', (text, rng) =>
    rewriteWords(rewritePhrases(text, PHRASES, rng), rng),
  ),
];
