import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { predictBatch, predictRaw, trainTextClassifier, vectorizeText, type TextClassifier } from '../../src/ml/index.js';
import { ROBUST_NORMALIZATION } from '../../src/ml/normalize.js';
import { createRng } from '../../src/ml/random.js';
import { addToVocabulary, createHashedVocabulary, describeText, vocabularyMissShare, type HashedVocabulary } from '../../src/ml/monitoring/descriptors.js';
import { InputMonitor, type InputMonitorOptions } from '../../src/services/input-monitor.js';
import { toyCorpus } from '../ml/toy-corpus.js';

const data = { train: toyCorpus(300, 41), validation: toyCorpus(150, 42) };
const models: [string, TextClassifier][] = [
  ['logistic regression', trainTextClassifier({ family: 'logistic-regression', featurizer: { dimsLog2: 12 } }, data).model],
  ['MLP, every normalisation step, windows', trainTextClassifier({ family: 'mlp', normalization: ROBUST_NORMALIZATION, featurizer: { dimsLog2: 12, maxChars: 200, windowChars: 64 }, hyperParameters: { hidden: 4, epochs: 2 } }, data).model],
];
const vocabularyOf = (model: TextClassifier): HashedVocabulary => {
  const vocabulary = createHashedVocabulary(1 << model.featurizer.dimsLog2);
  // Half the training rows: the other half's words and the evasions below are partly out of vocabulary.
  for (const text of data.train.texts.slice(0, 150)) addToVocabulary(vocabulary, vectorizeText(model, text).indices);
  return vocabulary;
};

// Clean and evasive traffic: homoglyphs, zero-width characters, spaced letters, leetspeak, full-width, encodings, astral and lone surrogates.
const PIECES = [
  'free', 'cash', 'prize', 'meeting', 'notes', 'lunch', 'unseenword', 'qwertyuiop', ' ', ' ', '\n', '.', 'FREE',
  'c\u200ba\u200bs\u200bh', 'fr\u0435\u0435', 'c\u0430\u0455h', 'f r e e', 'fr33', 'Ｆｒｅｅ', 'fr<!-- x -->ee', 'ZnJlZSBjYXNoIHByaXpl',
  'pri\u0301ze', 'ᴄᴀꜱʜ', '🅵🆁🅴🅴', '😀', '\uD800', '中文', 'Σ', 'é',
];
const traffic = (seed: number, n: number): string[] => {
  const rng = createRng(seed);
  return ['', 'c\u200ba\u200bs\u200bh p\u200br\u200bi\u200bz\u200be', ...Array.from({ length: n }, (_, i) => {
    let text = '';
    const length = i % 20 === 0 ? 600 : rng.nextInt(150);
    while (text.length < length) text += PIECES[rng.nextInt(PIECES.length)]! + (rng.next() < 0.6 ? ' ' : '');
    return text;
  })];
};

const monitor = (options: Partial<InputMonitorOptions> = {}): InputMonitor =>
  new InputMonitor({ describeRate: 1, sampleRate: 0, sampleChars: 10, nearDuplicateWindow: 100, random: Math.random, ...options });
const version = (sourceRunId: string | null = 'run-1') => ({ model: 'm', number: 1, sourceRunId });

describe('InputMonitor', () => {
  for (const [name, model] of models) {
    it(`${name}: scores as predictBatch, and a described input's out-of-vocabulary share and normalisation flip are exactly the second-featurisation and predictRaw ones`, async () => {
      const vocabulary = vocabularyOf(model);
      const m = monitor({ vocabularies: async () => vocabulary });
      const answering = { version: version(), classifier: model };
      await m.prepare(answering.version);
      const texts = traffic(5, 200);
      const scored = m.score(texts, answering);
      assert.deepEqual(scored.map((s) => { const { reading: _, ...p } = s.prediction; return p; }), predictBatch(model, texts));
      let flips = 0;
      const shares = new Set<number>();
      texts.forEach((text, i) => {
        const monitored = m.observe('m', text, answering, scored[i]!).monitored!;
        const oov = vocabularyMissShare(vocabulary, vectorizeText(model, text).indices);
        assert.equal(monitored.oovShare, oov, JSON.stringify(text));
        const flip = predictRaw(model, text).label !== scored[i]!.prediction.label;
        assert.equal(monitored.normalizationFlip, flip, JSON.stringify(text));
        const d = describeText(text, { maxChars: model.featurizer.maxChars });
        assert.deepEqual([monitored.tokens, monitored.invisiblePer1k, monitored.spacedLetterRuns], [d.tokens, d.invisiblePer1k, d.spacedLetterRuns]);
        if (flip) flips++;
        shares.add(oov);
      });
      // The inputs were varied enough to mean something: many distinct shares, in and out of vocabulary.
      assert.ok(shares.size > 20 && Math.max(...shares) > 0.3, `${shares.size} distinct shares, the largest ${Math.max(...shares)}`);
      if (name === 'logistic regression') assert.ok(flips > 0, 'some input flips');
    });
  }

  it('draws per input, in order, whether it is sampled and then whether it is described, as the serving path always did', async () => {
    const [, model] = models[0]!;
    const draws = [0.005, 0.5, 0.9, 0.01, 0.02, 0.99, 0.5, 0.5];
    let k = 0;
    const m = monitor({ describeRate: 0.05, sampleRate: 0.01, random: () => draws[k++]! });
    const answering = { version: version(null), classifier: model };
    const texts = ['free cash prize now', 'notes from the meeting', 'lunch today', 'cheap credit'];
    const scored = m.score(texts, answering);
    assert.equal(k, draws.length);
    const seen = texts.map((text, i) => m.observe('m', text, answering, scored[i]!));
    // Input 0: sampled (0.005 < 0.01), not described (0.5); 1: neither (0.9, 0.01 < 0.05 → described); …
    assert.deepEqual(seen.map((o) => [o.sample ?? null, o.monitored !== undefined]), [
      ['free cash ', false],
      [null, true],
      [null, false],
      [null, false],
    ]);
    // No vocabulary source: described inputs carry no out-of-vocabulary share.
    assert.equal(seen[1]!.monitored!.oovShare, null);
  });

  it('measures no out-of-vocabulary share before the vocabulary is loaded, for a version without one, or in another hash space', async () => {
    const [, model] = models[0]!;
    const vocabulary = vocabularyOf(model);
    let reads = 0;
    const m = monitor({
      vocabularies: async (v) => {
        reads++;
        return v.sourceRunId === 'run-1' ? vocabulary : v.sourceRunId === 'other-space' ? createHashedVocabulary(1 << 10) : null;
      },
    });
    const oovOf = (sourceRunId: string) => {
      const answering = { version: version(sourceRunId), classifier: model };
      const [scored] = m.score(['free cash unseenword'], answering);
      return m.observe('m', 'free cash unseenword', answering, scored!).monitored!.oovShare;
    };
    // Served without a prepare: this input goes without, the load starts, the next input has it.
    assert.equal(oovOf('run-1'), null);
    await m.prepare(version('run-1'));
    assert.equal(oovOf('run-1'), vocabularyMissShare(vocabulary, vectorizeText(model, 'free cash unseenword').indices));
    assert.ok(oovOf('run-1')! > 0);
    await m.prepare(version('none'));
    assert.equal(oovOf('none'), null);
    await m.prepare(version('other-space'));
    assert.equal(oovOf('other-space'), null);
    assert.equal(reads, 3);
  });
});
