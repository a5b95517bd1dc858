import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPredictor, inspectBatch, normalizationFlipped, predict, predictBatch, predictRaw, rawNormalization, trimmedView, vectorizeText, type TextClassifier } from '../../src/ml/classifier.js';
import { DEFAULT_NORMALIZATION, ROBUST_NORMALIZATION, normalizeText } from '../../src/ml/normalize.js';
import { createRng } from '../../src/ml/random.js';
import { trainTextClassifier } from '../../src/ml/train.js';
import { fitWindowOffset } from '../../src/ml/calibration.js';
import { toyCorpus } from './toy-corpus.js';

const { model } = trainTextClassifier(
  { family: 'logistic-regression', featurizer: { dimsLog2: 14 } },
  { train: toyCorpus(400, 31), validation: toyCorpus(150, 32) },
);

describe('predict', () => {
  it('labels raw text with a calibrated probability', () => {
    const spam = predict(model, 'FREE cash prize, click now to claim your bonus');
    const ham = predict(model, 'notes from the project meeting and the lunch schedule');
    assert.equal(spam.label, 1);
    assert.equal(ham.label, 0);
    assert.ok(spam.probability > 0.5 && spam.probability <= 1);
    assert.ok(ham.probability < 0.5 && ham.probability >= 0);
  });

  it('serves through the model normalisation: obfuscation does not evade it', () => {
    const plain = predict(model, 'free cash prize winner click');
    const obfuscated = predict(model, 'Ｆ\u200Br\u0435e  c a s h  p r i z e  w\u0456nner c l i c k');
    assert.equal(obfuscated.label, 1);
    assert.ok(Math.abs(obfuscated.score - plain.score) < 1e-6, `${obfuscated.score} vs ${plain.score}`);
  });

  it('predictRaw reads without the evasion-undoing steps: homoglyphs and zero-width characters evade it, casing does not', () => {
    const recipe = rawNormalization(DEFAULT_NORMALIZATION);
    assert.deepEqual(Object.entries(recipe).filter(([, on]) => on).map(([step]) => step).sort(), ['collapseWhitespace', 'lowercase']);
    // Clean text: the same verdict either way (no gap), capitals included.
    for (const text of ['FREE cash prize, click now to claim your bonus', 'notes from the project meeting and the lunch schedule']) {
      assert.equal(predictRaw(model, text).label, predict(model, text).label, text);
    }
    // Zero-width spaces between the letters: normalised it is spam, raw it is not (the gap of one input).
    const zeroWidth = 'c\u200ba\u200bs\u200bh p\u200br\u200bi\u200bz\u200be';
    assert.equal(predict(model, zeroWidth).label, 1);
    assert.equal(predictRaw(model, zeroWidth).label, 0);
    // Cyrillic look-alikes: the raw reading loses most of the margin (this toy model's bias alone sits near its threshold).
    const homoglyphs = 'fr\u0435\u0435 c\u0430\u0455h pr\u0456z\u0435';
    assert.ok(predict(model, homoglyphs).score - predictRaw(model, homoglyphs).score > 3, `${predict(model, homoglyphs).score} vs ${predictRaw(model, homoglyphs).score}`);
  });

  it('predictBatch equals mapping predict, and the probability follows the calibration', () => {
    const texts = ['cheap credit offer', 'code review thanks', ''];
    assert.deepEqual(predictBatch(model, texts), texts.map((t) => predict(model, t)));
    const p = createPredictor(model).predict('cheap credit offer');
    const expected = 1 / (1 + Math.exp(-(model.calibration.a * p.score + model.calibration.b)));
    assert.ok(Math.abs(p.probability - expected) < 1e-12);
    assert.equal(p.label, p.probability >= model.threshold ? 1 : 0);
  });
});

