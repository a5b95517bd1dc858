/**
 * DeepWordBug (Gao et al., 2018) on a black box: rank the words by how much the malicious
 * score drops when each one is left out, then disguise the most important words with small
 * character edits, keeping an edit only when it lowers the score, until the verdict flips or
 * the query budget is spent. Only the oracle's scores are used, never the model itself.
 */
import { invalid } from '../../domain/errors.js';
import type { SearchAttack, SearchOptions, SearchResult, ScoreOracle } from './attack.js';
import { CHAR_EDITS, applyCharEdit } from './char-edits.js';
import { isTriggerWord, wordBounds } from './words.js';

/**
 * Share of the budget (after the original) the ranking may use: with more distinct words
 * than that, only the most promising by the blind order (trigger words, then the longest)
 * are ranked, so the edits keep the other half.
 */
const RANKING_SHARE = 0.5;
/** Edits one word may receive: past three, a word stops reading as itself. */
const MAX_EDITS_PER_WORD = 3;

/** A text as its words (distinct strings, edited as one) and what lies between them. */
class WordTemplate {
  /** The text split at word boundaries: even indices are gaps, odd ones words. */
  private readonly pieces: string[] = [];
  /** Distinct words in order of first appearance, and where each occurs among the pieces. */
  readonly words: string[] = [];
  private readonly occurrences = new Map<string, number[]>();

  constructor(text: string) {
    let copied = 0;
    const bounds = wordBounds(text);
    for (let k = 0; k < bounds.length; k += 2) {
      const start = bounds[k]!;
      const end = bounds[k + 1]!;
      const word = text.slice(start, end);
      this.pieces.push(text.slice(copied, start));
      let at = this.occurrences.get(word);
      if (at === undefined) {
        this.occurrences.set(word, (at = []));
        this.words.push(word);
      }
      at.push(this.pieces.length);
      this.pieces.push(word);
      copied = end;
    }
    this.pieces.push(text.slice(copied));
  }

  /** The text with every occurrence of each word in `replacements` replaced. */
  render(replacements: ReadonlyMap<string, string>): string {
    if (replacements.size === 0) return this.pieces.join('');
    const pieces = this.pieces.slice();
    for (const [word, replacement] of replacements) for (const i of this.occurrences.get(word) ?? []) pieces[i] = replacement;
    return pieces.join('');
  }
}

const HAS_LETTER = /\p{L}/u;

/**
 * Words with a letter (a number's edits say nothing about the model), trigger words first,
 * then longer words, then earlier ones: the order a blind attacker would try.
 */
function blindOrder(words: readonly string[]): string[] {
  const rank = (word: string): number => (isTriggerWord(word) ? 1000 : 0) + word.length;
  return words
    .filter((word) => HAS_LETTER.test(word))
    .map((word, position) => ({ word, position, rank: rank(word) }))
    .sort((a, b) => b.rank - a.rank || a.position - b.position)
    .map((entry) => entry.word);
}

function checkOptions(options: SearchOptions): void {
  if (!Number.isInteger(options.queryBudget) || options.queryBudget < 1) {
    throw invalid('queryBudget', `queryBudget must be an integer ≥ 1 (the original text is scored too), got ${options.queryBudget}`);
  }
  if (!Number.isFinite(options.threshold)) throw invalid('threshold', `threshold must be a finite number, got ${options.threshold}`);
}

async function deepWordBug(text: string, oracle: ScoreOracle, options: SearchOptions): Promise<SearchResult> {
  checkOptions(options);
  const { queryBudget, threshold, rng } = options;
  let queries = 0;
  const score = async (texts: readonly string[]): Promise<readonly number[]> => {
    const scores = await oracle(texts);
    if (scores.length !== texts.length) throw new Error(`the score oracle answered ${scores.length} scores for ${texts.length} texts`);
    queries += texts.length;
    return scores;
  };

  const template = new WordTemplate(text);
  const replacements = new Map<string, string>();
  const chain: string[] = [];
  let best = (await score([text]))[0]!;
  const result = (): SearchResult => ({ adversarial: template.render(replacements), score: best, queries, evaded: best < threshold, chain });
  if (best < threshold || template.words.length === 0) return result();

  // 1. Importance: the score drop when all occurrences of a word are left out.
  const candidates = blindOrder(template.words);
  const ranked = candidates.slice(0, Math.floor((queryBudget - queries) * RANKING_SHARE));
  const importance = new Map<string, number>();
  if (ranked.length > 0) {
    const scores = await score(ranked.map((word) => template.render(new Map([[word, '']]))));
    ranked.forEach((word, i) => importance.set(word, best - scores[i]!));
  }
  const order = [...ranked.sort((a, b) => importance.get(b)! - importance.get(a)!), ...candidates.slice(ranked.length)];

  // 2. Greedy edits, most important word first; passes repeat while some edit still helps.
  const edits = new Map<string, number>();
  for (let improved = true; improved; ) {
    improved = false;
    for (const word of order) {
      const room = queryBudget - queries;
      if (room <= 0) return result();
      if ((edits.get(word) ?? 0) >= MAX_EDITS_PER_WORD) continue;
      const current = replacements.get(word) ?? word;
      const tries = new Map<string, string>(); // edited form → edit kind
      for (const kind of rng.shuffle([...CHAR_EDITS])) {
        const edited = applyCharEdit(kind, current, rng);
        if (edited !== current && edited.length > 0 && !tries.has(edited)) tries.set(edited, kind);
      }
      const forms = [...tries.keys()].slice(0, room);
      if (forms.length === 0) continue;
      const scores = await score(forms.map((form) => template.render(new Map([...replacements, [word, form]]))));
      let lowest = 0;
      for (let i = 1; i < scores.length; i++) if (scores[i]! < scores[lowest]!) lowest = i;
      if (scores[lowest]! >= best) continue;
      best = scores[lowest]!;
      replacements.set(word, forms[lowest]!);
      edits.set(word, (edits.get(word) ?? 0) + 1);
      chain.push(`${tries.get(forms[lowest]!)!}@${word}`);
      improved = true;
      if (best < threshold) return result();
    }
  }
  return result();
}

export const DEEP_WORD_BUG: SearchAttack = Object.freeze({
  kind: 'search',
  id: 'deep-word-bug',
  family: 'search',
  description: 'ranks words by the score drop when each is left out, then greedily applies character edits (swap, substitute, delete, insert, homoglyph) to the most important ones within the query budget',
  run: deepWordBug,
});
