import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  abortDeployment,
  candidateFailed,
  candidateReady,
  checkDeployment,
  concludeDeployment,
  DEFAULT_CANARY_STEPS,
  DEFAULT_GUARDRAILS,
  keepWarmOf,
  NO_READINGS,
  pauseDeployment,
  planDeployment,
  resumeDeployment,
  rollbackDeployment,
  trafficSplit,
  type ArmReadings,
  type Deployment,
  type DeploymentOptions,
  type PlanContext,
} from '../../../src/domain/deployments/index.js';
import { WardenError } from '../../../src/domain/errors.js';

const T0 = 1_000_000;
const SECOND = 1000;

function context(overrides: Partial<PlanContext> = {}): PlanContext {
  return { id: 'd1', model: 'spam', candidate: 2, production: 1, inFlight: null, actor: 'alice', reason: null, now: T0, assignmentKey: 'k'.repeat(32), ...overrides };
}

function healthy(requests: number, positives = Math.round(requests * 0.3)): ArmReadings {
  return { ...NO_READINGS, requests, positives, p99Ms: 5 };
}

const BOTH_HEALTHY = { candidate: healthy(100), baseline: healthy(400) };

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof WardenError, String(error));
    return error.field ?? error.code;
  }
  assert.fail('expected a WardenError');
}

function started(options: DeploymentOptions, overrides: Partial<PlanContext> = {}): Deployment {
  return candidateReady(planDeployment(options, context(overrides)), T0);
}

describe('planning a deployment', () => {
  it('defaults to direct; canary defaults to 5 → 25 → 50 → 100 % with a 10-minute bake and the default guardrails', () => {
    assert.equal(planDeployment({}, context()).strategy, 'direct');
    const canary = planDeployment({ strategy: 'canary' }, context());
    assert.deepEqual(canary.settings.steps, DEFAULT_CANARY_STEPS);
    assert.deepEqual(canary.settings.steps, [5, 25, 50, 100]);
    assert.equal(canary.settings.bakeMs, 600_000);
    assert.deepEqual(canary.settings.guardrails, DEFAULT_GUARDRAILS);
    assert.equal(canary.state, 'warming');
    assert.deepEqual(canary.history.map((entry) => entry.event), ['created']);
  });

  it('linear steps come from stepPercent; the last step is always 100', () => {
    assert.deepEqual(planDeployment({ strategy: 'linear' }, context()).settings.steps, [20, 40, 60, 80, 100]);
    assert.deepEqual(planDeployment({ strategy: 'linear', stepPercent: 30 }, context()).settings.steps, [30, 60, 90, 100]);
  });

  it('refuses what is malformed, naming the field', () => {
    const cases: Array<[DeploymentOptions, string]> = [
      [{ strategy: 'rolling' }, 'strategy'],
      [{ strategy: 'canary', steps: [5, 50] }, 'steps'],
      [{ strategy: 'canary', steps: [50, 25, 100] }, 'steps[1]'],
      [{ strategy: 'canary', steps: [5, 12.5, 100] }, 'steps[1]'],
      [{ strategy: 'canary', steps: '5,25,100' }, 'steps'],
      [{ strategy: 'canary', bakeSeconds: -1 }, 'bakeSeconds'],
      [{ strategy: 'canary', bakeSeconds: '10' }, 'bakeSeconds'],
      [{ strategy: 'canary', guardrails: { maxErrorRate: 2 } }, 'guardrails.maxErrorRate'],
      [{ strategy: 'canary', guardrails: { maxErrorRat: 0.1 } }, 'guardrails.maxErrorRat'],
      [{ strategy: 'ab', weights: { baseline: 60, candidate: 50 } }, 'weights'],
      [{ strategy: 'ab', weights: { baseline: 50, challenger: 50 } }, 'weights.challenger'],
      [{ strategy: 'shadow', mirrorPercent: 0 }, 'mirrorPercent'],
      [{ strategy: 'linear', stepPercent: 100 }, 'stepPercent'],
    ];
    for (const [options, field] of cases) assert.equal(fieldOf(() => planDeployment(options, context())), field, JSON.stringify(options));
  });

  it('an option of another strategy is refused rather than ignored', () => {
    assert.equal(fieldOf(() => planDeployment({ strategy: 'direct', steps: [5, 100] }, context())), 'steps');
    assert.equal(fieldOf(() => planDeployment({ strategy: 'canary', weights: { baseline: 50, candidate: 50 } }, context())), 'weights');
    assert.equal(fieldOf(() => planDeployment({ bakeSeconds: 5 }, context())), 'bakeSeconds');
  });

  it('one deployment per model at a time; not the version already Production; progressive strategies need a live baseline', () => {
    const inFlight = { id: 'd0', candidate: 3, strategy: 'canary' as const };
    assert.equal(fieldOf(() => planDeployment({ strategy: 'canary' }, context({ inFlight }))), 'VERSION_CONFLICT');
    assert.equal(fieldOf(() => planDeployment({}, context({ candidate: 1 }))), 'VERSION_CONFLICT');
    for (const strategy of ['canary', 'linear', 'ab', 'shadow']) {
      assert.equal(fieldOf(() => planDeployment({ strategy }, context({ production: null }))), 'VERSION_CONFLICT', strategy);
    }
    assert.equal(planDeployment({ strategy: 'blue-green' }, context({ production: null })).baseline, null);
  });
});

