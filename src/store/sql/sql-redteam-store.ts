import type { Transaction } from 'kysely';
import { campaignEndedEvents, thresholdReachedEvent } from '../../domain/events.js';
import { isCampaignEnded, type Campaign } from '../../domain/redteam/campaign.js';
import type { RetrainTrigger, Vulnerability, VulnerabilityState, VulnerabilityView } from '../../domain/redteam/ledger.js';
import type { ClaimableVulnerability, TriggerPlan } from '../../domain/redteam/vulnerabilities.js';
import type { CampaignFilter, Evasion, NewFinding, RecordedFinding, RedTeamStore, VulnerabilityFilter } from '../../domain/ports/redteam-store.js';
import type { SqlDatabase } from './database.js';
import type { DatabaseSchema } from './schema.js';
import { withRetriedTransaction } from './retried-transaction.js';
import { recordEvents } from './sql-event-outbox.js';
import { fromJson, toJson } from './sql-errors.js';
import type { VulnerabilityRow, VulnerabilityTriggerRow } from './tables/redteam-tables.js';

/** Rows per multi-row statement: well under SQLite's parameter limit at 15 columns a row. */
const CHUNK = 50;
const ENDED_STATES = ['succeeded', 'failed'];

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The document is written only by this store, from a domain Campaign. */
function campaignOf(text: string): Campaign {
  return JSON.parse(text) as Campaign;
}

function toVulnerability(row: VulnerabilityRow): Vulnerability {
  return {
    id: row.id,
    task: row.task,
    signature: row.signature,
    original: row.original,
    adversarial: row.adversarial,
    chain: fromJson<string[]>(row.chain, []),
    attack: row.attack,
    family: row.family,
    model: row.model,
    version: Number(row.version),
    score: Number(row.score),
    campaignId: row.campaign_id,
    triggerId: row.trigger_id,
    usedAt: row.used_at === null ? null : Number(row.used_at),
    createdAt: Number(row.created_at),
  };
}

function toTrigger(row: VulnerabilityTriggerRow): RetrainTrigger {
  return { id: row.id, task: row.task, vulnerabilities: Number(row.vulnerabilities), threshold: Number(row.threshold), createdAt: Number(row.created_at) };
}

/** RedTeamStore on the SQL store (SQLite or PostgreSQL). */
export class SqlRedTeamStore implements RedTeamStore {
  constructor(private readonly database: SqlDatabase) {}

  private get db() {
    return this.database.db;
  }

