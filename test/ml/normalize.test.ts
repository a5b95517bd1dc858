import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_NORMALIZATION,
  NORMALIZATION_STEPS,
  ROBUST_NORMALIZATION,
  foldLeetspeak,
  foldLeetspeakByPattern,
  normalizePrefix,
  normalizeText,
  readEncodedSegment,
  readEncodedSegmentByBuilding,
  withLegacyDefaults,
  type NormalizationRecipe,
} from '../../src/ml/normalize.js';
import { rot13 } from '../../src/ml/codecs.js';
import { createRng } from '../../src/ml/random.js';

const only = (step: keyof NormalizationRecipe): NormalizationRecipe => ({
  ...(Object.fromEntries(NORMALIZATION_STEPS.map((s) => [s, false])) as unknown as NormalizationRecipe),
  [step]: true,
});

describe('normalizeText', () => {
  it('applies NFKC to full-width letters and ligatures', () => {
    assert.equal(normalizeText('ＦＲＥＥ ﬁnance', only('nfkc')), 'FREE finance');
  });

  it('strips zero-width, bidi, soft hyphen, tag and variation-selector characters', () => {
    const hidden = 'fr\u200Bee\u00AD m\u200Con\u202Eey\u2066 \u{E0041}\u{E007F}win\uFE0F\u200D';
    assert.equal(normalizeText(hidden, only('stripInvisible')), 'free money win');
  });

  it('folds Cyrillic and Greek look-alikes to Latin', () => {
    // "РayРal" with Cyrillic Р, "Ϲlick" is not folded by NFKC-off recipe; Greek ο and Cyrillic е
    assert.equal(normalizeText('\u0420ay\u0420al \u0441lick h\u0435r\u03BF', only('foldConfusables')), 'PayPal click hero');
  });

  it('joins spaced-out single letters and keeps word boundaries marked by double spaces', () => {
    assert.equal(normalizeText('f r e e  m o n e y now', only('collapseSpacedLetters')), 'free  money now');
    assert.equal(normalizeText('V.I.A.G.R.A cheap', only('collapseSpacedLetters')), 'VIAGRA cheap');
  });

  it('leaves ordinary short words alone', () => {
    assert.equal(normalizeText('I am a big cat, a b', DEFAULT_NORMALIZATION), 'i am a big cat, a b');
  });

  it('runs the whole chain: obfuscated spam reads as plain text', () => {
    const obfuscated = 'Ｆ\u200B R E E   \u041C o n e y\n\n\tNOW';
    assert.equal(normalizeText(obfuscated), 'free money now');
  });

  it('collapses whitespace runs and trims', () => {
    assert.equal(normalizeText('  a\t\tb \n c  ', only('collapseWhitespace')), 'a b c');
  });

  it('is a no-op with every step off', () => {
    const off = only('lowercase');
    const text = 'Ａ\u200B Β';
    assert.equal(normalizeText(text, { ...off, lowercase: false }), text);
  });
});

describe('normalizePrefix', () => {
  // Pieces chosen to straddle every cut the function may take: spaced-out letters and
  // separators, whitespace runs, final sigma, combining marks (NFKC reordering and
  // composition), ligatures and full-width forms (NFKC expansion), invisible characters,
  // confusables, İ (lower-cases to two code units) and astral characters.
  const PIECES = [
    'a', 'b', 'Z', '7', ' ', ' ', ' ', '  ', '\n', '\t', '\r\n', '.', '-', '_', '*', 'free', 'money', 'ΟΔΟΣ', 'Σ', 'σ',
    'e\u0301', '\u0301', '\u0327\u0301', 'ﬁ', 'Ｆ', '㎏', '\u200B', '\u00AD', '\u{E0041}', 'а', 'Р', 'İ', '😀', '\uD800', 'f r e e',
  ];
  const randomText = (rng: ReturnType<typeof createRng>, length: number): string => {
    let s = '';
    while (s.length < length) s += PIECES[Math.floor(rng.next() * PIECES.length)]!;
    return s;
  };

  it('equals normalizeText(text).slice(0, maxChars) on random Unicode texts, for every single step and all of them', () => {
    const rng = createRng(7);
    const recipes: NormalizationRecipe[] = [
      DEFAULT_NORMALIZATION,
      ...NORMALIZATION_STEPS.map((step) => only(step)),
    ];
    for (let trial = 0; trial < 400; trial++) {
      const text = randomText(rng, 50 + Math.floor(rng.next() * 1500));
      const maxChars = 1 + Math.floor(rng.next() * 200);
      for (const recipe of recipes) {
        assert.equal(normalizePrefix(text, recipe, maxChars), normalizeText(text, recipe).slice(0, maxChars), JSON.stringify({ trial, maxChars, text }));
      }
    }
  });

  it('is normalizeText when maxChars is 0, and takes the whole text when no cut point exists', () => {
    const text = 'Ｆree m o n e y ' + 'x'.repeat(500);
    assert.equal(normalizePrefix(text, DEFAULT_NORMALIZATION, 0), normalizeText(text));
    assert.equal(normalizePrefix(text, DEFAULT_NORMALIZATION, 10), 'free money');
    const spaced = `${'a '.repeat(300)}b`;
    assert.equal(normalizePrefix(spaced, DEFAULT_NORMALIZATION, 20), normalizeText(spaced).slice(0, 20));
  });
});

