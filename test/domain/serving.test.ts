import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BINARY_LABELS, describeInput, liveDeploymentOf, pickArm, predictionId, validateFeedbackLabel, type LiveDeployment } from '../../src/domain/serving.js';
import { WardenError } from '../../src/domain/errors.js';
import type { ModelVersion } from '../../src/domain/registry/index.js';

const version = (number: number) => ({ number, semver: `v1.${number}`, model: 'm' }) as ModelVersion;

describe('serving rules', () => {
  it('the live deployment is the Production version as the only arm, or none', () => {
    assert.equal(liveDeploymentOf('m', undefined), undefined);
    assert.deepEqual(liveDeploymentOf('m', version(3)), { model: 'm', arms: [{ arm: 'production', version: version(3), weight: 100 }] });
  });

  it('picks arms by cumulative weight; a draw past the end takes the last arm', () => {
    const deployment: LiveDeployment = { model: 'm', arms: [{ arm: 'a', version: version(1), weight: 90 }, { arm: 'b', version: version(2), weight: 10 }] };
    assert.equal(pickArm(deployment, 0).arm, 'a');
    assert.equal(pickArm(deployment, 89.99).arm, 'a');
    assert.equal(pickArm(deployment, 90).arm, 'b');
    assert.equal(pickArm(deployment, 100).arm, 'b');
    assert.throws(() => pickArm({ model: 'm', arms: [] }, 1), RangeError);
  });

  it('describes an input by length, non-ASCII share and URL count', () => {
    assert.deepEqual(describeInput('hello'), { chars: 5, nonAsciiShare: 0, urlCount: 0 });
    assert.deepEqual(describeInput('é€ab'), { chars: 4, nonAsciiShare: 0.5, urlCount: 0 });
    assert.equal(describeInput('see https://a.b/x, HTTP://c.d and www.e.f; not xwww.g').urlCount, 3);
    assert.deepEqual(describeInput(''), { chars: 0, nonAsciiShare: 0, urlCount: 0 });
  });

  it('names predictions: the request id for one text, <id>.<index> in a batch', () => {
    assert.equal(predictionId('abc', 0, false), 'abc');
    assert.equal(predictionId('abc', 4, true), 'abc.4');
  });

  it('accepts only labels of the model’s label set, naming the field', () => {
    assert.equal(validateFeedbackLabel(1, BINARY_LABELS, 'label'), 1);
    for (const bad of [2, -1, 0.5, '1', null, true]) {
      assert.throws(
        () => validateFeedbackLabel(bad, BINARY_LABELS, 'items[3].label'),
        (e: unknown) => e instanceof WardenError && e.code === 'VALIDATION_FAILED' && e.field === 'items[3].label',
      );
    }
  });
});
