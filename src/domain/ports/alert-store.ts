import type { Alert, AlertState } from '../alerts/episodes.js';
import type { AlertSeverity } from '../alerts/rules.js';
import type { Silence } from '../alerts/silences.js';

/** An alert as stored, with the revision an update must name (optimistic concurrency). */
export interface StoredAlert {
  readonly alert: Alert;
  readonly revision: number;
}

export interface AlertFilter {
  readonly state?: AlertState;
  readonly model?: string;
  readonly severity?: AlertSeverity;
  readonly limit: number;
  /** Only alerts fired before this one (newest first paging). */
  readonly before?: { readonly firedAt: number; readonly id: string };
}

export interface SilenceFilter {
  /** Only silences in force at this time (not expired, not ended). */
  readonly activeAt?: number;
  readonly limit: number;
}

/**
 * Alert episodes and silences. A fingerprint has at most one open episode, also under
 * concurrent writers (two processes evaluating the same signal fire it once). Firing and
 * resolving record `alert-fired` / `alert-resolved` in the same transaction as the change.
 */
export interface AlertStore {
  /** The fingerprint's open episode, if any, and when its latest resolved episode resolved. */
  episode(fingerprint: string): Promise<{ readonly open: StoredAlert | undefined; readonly lastResolvedAt: number | null }>;
  /**
   * Inserts a new open episode at revision 1 with its alert-fired event. When the fingerprint
   * already has an open episode (another writer fired first), nothing is written and that one is returned.
   */
  fire(alert: Alert): Promise<{ readonly fired: true } | { readonly fired: false; readonly open: StoredAlert }>;
  /**
   * Writes `next` if the stored revision is still `revision` (false, nothing written, when
   * another writer moved it first). An open episode written as resolved records alert-resolved.
   */
  update(next: Alert, revision: number): Promise<boolean>;
  get(id: string): Promise<StoredAlert | undefined>;
  /** Newest fired first. */
  list(filter: AlertFilter): Promise<Alert[]>;

  createSilence(silence: Silence): Promise<void>;
  getSilence(id: string): Promise<Silence | undefined>;
  /** Newest first. */
  listSilences(filter: SilenceFilter): Promise<Silence[]>;
  /** Ends a silence still in force at `now`; returns it as stored afterwards (unchanged when it had already ended or expired), undefined when unknown. */
  endSilence(id: string, actor: string, now: number): Promise<Silence | undefined>;
}
