import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WardenError } from '../../src/domain/errors.js';
import {
  DEFAULT_AUTO_STAGE_POLICY,
  LEGAL_MOVES,
  STAGES,
  assembleLineage,
  compareMetrics,
  decideAutoStage,
  reportedEvidence,
  type StagingEvidence,
  nextSemver,
  parseAutoStagePolicy,
  parseMetricCondition,
  parseVersionQuery,
  parseVersionRef,
  planTransition,
  roleRequiredForTransition,
  validateAlias,
  validateModelName,
  versionRelation,
  type AutoStagePolicy,
  type ModelVersion,
  type SemverPoint,
  type Stage,
  type StageTransition,
  type TransitionPlan,
  type VersionStatus,
} from '../../src/domain/registry/index.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof WardenError ? error.code : 'NOT_A_WARDEN_ERROR';
  }
}

function field(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof WardenError ? error.field : undefined;
  }
}

function version(number: number, overrides: Partial<ModelVersion> = {}): ModelVersion {
  return {
    id: `id${number}`,
    modelId: 'model-1',
    model: 'spam',
    number,
    semver: `v1.${number - 1}`,
    major: 1,
    minor: number - 1,
    stage: 'None',
    status: 'READY',
    description: '',
    metrics: {},
    tags: {},
    parentVersion: null,
    retrainingCount: 0,
    datasetDigests: [],
    resourceUsage: {},
    recipeFingerprint: null,
    sourceRunId: null,
    artifactDigest: null,
    createdAt: 1000 + number,
    updatedAt: 1000 + number,
    ...overrides,
  };
}

let idCounter = 0;
const options = { actor: 'alice', reason: 'because', now: 5000, ids: () => `t${++idCounter}` };

describe('model and alias names', () => {
  const cases: Array<[unknown, string | undefined]> = [
    ['spam', undefined],
    ['spam-v2.phishing_x', undefined],
    ['0day', undefined],
    ['a'.repeat(64), undefined],
    ['a'.repeat(65), 'VALIDATION_FAILED'],
    ['Spam', 'VALIDATION_FAILED'],
    ['-spam', 'VALIDATION_FAILED'],
    ['.hidden', 'VALIDATION_FAILED'],
    ['spam/../x', 'VALIDATION_FAILED'],
    ['', 'VALIDATION_FAILED'],
    [42, 'VALIDATION_FAILED'],
    ['status', 'NAME_RESERVED'],
    ['compare', 'NAME_RESERVED'],
    ['deploy', 'NAME_RESERVED'],
    ['archive', 'NAME_RESERVED'],
    ['retrain', 'NAME_RESERVED'],
    ['rollback', 'NAME_RESERVED'],
  ];
  for (const [name, expected] of cases) {
    it(`model name ${JSON.stringify(name)} → ${expected ?? 'ok'}`, () => {
      assert.equal(code(() => validateModelName(name)), expected);
    });
  }
  it('names the field', () => {
    assert.equal(field(() => validateModelName('Bad', 'model')), 'model');
  });

  const aliases: Array<[unknown, boolean]> = [
    ['champion', true],
    ['challenger-2', true],
    ['v1', false],
    ['v12', false],
    ['1st', false],
    ['Champion', false],
    ['', false],
  ];
  for (const [alias, ok] of aliases) {
    it(`alias ${JSON.stringify(alias)} → ${ok ? 'ok' : 'refused'}`, () => {
      assert.equal(code(() => validateAlias(alias)), ok ? undefined : 'VALIDATION_FAILED');
    });
  }

  const refs: Array<[unknown, unknown]> = [
    [3, { kind: 'number', number: 3 }],
    ['3', { kind: 'number', number: 3 }],
    ['v1.2', { kind: 'semver', major: 1, minor: 2 }],
    ['champion', { kind: 'alias', alias: 'champion' }],
    [0, 'VALIDATION_FAILED'],
    ['0', 'VALIDATION_FAILED'],
    [1.5, 'VALIDATION_FAILED'],
    ['v1', 'VALIDATION_FAILED'],
    ['1.2', 'VALIDATION_FAILED'],
    ['', 'VALIDATION_FAILED'],
    [null, 'VALIDATION_FAILED'],
  ];
  for (const [raw, expected] of refs) {
    it(`version ref ${JSON.stringify(raw)}`, () => {
      if (typeof expected === 'string') assert.equal(code(() => parseVersionRef(raw)), expected);
      else assert.deepEqual(parseVersionRef(raw), expected);
    });
  }
});

