export interface OutboxEventRow {
  seq: number; // commit order across the cluster
  aggregate: string; // events of one aggregate are delivered in seq order
  type: string;
  payload: string; // JSON of the DomainEvent
  created_at: number;
}

export interface EventGroupRow {
  name: string;
  last_seq: number; // the last event this group handled
  holder: string | null; // the process delivering now
  lease_until: number | null;
  updated_at: number; // last claim or advance: retention ignores groups idle longer than it keeps events
}

export interface EventsTables {
  outbox_events: OutboxEventRow;
  event_groups: EventGroupRow;
}
