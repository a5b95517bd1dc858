import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BINARY_LABELS, describeInput, liveDeploymentOf, newRequestId, predictionId, requestIssuedAt, validateFeedbackLabel } from '../../src/domain/serving.js';
import { candidateReady, planDeployment } from '../../src/domain/deployments/index.js';
import { WardenError } from '../../src/domain/errors.js';
import type { ModelVersion } from '../../src/domain/registry/index.js';

const version = (number: number) => ({ number, semver: `v1.${number}`, model: 'm' }) as ModelVersion;

describe('serving rules', () => {
  it('the live deployment is the Production version as the only arm, or none', () => {
    assert.equal(liveDeploymentOf('m', undefined), undefined);
    assert.deepEqual(liveDeploymentOf('m', version(3)), { model: 'm', arms: [{ arm: 'production', version: version(3), percent: 100 }], mirror: null, deploymentId: null, assignmentKey: null });
  });

  it('a deployment in flight sets the arms: its split, its shadow, its assignment key', () => {
    const context = { id: 'd1', model: 'm', candidate: 4, production: 3, inFlight: null, actor: 'a', reason: null, now: 0, assignmentKey: 'secret' };
    const versions = new Map([3, 4].map((n) => [n, version(n)] as const));
    const canary = candidateReady(planDeployment({ strategy: 'canary' }, context), 1);
    assert.deepEqual(liveDeploymentOf('m', version(3), { deployment: canary, versions }), {
      model: 'm',
      arms: [{ arm: 'baseline', version: version(3), percent: 95 }, { arm: 'candidate', version: version(4), percent: 5 }],
      mirror: null,
      deploymentId: 'd1',
      assignmentKey: 'secret',
    });
    const shadow = candidateReady(planDeployment({ strategy: 'shadow', mirrorPercent: 30 }, context), 1);
    const live = liveDeploymentOf('m', version(3), { deployment: shadow, versions })!;
    assert.deepEqual([live.arms.map((a) => a.arm), live.mirror], [['baseline'], { arm: 'shadow', version: version(4), percent: 30 }]);
    const warming = planDeployment({ strategy: 'blue-green' }, { ...context, production: null });
    assert.deepEqual(liveDeploymentOf('m', undefined, { deployment: warming, versions }), undefined, 'a first deployment serves nothing until it switches');
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

  it('stamps request ids with the time they were issued, which their prediction ids give back', () => {
    const at = Date.UTC(2026, 11, 2, 10, 30, 0, 123);
    const id = newRequestId(at, Uint8Array.of(0, 1, 0x0f, 0x10, 0xab, 0xcd, 0xef, 0xff));
    assert.equal(id, `${at.toString(16).padStart(12, '0')}00010f10abcdefff`);
    assert.equal(id.length, 28);
    assert.equal(requestIssuedAt(id), at);
    assert.equal(requestIssuedAt(predictionId(id, 7, true)), at);
    assert.equal(requestIssuedAt(newRequestId(0, new Uint8Array(8))), 0);
    // Ids Warden did not issue (or issued before ids carried a time) have no time.
    for (const other of ['no-such-prediction', '0123456789abcdef', `${id}x`, id.toUpperCase(), `${id}.`, `${id}.1.2`, '']) {
      assert.equal(requestIssuedAt(other), undefined, other);
    }
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