  async createCampaign(campaign: Campaign): Promise<void> {
    await this.db
      .insertInto('redteam_campaigns')
      .values({
        id: campaign.id,
        job_id: campaign.jobId,
        model: campaign.model,
        version: campaign.version,
        task: campaign.task,
        state: campaign.state,
        verdict: campaign.verdict,
        document: toJson(campaign),
        created_at: campaign.createdAt,
        updated_at: campaign.createdAt,
      })
      // The request and the job's first attempt may both create it: the first one stands.
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  async getCampaign(id: string): Promise<Campaign | undefined> {
    const row = await this.db.selectFrom('redteam_campaigns').select('document').where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : campaignOf(row.document);
  }

  async listCampaigns(filter: CampaignFilter): Promise<Campaign[]> {
    let query = this.db.selectFrom('redteam_campaigns').select('document');
    if (filter.model !== undefined) query = query.where('model', '=', filter.model);
    if (filter.state !== undefined) query = query.where('state', '=', filter.state);
    const before = filter.before;
    if (before !== undefined) {
      query = query.where((eb) => eb.or([eb('created_at', '<', before.createdAt), eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)])]));
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
    return rows.map((row) => campaignOf(row.document));
  }

  async saveCampaign(campaign: Campaign, now: number): Promise<void> {
    await withRetriedTransaction(this.db, async (trx) => {
      const before = await trx.selectFrom('redteam_campaigns').select('state').where('id', '=', campaign.id).executeTakeFirst();
      await trx
        .updateTable('redteam_campaigns')
        .set({ state: campaign.state, verdict: campaign.verdict, document: toJson(campaign), updated_at: now })
        .where('id', '=', campaign.id)
        .execute();
      // The event once, when the campaign ends (a second save of an ended campaign raises nothing).
      const justEnded = before !== undefined && !isCampaignEnded({ state: before.state as Campaign['state'] }) && isCampaignEnded(campaign);
      if (justEnded) await recordEvents(trx, this.database.dialect, campaignEndedEvents(campaign, now));
    });
  }

  async latestEndedCampaigns(): Promise<Campaign[]> {
    const latest = this.db
      .selectFrom('redteam_campaigns')
      .select((eb) => ['model', eb.fn.max('created_at').as('latest')])
      .where('state', 'in', ENDED_STATES)
      .groupBy('model')
      .as('l');
    const rows = await this.db
      .selectFrom('redteam_campaigns as c')
      .innerJoin(latest, (join) => join.onRef('l.model', '=', 'c.model').onRef('l.latest', '=', 'c.created_at'))
      .select(['c.model', 'c.id', 'c.document'])
      .where('c.state', 'in', ENDED_STATES)
      .orderBy('c.model')
      .orderBy('c.id', 'desc')
      .execute();
    // Two campaigns of a model created in the same millisecond: the higher id stands.
    const byModel = new Map<string, Campaign>();
    for (const row of rows) if (!byModel.has(row.model)) byModel.set(row.model, campaignOf(row.document));
    return [...byModel.values()];
  }

  async recordFindings(findings: readonly NewFinding[]): Promise<RecordedFinding[]> {
    if (findings.length === 0) return [];
    return withRetriedTransaction(this.db, async (trx) => {
      for (const part of chunks(findings)) {
        await trx
          .insertInto('vulnerabilities')
          .values(
            part.map((f) => ({
              id: f.id,
              task: f.task,
              signature: f.signature,
              original: f.original,
              adversarial: f.adversarial,
              chain: toJson(f.chain),
              attack: f.attack,
              family: f.family,
              model: f.model,
              version: f.version,
              score: f.score,
              campaign_id: f.campaignId,
              trigger_id: null,
              used_at: null,
              created_at: f.createdAt,
            })),
          )
          .onConflict((oc) => oc.columns(['task', 'signature']).doNothing())
          .execute();
      }
      const stored = new Map<string, Vulnerability>();
      const key = (task: string, signature: string) => `${task}\n${signature}`;
      for (const part of chunks(findings, 200)) {
        const rows = await trx
          .selectFrom('vulnerabilities')
          .selectAll()
          .where((eb) => eb.or(part.map((f) => eb.and([eb('task', '=', f.task), eb('signature', '=', f.signature)]))))
          .execute();
        for (const row of rows) stored.set(key(row.task, row.signature), toVulnerability(row));
      }
      const recorded = findings.map((f): RecordedFinding => {
        const vulnerability = stored.get(key(f.task, f.signature));
        if (vulnerability === undefined) throw new Error(`vulnerability ${f.signature} of ${f.task} was not stored`);
        return { vulnerability, created: vulnerability.id === f.id };
      });
      await this.insertEvasions(
        trx,
        findings.map((f, i) => ({ vulnerabilityId: recorded[i]!.vulnerability.id, model: f.model, version: f.version, score: f.score, campaignId: f.campaignId, at: f.createdAt })),
      );
      return recorded;
    });
  }

  async recordEvasions(evasions: readonly Evasion[]): Promise<void> {
    if (evasions.length === 0) return;
    await withRetriedTransaction(this.db, (trx) => this.insertEvasions(trx, evasions));
  }

  private async insertEvasions(trx: Transaction<DatabaseSchema>, evasions: readonly Evasion[]): Promise<void> {
    for (const part of chunks(evasions)) {
      await trx
        .insertInto('vulnerability_evasions')
        .values(part.map((e) => ({ vulnerability_id: e.vulnerabilityId, model: e.model, version: e.version, score: e.score, campaign_id: e.campaignId, created_at: e.at })))
        .onConflict((oc) => oc.columns(['vulnerability_id', 'model', 'version']).doNothing())
        .execute();
    }
  }

  async getVulnerability(id: string): Promise<VulnerabilityView | undefined> {
    const row = await this.db.selectFrom('vulnerabilities').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : (await this.withLinks([toVulnerability(row)]))[0];
  }

  async listVulnerabilities(filter: VulnerabilityFilter): Promise<VulnerabilityView[]> {
    let query = this.db.selectFrom('vulnerabilities').selectAll();
    if (filter.task !== undefined) query = query.where('task', '=', filter.task);
    if (filter.model !== undefined) query = query.where('model', '=', filter.model);
    if (filter.version !== undefined) query = query.where('version', '=', filter.version);
    if (filter.family !== undefined) query = query.where('family', '=', filter.family);
    if (filter.campaignId !== undefined) query = query.where('campaign_id', '=', filter.campaignId);
    if (filter.triggerId !== undefined) query = query.where('trigger_id', '=', filter.triggerId);
    if (filter.state === 'unused') query = query.where('trigger_id', 'is', null);
    if (filter.state === 'claimed') query = query.where('trigger_id', 'is not', null).where('used_at', 'is', null);
    if (filter.state === 'used') query = query.where('used_at', 'is not', null);
    const usedBy = filter.usedBy;
    if (usedBy !== undefined) {
      query = query.where('id', 'in', (eb) => eb.selectFrom('vulnerability_uses').select('vulnerability_id').where('model', '=', usedBy.model).where('version', '=', usedBy.version));
    }
    const before = filter.before;
    if (before !== undefined) {
      query = query.where((eb) => eb.or([eb('created_at', '<', before.createdAt), eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)])]));
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
    return this.withLinks(rows.map(toVulnerability));
  }

  /** Adds the versions each vulnerability evades and the versions trained on it (two queries for the page). */
  private async withLinks(vulnerabilities: readonly Vulnerability[]): Promise<VulnerabilityView[]> {
    if (vulnerabilities.length === 0) return [];
    const ids = vulnerabilities.map((v) => v.id);
    const evasions = await this.db
      .selectFrom('vulnerability_evasions')
      .select(['vulnerability_id', 'model', 'version', 'score'])
      .where('vulnerability_id', 'in', ids)
      .orderBy('created_at')
      .orderBy('model')
      .orderBy('version')
      .execute();
    const uses = await this.db.selectFrom('vulnerability_uses').select(['vulnerability_id', 'model', 'version']).where('vulnerability_id', 'in', ids).orderBy('model').orderBy('version').execute();
    return vulnerabilities.map((v) => ({
      ...v,
      evades: evasions.filter((e) => e.vulnerability_id === v.id).map((e) => ({ model: e.model, version: Number(e.version), score: Number(e.score) })),
      usedBy: uses.filter((u) => u.vulnerability_id === v.id).map((u) => ({ model: u.model, version: Number(u.version) })),
    }));
  }

  async countVulnerabilities(task: string): Promise<Record<VulnerabilityState, number>> {
    const row = await this.db
      .selectFrom('vulnerabilities')
      .select((eb) => [
        eb.fn.countAll<number>().as('all'),
        eb.fn.count<number>('trigger_id').as('claimed'),
        eb.fn.count<number>('used_at').as('used'),
      ])
      .where('task', '=', task)
      .executeTakeFirstOrThrow();
    const all = Number(row.all);
    const claimed = Number(row.claimed);
    const used = Number(row.used);
    return { unused: all - claimed, claimed: claimed - used, used };
  }

  async claimTrigger(task: string, now: number, decide: (claimable: readonly ClaimableVulnerability[]) => TriggerPlan | null): Promise<RetrainTrigger | undefined> {
    return withRetriedTransaction(this.db, async (trx) => {
      await trx.insertInto('redteam_tasks').values({ task, updated_at: now }).onConflict((oc) => oc.column('task').doNothing()).execute();
      // Concurrent claims of one task queue here; each reads what the one before it left.
      await this.database.dialect.lockRow(trx, 'redteam_tasks', 'task', task);
      const claimable = await trx.selectFrom('vulnerabilities').select(['id', 'signature']).where('task', '=', task).where('trigger_id', 'is', null).orderBy('created_at').orderBy('id').execute();
      const plan = decide(claimable);
      if (plan === null) return undefined;
      const existing = await trx.selectFrom('vulnerability_triggers').select('id').where('id', '=', plan.id).executeTakeFirst();
      if (existing !== undefined) return undefined;
      const trigger: RetrainTrigger = { id: plan.id, task, vulnerabilities: plan.vulnerabilityIds.length, threshold: plan.threshold, createdAt: now };
      await trx.insertInto('vulnerability_triggers').values({ id: trigger.id, task, vulnerabilities: trigger.vulnerabilities, threshold: trigger.threshold, created_at: now }).execute();
      for (const part of chunks(plan.vulnerabilityIds, 500)) {
        await trx.updateTable('vulnerabilities').set({ trigger_id: trigger.id }).where('id', 'in', part).where('trigger_id', 'is', null).execute();
      }
      await trx.updateTable('redteam_tasks').set({ updated_at: now }).where('task', '=', task).execute();
      await recordEvents(trx, this.database.dialect, [thresholdReachedEvent(trigger)]);
      return trigger;
    });
  }

  async getTrigger(id: string): Promise<RetrainTrigger | undefined> {
    const row = await this.db.selectFrom('vulnerability_triggers').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toTrigger(row);
  }

  async claimedVulnerabilities(task: string): Promise<Vulnerability[]> {
    const rows = await this.db.selectFrom('vulnerabilities').selectAll().where('task', '=', task).where('trigger_id', 'is not', null).orderBy('created_at').orderBy('id').execute();
    return rows.map(toVulnerability);
  }

  async markUsed(triggerId: string, model: string, version: number, now: number): Promise<number> {
    return withRetriedTransaction(this.db, async (trx) => {
      const ids = (await trx.selectFrom('vulnerabilities').select('id').where('trigger_id', '=', triggerId).execute()).map((r) => r.id);
      for (const part of chunks(ids, 200)) {
        await trx
          .insertInto('vulnerability_uses')
          .values(part.map((id) => ({ vulnerability_id: id, model, version, trigger_id: triggerId, created_at: now })))
          .onConflict((oc) => oc.columns(['vulnerability_id', 'model', 'version']).doNothing())
          .execute();
      }
      await trx.updateTable('vulnerabilities').set({ used_at: now }).where('trigger_id', '=', triggerId).where('used_at', 'is', null).execute();
      return ids.length;
    });
  }
}