describe('planTransition', () => {
  // Every (from, to, status) combination against the documented table.
  const statuses: VersionStatus[] = ['READY', 'PENDING', 'FAILED'];
  for (const from of STAGES) {
    for (const to of STAGES) {
      for (const status of statuses) {
        const legalMove = from !== to && LEGAL_MOVES[from].includes(to);
        const statusOk = status === 'READY' || to === 'None' || to === 'Archived';
        const expected = legalMove && statusOk;
        it(`${status} ${from} → ${to}: ${expected ? 'allowed' : 'refused'}`, () => {
          // Leaving Production without a replacement is legal only when forced with a reason (tested below).
          const result = planTransition(version(1, { stage: from, status }), to, [], { ...options, force: true, reasonGiven: true });
          if (expected) {
            assert.ok(!(result instanceof WardenError), result instanceof WardenError ? result.message : '');
            assert.deepEqual(
              (result as TransitionPlan).changes.map((c) => [c.versionId, c.from, c.to, c.actor, c.reason, c.at]),
              [['id1', from, to, 'alice', 'because', 5000]],
            );
          } else {
            assert.ok(result instanceof WardenError);
            assert.equal(result.code, 'STAGE_TRANSITION_INVALID');
            assert.equal(result.field, 'stage');
          }
        });
      }
    }
  }

  describe('taking the Production version out of Production', () => {
    const cases: Array<[string, { force?: boolean; reasonGiven?: boolean }, string | undefined]> = [
      ['without force', { reasonGiven: true }, 'force'],
      ['forced without a reason of its own', { force: true, reasonGiven: false }, 'reason'],
      ['forced with a reason', { force: true, reasonGiven: true }, undefined],
    ];
    for (const to of ['Archived', 'Staging'] as const) {
      for (const [name, extra, refusedField] of cases) {
        it(`→ ${to} ${name}: ${refusedField === undefined ? 'allowed' : `refused naming ${refusedField}`}`, () => {
          const result = planTransition(version(1, { stage: 'Production' }), to, [], { ...options, role: 'admin', ...extra });
          if (refusedField === undefined) {
            assert.ok(!(result instanceof WardenError));
            return;
          }
          assert.ok(result instanceof WardenError);
          assert.equal(result.code, 'STAGE_TRANSITION_INVALID');
          assert.equal(result.field, refusedField);
          assert.match(result.message, /only Production version; moving it to .* leaves nothing in Production.*force: true and a reason/);
        });
      }
    }
  });

  it('pins the documented table', () => {
    assert.deepEqual(LEGAL_MOVES, {
      None: ['Staging', 'Production', 'Archived'],
      Staging: ['None', 'Production', 'Archived'],
      Production: ['Staging', 'Archived'],
      Archived: ['None', 'Staging', 'Production'],
    });
  });

  it('archives the previous Production version first when a version enters Production', () => {
    const current = version(1, { stage: 'Production' });
    const other = version(2, { stage: 'Staging' });
    const result = planTransition(version(3, { stage: 'Staging' }), 'Production', [current, other], options) as TransitionPlan;
    assert.deepEqual(
      result.changes.map((c) => [c.versionNumber, c.from, c.to]),
      [
        [1, 'Production', 'Archived'],
        [3, 'Staging', 'Production'],
      ],
    );
    assert.match(result.changes[0]?.reason ?? '', /superseded by version 3/);
    assert.equal(result.modelId, 'model-1');
    assert.notEqual(result.changes[0]?.id, result.changes[1]?.id);
  });

  it('does not archive anything for moves that do not enter Production', () => {
    const result = planTransition(version(2), 'Staging', [version(1, { stage: 'Production' })], options) as TransitionPlan;
    assert.equal(result.changes.length, 1);
  });

  const roles: Array<[Stage, Stage, 'viewer' | 'editor' | 'admin', boolean]> = [
    ['None', 'Staging', 'editor', true],
    ['Staging', 'None', 'editor', true],
    ['None', 'Staging', 'viewer', false],
    ['Staging', 'Production', 'editor', false],
    ['Staging', 'Production', 'admin', true],
    ['Production', 'Staging', 'editor', false],
    ['Staging', 'Archived', 'editor', false],
    ['Archived', 'Staging', 'editor', false],
    ['Archived', 'Staging', 'admin', true],
  ];
  for (const [from, to, role, allowed] of roles) {
    it(`${role} may ${allowed ? '' : 'not '}move ${from} → ${to}`, () => {
      const result = planTransition(version(1, { stage: from }), to, [], { ...options, role, force: true, reasonGiven: true });
      if (allowed) assert.ok(!(result instanceof WardenError));
      else {
        assert.ok(result instanceof WardenError);
        assert.equal(result.code, 'FORBIDDEN');
      }
      assert.equal(roleRequiredForTransition(from, to) === 'editor', ['None', 'Staging'].includes(from) && ['None', 'Staging'].includes(to));
    });
  }
});

