/**
 * A red-team campaign: attack families run against one model version on its malicious
 * held-out rows (or a dataset's), each evasion a finding for the vulnerability ledger.
 * The campaign is the record people read (API, CLI, status); its `redteam` job does the work.
 */
import type { AttackRow, AttackTally, FamilyRow } from './scoring.js';
import { truncateText } from '../text.js';

export const CAMPAIGN_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

/** Where the attacked inputs come from. */
export const CAMPAIGN_SOURCES = ['held-out', 'dataset'] as const;
export type CampaignSource = (typeof CAMPAIGN_SOURCES)[number];

/**
 * How a finished campaign went for the model: `held` (no attack evaded it), `evaded` (at least
 * one did: the model failed the red team), `error` (the campaign itself failed).
 */
export const CAMPAIGN_VERDICTS = ['held', 'evaded', 'error'] as const;
export type CampaignVerdict = (typeof CAMPAIGN_VERDICTS)[number];

/** Defaults of a campaign request. */
export const DEFAULT_MAX_INPUTS = 200;
export const MAX_CAMPAIGN_INPUTS = 5_000;
export const DEFAULT_QUERY_BUDGET = 200;
export const MAX_QUERY_BUDGET = 5_000;
/** Evasions shown per family in the campaign's results (the ledger keeps all of them). */
export const EXAMPLES_PER_FAMILY = 3;

export interface CampaignSettings {
  /** Attack families run, in order. */
  readonly families: readonly string[];
  readonly source: CampaignSource;
  readonly dataset: { readonly name: string; readonly version: number; readonly sha256: string } | null;
  /** Most malicious inputs attacked (the first ones, in the rows' order). */
  readonly maxInputs: number;
  /** The search attack's oracle budget per input. */
  readonly queryBudget: number;
  readonly seed: number;
}

export interface CampaignExample {
  readonly attack: string;
  readonly family: string;
  /** Truncated for display; the ledger has the whole text. */
  readonly original: string;
  readonly adversarial: string;
  readonly score: number;
}

export interface CampaignResults {
  readonly perAttack: readonly AttackRow[];
  readonly perFamily: readonly FamilyRow[];
  readonly overall: AttackTally;
  readonly examples: readonly CampaignExample[];
  /** The version's decision threshold the evasions were judged by. */
  readonly threshold: number;
}

export interface CampaignFindings {
  /** Evasions found by this campaign (each input × attack that evaded). */
  readonly evasions: number;
  /** Ledger entries this campaign added (unique, not seen before for the task). */
  readonly new: number;
  /** Other models of the task that a new finding also evades (`model@version`, with how many). */
  readonly replayed: ReadonlyArray<{ readonly model: string; readonly version: number; readonly evaded: number; readonly tried: number }>;
}

export interface Campaign {
  readonly id: string;
  readonly jobId: string;
  readonly model: string;
  readonly version: number;
  readonly semver: string;
  readonly task: string;
  readonly settings: CampaignSettings;
  readonly state: CampaignState;
  readonly verdict: CampaignVerdict | null;
  readonly results: CampaignResults | null;
  readonly findings: CampaignFindings | null;
  readonly error: string | null;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
}

export function isCampaignEnded(campaign: Pick<Campaign, 'state'>): boolean {
  return campaign.state === 'succeeded' || campaign.state === 'failed' || campaign.state === 'cancelled';
}

/** The verdict of a campaign that ran to its end. */
export function campaignVerdict(results: Pick<CampaignResults, 'overall'>): CampaignVerdict {
  return results.overall.successes > 0 ? 'evaded' : 'held';
}

export function truncateExample(text: string, chars = 300): string {
  return truncateText(text, chars);
}
