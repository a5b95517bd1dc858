import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  campaignVerdict,
  findingSignature,
  normalizeForSignature,
  planRetrainTrigger,
  scoreCampaign,
  validateRetrainThreshold,
  vulnerabilityCorpusRows,
  vulnerabilityState,
  type InputOutcome,
} from '../../src/domain/redteam/index.js';
import { campaignEndedEvents, eventAggregate, thresholdReachedEvent } from '../../src/domain/events.js';
import type { Campaign } from '../../src/domain/redteam/index.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const ATTACKS = [
  { id: 'homoglyph', family: 'invisible-unicode' },
  { id: 'zero-width', family: 'invisible-unicode' },
  { id: 'leet', family: 'token-splitting' },
];

function tried(evaded: Record<string, boolean>, queries = 1): InputOutcome {
  return { skipped: false, attempts: ATTACKS.map((a) => ({ attack: a.id, family: a.family, evaded: evaded[a.id] ?? false, queries })) };
}
const SKIPPED: InputOutcome = { skipped: true, attempts: [] };

describe('campaign scoring (TextAttack counting)', () => {
  it('skips inputs already misclassified: they count for accuracy, never for the success rate', () => {
    const outcomes = [tried({ homoglyph: true }), tried({}), tried({ leet: true, 'zero-width': true }), SKIPPED];
    const score = scoreCampaign(outcomes, ATTACKS);
    const homoglyph = score.perAttack.find((r) => r.attack === 'homoglyph')!;
    assert.deepEqual([homoglyph.inputs, homoglyph.skipped, homoglyph.successes, homoglyph.failures], [4, 1, 1, 2]);
    assert.equal(homoglyph.attackSuccessRate, 1 / 3);
    assert.equal(homoglyph.accuracyUnderAttack, 2 / 4);
    assert.equal(homoglyph.originalAccuracy, 3 / 4);
    // 4 originals + 1 query on each of the 3 tried inputs.
    assert.equal(homoglyph.queries, 7);
    assert.equal(homoglyph.averageQueries, 7 / 3);
  });

  it('a family (and the campaign) succeeds on an input when any of its attacks evades', () => {
    const outcomes = [tried({ homoglyph: true }), tried({}), tried({ 'zero-width': true, leet: true }), SKIPPED];
    const score = scoreCampaign(outcomes, ATTACKS);
    const unicode = score.perFamily.find((f) => f.family === 'invisible-unicode')!;
    assert.deepEqual(unicode.attacks, ['homoglyph', 'zero-width']);
    assert.deepEqual([unicode.successes, unicode.failures, unicode.skipped], [2, 1, 1]);
    assert.equal(unicode.attackSuccessRate, 2 / 3);
    assert.equal(unicode.queries, 4 + 2 * 3);
    const splitting = score.perFamily.find((f) => f.family === 'token-splitting')!;
    assert.equal(splitting.attackSuccessRate, 1 / 3);
    assert.deepEqual([score.overall.successes, score.overall.failures, score.overall.skipped], [2, 1, 1]);
    assert.equal(score.overall.accuracyUnderAttack, 1 / 4);
    assert.equal(score.overall.queries, 4 + 3 * 3);
    assert.equal(campaignVerdict(score), 'evaded');
  });

  it('nothing tried: rates are null, not 0 (no evidence either way); no inputs: accuracies are null too', () => {
    const allSkipped = scoreCampaign([SKIPPED, SKIPPED], ATTACKS);
    assert.equal(allSkipped.overall.attackSuccessRate, null);
    assert.equal(allSkipped.overall.averageQueries, null);
    assert.equal(allSkipped.overall.accuracyUnderAttack, 0);
    assert.equal(campaignVerdict(allSkipped), 'held');
    const empty = scoreCampaign([], ATTACKS);
    assert.equal(empty.overall.accuracyUnderAttack, null);
    assert.equal(empty.overall.originalAccuracy, null);
  });
});

describe('finding signatures', () => {
  it('equal for re-wrapped copies and for other encodings of the same characters', () => {
    const a = findingSignature('spam', 'free  money\nnow ', sha256);
    assert.equal(findingSignature('spam', ' free money now', sha256), a);
    assert.equal(findingSignature('spam', 'caf\u00e9', sha256), findingSignature('spam', 'cafe\u0301', sha256));
    assert.equal(normalizeForSignature('  a\t\tb  '), 'a b');
  });

  it('differs by task and by every character an attack plays with (homoglyphs, zero-width, case, fullwidth)', () => {
    const base = findingSignature('spam', 'free money', sha256);
    assert.notEqual(findingSignature('prompt-injection', 'free money', sha256), base);
    for (const variant of ['fr\u0435e money', 'fr\u200bee money', 'FREE money', '\uff46ree money']) assert.notEqual(findingSignature('spam', variant, sha256), base, variant);
  });
});

