/** The RedTeamStore contract, run by every adapter (SQLite and PostgreSQL). */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { DomainEvent } from '../../src/domain/ports/domain-events.js';
import type { NewFinding, RedTeamStore } from '../../src/domain/ports/redteam-store.js';
import { findingSignature, planRetrainTrigger, type Campaign } from '../../src/domain/redteam/index.js';

export interface RedTeamStoreFixture {
  readonly store: RedTeamStore;
  /** The same database through another connection (another process's view). */
  readonly other: RedTeamStore;
  /** The events of the red team the store recorded in its outbox, in order. */
  recordedEvents(): Promise<DomainEvent[]>;
  cleanup(): Promise<void>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
let clock = 1_700_000_000_000;
let serial = 0;

function campaign(model: string, overrides: Partial<Campaign> = {}): Campaign {
  clock += 1000;
  serial += 1;
  return {
    id: `c-${serial}`,
    jobId: `j-${serial}`,
    model,
    version: 1,
    semver: 'v1.0',
    task: 'spam',
    settings: { families: ['encoding', 'dilution'], source: 'held-out', dataset: null, maxInputs: 50, queryBudget: 100, seed: 7 },
    state: 'queued',
    verdict: null,
    results: null,
    findings: null,
    error: null,
    createdBy: 'alice',
    createdAt: clock,
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}

function finding(task: string, text: string, overrides: Partial<NewFinding> = {}): NewFinding {
  clock += 1;
  serial += 1;
  return {
    id: `v-${serial}`,
    task,
    signature: findingSignature(task, text, sha256),
    original: `original of ${text}`,
    adversarial: text,
    chain: ['base64-decode-this'],
    attack: 'base64-decode-this',
    family: 'encoding',
    model: `${task}-model`,
    version: 1,
    score: 0.2,
    campaignId: 'c-x',
    createdAt: clock,
    ...overrides,
  };
}

export function redTeamStoreContract(name: string, createFixture: () => Promise<RedTeamStoreFixture>): void {
  describe(`RedTeamStore contract: ${name}`, () => {
    let fixture: RedTeamStoreFixture;
    let store: RedTeamStore;
    before(async () => {
      fixture = await createFixture();
      store = fixture.store;
    });
    after(() => fixture.cleanup());

    it('stores a campaign whole, lists newest first with filters and paging', async () => {
      const a = campaign('m-list');
      const b = campaign('m-list', { state: 'running' });
      const c = campaign('m-other');
      for (const x of [a, b, c]) await store.createCampaign(x);
      assert.deepEqual(await store.getCampaign(a.id), a);
      assert.equal(await store.getCampaign('nope'), undefined);
      assert.deepEqual((await store.listCampaigns({ model: 'm-list', limit: 10 })).map((x) => x.id), [b.id, a.id]);
      assert.deepEqual((await store.listCampaigns({ model: 'm-list', state: 'running', limit: 10 })).map((x) => x.id), [b.id]);
      assert.deepEqual((await store.listCampaigns({ model: 'm-list', limit: 10, before: { createdAt: b.createdAt, id: b.id } })).map((x) => x.id), [a.id]);
    });

    it('a campaign that ends evaded or failed records redteam-failed once, in its transaction; one that held records none', async () => {
      const evaded = campaign('m-events');
      const held = campaign('m-events-held');
      await store.createCampaign(evaded);
      await store.createCampaign(held);
      const ended = { ...evaded, state: 'succeeded' as const, verdict: 'evaded' as const, findings: { evasions: 4, new: 3, replayed: [] }, finishedAt: clock + 5 };
      await store.saveCampaign({ ...evaded, state: 'running' }, clock + 1);
      await store.saveCampaign(ended, clock + 5);
      await store.saveCampaign(ended, clock + 6);
      await store.saveCampaign({ ...held, state: 'succeeded', verdict: 'held', finishedAt: clock + 7 }, clock + 7);
      const events = (await fixture.recordedEvents()).filter((e) => e.type === 'redteam-failed' && e.model.startsWith('m-events'));
      assert.equal(events.length, 1);
      assert.deepEqual(events[0]!.type === 'redteam-failed' && [events[0]!.campaignId, events[0]!.verdict, events[0]!.newVulnerabilities], [evaded.id, 'evaded', 3]);
      assert.deepEqual(await store.getCampaign(evaded.id), ended);
    });

    it("the newest ended campaign of each model (running ones don't count)", async () => {
      const old = campaign('m-latest', { state: 'succeeded', verdict: 'evaded' });
      const newer = campaign('m-latest', { state: 'failed', verdict: 'error' });
      const running = campaign('m-latest', { state: 'running' });
      for (const x of [old, newer, running]) await store.createCampaign(x);
      const latest = (await store.latestEndedCampaigns()).filter((x) => x.model === 'm-latest');
      assert.deepEqual(latest.map((x) => x.id), [newer.id]);
    });

    it('records a finding once per task and signature, also when two connections record it at once; each version it evades is kept', async () => {
      const first = finding('dedupe', 'free   money');
      const again = finding('dedupe', ' free money ', { model: 'dedupe-other', version: 3, score: 0.1 });
      const elsewhere = finding('dedupe-2', 'free money');
      const recorded = await store.recordFindings([first, again, elsewhere]);
      assert.deepEqual(recorded.map((r) => r.created), [true, false, true]);
      assert.equal(recorded[1]!.vulnerability.id, first.id, 'the re-wrapped copy is the first entry');
      const view = (await store.getVulnerability(first.id))!;
      assert.deepEqual(view.evades.map((e) => `${e.model}@${e.version}`).sort(), ['dedupe-model@1', 'dedupe-other@3']);
      assert.deepEqual([view.chain, view.triggerId, view.usedAt], [['base64-decode-this'], null, null]);

      // Racing connections, the same five texts each: five entries in all.
      const texts = Array.from({ length: 5 }, (_, i) => `race text ${i}`);
      const results = await Promise.all([store, fixture.other, store, fixture.other].map((s, k) => s.recordFindings(texts.map((t) => finding('race', t, { version: k + 1 })))));
      const created = results.flat().filter((r) => r.created).length;
      assert.equal(created, 5);
      assert.equal((await store.listVulnerabilities({ task: 'race', limit: 100 })).length, 5);
      for (const result of results) assert.deepEqual(result.map((r) => r.vulnerability.id), results[0]!.map((r) => r.vulnerability.id));
      const raced = (await store.listVulnerabilities({ task: 'race', limit: 1 }))[0]!;
      assert.deepEqual(raced.evades.map((e) => e.version).sort(), [1, 2, 3, 4]);

      await store.recordEvasions([{ vulnerabilityId: first.id, model: 'replayed', version: 2, score: 0.3, campaignId: 'c-y', at: clock }]);
      await store.recordEvasions([{ vulnerabilityId: first.id, model: 'replayed', version: 2, score: 0.4, campaignId: 'c-z', at: clock }]);
      assert.equal((await store.getVulnerability(first.id))!.evades.filter((e) => e.model === 'replayed').length, 1);
    });

    it('claims a trigger only at the threshold, all unclaimed vulnerabilities at once, exactly once under racing connections', async () => {
      const decide = (threshold: number) => (claimable: Parameters<typeof planRetrainTrigger>[1]) => planRetrainTrigger('claims', claimable, threshold, sha256);
      await store.recordFindings(Array.from({ length: 9 }, (_, i) => finding('claims', `claim ${i}`)));
      assert.equal(await store.claimTrigger('claims', clock, decide(10)), undefined);
      assert.deepEqual(await store.countVulnerabilities('claims'), { unused: 9, claimed: 0, used: 0 });
      await store.recordFindings([finding('claims', 'claim 9'), finding('claims', 'claim 10')]);

      const outcomes = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? store : fixture.other).claimTrigger('claims', clock, decide(10))));
      const triggers = outcomes.filter((t) => t !== undefined);
      assert.equal(triggers.length, 1, 'one trigger for one set');
      const trigger = triggers[0]!;
      assert.deepEqual([trigger.task, trigger.vulnerabilities, trigger.threshold], ['claims', 11, 10]);
      assert.deepEqual(await store.getTrigger(trigger.id), trigger);
      assert.deepEqual(await store.countVulnerabilities('claims'), { unused: 0, claimed: 11, used: 0 });
      assert.equal((await store.listVulnerabilities({ triggerId: trigger.id, limit: 100 })).length, 11);
      const events = (await fixture.recordedEvents()).filter((e) => e.type === 'vulnerabilities-threshold-reached' && e.task === 'claims');
      assert.deepEqual(events.map((e) => e.type === 'vulnerabilities-threshold-reached' && [e.triggerId, e.vulnerabilities]), [[trigger.id, 11]]);

      // New findings start the count again.
      await store.recordFindings([finding('claims', 'claim 11')]);
      assert.equal(await store.claimTrigger('claims', clock, decide(10)), undefined);
      assert.equal((await store.listVulnerabilities({ task: 'claims', state: 'unused', limit: 100 })).length, 1);
      assert.equal((await store.claimedVulnerabilities('claims')).length, 11);
    });

    it('marks a trigger’s vulnerabilities used by each version that trained on them, idempotently', async () => {
      await store.recordFindings(Array.from({ length: 3 }, (_, i) => finding('uses', `use ${i}`)));
      const trigger = (await store.claimTrigger('uses', clock, (claimable) => planRetrainTrigger('uses', claimable, 3, sha256)))!;
      assert.equal(await store.markUsed(trigger.id, 'uses-a', 2, clock + 1), 3);
      assert.equal(await store.markUsed(trigger.id, 'uses-a', 2, clock + 2), 3);
      assert.equal(await store.markUsed(trigger.id, 'uses-b', 5, clock + 3), 3);
      const used = await store.listVulnerabilities({ usedBy: { model: 'uses-a', version: 2 }, limit: 10 });
      assert.equal(used.length, 3);
      for (const v of used) {
        assert.equal(v.usedAt, clock + 1, 'the first use sets usedAt');
        assert.deepEqual(v.usedBy, [{ model: 'uses-a', version: 2 }, { model: 'uses-b', version: 5 }]);
      }
      assert.deepEqual(await store.countVulnerabilities('uses'), { unused: 0, claimed: 0, used: 3 });
      assert.equal((await store.listVulnerabilities({ task: 'uses', state: 'used', family: 'encoding', limit: 10 })).length, 3);
      assert.equal((await store.listVulnerabilities({ task: 'uses', state: 'claimed', limit: 10 })).length, 0);
    });
  });
}
