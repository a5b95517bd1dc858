import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPredictor, predict, predictBatch } from '../../src/ml/classifier.js';
import { trainTextClassifier } from '../../src/ml/train.js';
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
});