describe('switching: direct and blue-green', () => {
  it('nothing moves while the candidate warms; a candidate that fails to load is never switched to', () => {
    const warming = planDeployment({ strategy: 'blue-green' }, context());
    assert.deepEqual(trafficSplit(warming).serving, [{ arm: 'baseline', version: 1, percent: 100 }]);
    assert.deepEqual(checkDeployment(warming, BOTH_HEALTHY, T0 + SECOND).deployment, warming);
    const failed = candidateFailed(warming, T0 + SECOND, 'digest mismatch');
    assert.equal(failed.state, 'failed');
    assert.equal(failed.endedAt, T0 + SECOND);
    assert.deepEqual(trafficSplit(failed).serving, [{ arm: 'baseline', version: 1, percent: 100 }]);
  });

  it('blue-green switches at the first check: promote the candidate, archive the baseline, keep it warm', () => {
    const { deployment, effects } = checkDeployment(started({ strategy: 'blue-green', keepWarmSeconds: 30 }), { candidate: NO_READINGS, baseline: null }, T0 + SECOND);
    assert.equal(deployment.state, 'succeeded');
    assert.deepEqual(effects, [
      { type: 'promote', version: 2, archive: 1 },
      { type: 'keep-warm', version: 1, until: T0 + SECOND + 30_000 },
    ]);
    assert.deepEqual(trafficSplit(deployment).serving, [{ arm: 'candidate', version: 2, percent: 100 }]);
    assert.deepEqual(keepWarmOf(deployment), { version: 1, until: T0 + SECOND + 30_000 }, 'the window every process pins the old version for');
    assert.equal(keepWarmOf(rollbackDeployment(deployment, T0 + 2 * SECOND, 'alice', null).deployment), null, 'a switch rolled back keeps nothing warm');
    assert.equal(keepWarmOf(checkDeployment(started({}), { candidate: NO_READINGS, baseline: null }, T0).deployment), null, 'direct keeps nothing warm');
  });

  it('a first deployment (no Production yet) promotes and archives nothing', () => {
    const { effects } = checkDeployment(started({}, { production: null }), { candidate: NO_READINGS, baseline: null }, T0);
    assert.deepEqual(effects, [{ type: 'promote', version: 2, archive: null }]);
  });
});

