import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_AUTO_STAGE_POLICY,
  decideAutoStage,
  describeLedgerReplay,
  judgeRobustness,
  parseAutoStagePolicy,
  parseRobustnessRequirement,
  type RobustnessEvidence,
  type StagingEvidence,
} from '../../src/domain/registry/index.js';

const evidence = (overrides: Partial<RobustnessEvidence> = {}): RobustnessEvidence => ({
  inputs: 100,
  attackSuccessRate: 0.12,
  families: { encoding: 0.1, dilution: 0.05, 'word-level': null },
  champion: { version: 3, families: { encoding: 0.08, dilution: 0.05, 'word-level': 0.2 } },
  ledger: { replayed: 14, evaded: 0 },
  ...overrides,
});

describe('the robustness gate', () => {
  it('passes within every bound and says so in words', () => {
    const verdict = judgeRobustness({ maxAttackSuccessRate: 0.2, maxFamilyRegression: 0.05, replayLedger: true }, evidence());
    assert.equal(verdict.pass, true);
    assert.equal(
      verdict.reason,
      'robustness: attack success 12.0 % ≤ 20.0 %; no family worse than Production version 3 by more than 5.0 points (worst: encoding +2.0 points); none of 14 ledger vulnerabilities came back',
    );
  });

  it('refuses an attack success rate above the bound, or unknown', () => {
    assert.match(judgeRobustness({ maxAttackSuccessRate: 0.1 }, evidence()).reason, /attack success 12\.0 % on 100 malicious held-out inputs > bound 10\.0 %/);
    assert.equal(judgeRobustness({ maxAttackSuccessRate: 0.1 }, evidence({ attackSuccessRate: null })).pass, false);
    assert.match(judgeRobustness({ maxAttackSuccessRate: 0.1 }, null).reason, /robustness was not measured/);
  });

  it('refuses a family worse than Production by more than N points; families Production could not be judged on are left out', () => {
    const verdict = judgeRobustness({ maxFamilyRegression: 0.01 }, evidence());
    assert.equal(verdict.pass, false);
    assert.match(verdict.reason, /encoding attack success 10\.0 % vs 8\.0 % for Production version 3, worse by 2\.0 points > 1\.0 points/);
    assert.equal(judgeRobustness({ maxFamilyRegression: 0.01 }, evidence({ champion: null })).pass, true, 'nothing to regress against');
  });

  it('refuses when an old evasion (a vulnerability already trained on) comes back', () => {
    assert.match(judgeRobustness({ replayLedger: true }, evidence({ ledger: { replayed: 14, evaded: 2 } })).reason, /2 of 14 vulnerabilities already trained on evade it again/);
  });

  it('says so when no version of the task trained on a finding yet, instead of "none of 0 came back"', () => {
    const verdict = judgeRobustness({ replayLedger: true }, evidence({ ledger: { replayed: 0, evaded: 0 } }));
    assert.deepEqual(verdict, { pass: true, reason: 'robustness: no finding a version already trained on to replay yet' });
    assert.equal(describeLedgerReplay({ replayed: 3, evaded: 1 }), '1 of 3 vulnerabilities already trained on evade it again');
  });

  it('parses strictly, naming the field', () => {
    assert.deepEqual(parseRobustnessRequirement({ maxAttackSuccessRate: 0.2, replayLedger: false, maxFamilyRegression: 0 }, 'r'), { maxAttackSuccessRate: 0.2, maxFamilyRegression: 0 });
    assert.throws(() => parseRobustnessRequirement({ maxAttackSuccessRate: 2 }, 'policy.robustness'), /maxAttackSuccessRate must be a number from 0 to 1/);
    assert.throws(() => parseRobustnessRequirement({ bound: 1 }, 'policy.robustness'), (e: Error & { field?: string }) => e.field === 'policy.robustness.bound');
    assert.throws(() => parseRobustnessRequirement({ replayLedger: false }, 'policy.robustness'), /requires nothing/);
    const policy = parseAutoStagePolicy({ metric: 'eval_accuracy', comparison: '>', threshold: 0.9, targetStage: 'Production', robustness: { maxAttackSuccessRate: 0.3 } });
    assert.deepEqual(policy.enabled && policy.robustness, { maxAttackSuccessRate: 0.3 });
  });

  it('is part of the auto-stage decision: its refusal caps at Staging with the verdict as the reason, its pass is in the Production reason', () => {
    const policy = { ...DEFAULT_AUTO_STAGE_POLICY, robustness: { maxAttackSuccessRate: 0.1 } } as const;
    const base: StagingEvidence = { metricsSource: 'warden', artifactVerified: true, initiator: { kind: 'system', name: 'warden-redteam' }, recipeAuthor: null, champion: null };
    const version = { status: 'READY', metrics: { eval_accuracy: 0.95 }, artifactDigest: 'a'.repeat(64) } as const;
    const refused = decideAutoStage(policy, version, { ...base, robustness: evidence() }, null);
    assert.equal(refused.stage, 'Staging');
    assert.match(refused.reason, /eval_accuracy 0\.95 > 0\.9, but robustness: attack success 12\.0 % .* > bound 10\.0 % → Staging/);
    const passed = decideAutoStage(policy, version, { ...base, robustness: evidence({ attackSuccessRate: 0.05 }) }, null);
    assert.equal(passed.stage, 'Production');
    assert.match(passed.reason, /; robustness: attack success 5\.0 % ≤ 10\.0 % → Production$/);
    assert.equal(decideAutoStage(policy, version, base, null).stage, 'Staging', 'a gate without evidence refuses');
    assert.equal(decideAutoStage(DEFAULT_AUTO_STAGE_POLICY, version, base, null).stage, 'Production', 'no gate, no attack needed');
  });
});
