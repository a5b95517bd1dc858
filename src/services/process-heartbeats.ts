/**
 * Every API and worker process reports its own resources (CPU, RSS, heap, event-loop lag, GPU)
 * to the store every few seconds, so whichever API process answers GET /monitoring can show
 * every live process of the cluster, not only itself. A heartbeat expires after a few missed
 * beats: a process that crashed or lost the store drops out on its own; one that stops
 * cleanly removes its row at once.
 */
import type { Clock } from '../domain/ports/clock.js';
import type { MonitoringStore, ProcessHeartbeat } from '../domain/ports/monitoring-store.js';
import type { ProcessResources } from '../domain/ports/resource-meter.js';

/** How often a process beats, and after how many missed beats it drops out of the list. */
export const HEARTBEAT_INTERVAL_MS = 10_000;
export const HEARTBEAT_MISSED_BEATS = 3;

export interface ProcessHeartbeatsDeps {
  readonly store: Pick<MonitoringStore, 'beat' | 'liveProcesses' | 'endProcess'>;
  /** Samples this process (CPU since the previous sample, memory, event-loop lag, GPU). */
  readonly sample: () => Promise<ProcessResources>;
  readonly clock: Clock;
  readonly identity: { readonly id: string; readonly host: string; readonly pid: number; readonly roles: readonly string[]; readonly startedAt: number };
  readonly intervalMs?: number;
  readonly log?: (level: 'warn', message: string, fields: Record<string, unknown>) => void;
}

export class ProcessHeartbeats {
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> = Promise.resolve();
  private readonly intervalMs: number;

  constructor(private readonly deps: ProcessHeartbeatsDeps) {
    this.intervalMs = deps.intervalMs ?? HEARTBEAT_INTERVAL_MS;
  }

  /** This process's id in `processes[]`. */
  get id(): string {
    return this.deps.identity.id;
  }

  /** Beats once now (so the process is listed as soon as it has started), then every interval. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      this.beating = this.beat();
    }, this.intervalMs);
    // A heartbeat never keeps a process alive on its own.
    this.timer.unref();
  }

  /** One heartbeat; a failure (the store is down) is logged, not thrown: the row expires and the next beat tries again. */
  async beat(): Promise<void> {
    try {
      const resources = await this.deps.sample();
      const now = this.deps.clock.now();
      const heartbeat: ProcessHeartbeat = { ...this.deps.identity, expiresAt: now + HEARTBEAT_MISSED_BEATS * this.intervalMs, resources };
      await this.deps.store.beat(heartbeat, now);
    } catch (error) {
      this.deps.log?.('warn', 'process heartbeat not recorded', { error: error instanceof Error ? error.message : String(error) });
    }
  }

  /** Every process whose heartbeat has not expired, this one included. */
  live(): Promise<ProcessHeartbeat[]> {
    return this.deps.store.liveProcesses(this.deps.clock.now());
  }

  /** Stops beating and removes this process from the list. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
    await this.deps.store.endProcess(this.deps.identity.id).catch(() => undefined);
  }
}