describe('predict with windows (whole-input judgement)', () => {
  const data = { train: toyCorpus(400, 61), validation: toyCorpus(200, 62) };
  const benign = 'thanks for the meeting notes and the project schedule we will review the report at lunch with the family this weekend';
  const payload = 'free money winner click cash prize urgent bonus offer now';
  const buried = `${benign} ${benign} ${benign} ${benign} ${payload} ${benign} ${benign} ${benign} ${benign}`;

  it('a payload buried in benign text is judged by its window, not pushed aside', () => {
    const plain = trainTextClassifier({ family: 'logistic-regression', featurizer: { dimsLog2: 12, maxChars: 300 } }, data).model;
    const windowed = trainTextClassifier({ family: 'logistic-regression', featurizer: { dimsLog2: 12, maxChars: 300, windowChars: 80 } }, data).model;
    assert.equal(predict(plain, buried).label, 0);
    assert.equal(predict(windowed, buried).label, 1);
    assert.equal(predict(windowed, `${benign} ${benign}`).label, 0);
  });

  it('the margin is the text view’s or the best window’s lowered by the offset, whichever is larger', () => {
    const { model } = trainTextClassifier({ family: 'logistic-regression', featurizer: { dimsLog2: 12, maxChars: 300, windowChars: 80 } }, data);
    const predictor = createPredictor(model);
    const views = predictor.views(buried);
    assert.ok(views.length > 3);
    const margins = views.map((v) => predictor.scoreVector(createPredictor({ ...model, featurizer: { ...model.featurizer, windowChars: 0, maxChars: 0 } }).vectorize(v)));
    const offset = model.calibration.windowOffset ?? 0;
    const expected = Math.max(margins[0]!, ...margins.slice(1).map((m) => m - offset));
    assert.ok(Math.abs(predictor.predict(buried).score - expected) < 1e-5, `${predictor.predict(buried).score} vs ${expected}`);
  });

  describe('windowWeights', () => {
    const recipe = { family: 'logistic-regression', featurizer: { dimsLog2: 12, maxChars: 300, windowChars: 80, windowWeights: true } } as const;
    const { model } = trainTextClassifier(recipe, data);
    const short = 'free money winner click';
    const withWindowBias = (bias: number): TextClassifier => ({ ...model, tensors: { ...model.tensors, windowBias: Float32Array.of(bias) } });

    it('fits the windows’ own weights and IDF beside the text’s, and its offset on their margins', () => {
      assert.deepEqual(Object.keys(model.tensors).sort(), ['bias', 'idf', 'weights', 'windowBias', 'windowIdf', 'windowWeights']);
      assert.notDeepEqual(model.tensors.windowWeights, model.tensors.weights);
      assert.notDeepEqual(model.tensors.windowIdf, model.tensors.idf, 'the windows’ document frequencies are their own');
      assert.ok((model.calibration.windowOffset ?? -1) >= 0);
      const noIdf = trainTextClassifier({ ...recipe, featurizer: { ...recipe.featurizer, idf: false } }, data).model;
      assert.deepEqual(Object.keys(noIdf.tensors).sort(), ['bias', 'weights', 'windowBias', 'windowWeights']);
    });

    it('reads every window with the window weights and the text with its own: only texts longer than a window move with them', () => {
      assert.equal(predict(model, buried).label, 1);
      assert.equal(predict(model, `${benign} ${benign}`).label, 0);
      // Windows that read nothing as spam leave the text's own margin; windows that read everything as spam flag every long text.
      assert.equal(predict(withWindowBias(-1e6), buried).score, createPredictor(model).viewMargin(createPredictor(model).views(buried)[0]!));
      assert.equal(predict(withWindowBias(1e6), `${benign} ${benign}`).label, 1);
      for (const bias of [-1e6, 1e6]) assert.deepEqual(predict(withWindowBias(bias), short), predict(model, short), 'a text that fits one window has no window');
    });

    it('with sentence trimming, the window weights judge the sentences and the trimmed view, at their own cut', () => {
      const trimming = trainTextClassifier({ ...recipe, featurizer: { ...recipe.featurizer, trimBenignSentences: true } }, data).model;
      assert.equal(trimming.calibration.trimCut, -1);
      const predictor = createPredictor(trimming);
      const { trimCut, trimOffset, ...rest } = trimming.calibration;
      const untrimmed = createPredictor({ ...trimming, calibration: rest });
      const view = trimmedView(normalizeText(buried, trimming.normalization), 80, trimCut!, predictor.windowMargin);
      assert.ok(view !== undefined && view.includes(payload), view);
      const expected = Math.max(untrimmed.predict(buried).score, predictor.windowMargin(view) - trimOffset!);
      assert.ok(Math.abs(predictor.predict(buried).score - expected) < 1e-9);
      assert.notEqual(predictor.windowMargin(view), predictor.viewMargin(view));
    });

    it('viewMargins gives each view’s raw margin, and the margin is them lowered by the fitted offsets', () => {
      const trimming = trainTextClassifier({ ...recipe, featurizer: { ...recipe.featurizer, trimBenignSentences: true } }, data).model;
      const predictor = createPredictor(trimming);
      const reading = predictor.read(buried);
      const views = predictor.viewMargins(reading);
      const [text, ...windows] = predictor.views(buried);
      assert.equal(views.text, predictor.viewMargin(text!));
      assert.equal(views.window, Math.max(...windows.map((w) => predictor.windowMargin(w))));
      assert.equal(views.trimmed, predictor.windowMargin(trimmedView(reading, 80, trimming.calibration.trimCut!, predictor.windowMargin)!));
      const { windowOffset, trimOffset } = trimming.calibration;
      assert.equal(predictor.predict(buried).score, Math.max(views.text, views.window - windowOffset!, views.trimmed - trimOffset!));
      // A text that fits one window has its own view only.
      assert.deepEqual(predictor.viewMargins(predictor.read(short)), { text: predictor.predict(short).score, window: Number.NEGATIVE_INFINITY, trimmed: Number.NEGATIVE_INFINITY });
    });
  });

  describe('trimBenignSentences', () => {
    const sentence = 'thanks for the meeting notes and the project schedule.';
    const pieces = ['free money winner!', 'click cash prize!', 'urgent bonus offer now!'];
    // The payload in sentences, each between benign ones: no window holds more than one of them.
    const fragmented = `${sentence} ${sentence} ${pieces[0]} ${sentence} ${sentence} ${pieces[1]} ${sentence} ${sentence} ${pieces[2]} ${sentence} ${sentence}`;
    const recipe = { family: 'logistic-regression', featurizer: { dimsLog2: 12, windowChars: 80 } } as const;
    const windowed = trainTextClassifier(recipe, data).model;
    const trimming = trainTextClassifier({ ...recipe, featurizer: { ...recipe.featurizer, trimBenignSentences: true } }, data).model;

    it('fits a cut and an offset, and leaves out the sentences the model reads as benign', () => {
      assert.equal(windowed.calibration.trimOffset, undefined);
      assert.ok((trimming.calibration.trimOffset ?? -1) >= 0);
      const predictor = createPredictor(trimming);
      const view = trimmedView(normalizeText(fragmented, trimming.normalization), 80, trimming.calibration.trimCut!, predictor.viewMargin);
      assert.ok(view !== undefined && !view.includes('meeting'), view);
      for (const piece of pieces) assert.ok(view.includes(piece), piece);
      // A text that fits one window, or one whose sentences are all benign, has no trimmed view.
      assert.equal(trimmedView(sentence, 80, trimming.calibration.trimCut!, predictor.viewMargin), undefined);
      assert.equal(trimmedView(`${sentence} ${sentence} ${sentence}`, 80, trimming.calibration.trimCut!, predictor.viewMargin), undefined);
    });

    it('the margin is the windowed one or the trimmed view’s lowered by its offset; a fragmented payload is caught', () => {
      const predictor = createPredictor(trimming);
      const { trimCut: _, trimOffset: __, ...rest } = trimming.calibration;
      const untrimmed = createPredictor({ ...trimming, calibration: rest });
      const view = trimmedView(normalizeText(fragmented, trimming.normalization), 80, trimming.calibration.trimCut!, predictor.viewMargin)!;
      const expected = Math.max(untrimmed.predict(fragmented).score, predictor.viewMargin(view) - trimming.calibration.trimOffset!);
      assert.ok(Math.abs(predictor.predict(fragmented).score - expected) < 1e-9);
      assert.equal(predict(windowed, fragmented).label, 0);
      assert.equal(predict(trimming, fragmented).label, 1);
      assert.equal(predict(trimming, `${sentence} ${sentence} ${sentence} ${sentence}`).label, 0);
    });

    it('the offset matches the trimmed view’s ham tail to the text-and-windows margin it competes with, not the text’s alone', () => {
      // Validation ham of several sentences, one of them with spam's words, in a sentence of
      // its own or glued into a longer one: its windows lift the ham tail above the text's.
      const validation = { texts: [...data.validation.texts], labels: [...data.validation.labels] };
      const ham = toyCorpus(160, 63, 0).texts;
      const spammy = toyCorpus(40, 64, 1).texts;
      for (let i = 0; i < 40; i++) {
        const [a, b, c, d] = ham.slice(4 * i, 4 * i + 4);
        validation.texts.push(i % 2 === 1 ? `${a}. ${b}. ${spammy[i]}. ${c}. ${d}.` : `${a} ${spammy[i]} ${b}.`);
        validation.labels.push(0);
      }
      const model = trainTextClassifier({ ...recipe, featurizer: { ...recipe.featurizer, trimBenignSentences: true } }, { train: data.train, validation }).model;
      const predictor = createPredictor(model);
      const { trimCut, trimOffset, ...rest } = model.calibration;
      const untrimmed = createPredictor({ ...model, calibration: rest });
      const combined: number[] = [];
      const whole: number[] = [];
      const trimmed: number[] = [];
      for (const text of validation.texts) {
        const view = trimmedView(normalizeText(text, model.normalization), 80, trimCut!, predictor.viewMargin);
        combined.push(untrimmed.predict(text).score);
        whole.push(predictor.viewMargin(predictor.views(text)[0]!));
        trimmed.push(view === undefined ? Number.NEGATIVE_INFINITY : predictor.viewMargin(view));
      }
      assert.ok(Math.abs(trimOffset! - fitWindowOffset(combined, trimmed, validation.labels)) < 1e-5);
      assert.ok(fitWindowOffset(whole, trimmed, validation.labels) > trimOffset! + 0.5);
    });
  });
});