describe('nextSemver', () => {
  const p = (number: number, major: number, minor: number, recipeFingerprint: string | null): SemverPoint => ({ number, major, minor, recipeFingerprint });
  const history = [p(1, 1, 0, 'a'), p(2, 1, 1, 'a'), p(3, 2, 0, 'b'), p(4, 1, 2, 'a'), p(5, 2, 1, 'b')];
  const cases: Array<[string, SemverPoint[], string | null, SemverPoint | null, string]> = [
    ['first version', [], 'a', null, 'v1.0'],
    ['first version without recipe', [], null, null, 'v1.0'],
    ['retrain of the same recipe bumps the minor', [p(1, 1, 0, 'a')], 'a', null, 'v1.1'],
    ['a new recipe bumps the major', [p(1, 1, 0, 'a')], 'b', null, 'v2.0'],
    ['retrain of recipe a after b exists: minor on a’s major', history, 'a', null, 'v1.3'],
    ['retrain of recipe b: minor on b’s major', history, 'b', null, 'v2.2'],
    ['a third recipe: past the highest major', history, 'c', null, 'v3.0'],
    ['parent with the same recipe decides the major', history, 'a', p(2, 1, 1, 'a'), 'v1.3'],
    ['parent with another recipe: the new recipe bumps the major', history, 'c', p(2, 1, 1, 'a'), 'v3.0'],
    ['no fingerprint counts as one unspecified recipe', [p(1, 1, 0, null), p(2, 1, 1, null)], null, null, 'v1.2'],
    ['no fingerprint after named recipes is new', [p(1, 1, 0, 'a')], null, null, 'v2.0'],
    ['v1.3 → v1.4', [p(1, 1, 0, 'a'), p(2, 1, 1, 'a'), p(3, 1, 2, 'a'), p(4, 1, 3, 'a')], 'a', null, 'v1.4'],
    ['v1.4 then a new recipe → v2.0', [p(1, 1, 4, 'a')], 'z', null, 'v2.0'],
  ];
  for (const [name, existing, fingerprint, parent, expected] of cases) {
    it(`${name} → ${expected}`, () => {
      const decision = nextSemver(existing, fingerprint, parent);
      assert.equal(decision.semver, expected);
      assert.equal(`v${decision.major}.${decision.minor}`, expected);
      assert.ok(decision.reason.length > 0);
    });
  }
});