describe('canary', () => {
  const options = { strategy: 'canary', bakeSeconds: 10, guardrails: { minRequests: 10 } };

  it('walks 5 → 25 → 50 % after each bake without breach, then promotes', () => {
    let deployment = started(options);
    const shares: number[] = [];
    let now = T0;
    let effects: readonly unknown[] = [];
    while (deployment.state === 'active') {
      shares.push(trafficSplit(deployment).serving.find((arm) => arm.arm === 'candidate')!.percent);
      now += 5 * SECOND;
      const halfway = checkDeployment(deployment, BOTH_HEALTHY, now);
      assert.equal(halfway.deployment.stepIndex, deployment.stepIndex, 'no advance before the bake time');
      now += 5 * SECOND;
      ({ deployment, effects } = checkDeployment(halfway.deployment, BOTH_HEALTHY, now));
    }
    assert.deepEqual(shares, [5, 25, 50]);
    assert.equal(deployment.state, 'succeeded');
    assert.deepEqual(effects, [{ type: 'promote', version: 2, archive: 1 }]);
    assert.deepEqual(deployment.history.map((entry) => `${entry.event}@${entry.candidatePercent}`), ['created@0', 'ready@5', 'advanced@25', 'advanced@50', 'promoted@100']);
  });

  it('splits traffic by the current step', () => {
    assert.deepEqual(trafficSplit(started(options)).serving, [
      { arm: 'baseline', version: 1, percent: 95 },
      { arm: 'candidate', version: 2, percent: 5 },
    ]);
  });

  it('rolls back after consecutive breaches; one breach followed by a pass does not', () => {
    const deployment = started(options);
    const failing = { candidate: { ...healthy(100), errors: 10 }, baseline: healthy(400) };
    const once = checkDeployment(deployment, failing, T0 + SECOND).deployment;
    assert.equal(once.state, 'active');
    assert.equal(once.consecutiveBreaches, 1);
    assert.match(once.history.at(-1)!.detail, /1 of 2: error-rate 0\.1 beyond 0\.02/);
    const recovered = checkDeployment(once, BOTH_HEALTHY, T0 + 2 * SECOND).deployment;
    assert.equal(recovered.consecutiveBreaches, 0);
    const again = checkDeployment(checkDeployment(recovered, failing, T0 + 3 * SECOND).deployment, failing, T0 + 4 * SECOND);
    assert.equal(again.deployment.state, 'rolled-back');
    assert.deepEqual(again.effects, []);
    assert.deepEqual(trafficSplit(again.deployment).serving, [{ arm: 'baseline', version: 1, percent: 100 }]);
    assert.match(again.deployment.history.at(-1)!.detail, /breached 2 checks in a row/);
  });

  it('a flipped positive rate is a breach even when every request succeeds', () => {
    const flipped = { candidate: healthy(100, 90), baseline: healthy(400, 120) };
    const step = checkDeployment(started({ ...options, guardrails: { minRequests: 10, maxConsecutiveBreaches: 1 } }), flipped, T0 + SECOND);
    assert.equal(step.deployment.state, 'rolled-back');
    assert.match(step.deployment.history.at(-1)!.detail, /positive-rate-shift 0\.9 beyond 0\.1 \(baseline 0\.3, \d+\.\d standard errors past the limit\)/);
  });

  it('without enough traffic the step neither passes nor fails: it waits, and says so once', () => {
    const quiet = { candidate: healthy(3), baseline: healthy(50) };
    const deployment = started(options);
    const first = checkDeployment(deployment, quiet, T0 + 20 * SECOND).deployment;
    const second = checkDeployment(first, quiet, T0 + 30 * SECOND).deployment;
    assert.equal(second.stepIndex, 0);
    assert.equal(second.state, 'active');
    assert.deepEqual(second.history.map((entry) => entry.event), ['created', 'ready', 'waiting-for-traffic']);
    const busy = checkDeployment(second, BOTH_HEALTHY, T0 + 40 * SECOND).deployment;
    assert.equal(busy.stepIndex, 1);
  });

  it('a paused canary holds its split and is not checked; resuming restarts the bake', () => {
    const paused = pauseDeployment(started(options), T0 + SECOND, 'bob', 'investigating');
    assert.equal(trafficSplit(paused).serving.find((arm) => arm.arm === 'candidate')!.percent, 5);
    assert.deepEqual(checkDeployment(paused, BOTH_HEALTHY, T0 + 60 * SECOND).deployment, paused);
    const resumed = resumeDeployment(paused, T0 + 60 * SECOND, 'bob', null);
    assert.equal(checkDeployment(resumed, BOTH_HEALTHY, T0 + 65 * SECOND).deployment.stepIndex, 0, 'the bake starts again at resume');
    assert.equal(checkDeployment(resumed, BOTH_HEALTHY, T0 + 70 * SECOND).deployment.stepIndex, 1);
    assert.deepEqual(paused.history.at(-1), { at: T0 + SECOND, event: 'paused', actor: 'bob', detail: 'investigating', candidatePercent: 5 });
  });

  it('abort and rollback give all traffic back to the baseline; after success, rollback promotes the baseline again', () => {
    assert.deepEqual(trafficSplit(abortDeployment(started(options), T0, 'bob', null)).serving, [{ arm: 'baseline', version: 1, percent: 100 }]);
    const running = rollbackDeployment(started(options), T0, 'bob', 'bad feeling');
    assert.equal(running.deployment.state, 'rolled-back');
    assert.deepEqual(running.effects, []);
    const succeeded = checkDeployment(started({ strategy: 'direct' }), BOTH_HEALTHY, T0).deployment;
    const back = rollbackDeployment(succeeded, T0 + SECOND, 'bob', null);
    assert.deepEqual(back.effects, [{ type: 'promote', version: 1, archive: 2 }]);
    assert.deepEqual(trafficSplit(back.deployment).serving, [{ arm: 'baseline', version: 1, percent: 100 }]);
    assert.equal(fieldOf(() => rollbackDeployment(back.deployment, T0 + 2 * SECOND, 'bob', null)), 'VERSION_CONFLICT', 'an ended rollback is not rolled back twice');
    assert.equal(fieldOf(() => pauseDeployment(back.deployment, T0, 'bob', null)), 'VERSION_CONFLICT');
  });
});