describe('inspect and the normalisation gap without a second scoring', () => {
  // Clean words, evasions of every normalisation step, and Unicode edge cases, glued at random.
  const PIECES = [
    'free', 'cash', 'prize', 'click', 'winner', 'meeting', 'notes', 'lunch', 'the', 'your', ' ', ' ', '  ', '\n', '\t', '.', ',', 'FREE', 'Cash',
    'c\u200ba\u200bs\u200bh', 'p\u200br\u200bi\u200bz\u200be', 'fr\u0435\u0435', 'c\u0430\u0455h', 'f r e e', 'c-a-s-h', 'fr33', 'c4sh', 'Ｆｒｅｅ',
    'ｃａｓｈ', 'fr<!-- x -->ee', 'ZnJlZSBjYXNoIHByaXpl', 'pri\u0301ze', 'ᴄᴀꜱʜ', '🅵🆁🅴🅴', '😀', '\uD800', '\uDC00', '中文', 'Σ', 'é', 'ß',
  ];
  const texts = (seed: number): string[] => {
    const rng = createRng(seed);
    return [
      '',
      '   ',
      'notes from the project meeting',
      'c\u200ba\u200bs\u200bh p\u200br\u200bi\u200bz\u200be',
      ...Array.from({ length: 150 }, (_, i) => {
        let text = '';
        const length = i % 25 === 0 ? 700 : rng.nextInt(120);
        while (text.length < length) text += PIECES[rng.nextInt(PIECES.length)]! + (rng.next() < 0.6 ? ' ' : '');
        return text;
      }),
    ];
  };
  const data = { train: toyCorpus(300, 71), validation: toyCorpus(150, 72) };
  const models: [string, TextClassifier][] = [
    ['logistic regression, default recipe', model],
    ['logistic regression, every step, windows, maxChars, IDF', trainTextClassifier({ family: 'logistic-regression', normalization: ROBUST_NORMALIZATION, featurizer: { dimsLog2: 12, maxChars: 200, windowChars: 64, idf: true } }, data).model],
    ['logistic regression, windows trimming benign sentences', trainTextClassifier({ family: 'logistic-regression', featurizer: { dimsLog2: 12, windowChars: 64, trimBenignSentences: true } }, data).model],
    ['logistic regression, windows read by their own weights', trainTextClassifier({ family: 'logistic-regression', featurizer: { dimsLog2: 12, windowChars: 64, windowWeights: true } }, data).model],
    ['naive Bayes', trainTextClassifier({ family: 'naive-bayes', featurizer: { dimsLog2: 12 } }, data).model],
    ['MLP, every step', trainTextClassifier({ family: 'mlp', normalization: ROBUST_NORMALIZATION, featurizer: { dimsLog2: 12, maxChars: 300 }, hyperParameters: { hidden: 4, epochs: 2 } }, data).model],
  ];

  for (const [name, m] of models) {
    it(`${name}: inspect is predict plus what it read and the first view's buckets (vectorize's indices)`, () => {
      const all = texts(81);
      const buckets: number[][] = [];
      const inspected = inspectBatch(m, all, (i) => (i % 3 === 2 ? undefined : (indices, count) => void (buckets[i] = Array.from(indices.subarray(0, count)))));
      const predictor = createPredictor(m);
      all.forEach((text, i) => {
        const { reading, ...prediction } = inspected[i]!;
        assert.deepEqual(prediction, predict(m, text), JSON.stringify(text));
        assert.equal(reading, predictor.read(text));
        assert.deepEqual(buckets[i], i % 3 === 2 ? undefined : Array.from(vectorizeText(m, text).indices), JSON.stringify(text));
      });
    });

    it(`${name}: normalizationFlipped is exactly predictRaw's label against predict's, on clean, evasive and Unicode texts`, () => {
      const all = texts(91);
      const inspected = inspectBatch(m, all);
      const raw = createPredictor({ ...m, normalization: rawNormalization(m.normalization) });
      let sameReading = 0;
      let flips = 0;
      all.forEach((text, i) => {
        const expected = predictRaw(m, text).label !== predict(m, text).label;
        assert.equal(normalizationFlipped(m, text, inspected[i]!), expected, JSON.stringify(text));
        if (raw.read(text) === inspected[i]!.reading) sameReading++;
        if (expected) flips++;
      });
      // Both paths ran: inputs the evasion steps leave alone (no raw scoring) and inputs they change.
      assert.ok(sameReading > 0 && sameReading < all.length, `${sameReading} of ${all.length} read the same raw`);
      if (name === 'logistic regression, default recipe') assert.ok(flips > 0);
    });
  }
});