describe('auto-stage policy', () => {
  const custom = parseAutoStagePolicy({ metric: 'eval_fpr', comparison: '<=', threshold: 0.01, targetStage: 'Staging' });
  const cases: Array<[string, AutoStagePolicy, VersionStatus, Record<string, number>, Stage, RegExp]> = [
    ['default, above threshold', DEFAULT_AUTO_STAGE_POLICY, 'READY', { eval_accuracy: 0.93 }, 'Production', /eval_accuracy 0\.93 > 0\.9 → Production/],
    ['default, at threshold', DEFAULT_AUTO_STAGE_POLICY, 'READY', { eval_accuracy: 0.9 }, 'Staging', /eval_accuracy 0\.9 ≤ 0\.9 → Staging/],
    ['default, below threshold', DEFAULT_AUTO_STAGE_POLICY, 'READY', { eval_accuracy: 0.5 }, 'Staging', /eval_accuracy 0\.5 ≤ 0\.9 → Staging/],
    ['default, metric missing', DEFAULT_AUTO_STAGE_POLICY, 'READY', {}, 'Staging', /eval_accuracy not reported → Staging/],
    // A measured value reads at 4 significant digits, more only where fewer would sit on the threshold.
    ['default, measured value', DEFAULT_AUTO_STAGE_POLICY, 'READY', { eval_accuracy: 0.9906001446131598 }, 'Production', /eval_accuracy 0\.9906 > 0\.9 → Production/],
    ['default, just above threshold', DEFAULT_AUTO_STAGE_POLICY, 'READY', { eval_accuracy: 0.90000012 }, 'Production', /eval_accuracy 0\.9000001 > 0\.9 → Production/],
    ['default, just below threshold', DEFAULT_AUTO_STAGE_POLICY, 'READY', { eval_accuracy: 0.89999996 }, 'Staging', /eval_accuracy 0\.89999996 ≤ 0\.9 → Staging/],
    ['default, failed', DEFAULT_AUTO_STAGE_POLICY, 'FAILED', { eval_accuracy: 0.99 }, 'None', /status FAILED → None/],
    ['default, pending', DEFAULT_AUTO_STAGE_POLICY, 'PENDING', { eval_accuracy: 0.99 }, 'None', /status PENDING/],
    ['disabled', { enabled: false }, 'READY', { eval_accuracy: 0.99 }, 'None', /disabled/],
    ['custom lower-is-better rule holds', custom, 'READY', { eval_fpr: 0.005 }, 'Staging', /rule eval_fpr <= 0\.01: eval_fpr 0\.005 <= 0\.01 → Staging/],
    ['custom rule fails → None', custom, 'READY', { eval_fpr: 0.02 }, 'None', /eval_fpr 0\.02 > 0\.01 → None/],
  ];
  // Metrics Warden computed, a verified artifact, a platform trigger, no champion yet.
  const trusted: StagingEvidence = { metricsSource: 'warden', artifactVerified: true, initiator: { kind: 'system', name: 'warden-training' }, recipeAuthor: { kind: 'system', name: 'warden-training' }, champion: null };
  for (const [name, policy, status, metrics, stage, reason] of cases) {
    it(name, () => {
      const decision = decideAutoStage(policy, { status, metrics, artifactDigest: null }, trusted, null);
      assert.equal(decision.stage, stage);
      assert.match(decision.reason, reason);
    });
  }

  describe('Production needs evidence', () => {
    const ready = { status: 'READY' as const, metrics: { eval_accuracy: 0.99 }, artifactDigest: 'a'.repeat(64) };
    const caps: Array<[string, StagingEvidence, RegExp]> = [
      ['self-reported metrics', reportedEvidence({ kind: 'user', name: 'alice', role: 'admin' }), /reported by the caller, not computed by Warden/],
      ['an unverified artifact', { ...trusted, artifactVerified: false }, /artifact is missing or fails its sha256 check/],
      ['a job started by an editor', { ...trusted, initiator: { kind: 'user', name: 'bob', role: 'editor' } }, /started by editor "bob"; only an admin or a platform trigger/],
      ['a platform job on a recipe an editor wrote', { ...trusted, recipeAuthor: { kind: 'user', name: 'eve', role: 'editor' } }, /recipe was last changed by editor "eve"; an admin must review it/],
    ];
    for (const [name, evidence, reason] of caps) {
      it(`${name} → at most Staging, saying why`, () => {
        const decision = decideAutoStage(DEFAULT_AUTO_STAGE_POLICY, ready, evidence, null);
        assert.equal(decision.stage, 'Staging');
        assert.match(decision.reason, /eval_accuracy 0\.99 > 0\.9, but /);
        assert.match(decision.reason, reason);
      });
    }
    it('an admin-started job with computed metrics may reach Production', () => {
      const decision = decideAutoStage(DEFAULT_AUTO_STAGE_POLICY, ready, { ...trusted, initiator: { kind: 'user', name: 'root', role: 'admin' } }, null);
      assert.equal(decision.stage, 'Production');
      assert.equal(decision.cleared, true);
    });
    it('a retrain its retraining decision promotes: Staging, cleared when every gate passed, not when one refused', () => {
      const deferred = decideAutoStage(DEFAULT_AUTO_STAGE_POLICY, ready, { ...trusted, promotion: 'retraining-decision' }, null);
      assert.deepEqual([deferred.stage, deferred.cleared], ['Staging', true]);
      assert.match(deferred.reason, /eval_accuracy 0\.99 > 0\.9: cleared for Production, which a retrain reaches through its retraining decision → Staging$/);
      const refused = decideAutoStage(DEFAULT_AUTO_STAGE_POLICY, ready, { ...trusted, promotion: 'retraining-decision', initiator: { kind: 'user', name: 'bob', role: 'editor' } }, null);
      assert.deepEqual([refused.stage, refused.cleared], ['Staging', undefined]);
      const low = decideAutoStage(DEFAULT_AUTO_STAGE_POLICY, { ...ready, metrics: { eval_accuracy: 0.5 } }, { ...trusted, promotion: 'retraining-decision' }, null);
      assert.deepEqual([low.stage, low.cleared], ['Staging', undefined]);
    });
    it('a caller-reported verdict below Production is unchanged', () => {
      const decision = decideAutoStage(DEFAULT_AUTO_STAGE_POLICY, { status: 'READY', metrics: { eval_accuracy: 0.5 }, artifactDigest: null }, reportedEvidence({ kind: 'system', name: 'x' }), null);
      assert.equal(decision.stage, 'Staging');
      assert.match(decision.reason, /0\.5 ≤ 0\.9 → Staging$/);
    });
  });

  describe('champion/challenger gate', () => {
    const production = { id: 'v-champ', number: 3, artifactDigest: 'c'.repeat(64) };
    const ready = { status: 'READY' as const, metrics: { eval_accuracy: 0.97 }, artifactDigest: 'a'.repeat(64) };
    const champion = (challenger: number, champ: number, onlyChallengerRight: number, onlyChampionRight: number, pValue: number): StagingEvidence => ({
      ...trusted,
      champion: {
        championVersionId: 'v-champ',
        championNumber: 3,
        rows: 1000,
        challengerMetrics: { eval_accuracy: challenger },
        championMetrics: { eval_accuracy: champ },
        onlyChallengerRight,
        onlyChampionRight,
        pValue,
      },
    });
    it('no comparison with the current champion → Staging', () => {
      const decision = decideAutoStage(DEFAULT_AUTO_STAGE_POLICY, ready, trusted, production);
      assert.equal(decision.stage, 'Staging');
      assert.match(decision.reason, /not compared with the current Production version 3/);
    });
    it('a comparison with another version than the current champion → Staging', () => {
      const decision = decideAutoStage(DEFAULT_AUTO_STAGE_POLICY, ready, champion(0.97, 0.96, 20, 10, 0.1), { id: 'v-other', number: 4, artifactDigest: null });
      assert.equal(decision.stage, 'Staging');
      assert.match(decision.reason, /current Production version 4/);
    });
    it('better or equal within tolerance and not significantly worse → Production, naming the deltas', () => {
      const decision = decideAutoStage(DEFAULT_AUTO_STAGE_POLICY, ready, champion(0.965, 0.97, 10, 15, 0.42), production);
      assert.equal(decision.stage, 'Production');
      assert.match(decision.reason, /eval_accuracy 0\.965 vs 0\.97 \(Δ -0\.005, tolerance 0\.01\) against champion version 3 on the same 1000 held-out rows; McNemar p 0\.42/);
    });
    it('worse beyond the tolerance → Staging, naming the deltas', () => {
      const decision = decideAutoStage(DEFAULT_AUTO_STAGE_POLICY, ready, champion(0.95, 0.97, 5, 25, 0.0005), production);
      assert.equal(decision.stage, 'Staging');
      assert.match(decision.reason, /challenger is worse than the champion: eval_accuracy 0\.95 vs 0\.97 \(Δ -0\.02/);
    });
    it('within tolerance but significantly worse on the paired test → Staging', () => {
      const policy = parseAutoStagePolicy({ metric: 'eval_accuracy', comparison: '>', threshold: 0.9, targetStage: 'Production', tolerance: 0.05 });
      const decision = decideAutoStage(policy, ready, champion(0.96, 0.97, 2, 12, 0.013), production);
      assert.equal(decision.stage, 'Staging');
      assert.match(decision.reason, /champion is significantly better \(p < 0\.05\)/);
    });
    it('a model byte-identical to the champion stays out of Production (no churn)', () => {
      const same = { ...ready, artifactDigest: production.artifactDigest };
      const decision = decideAutoStage(DEFAULT_AUTO_STAGE_POLICY, same, champion(0.97, 0.97, 0, 0, 1), production);
      assert.equal(decision.stage, 'Staging');
      assert.match(decision.reason, /byte-identical to the current Production version 3/);
    });
    it('lower-is-better policies judge the other way', () => {
      const policy = parseAutoStagePolicy({ metric: 'eval_fpr', comparison: '<', threshold: 0.05, targetStage: 'Production' });
      const evidence = (challenger: number, champ: number): StagingEvidence => ({
        ...trusted,
        champion: { championVersionId: 'v-champ', championNumber: 3, rows: 500, challengerMetrics: { eval_fpr: challenger }, championMetrics: { eval_fpr: champ }, onlyChallengerRight: 3, onlyChampionRight: 3, pValue: 1 },
      });
      assert.equal(decideAutoStage(policy, { status: 'READY', metrics: { eval_fpr: 0.01 }, artifactDigest: null }, evidence(0.01, 0.03), production).stage, 'Production');
      assert.equal(decideAutoStage(policy, { status: 'READY', metrics: { eval_fpr: 0.04 }, artifactDigest: null }, evidence(0.04, 0.01), production).stage, 'Staging');
    });
  });

  const bad: Array<[unknown, string]> = [
    [null, 'policy'],
    [{ metric: 'a b', comparison: '>', threshold: 1, targetStage: 'Staging' }, 'policy.metric'],
    [{ metric: 'acc', comparison: '!=', threshold: 1, targetStage: 'Staging' }, 'policy.comparison'],
    [{ metric: 'acc', comparison: '>', threshold: 'x', targetStage: 'Staging' }, 'policy.threshold'],
    [{ metric: 'acc', comparison: '>', threshold: 1, targetStage: 'Archived' }, 'policy.targetStage'],
    [{ metric: 'acc', comparison: '>', threshold: 1, targetStage: 'Staging', otherwiseStage: 'Archived' }, 'policy.otherwiseStage'],
    [{ enabled: 'no' }, 'policy.enabled'],
    [{ metric: 'acc', comparison: '>', threshold: 1, targetStage: 'Staging', tolerance: -1 }, 'policy.tolerance'],
    [{ metric: 'acc', comparison: '>', threshold: 1, targetStage: 'Staging', alpha: 1 }, 'policy.alpha'],
    [{ metric: 'acc', comparison: '>', threshold: 1, targetStage: 'Staging', gate: true }, 'policy.gate'],
  ];
  for (const [raw, expectedField] of bad) {
    it(`refuses policy ${JSON.stringify(raw)} naming ${expectedField}`, () => {
      assert.equal(field(() => parseAutoStagePolicy(raw)), expectedField);
    });
  }
  it('fills defaults', () => {
    assert.deepEqual(parseAutoStagePolicy({ enabled: false, metric: 'ignored' }), { enabled: false });
    assert.deepEqual(parseAutoStagePolicy({ metric: 'eval_f1', comparison: '>=', threshold: 0.8, targetStage: 'Production' }), {
      enabled: true,
      metric: 'eval_f1',
      comparison: '>=',
      threshold: 0.8,
      targetStage: 'Production',
      otherwiseStage: 'Staging',
      tolerance: 0.01,
      alpha: 0.05,
    });
  });
});

describe('version search filter', () => {
  const conditions: Array<[string, unknown]> = [
    ['eval_f1>0.9', { key: 'eval_f1', comparison: '>', value: 0.9 }],
    ['eval_f1 >= 0.9', { key: 'eval_f1', comparison: '>=', value: 0.9 }],
    ['loss<.2', { key: 'loss', comparison: '<', value: 0.2 }],
    ['loss<=1e-3', { key: 'loss', comparison: '<=', value: 0.001 }],
    ['delta=-1', { key: 'delta', comparison: '=', value: -1 }],
    ['eval_f1>>0.9', 'metric'],
    ['eval_f1', 'metric'],
    ['>0.9', 'metric'],
    ['eval_f1>abc', 'metric'],
    ['eval f1>0.9', 'metric'],
  ];
  for (const [textValue, expected] of conditions) {
    it(`condition ${textValue}`, () => {
      if (expected === 'metric') assert.equal(field(() => parseMetricCondition(textValue)), 'metric');
      else assert.deepEqual(parseMetricCondition(textValue), expected);
    });
  }

  it('parses stages, tags, metrics and pagination', () => {
    assert.deepEqual(parseVersionQuery({ stage: 'Staging,Production', tag: ['team=fraud', 'data = jan'], metric: 'eval_f1>0.9', limit: '10', pageToken: 'n42' }), {
      stages: ['Staging', 'Production'],
      tags: [
        { key: 'team', value: 'fraud' },
        { key: 'data', value: 'jan' },
      ],
      metrics: [{ key: 'eval_f1', comparison: '>', value: 0.9 }],
      limit: 10,
      beforeNumber: 42,
    });
    assert.deepEqual(parseVersionQuery({}), { stages: [], tags: [], metrics: [], limit: 50, beforeNumber: null });
  });

  const bad: Array<[Parameters<typeof parseVersionQuery>[0], string]> = [
    [{ stage: 'Prod' }, 'stage'],
    [{ tag: 'team' }, 'tag'],
    [{ tag: '=x' }, 'tag'],
    [{ limit: '0' }, 'limit'],
    [{ limit: '501' }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ pageToken: 'garbage' }, 'pageToken'],
    [{ metric: 'f1~0.9' }, 'metric'],
  ];
  for (const [raw, expectedField] of bad) {
    it(`refuses ${JSON.stringify(raw)} naming ${expectedField}`, () => {
      assert.equal(field(() => parseVersionQuery(raw)), expectedField);
    });
  }
});

