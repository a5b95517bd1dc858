/**
 * `warden deploy`, `warden deployments …` and `warden rollback` against a real server
 * (ephemeral port) on versions trained here.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { listenOnLoopback, runCliCaptured } from '../support/cli.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { trainServingVersions } from '../support/serving.js';

describe('warden deploy / deployments / rollback', () => {
  let platform: TestPlatform;
  let url: string;
  const as = async (role: 'admin' | 'viewer', ...args: string[]) => runCliCaptured(['--url', url, '--token', await platform.token(role), ...args]);

  before(async () => {
    platform = await openTestPlatform('sqlite', { WARDEN_WORKER_CONCURRENCY: '1' });
    await trainServingVersions(platform, 'cli-dep', [1, 2]);
    url = await listenOnLoopback(platform);
  });
  after(async () => platform.close());

  it('deploys directly, then a canary that is followed, paused, resumed and rolled back', async () => {
    const direct = await as('admin', 'deploy', 'cli-dep', '1', '--reason', 'first');
    assert.equal(direct.code, 0, direct.stderr);
    assert.match(direct.stdout, /direct of cli-dep version 1\): succeeded/);
    assert.match(direct.stdout, /version 1: None → Production/);

    const canary = await as('admin', '--json', 'deploy', 'cli-dep', '2', '--strategy', 'canary', '--steps', '20,100', '--bake', '60', '--guardrail', 'minRequests=5', '--guardrail', 'maxErrorRate=0.05');
    assert.equal(canary.code, 0, canary.stderr);
    const outcome = JSON.parse(canary.stdout);
    assert.deepEqual(outcome.deployment.settings.steps, [20, 100]);
    assert.equal(outcome.deployment.settings.guardrails.minRequests, 5);
    assert.equal(outcome.deployment.settings.guardrails.maxErrorRate, 0.05);
    const id = outcome.deployment.id as string;

    const shown = await as('viewer', 'deployments', 'show', id);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /traffic: +baseline v1 80%, candidate v2 20%/);
    assert.match(shown.stdout, /steps: +20 → 100 % \(step 1\), 60 s each/);
    const listed = await as('viewer', 'deployments', 'list', '--model', 'cli-dep', '--in-flight');
    assert.match(listed.stdout, new RegExp(id));
    // One arm per line, never broken inside a word.
    assert.match(listed.stdout, /│ v1 80% +│/);
    assert.match(listed.stdout, /│ +│ +│ +│ +│ +│ v2 20% +│ +│/);
    assert.equal((await as('viewer', 'deployments', 'pause', id)).code, 5, 'a viewer may not steer');
    assert.match((await as('admin', 'deployments', 'pause', id, '--reason', 'look')).stdout, /paused; traffic: baseline v1 80%, candidate v2 20%/);
    assert.match((await as('admin', 'deployments', 'resume', id)).stdout, /active/);

    const back = await as('admin', 'rollback', 'cli-dep', '--reason', 'not today');
    assert.equal(back.code, 0, back.stderr);
    assert.match(back.stdout, /rolled-back/);
    assert.match(back.stdout, /traffic: baseline v1 100%/);
    const watched = await as('viewer', 'deployments', 'watch', id);
    assert.equal(watched.code, 1, 'watch exits 1 for a deployment that did not take over');
    assert.match(watched.stdout, /rolled-back .* version 1 takes all traffic back: not today/);
  });

  it('refuses malformed options naming them, before calling the server', async () => {
    for (const [args, pattern] of [
      [['deploy', 'cli-dep', '2', '--strategy', 'canary', '--steps', '5,x,100'], /--steps must be a whole number, not "x"/],
      [['deploy', 'cli-dep', '2', '--strategy', 'ab', '--weights', '70-30'], /--weights must be baseline\/candidate/],
      [['deploy', 'cli-dep', '2', '--strategy', 'canary', '--guardrail', 'maxErrorRate'], /--guardrail must be name=value/],
      [['deploy', 'cli-dep', '2', '--strategy', 'rolling'], /rolling/],
      [['deployments', 'conclude', 'x', 'both'], /winner must be baseline or candidate/],
    ] as const) {
      const result = await as('admin', ...args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, pattern);
    }
  });
});
