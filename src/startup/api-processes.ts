/**
 * The API processes of one `warden server` (node:cluster): the primary forks `count`
 * API-only children that share its port, hands each its config over IPC (never through the
 * environment or argv), replaces a child that dies (logged, with a growing delay when a
 * child keeps dying young), tells the children how many of them run (for GET /health), and
 * stops them gracefully. The children's side is src/startup/api-child.ts.
 */
import cluster, { type Worker } from 'node:cluster';
import { apiChildEnvironment } from '../config.js';

/** Primary → child and child → primary messages, tagged so other IPC traffic is left alone. */
export type ApiProcessMessage =
  | { readonly warden: 'api-hello' }
  | { readonly warden: 'api-config'; readonly index: number; readonly config: unknown }
  | { readonly warden: 'api-listening'; readonly url: string }
  | { readonly warden: 'api-failed'; readonly message: string }
  | { readonly warden: 'api-count'; readonly running: number; readonly wanted: number }
  | { readonly warden: 'api-stop' };

export function isApiProcessMessage(value: unknown): value is ApiProcessMessage {
  return typeof value === 'object' && value !== null && typeof (value as { warden?: unknown }).warden === 'string' && (value as { warden: string }).warden.startsWith('api-');
}

export interface ApiProcessCounts {
  /** Children listening right now. */
  readonly running: number;
  /** Children configured (WARDEN_API_PROCESSES). */
  readonly wanted: number;
}

export interface ApiProcessesOptions {
  readonly count: number;
  /** The child's entry module and the Node flags it runs with (e.g. a TypeScript loader). */
  readonly exec: string;
  readonly execArgv: readonly string[];
  /** The config a child starts with, as plain data. */
  readonly config: unknown;
  readonly log: { info(fields: object, message: string): void; error(fields: object, message: string): void };
  /** How long a stopping child may take before it is killed, in ms. */
  readonly stopGraceMs?: number;
}

/** A child that dies within this long of its start counts as a failing start: the next one waits longer. */
const YOUNG_DEATH_MS = 10_000;
const MAX_RESTART_DELAY_MS = 30_000;

interface Slot {
  readonly index: number;
  worker: Worker | undefined;
  listening: boolean;
  startedAt: number;
  youngDeaths: number;
  restartTimer: NodeJS.Timeout | undefined;
}

export class ApiProcesses {
  private readonly slots: Slot[];
  private stopping = false;
  private url: string | undefined;

  constructor(private readonly options: ApiProcessesOptions) {
    this.slots = Array.from({ length: options.count }, (_, i) => ({ index: i + 1, worker: undefined, listening: false, startedAt: 0, youngDeaths: 0, restartTimer: undefined }));
  }

  /**
   * Forks every child and resolves with the URL they listen on once all of them listen.
   * Rejects (after stopping the others) when a child fails to start: a port in use, a bad
   * store. Later deaths are replaced, not reported here.
   */
  async start(): Promise<string> {
    cluster.setupPrimary({ exec: this.options.exec, execArgv: [...this.options.execArgv], args: [], silent: false });
    const firstStarts = this.slots.map((slot) => this.fork(slot, true));
    try {
      const urls = await Promise.all(firstStarts);
      this.url = urls[0] as string;
      return this.url;
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  counts(): ApiProcessCounts {
    return { running: this.slots.filter((slot) => slot.listening).length, wanted: this.slots.length };
  }

  /** Asks every child to finish its requests and exit; kills the ones still there after the grace time. */
  async stop(): Promise<void> {
    this.stopping = true;
    const grace = this.options.stopGraceMs ?? 10_000;
    await Promise.all(
      this.slots.map(async (slot) => {
        clearTimeout(slot.restartTimer);
        const worker = slot.worker;
        if (worker === undefined || worker.isDead()) return;
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        if (worker.isConnected()) worker.send({ warden: 'api-stop' } satisfies ApiProcessMessage, undefined, () => undefined);
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), grace)));
        if ((await Promise.race([exited, late])) === 'late') {
          worker.process.kill('SIGKILL');
          await exited;
        }
        clearTimeout(timer);
      }),
    );
  }

  /**
   * Forks the child of `slot`; resolves with its URL once it listens, rejects if it fails before.
   * A replacement that fails is replaced in turn; a first start that fails fails start().
   */
  private fork(slot: Slot, firstStart: boolean): Promise<string> {
    // An explicit environment: the child gets its config over IPC and no secret of the primary's.
    const env: Record<string, string | undefined> = apiChildEnvironment();
    const worker = cluster.fork(env);
    slot.worker = worker;
    slot.listening = false;
    slot.startedAt = Date.now();
    return new Promise<string>((resolve, reject) => {
      let settled = false;
      worker.on('message', (value: unknown) => {
        if (!isApiProcessMessage(value)) return;
        // Asked for by the child once its modules are loaded: a message sent earlier would find no listener.
        if (value.warden === 'api-hello') {
          worker.send({ warden: 'api-config', index: slot.index, config: this.options.config } satisfies ApiProcessMessage);
        } else if (value.warden === 'api-listening') {
          slot.listening = true;
          this.broadcastCounts();
          if (!settled) {
            settled = true;
            resolve(value.url);
          }
        } else if (value.warden === 'api-failed' && !settled) {
          settled = true;
          reject(new Error(`API process ${slot.index} failed to start: ${value.message}`));
        }
      });
      worker.on('exit', (code, signal) => {
        const wasListening = slot.listening;
        slot.listening = false;
        if (slot.worker === worker) slot.worker = undefined;
        if (!settled) {
          settled = true;
          reject(new Error(`API process ${slot.index} exited with ${signal ?? `code ${code}`} before listening`));
        }
        // Until start() resolves it owns the outcome: one failed first start stops them all.
        if (this.stopping || (firstStart && this.url === undefined)) return;
        this.broadcastCounts();
        this.replace(slot, { code, signal, pid: worker.process.pid, wasListening });
      });
    });
  }

  private replace(slot: Slot, died: { code: number | null; signal: string | null; pid: number | undefined; wasListening: boolean }): void {
    slot.youngDeaths = Date.now() - slot.startedAt < YOUNG_DEATH_MS ? slot.youngDeaths + 1 : 0;
    const delayMs = slot.youngDeaths === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 500 * 2 ** (slot.youngDeaths - 1));
    this.options.log.error(
      { apiProcess: slot.index, pid: died.pid, code: died.code, signal: died.signal, restartInMs: delayMs },
      `API process ${slot.index} (pid ${died.pid}) exited with ${died.signal ?? `code ${died.code}`}; starting a new one${delayMs > 0 ? ` in ${delayMs} ms` : ''}`,
    );
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      if (this.stopping) return;
      this.fork(slot, false).then(
        () => this.options.log.info({ apiProcess: slot.index, pid: slot.worker?.process.pid }, `API process ${slot.index} replaced`),
        (error: unknown) => this.options.log.error({ apiProcess: slot.index, err: error }, `API process ${slot.index}: the replacement failed to start`),
      );
    }, delayMs);
  }

  private broadcastCounts(): void {
    const message: ApiProcessMessage = { warden: 'api-count', ...this.counts() };
    for (const slot of this.slots) {
      if (slot.worker?.isConnected()) slot.worker.send(message, undefined, () => undefined);
    }
  }
}
