export interface AlertRow {
  id: string;
  fingerprint: string;
  rule: string;
  severity: string;
  model: string;
  version: number | null;
  state: string;
  /** The fingerprint while the episode is open, null once resolved: a unique index allows one open episode per fingerprint. */
  open_key: string | null;
  fired_at: number;
  resolved_at: number | null;
  revision: number; // optimistic concurrency: each write names the revision it read
  document: string; // JSON of the domain Alert
}

export interface AlertSilenceRow {
  id: string;
  created_at: number;
  expires_at: number;
  ended_at: number | null;
  document: string; // JSON of the domain Silence
}

export interface AlertsTables {
  alerts: AlertRow;
  alert_silences: AlertSilenceRow;
}