describe('compare', () => {
  it('puts metrics side by side with deltas and winners', () => {
    const a = { eval_f1: 0.9, eval_loss: 0.3, eval_accuracy_only_a: 1, eval_docs_per_second: 10, eval_recall: 1 };
    const b = { eval_f1: 0.95, eval_loss: 0.4, eval_recall: 1, eval_docs_per_second: 90 };
    const result = compareMetrics(a, b);
    const f1 = result.metrics.find((m) => m.metric === 'eval_f1');
    assert.equal(f1?.winner, 'b');
    assert.ok(Math.abs((f1?.delta ?? 0) - 0.05) < 1e-12);
    assert.equal(result.metrics.find((m) => m.metric === 'eval_loss')?.winner, 'a');
    assert.equal(result.metrics.find((m) => m.metric === 'eval_loss')?.direction, 'lower');
    assert.deepEqual(result.metrics.find((m) => m.metric === 'eval_accuracy_only_a'), { metric: 'eval_accuracy_only_a', a: 1, b: null, delta: null, direction: 'none', winner: null });
    assert.equal(result.metrics.find((m) => m.metric === 'eval_recall')?.winner, 'tie');
    // Throughput is shown with its delta but never won, whichever side is faster.
    assert.deepEqual(result.metrics.find((m) => m.metric === 'eval_docs_per_second'), { metric: 'eval_docs_per_second', a: 10, b: 90, delta: 80, direction: 'none', winner: null });
    assert.deepEqual(result.wins, { a: 1, b: 1, ties: 1 });
    assert.deepEqual(result.metrics.map((m) => m.metric), ['eval_accuracy_only_a', 'eval_docs_per_second', 'eval_f1', 'eval_loss', 'eval_recall']);
  });

  it('declares no winner for figures not measured on the same rows', () => {
    const result = compareMetrics({ eval_f1: 0.9, eval_loss: 0.3 }, { eval_f1: 0.95, eval_loss: 0.4 }, { declareWinners: false });
    assert.deepEqual(result.metrics.map((m) => [m.metric, m.direction, m.winner]), [['eval_f1', 'higher', null], ['eval_loss', 'lower', null]]);
    assert.deepEqual(result.wins, { a: 0, b: 0, ties: 0 });
  });

  const relations: Array<[string, Partial<ModelVersion>, Partial<ModelVersion>, number[], number[], string]> = [
    ['same', {}, {}, [], [], 'same'],
    ['ancestor', {}, { parentVersion: 1 }, [], [1], 'ancestor'],
    ['descendant', { parentVersion: 2 }, {}, [2], [], 'descendant'],
    ['siblings', { parentVersion: 3 }, { parentVersion: 3 }, [3], [3], 'siblings'],
    ['related', { parentVersion: 3 }, { parentVersion: 4 }, [3, 1], [4, 1], 'related'],
    ['unrelated', {}, {}, [], [], 'unrelated'],
  ];
  for (const [name, oa, ob, ancA, ancB, expected] of relations) {
    it(`relation: ${name}`, () => {
      const a = version(name === 'same' ? 1 : 5, oa);
      const b = name === 'same' ? a : version(name === 'ancestor' ? 6 : name === 'descendant' ? 2 : 7, ob);
      const av = name === 'ancestor' ? version(1, oa) : a;
      assert.equal(versionRelation(av, b, ancA, ancB), expected);
    });
  }
});