describe('obfuscation folds (off unless the recipe asks)', () => {
  it('reads base64 and hex spans that decode to text, and leaves binary-looking runs alone', () => {
    const payload = 'Click here to claim your free prize now';
    const b64 = btoa(payload);
    const hex = Array.from(new TextEncoder().encode(payload), (b) => b.toString(16).padStart(2, '0')).join('');
    assert.equal(normalizeText(`Decode this: ${b64}`, only('decodeEncodings')), `Decode this:  ${payload} `);
    assert.equal(normalizeText(`hex ${hex}`, only('decodeEncodings')), `hex  ${payload} `);
    // 32 hex digits of a digest and a random-looking token decode to bytes, not text.
    const digest = 'd41d8cd98f00b204e9800998ecf8427e';
    assert.equal(normalizeText(`md5 ${digest} id Zm9vYmFyXzEyMzQ1Njc4OTAxMjM0NTY3`, only('decodeEncodings')).includes(digest), true);
  });

  it('reads ROT13, reversed and right-to-left-override runs as English when that is what they become, and leaves English alone', () => {
    assert.equal(normalizeText('Decode this: Pyvpx urer gb pynvz lbhe cevmr', only('decodeEncodings')), 'Decode this: Click here to claim your prize');
    assert.equal(normalizeText('Read backwards: won ezirp ruoy mialc ot ereh kcilc', only('decodeEncodings')), 'Read backwards: click here to claim your prize now');
    assert.equal(normalizeText('get \u202Eeerf\u202C money', only('decodeEncodings')), 'get free money');
    const english = 'Thanks for the notes, see you at the meeting on Friday.';
    assert.equal(normalizeText(english, only('decodeEncodings')), english);
  });

  it('folds look-alikes NFKC keeps: small capitals, negative squared letters, regional indicators, Armenian', () => {
    assert.equal(normalizeText('ᴄʟɪᴄᴋ 🅵🆁🅴🅴 🇼🇮🇳 օո', only('foldLookalikes')), 'click FREE WIN on');
  });

  it('drops combining marks, struck-through letters included', () => {
    assert.equal(normalizeText('f\u0336r\u0336e\u0336e\u0336 cli\u0301ck', only('stripCombiningMarks')), 'free click');
  });

  it('joins words split by HTML comments, inline tags and punctuation, not numbers', () => {
    const steps = { ...only('joinSplitWords'), lowercase: true };
    assert.equal(normalizeText('cl<!-- x -->ick fr.ee ver-ify c<b>lai</b>m 3.50', steps), 'click free verify claim 3.50');
  });

  it('folds leetspeak inside words with letters, and leaves codes, prices and quantities alone', () => {
    assert.equal(normalizeText('v1agr@ fr33 pa$$w0rd now! 483920 $45.00 4pm 3rd', only('foldLeetspeak')), 'viagra free password now! 483920 $45.00 4pm 3rd');
  });

  it('the robust recipe turns every step on; a recipe written before the later steps reads them as off', () => {
    assert.ok(NORMALIZATION_STEPS.every((step) => ROBUST_NORMALIZATION[step] === true));
    const legacy = { nfkc: true, stripInvisible: true, foldConfusables: true, lowercase: true, collapseSpacedLetters: true, collapseWhitespace: true };
    const completed = withLegacyDefaults(legacy);
    assert.deepEqual(completed, { ...legacy, decodeEncodings: false, foldLookalikes: false, stripCombiningMarks: false, joinSplitWords: false, foldLeetspeak: false });
    // An original step missing stays missing: the manifest check refuses it.
    assert.equal('nfkc' in withLegacyDefaults({ lowercase: true }), false);
    const obfuscated = 'FR33 m0ney: Pyvpx urer';
    assert.equal(normalizeText(obfuscated, completed), normalizeText(obfuscated, legacy as NormalizationRecipe));
    assert.equal(normalizeText(obfuscated, ROBUST_NORMALIZATION), 'free money: click here');
  });

  it('normalizePrefix stays exact with the steps that look across whitespace', () => {
    const text = `${'meeting notes '.repeat(30)}cl<!-- a b -->ick 48 65 6c 6c 6f 20 77 6f 72 6c 64 ${'x '.repeat(50)}`;
    for (const maxChars of [100, 420, 1000]) {
      assert.equal(normalizePrefix(text, ROBUST_NORMALIZATION, maxChars), normalizeText(text, ROBUST_NORMALIZATION).slice(0, maxChars));
    }
  });

  // The fast paths of decodeEncodings (ASCII pieces judged from their own words) and
  // foldLeetspeak (a hand scanner on ASCII text) against the general code they stand in for:
  // same output on random texts, so no model scores differently.
  const WORDS = ['the', 'and', 'your', 'free', 'click', 'claim', 'account', 'money', 'please', 'meeting', 'tuesday', 'prize', 'now', 'be', 'or', 'an', 'na'];
  const FAST_PATH_PIECES = [
    ...WORDS,
    ...WORDS.map((w) => rot13(w)),
    ...WORDS.map((w) => [...w].reverse().join('')),
    ...WORDS.map((w) => w.toUpperCase()),
    'Gur', 'PYVPX', 'v1agr@', 'fr33', 'pa$$w0rd', '4pm', '3rd', '2fa', '483920', '$45.00', 'a|b', '|x', 'x!', '!x!', '26', 'b2b', 'h4x0r',
    ' ', ' ', ' ', '  ', '\n', '\t', '.', '!', '?', ':', ';', ',', '-', '_', "'", '@', '$', '|', '0', '1', '5', '9',
    '\u212A', 'İ', 'é', 'а', 'Ꭺ', '😀', '\u00A0',
  ];
  const isAscii = (piece: string): boolean => [...piece].every((ch) => ch.charCodeAt(0) < 0x80);
  const piecesText = (rng: ReturnType<typeof createRng>, pieces: readonly string[], count: number): string => {
    let s = '';
    for (let k = 0; k < count; k++) s += pieces[rng.nextInt(pieces.length)]!;
    return s;
  };

  it('judges ROT13 and reversed pieces exactly as building each reading does', () => {
    const rng = createRng(11);
    const asciiOnly = FAST_PATH_PIECES.filter(isAscii);
    let changed = 0;
    // Pieces are mostly words of one reading (plain, ROT13, reversed) between separators, so every outcome occurs.
    const readings = [(w: string) => w, rot13, (w: string) => [...w].reverse().join('')];
    const SEPARATORS = [' ', ' ', ' ', ', ', '  ', '-', '\t'];
    const segmentOf = (trial: number): string => {
      if (trial % 4 === 3) return piecesText(rng, FAST_PATH_PIECES, 1 + rng.nextInt(12));
      const reading = readings[rng.nextInt(readings.length)]!;
      const words = Array.from({ length: 1 + rng.nextInt(8) }, () => {
        const roll = rng.nextInt(10);
        const word = roll < 6 ? reading(WORDS[rng.nextInt(WORDS.length)]!) : roll < 9 ? asciiOnly[rng.nextInt(asciiOnly.length)]! : FAST_PATH_PIECES[rng.nextInt(FAST_PATH_PIECES.length)]!;
        return rng.nextInt(4) === 0 ? word.toUpperCase() : word;
      });
      return (rng.nextInt(3) === 0 ? ' ' : '') + words.map((w, i) => (i === 0 ? w : SEPARATORS[rng.nextInt(SEPARATORS.length)]! + w)).join('');
    };
    for (let trial = 0; trial < 20_000; trial++) {
      const segment = segmentOf(trial);
      const read = readEncodedSegment(segment);
      assert.equal(read, readEncodedSegmentByBuilding(segment), JSON.stringify(segment));
      if (read !== segment) changed++;
    }
    // Both readings are taken often enough for the comparison to mean something.
    assert.ok(changed > 3_000, `only ${changed} pieces were read as ROT13 or reversed`);
    assert.equal(readEncodedSegment('Pyvpx urer gb pynvz lbhe cevmr'), 'Click here to claim your prize');
    assert.equal(readEncodedSegment('won ti mialc ot ereh kcilc '), 'click here to claim it now ');
    assert.equal(readEncodedSegment('Click here to claim it now'), 'Click here to claim it now');
  });

  it('folds leetspeak on ASCII text exactly as the pattern does', () => {
    const rng = createRng(12);
    const asciiOnly = FAST_PATH_PIECES.filter(isAscii);
    let changed = 0;
    for (let trial = 0; trial < 20_000; trial++) {
      const text = piecesText(rng, trial % 4 === 0 ? FAST_PATH_PIECES : asciiOnly, 1 + rng.nextInt(30));
      const folded = foldLeetspeak(text);
      assert.equal(folded, foldLeetspeakByPattern(text), JSON.stringify(text));
      if (folded !== text) changed++;
    }
    assert.ok(changed > 1_000, `only ${changed} texts had leetspeak to fold`);
  });
});