describe('A/B test and shadow', () => {
  it('an A/B test serves its weights until concluded; the winning candidate is promoted', () => {
    const ab = started({ strategy: 'ab', weights: { baseline: 70, candidate: 30 } });
    assert.deepEqual(trafficSplit(ab).serving.map((arm) => arm.percent), [70, 30]);
    const later = checkDeployment(ab, { candidate: healthy(100, 90), baseline: healthy(100, 10) }, T0 + 3600 * SECOND);
    assert.equal(later.deployment.state, 'active', 'arms may differ in what they predict');
    const won = concludeDeployment(later.deployment, 'candidate', T0 + 3600 * SECOND, 'alice', 'higher recall');
    assert.deepEqual(won.effects, [{ type: 'promote', version: 2, archive: 1 }]);
    assert.deepEqual(trafficSplit(won.deployment).serving, [{ arm: 'candidate', version: 2, percent: 100 }]);
    const lost = concludeDeployment(ab, 'baseline', T0, 'alice', null);
    assert.deepEqual(lost.effects, []);
    assert.deepEqual(trafficSplit(lost.deployment).serving, [{ arm: 'baseline', version: 1, percent: 100 }]);
  });

  it('an A/B arm that errors is rolled back', () => {
    const policy = { strategy: 'ab', guardrails: { minRequests: 10, maxConsecutiveBreaches: 1 } };
    const step = checkDeployment(started(policy), { candidate: { ...healthy(100), errors: 50 }, baseline: healthy(100) }, T0 + SECOND);
    assert.equal(step.deployment.state, 'rolled-back');
  });

  it('a shadow never serves: the candidate only receives a copy of its share', () => {
    const shadow = started({ strategy: 'shadow', mirrorPercent: 25 });
    assert.deepEqual(trafficSplit(shadow), { serving: [{ arm: 'baseline', version: 1, percent: 100 }], mirror: { arm: 'candidate', version: 2, percent: 25 } });
    assert.equal(trafficSplit(abortDeployment(shadow, T0, 'bob', null)).mirror, null);
    assert.equal(fieldOf(() => concludeDeployment(started({ strategy: 'canary' }), 'candidate', T0, 'bob', null)), 'VERSION_CONFLICT');
  });
});
