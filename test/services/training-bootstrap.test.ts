/**
 * First-start bootstrap (without workers, so nothing trains the full corpus here): an empty
 * registry gets spam-detector (lr) and spam-detector-nb (nb) with their training queued;
 * later starts queue nothing new, and a registry with other models is left alone.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';

describe('TrainingService.bootstrap on sqlite', () => {
  const platforms: TestPlatform[] = [];
  after(async () => {
    for (const p of platforms) await p.close();
  });

  it('registers the two sample models once and queues their training once', async () => {
    const p = await openTestPlatform('sqlite');
    platforms.push(p);
    const { training, registry, jobs } = p.services;
    const first = await training.bootstrap();
    assert.deepEqual(first.map((j) => j.payload.model).sort(), ['spam-detector', 'spam-detector-nb']);
    assert.ok(first.every((j) => j.kind === 'train' && j.state === 'queued'));
    const lr = await registry.getModel('spam-detector');
    const nb = await registry.getModel('spam-detector-nb');
    assert.equal((lr.recipe as { family: string }).family, 'lr');
    assert.equal((nb.recipe as { family: string }).family, 'nb');
    assert.deepEqual((lr.recipe as { dataset: unknown }).dataset, { builtin: ['spam-assassin', 'everyday-messages'], datasets: [], includeFresh: true });
    assert.equal(lr.tags['warden.bootstrap'], 'true');
    // Both sample models train adversarially: the second opinion must not be the one an obfuscation blinds.
    for (const model of [lr, nb]) assert.equal((model.recipe as { hyperParameters: Record<string, unknown> }).hyperParameters.augment, true, model.name);
    // And both judge a text with the everyday sentences padded around a payload set aside.
    for (const model of [lr, nb]) assert.equal((model.recipe as { featurizer: Record<string, unknown> }).featurizer.trimBenignSentences, true, model.name);

    // A restart before the trainings finished: the same jobs again, nothing new queued.
    const again = await training.bootstrap();
    assert.deepEqual(again.map((j) => j.id).sort(), first.map((j) => j.id).sort());
    assert.equal((await jobs.list({ kind: 'train' })).items.length, 2);

    // Once a model has a version, it is done.
    await registry.registerVersion('spam-detector', { metrics: { eval_accuracy: 0.95 } }, { name: 'test' });
    assert.deepEqual((await training.bootstrap()).map((j) => j.payload.model), ['spam-detector-nb']);
    await registry.registerVersion('spam-detector-nb', { status: 'FAILED' }, { name: 'test' });
    assert.deepEqual(await training.bootstrap(), []);
  });

  it('does nothing on a registry that already has models', async () => {
    const p = await openTestPlatform('sqlite');
    platforms.push(p);
    await p.services.registry.createModel({ name: 'my-model', task: 'spam' }, { name: 'test' });
    assert.deepEqual(await p.services.training.bootstrap(), []);
    assert.deepEqual((await p.services.registry.listModels()).items.map((m) => m.name), ['my-model']);
    assert.equal((await p.services.jobs.list()).items.length, 0);
  });
});
