import type { Campaign, CampaignState } from '../redteam/campaign.js';
import type { ClaimableVulnerability, TriggerPlan } from '../redteam/vulnerabilities.js';
import type { RetrainTrigger, Vulnerability, VulnerabilityState, VulnerabilityView } from '../redteam/ledger.js';

export interface CampaignFilter {
  readonly model?: string;
  readonly state?: CampaignState;
  readonly limit: number;
  /** Only campaigns created before this one (newest-first paging). */
  readonly before?: { readonly createdAt: number; readonly id: string };
}

/** A finding to record: an evasion of `model@version` by an attack. */
export type NewFinding = Omit<Vulnerability, 'triggerId' | 'usedAt'>;

export interface RecordedFinding {
  /** The ledger entry: the new one, or the one first recorded with this signature for the task. */
  readonly vulnerability: Vulnerability;
  /** False when the task already had a vulnerability with this signature. */
  readonly created: boolean;
}

export interface Evasion {
  readonly vulnerabilityId: string;
  readonly model: string;
  readonly version: number;
  readonly score: number;
  readonly campaignId: string;
  readonly at: number;
}

export interface VulnerabilityFilter {
  readonly task?: string;
  /** Found against this model (any version, or `version`). */
  readonly model?: string;
  readonly version?: number;
  readonly family?: string;
  readonly campaignId?: string;
  readonly state?: VulnerabilityState;
  readonly triggerId?: string;
  /** Trained on by this version (`model` and `version` of a version that used it). */
  readonly usedBy?: { readonly model: string; readonly version: number };
  readonly limit: number;
  /** Only entries created before this one (newest-first paging). */
  readonly before?: { readonly createdAt: number; readonly id: string };
}

/**
 * Campaigns and the vulnerability ledger. Guarantees, on every adapter:
 * - a task has at most one vulnerability per signature, also when processes record the same
 *   finding at once (the later ones get the first entry back with `created: false`);
 * - a vulnerability is claimed by at most one retrain trigger: {@link claimTrigger} reads the
 *   task's unclaimed vulnerabilities under the task's lock, so concurrent claims serialise;
 * - a trigger and its `vulnerabilities-threshold-reached` event, and a campaign's end and its
 *   `redteam-failed` event, commit in one transaction (the outbox).
 */
export interface RedTeamStore {
  /** Inserts the campaign; one with this id already stored is kept as it is. */
  createCampaign(campaign: Campaign): Promise<void>;
  getCampaign(id: string): Promise<Campaign | undefined>;
  /** Newest first. */
  listCampaigns(filter: CampaignFilter): Promise<Campaign[]>;
  /** Replaces the stored campaign; when it has just ended, records its redteam-failed event (if any) in the same transaction. */
  saveCampaign(campaign: Campaign, now: number): Promise<void>;
  /** The newest campaign of each model that ended, by model name. */
  latestEndedCampaigns(): Promise<Campaign[]>;

  /**
   * Records each finding once per (task, signature) and the evasion of its version, in one
   * transaction; returns, in order, the entry each finding is and whether it is new.
   */
  recordFindings(findings: readonly NewFinding[]): Promise<RecordedFinding[]>;
  /** Records that vulnerabilities also evade other versions (a replay); an evasion already recorded is kept. */
  recordEvasions(evasions: readonly Evasion[]): Promise<void>;
  getVulnerability(id: string): Promise<VulnerabilityView | undefined>;
  /** Newest first, with the versions each evades and the versions trained on it. */
  listVulnerabilities(filter: VulnerabilityFilter): Promise<VulnerabilityView[]>;
  /** How many vulnerabilities of the task are in each state. */
  countVulnerabilities(task: string): Promise<Record<VulnerabilityState, number>>;

  /**
   * Under the task's lock: reads its unclaimed vulnerabilities, asks `decide`, and when it
   * returns a plan records the trigger, marks the vulnerabilities claimed by it and records
   * its event — one transaction. Undefined when `decide` returned null. A plan whose id is
   * already recorded (the same set claimed before) writes nothing and returns undefined.
   */
  claimTrigger(task: string, now: number, decide: (claimable: readonly ClaimableVulnerability[]) => TriggerPlan | null): Promise<RetrainTrigger | undefined>;
  getTrigger(id: string): Promise<RetrainTrigger | undefined>;
  /** Every vulnerability of `task` claimed by a trigger (the task's vulnerability corpus), oldest first. */
  claimedVulnerabilities(task: string): Promise<Vulnerability[]>;
  /**
   * Records that `model@version` trained on the vulnerabilities of `triggerId` and marks them
   * used (the first use sets `usedAt`). Idempotent. Returns how many vulnerabilities it names.
   */
  markUsed(triggerId: string, model: string, version: number, now: number): Promise<number>;
}
