export interface RedTeamCampaignRow {
  id: string;
  job_id: string;
  model: string;
  version: number;
  task: string;
  state: string;
  verdict: string | null;
  document: string; // JSON of the domain Campaign
  created_at: number;
  updated_at: number;
}

export interface VulnerabilityRow {
  id: string;
  task: string;
  signature: string; // unique per task
  original: string;
  adversarial: string;
  chain: string; // JSON array of strings
  attack: string;
  family: string;
  model: string;
  version: number;
  score: number;
  campaign_id: string;
  trigger_id: string | null; // the retrain trigger that claimed it
  used_at: number | null; // first version trained on it registered
  created_at: number;
}

export interface VulnerabilityEvasionRow {
  vulnerability_id: string;
  model: string;
  version: number;
  score: number;
  campaign_id: string;
  created_at: number;
}

export interface VulnerabilityTriggerRow {
  id: string;
  task: string;
  vulnerabilities: number;
  threshold: number;
  created_at: number;
}

export interface VulnerabilityUseRow {
  vulnerability_id: string;
  model: string;
  version: number;
  trigger_id: string;
  created_at: number;
}

/** One row per task: locked while a trigger claims the task's vulnerabilities. */
export interface RedTeamTaskRow {
  task: string;
  updated_at: number;
}

export interface RedTeamTables {
  redteam_campaigns: RedTeamCampaignRow;
  vulnerabilities: VulnerabilityRow;
  vulnerability_evasions: VulnerabilityEvasionRow;
  vulnerability_triggers: VulnerabilityTriggerRow;
  vulnerability_uses: VulnerabilityUseRow;
  redteam_tasks: RedTeamTaskRow;
}