describe('lineage', () => {
  const t = (seq: number, v: ModelVersion, from: Stage, to: Stage, at: number): StageTransition => ({
    id: `t${seq}`,
    seq,
    modelId: 'model-1',
    versionId: v.id,
    versionNumber: v.number,
    from,
    to,
    actor: 'bob',
    reason: `r${seq}`,
    at,
  });

  it('rebuilds the chain, the performance and deployment histories', () => {
    const v1 = version(1, { metrics: { eval_accuracy: 0.8 } });
    const v2 = version(2, { parentVersion: 1, retrainingCount: 1, metrics: { eval_accuracy: 0.9 } });
    const v3 = version(3, { parentVersion: 2, retrainingCount: 2, metrics: { eval_accuracy: 0.95 }, resourceUsage: { train_seconds: 3 }, stage: 'Production' });
    const v4 = version(4, { parentVersion: 3, retrainingCount: 3 });
    const unrelated = version(9);
    const lineage = assembleLineage({
      version: v3,
      ancestors: [v1, v2],
      children: [v4],
      transitions: [
        t(5, v3, 'Staging', 'Production', 50),
        t(1, v1, 'None', 'Production', 10),
        t(2, v2, 'None', 'Staging', 20),
        t(3, v1, 'Production', 'Archived', 30),
        t(4, v2, 'Staging', 'Production', 30),
        t(6, v2, 'Production', 'Archived', 50),
        t(7, unrelated, 'None', 'Staging', 60),
      ],
    });
    assert.deepEqual(lineage.ancestors.map((v) => v.number), [2, 1]);
    assert.deepEqual(lineage.children.map((v) => v.number), [4]);
    assert.deepEqual(lineage.performanceHistory.map((p) => [p.number, p.metrics.eval_accuracy]), [
      [1, 0.8],
      [2, 0.9],
      [3, 0.95],
    ]);
    assert.deepEqual(
      lineage.productionHistory.map((d) => [d.version, d.enteredAt, d.exitedAt, d.exitedTo]),
      [
        [1, 10, 30, 'Archived'],
        [2, 30, 50, 'Archived'],
        [3, 50, null, null],
      ],
    );
    assert.equal(lineage.retrainingCount, 2);
    assert.deepEqual(lineage.resourceUsage, { train_seconds: 3 });
    assert.equal(lineage.version.parentVersion, 2);
  });

  it('handles a version without parent', () => {
    const lineage = assembleLineage({ version: version(1), ancestors: [], children: [], transitions: [] });
    assert.deepEqual(lineage.ancestors, []);
    assert.equal(lineage.performanceHistory.length, 1);
    assert.deepEqual(lineage.productionHistory, []);
    assert.deepEqual(lineage.deploymentHistory, []);
  });
});
