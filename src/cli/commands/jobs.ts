/**
 * `warden jobs list|show|logs|cancel|watch` over HTTP, and `warden worker`, which runs
 * job handlers in this process against WARDEN_STORE_URL and WARDEN_QUEUE_URL.
 * `jobs watch` follows /jobs/:id/events: a live progress bar on a terminal, one plain
 * line per update otherwise, NDJSON under --json; exit 0 only when the job succeeded.
 */
import { Option } from 'commander';
import { JOB_KINDS, JOB_STATES, REQUESTED_JOB_KINDS, isTerminal, jobRunMs, type Job, type JobLogLine, type JobProgress } from '../../domain/jobs.js';
import type { CliContext, RegisterCommands } from '../context.js';
import { CliError, EXIT_CODES, HttpClient, UNREACHABLE } from '../http-client.js';
import { details, oneLine, shortTime, table, time } from '../output.js';

/** The job as the API shows it. */
export type JobView = Omit<Job, 'leaseUntil'>;

/** The model column of `jobs list`: longer names end in an ellipsis. */
const MODEL_COLUMN_CHARS = 16;

/** `jobs list`'s "ran" cell: how long a finished job ran (`jobRunMs`), empty before it ends. */
export function ranFor(job: Pick<JobView, 'createdAt' | 'startedAt' | 'finishedAt'>): string {
  const ms = jobRunMs(job);
  return ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`;
}

/** `1:02:03`, `4:05` or `7s`. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  if (m > 0) return `${m}:${String(s).padStart(2, '0')}`;
  return `${s}s`;
}

function formatRate(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(value >= 10 ? 1 : 2);
}

/** The facts of a progress report, in reading order: `42% train epoch 3/10 step 420/1000 1,234 docs/s ETA 0:42`. */
export function progressParts(progress: JobProgress): string[] {
  const parts = [`${Math.floor(progress.fraction * 100)}%`, progress.phase];
  if (progress.epoch !== undefined) parts.push(`epoch ${progress.epoch}${progress.totalEpochs !== undefined ? `/${progress.totalEpochs}` : ''}`);
  if (progress.step !== undefined) parts.push(`step ${progress.step}${progress.totalSteps !== undefined ? `/${progress.totalSteps}` : ''}`);
  if (progress.throughput !== undefined) parts.push(`${formatRate(progress.throughput)} ${progress.throughputUnit ?? 'items/s'}`);
  if (progress.etaSeconds !== undefined) parts.push(`ETA ${formatDuration(progress.etaSeconds)}`);
  if (progress.message) parts.push(`— ${progress.message}`);
  return parts;
}

/** One line for a terminal of `width` columns: a bar, then as many facts as fit. */
export function progressBar(progress: JobProgress, width: number): string {
  const [percent = '', ...rest] = progressParts(progress);
  const barWidth = Math.max(10, Math.min(30, Math.floor(width / 4)));
  const filled = Math.round(progress.fraction * barWidth);
  let line = `[${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}] ${percent.padStart(4)}`;
  for (const part of rest) {
    if (line.length + 1 + part.length > width - 1) break;
    line += ` ${part}`;
  }
  return line;
}

function stateLine(job: JobView): string {
  const attempt = job.attempts > 0 ? ` (attempt ${job.attempts}/${job.maxAttempts})` : '';
  if (job.state === 'queued' && job.attempts > 0 && job.error) {
    return `queued for a retry at ${time(job.runAt)}${attempt}: ${job.error.message}`;
  }
  if (job.state === 'running' && job.cancelRequested) return `running${attempt}, cancel requested`;
  if (job.state === 'failed' || job.state === 'cancelled') return `${job.state}${attempt}${job.error ? `: ${job.error.message}` : ''}`;
  return `${job.state}${attempt}`;
}

function percent(job: JobView): string {
  return job.progress ? `${Math.floor(job.progress.fraction * 100)}%` : '';
}

function showJob(job: JobView): string {
  const entries: Array<readonly [string, unknown]> = [
    ['id', job.id],
    ['kind', job.kind],
    ['state', stateLine(job)],
    ['progress', job.progress ? progressParts(job.progress).join(' ') : ''],
    ['attempts', `${job.attempts}/${job.maxAttempts}`],
    ['payload', job.payload],
    ['result', job.result],
    ['error', job.error ? `${job.error.code}: ${job.error.message}` : ''],
    ['idempotency key', job.idempotencyKey],
    ['worker', job.workerId],
    ['created', time(job.createdAt)],
    ['started', time(job.startedAt)],
    ['finished', time(job.finishedAt)],
  ];
  return details(entries);
}

/** Where `jobs watch` writes: a redrawn status line on a terminal, plain lines elsewhere. */
export interface WatchSink {
  readonly tty: boolean;
  readonly columns: number;
  write(text: string): void;
}

/** Renders the events of one job to a sink; returns the final job when the stream ends. */
export class WatchRenderer {
  private lastJob: JobView | undefined;
  private barShown = false;
  private lastProgress: JobProgress | undefined;
  private lastLogSeq = 0;

  constructor(private readonly sink: WatchSink) {}

  private logLine(log: JobLogLine): void {
    // After a reconnect the snapshot repeats recent lines: print each line once.
    if (log.seq <= this.lastLogSeq) return;
    this.lastLogSeq = log.seq;
    this.line(`  | ${log.line}`);
  }

  get job(): JobView | undefined {
    return this.lastJob;
  }

  private clearBar(): void {
    if (this.sink.tty && this.barShown) this.sink.write('\r\x1b[2K');
    this.barShown = false;
  }

  private drawBar(): void {
    if (!this.sink.tty || !this.lastProgress) return;
    this.sink.write(`\r\x1b[2K${progressBar(this.lastProgress, this.sink.columns)}`);
    this.barShown = true;
  }

  private line(text: string): void {
    this.clearBar();
    this.sink.write(`${text}\n`);
    this.drawBar();
  }

  event(type: string, data: { job?: JobView; logs?: JobLogLine[]; progress?: JobProgress; log?: JobLogLine }): void {
    if ((type === 'snapshot' || type === 'state') && data.job) {
      const job = data.job;
      const changed = !this.lastJob || this.lastJob.state !== job.state || this.lastJob.attempts !== job.attempts || this.lastJob.cancelRequested !== job.cancelRequested;
      if (type === 'snapshot' && !this.lastJob) this.line(`job ${job.id} (${job.kind})`);
      this.lastJob = job;
      if (job.progress && job.state === 'running') this.lastProgress = job.progress;
      for (const log of data.logs ?? []) this.logLine(log);
      if (changed) this.line(stateLine(job));
      if (isTerminal(job.state)) {
        if (this.sink.tty && job.progress) {
          this.lastProgress = job.progress;
          this.drawBar();
          this.sink.write('\n');
          this.barShown = false;
        }
      } else if (type === 'snapshot' && job.progress) {
        if (this.sink.tty) this.drawBar();
        else this.line(progressParts(job.progress).join(' '));
      }
    } else if (type === 'progress' && data.progress) {
      this.lastProgress = data.progress;
      if (this.sink.tty) this.drawBar();
      else this.line(progressParts(data.progress).join(' '));
    } else if (type === 'log' && data.log) {
      this.logLine(data.log);
    }
  }
}


/** Reads /jobs/:id/events, calling `onEvent` per event, until the server ends the stream. */
export async function followJobEvents(
  baseUrl: string,
  token: string | undefined,
  id: string,
  onEvent: (type: string, data: Record<string, unknown>) => void,
  signal?: AbortSignal,
): Promise<void> {
  const response = await new HttpClient(baseUrl, token).send('GET', `jobs/${encodeURIComponent(id)}/events`, {
    headers: { accept: 'text/event-stream' },
    ...(signal ? { signal } : {}),
  });
  if (!response.body) throw new CliError(`the server sent no event stream for job ${id}`, EXIT_CODES.other);
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let type = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue; // heartbeat or greeting
        if (line.startsWith('event:')) type = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length > 0) onEvent(type, JSON.parse(data.join('\n')) as Record<string, unknown>);
    }
  }
}

/** `warden jobs watch <id>`; also used by `warden train|retrain --watch`. */
const RECONNECTS = 10;

/**
 * Follows the job's events to its end, reconnecting (with a growing pause) when the stream
 * drops or the server is briefly away, e.g. while it restarts.
 */
async function followToEnd(ctx: CliContext, id: string, onEvent: (type: string, data: Record<string, unknown>) => void): Promise<JobView | undefined> {
  const config = ctx.config();
  let final: JobView | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      await followJobEvents(config.serverUrl, config.clientToken, id, (type, data) => {
        if (data.job) final = data.job as JobView;
        onEvent(type, data);
      });
    } catch (error) {
      // HTTP answers (404, 401…) are final; a dropped stream or an unreachable server is retried.
      if (error instanceof CliError && error.code !== UNREACHABLE) throw error;
      if (attempt >= RECONNECTS) throw error;
    }
    if (final && isTerminal(final.state)) return final;
    if (attempt >= RECONNECTS) return final;
    await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * 2 ** attempt)));
  }
}

export async function watch(ctx: CliContext, id: string, options: { plain?: boolean }): Promise<void> {
  let final: JobView | undefined;
  if (ctx.output.json) {
    // Scripts get one JSON document: the job as it ended.
    final = await followToEnd(ctx, id, () => undefined);
    if (final) ctx.output.result(final, () => '');
  } else {
    const tty = options.plain !== true && process.stdout.isTTY === true;
    const sink: WatchSink = tty
      ? { tty, columns: process.stdout.columns || 80, write: (text) => process.stdout.write(text) }
      : { tty, columns: 80, write: (text) => ctx.output.note(text.replace(/\n$/, '')) };
    const renderer = new WatchRenderer(sink);
    final = await followToEnd(ctx, id, (type, data) => renderer.event(type, data));
  }
  if (!final || !isTerminal(final.state)) throw new CliError(`the event stream of job ${id} kept ending before the job finished; run the command again`);
  if (final.state === 'failed') throw new CliError(`job ${id} failed: ${final.error?.message ?? 'no error recorded'}`, EXIT_CODES.other);
  if (final.state === 'cancelled') throw new CliError(`job ${id} was cancelled`, EXIT_CODES.conflict);
}

export const registerJobsCommands: RegisterCommands = (program, ctx) => {
  const jobs = program.command('jobs').description('background jobs: list, show, follow live, cancel');

  jobs
    .command('list')
    .description('list jobs, newest first (trainings, evaluations, red-team campaigns…; --all adds the housekeeping the platform queues itself)')
    .addOption(new Option('--kind <kind>', 'only this kind').choices([...JOB_KINDS]))
    .addOption(new Option('--state <state>', 'only this state').choices([...JOB_STATES]))
    .option('--all', 'also the scheduled housekeeping (monitoring ticks, deployment checks, sweeps, notifications)')
    .option('--limit <n>', 'at most this many (1-200)', (v) => Number(v), 50)
    .option('--page-token <token>', 'continue from a previous page')
    .action(async (options: { kind?: string; state?: string; all?: boolean; limit: number; pageToken?: string }) => {
      // Asked of the server, not filtered here: a page of the newest jobs is mostly ticks.
      const kinds = options.kind ?? (options.all === true ? undefined : [...REQUESTED_JOB_KINDS]);
      const page = await ctx.client().get<{ jobs: JobView[]; nextPageToken?: string }>('/jobs', {
        kind: kinds,
        state: options.state,
        limit: options.limit,
        pageToken: options.pageToken,
      });
      ctx.output.result(page, ({ jobs: rows, nextPageToken }) =>
        [
          table(rows, [
            { header: 'id', value: (j) => j.id },
            { header: 'kind', value: (j) => j.kind },
            // Cut to keep the table within 100 columns; `jobs show` has the whole name.
            { header: 'model', value: (j) => (typeof j.payload.model === 'string' ? oneLine(j.payload.model, MODEL_COLUMN_CHARS) : '') },
            // How far a running job is, beside its state: a finished job's last phase says nothing its state does not.
            { header: 'state', value: (j) => (j.state === 'running' ? ['running', percent(j), j.progress?.phase].filter(Boolean).join(' ') : j.state) },
            // Month, day and minute (UTC), one token so it never wraps; the tries and the full times are in `jobs show`.
            { header: 'created', value: (j) => shortTime(j.createdAt) },
            // A duration rather than a second timestamp keeps the table within 100 columns.
            { header: 'ran', value: ranFor },
          ]),
          ...(nextPageToken ? [`more: --page-token ${nextPageToken}`] : []),
        ].join('\n'),
      );
    });

  jobs
    .command('show <id>')
    .description('a job: state, progress, attempts, result, error')
    .action(async (id: string) => {
      ctx.output.result(await ctx.client().get<JobView>(`/jobs/${encodeURIComponent(id)}`), showJob);
    });

  jobs
    .command('logs <id>')
    .description("a job's log lines")
    .option('--after <seq>', 'only lines after this sequence number', (v) => Number(v), 0)
    .action(async (id: string, options: { after: number }) => {
      const result = await ctx.client().get<{ logs: JobLogLine[] }>(`/jobs/${encodeURIComponent(id)}/logs`, { afterSeq: options.after });
      ctx.output.result(result, ({ logs }) => logs.map((l) => `${time(l.at)} ${l.line}`).join('\n'));
    });

  jobs
    .command('cancel <id>')
    .description('cancel a queued job, or ask a running one to stop (needs an editor token)')
    .action(async (id: string) => {
      const job = await ctx.client().post<JobView>(`/jobs/${encodeURIComponent(id)}/cancel`);
      ctx.output.result(job, (j) => `job ${j.id}: ${stateLine(j)}`);
    });

  jobs
    .command('watch <id>')
    .description('follow a job live until it ends; exit 0 if it succeeded, 1 if it failed, 4 if it was cancelled')
    .option('--plain', 'plain lines even on a terminal')
    .action(async (id: string, options: { plain?: boolean }) => watch(ctx, id, options));

  program
    .command('worker')
    .description('run job handlers in this process (WARDEN_QUEUE_URL, WARDEN_STORE_URL, WARDEN_WORKER_CONCURRENCY) until SIGTERM')
    .action(async () => {
      // Loaded on use: the platform (Fastify, SQL drivers, BullMQ, ml) would slow every HTTP-only command.
      const { startWorker } = await import('../../startup/worker.js');
      await startWorker(ctx.config());
      // Runs until SIGINT/SIGTERM; startWorker owns the shutdown.
    });
};