describe('the retrain threshold rule', () => {
  const vulns = (n: number, prefix = 's') => Array.from({ length: n }, (_, i) => ({ id: `v${i}`, signature: `${prefix}${i}` }));

  it('below the threshold: no trigger; at it: one trigger claiming every unclaimed vulnerability', () => {
    assert.equal(planRetrainTrigger('spam', vulns(9), 10, sha256), null);
    const plan = planRetrainTrigger('spam', vulns(12), 10, sha256)!;
    assert.equal(plan.vulnerabilityIds.length, 12);
    assert.equal(plan.task, 'spam');
    assert.match(plan.id, /^vt-[0-9a-f]{40}$/);
  });

  it('counts unique signatures only, and the trigger id depends on the set, not on order or ids', () => {
    const duplicated = [...vulns(5), ...vulns(5).map((v) => ({ ...v, id: `dup-${v.id}` }))];
    assert.equal(planRetrainTrigger('spam', duplicated, 10, sha256), null, '5 unique signatures are not 10');
    const a = planRetrainTrigger('spam', vulns(10), 10, sha256)!;
    const b = planRetrainTrigger('spam', vulns(10).reverse().map((v) => ({ ...v, id: `other-${v.id}` })), 10, sha256)!;
    assert.equal(a.id, b.id);
    assert.notEqual(planRetrainTrigger('url', vulns(10), 10, sha256)!.id, a.id);
    assert.notEqual(planRetrainTrigger('spam', vulns(10, 't'), 10, sha256)!.id, a.id);
  });

  it('the corpus a trigger retrains on is the same rows in the same order, whatever order the ledger found them in', () => {
    const found = [{ adversarial: 'fr€e m0ney ' }, { adversarial: 'click h\u200bere' }, { adversarial: '  ' }, { adversarial: 'W1N a prize' }];
    const rows = vulnerabilityCorpusRows(found);
    assert.deepEqual(rows, [
      { text: 'W1N a prize', label: 1 },
      { text: 'click h\u200bere', label: 1 },
      { text: 'fr€e m0ney', label: 1 },
    ]);
    assert.deepEqual(vulnerabilityCorpusRows([...found].reverse()), rows);
    assert.deepEqual(vulnerabilityCorpusRows([found[1]!, found[3]!, found[0]!, found[2]!]), rows);
  });

  it('validates the threshold and names the state of a vulnerability', () => {
    assert.equal(validateRetrainThreshold(10), 10);
    assert.throws(() => validateRetrainThreshold(0), /threshold must be a whole number/);
    assert.throws(() => validateRetrainThreshold(2.5), /threshold/);
    assert.equal(vulnerabilityState({ triggerId: null, usedAt: null }), 'unused');
    assert.equal(vulnerabilityState({ triggerId: 'vt-1', usedAt: null }), 'claimed');
    assert.equal(vulnerabilityState({ triggerId: 'vt-1', usedAt: 5 }), 'used');
  });
});

describe('red-team events', () => {
  const campaign = (verdict: Campaign['verdict']): Campaign => ({
    id: 'c1',
    jobId: 'j1',
    model: 'spam-detector',
    version: 2,
    semver: 'v1.1',
    task: 'spam',
    settings: { families: ['encoding'], source: 'held-out', dataset: null, maxInputs: 10, queryBudget: 10, seed: 1 },
    state: verdict === 'error' ? 'failed' : 'succeeded',
    verdict,
    results: null,
    findings: { evasions: 3, new: 2, replayed: [] },
    error: verdict === 'error' ? 'boom' : null,
    createdBy: 'alice',
    createdAt: 1,
    startedAt: 2,
    finishedAt: 3,
  });

  it('redteam-failed for an evasion or an error, ordered with the model; none when the model held', () => {
    assert.deepEqual(campaignEndedEvents(campaign('held'), 9), []);
    const [evaded] = campaignEndedEvents(campaign('evaded'), 9);
    assert.deepEqual([evaded!.verdict, evaded!.newVulnerabilities, evaded!.at], ['evaded', 2, 9]);
    assert.equal(eventAggregate(evaded!), 'model:spam-detector');
    assert.equal(campaignEndedEvents(campaign('error'), 9)[0]!.error, 'boom');
    const reached = thresholdReachedEvent({ id: 'vt-1', task: 'spam', vulnerabilities: 10, threshold: 10, createdAt: 5 });
    assert.equal(eventAggregate(reached), 'redteam:spam');
  });
});
