/**
 * `warden monitor <model>`: the model's latest monitoring snapshot as tables — live metrics
 * with intervals beside the baseline, the CBPE estimate, drift per descriptor, anomaly
 * detectors, errors, the answering process's resources — refreshed every few seconds until
 * interrupted, or printed once with `--once`. `warden monitor` alone lists every model.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CliContext, RegisterCommands } from '../context.js';
import { CliError, EXIT_CODES } from '../http-client.js';
import { details, table, time } from '../output.js';

interface EstimateView {
  value: number | null;
  lower: number | null;
  upper: number | null;
  support: number;
}
type MetricsView = Record<'accuracy' | 'precision' | 'recall' | 'f1', EstimateView>;
interface WindowView {
  labelled: number;
  metrics: MetricsView;
  verdict: string;
}
interface ArmView {
  version: number;
  semver: string | null;
  arm: string;
  stage: string | null;
  requests: { lastHour: number; lastDay: number };
  errors: { lastDay: { failed: number; rate: number } };
  performance: { baseline: Record<string, number> | null; windows: Record<'lastHour' | 'lastDay' | 'lastLabelled', WindowView>; judgedWindow: string; estimate: { rows: number; metrics: MetricsView } };
  drift: { status: string; message?: string; verdict?: string; drifted?: string[]; results?: Array<{ name: string; verdict: string; decidedBy: string | null; liveRows: number; effects: { psi: number; jsDistance: number } | null; examples: string[] }> };
  anomalies: { calibrated: string; readingsCollected: number; detectors: Array<{ name: string; reading: number; zScore?: number; alarm?: string | null }> };
}
interface ProcessView {
  pid: number;
  cpuCores: number;
  rssBytes: number;
  heapUsedBytes: number;
  eventLoopLagMs: { p99: number };
  gpu: { memoryMb: number; utilizationPct: number } | null;
}
interface ProcessRowView {
  self: boolean;
  host: string;
  pid: number;
  roles: string[];
  resources: ProcessView;
}
interface SnapshotView {
  model: string;
  evaluatedAt: number;
  arms: ArmView[];
  process: ProcessView | null;
  processes?: ProcessRowView[];
}

const METRICS = ['accuracy', 'precision', 'recall', 'f1'] as const;
const fixed = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined ? '-' : v.toFixed(digits));
const interval = (e: EstimateView): string => (e.value === null ? '-' : `${fixed(e.value)} [${fixed(e.lower)}, ${fixed(e.upper)}]`);
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

export function renderSnapshot(s: SnapshotView): string {
  const parts = [`${s.model} — evaluated ${time(s.evaluatedAt)}`];
  for (const arm of s.arms) {
    const p = arm.performance;
    parts.push(`\n${arm.semver ?? `v${arm.version}`} (${arm.arm}${arm.stage ? `, ${arm.stage}` : ''}): ${arm.requests.lastHour} requests last hour, ${arm.requests.lastDay} last day, error rate ${fixed(arm.errors.lastDay.rate)}`);
    parts.push(
      table(METRICS, [
        { header: 'metric', value: (m) => m },
        { header: 'baseline', value: (m) => fixed(p.baseline?.[m]) },
        { header: `last ${p.windows.lastLabelled.labelled} labelled`, value: (m) => interval(p.windows.lastLabelled.metrics[m]) },
        { header: 'last hour', value: (m) => interval(p.windows.lastHour.metrics[m]) },
        { header: 'last day', value: (m) => interval(p.windows.lastDay.metrics[m]) },
        { header: 'estimate (CBPE)', value: (m) => interval(p.estimate.metrics[m]) },
      ]),
    );
    if (arm.drift.status !== 'evaluated') parts.push(`drift: ${arm.drift.message ?? arm.drift.status}`);
    else {
      parts.push(`drift: ${arm.drift.verdict ?? ''}${arm.drift.drifted?.length ? ` — moved: ${arm.drift.drifted.join(', ')}` : ''}`);
      const moved = (arm.drift.results ?? []).filter((r) => r.verdict !== 'stable');
      if (moved.length > 0) {
        parts.push(
          table(moved, [
            { header: 'value', value: (r) => r.name },
            { header: 'verdict', value: (r) => r.verdict },
            { header: 'by', value: (r) => r.decidedBy ?? '' },
            { header: 'PSI', value: (r) => fixed(r.effects?.psi) },
            { header: 'JS', value: (r) => fixed(r.effects?.jsDistance) },
            { header: 'rows', value: (r) => r.liveRows },
            { header: 'example', value: (r) => JSON.stringify(r.examples[0] ?? '').slice(0, 60) },
          ]),
        );
      }
    }
    const a = arm.anomalies;
    parts.push(`anomalies: ${a.calibrated} detectors calibrated (${a.readingsCollected} readings)`);
    if (a.detectors.length > 0) {
      parts.push(
        table(a.detectors, [
          { header: 'reading', value: (d) => d.name },
          { header: 'value', value: (d) => fixed(d.reading) },
          { header: 'z', value: (d) => fixed(d.zScore, 2) },
          { header: 'alarm', value: (d) => d.alarm ?? (d.zScore === undefined ? 'warming up' : '') },
        ]),
      );
    }
  }
  if (s.process !== null) {
    const pr = s.process;
    parts.push(
      '\n' +
        details([
          ['process', pr.pid],
          ['cpu', `${pr.cpuCores.toFixed(2)} cores`],
          ['rss / heap', `${mib(pr.rssBytes)} / ${mib(pr.heapUsedBytes)}`],
          ['event-loop lag p99', `${pr.eventLoopLagMs.p99.toFixed(1)} ms`],
          ['gpu', pr.gpu === null ? 'none (nvidia-smi did not answer)' : `${pr.gpu.memoryMb} MiB, ${pr.gpu.utilizationPct.toFixed(0)} %`],
        ]),
    );
  }
  if ((s.processes ?? []).length > 0) parts.push('\nprocesses (heartbeats):\n' + renderProcesses(s.processes!));
  return parts.join('\n');
}

function renderProcesses(rows: readonly ProcessRowView[]): string {
  return table(rows, [
    { header: 'process', value: (p) => `${p.host}:${p.pid}${p.self ? ' (this)' : ''}` },
    { header: 'roles', value: (p) => p.roles.join('+') },
    { header: 'cpu', value: (p) => `${p.resources.cpuCores.toFixed(2)} cores` },
    { header: 'rss', value: (p) => mib(p.resources.rssBytes) },
    { header: 'heap', value: (p) => mib(p.resources.heapUsedBytes) },
    { header: 'lag p99', value: (p) => `${p.resources.eventLoopLagMs.p99.toFixed(1)} ms` },
    { header: 'gpu', value: (p) => (p.resources.gpu === null ? '-' : `${p.resources.gpu.memoryMb} MiB, ${p.resources.gpu.utilizationPct.toFixed(0)} %`) },
  ]);
}

function secondsOption(raw: string): number {
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || n < 1 || n > 3600) throw new CliError(`--every must be a number of seconds from 1 to 3600, not "${raw}"`, EXIT_CODES.usage);
  return n;
}

function countOption(raw: string | undefined): number {
  if (raw === undefined) return Number.POSITIVE_INFINITY;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1) throw new CliError(`--count must be a whole number of views from 1, not "${raw}"`, EXIT_CODES.usage);
  return n;
}

/** Redraws the view every `everySeconds` until interrupted, or `count` times (a script's or test's bounded watch, like `top -n`). */
async function live(ctx: CliContext, model: string, everySeconds: number, count: number): Promise<void> {
  for (let shown = 0; shown < count; shown++) {
    if (shown > 0) await sleep(everySeconds * 1000);
    const snapshot = await ctx.client().get<SnapshotView>(`/monitoring/${encodeURIComponent(model)}`);
    // Clear the screen and home the cursor: the view replaces itself instead of scrolling.
    if (process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
    ctx.output.result(snapshot, renderSnapshot);
  }
}

export const registerMonitorCommands: RegisterCommands = (program, ctx) => {
  program
    .command('monitor [model]')
    .description("a model's live metrics, drift, anomalies and resources (refreshing; --once prints once); without a model, every model in one line")
    .option('--once', 'print once and exit')
    .option('--every <seconds>', 'refresh period of the live view (default 5)', '5')
    .option('--count <views>', 'stop the live view after this many views (default: until Ctrl-C)')
    .action(async (model: string | undefined, options: { once?: boolean; every: string; count?: string }) => {
      const every = secondsOption(options.every);
      const count = countOption(options.count);
      if (model === undefined) {
        const all = await ctx.client().get<{ models: Array<{ model: string; evaluatedAt: number; arms: Array<{ version: number; arm: string; requestsLastHour: number; accuracy: number | null; performance: string; drift: string; drifted: string[]; anomalies: string[] }> }>; processes?: ProcessRowView[] }>('/monitoring');
        const rows = all.models.flatMap((m) => m.arms.map((arm) => ({ model: m.model, evaluatedAt: m.evaluatedAt, ...arm })));
        ctx.output.result(all, () =>
          table(rows, [
            { header: 'model', value: (r) => r.model },
            { header: 'version', value: (r) => `v${r.version} ${r.arm}` },
            { header: 'req/h', value: (r) => r.requestsLastHour },
            { header: 'accuracy', value: (r) => fixed(r.accuracy) },
            { header: 'performance', value: (r) => r.performance },
            { header: 'drift', value: (r) => (r.drifted.length > 0 ? `${r.drift}: ${r.drifted.join(', ')}` : r.drift) },
            { header: 'anomalies', value: (r) => r.anomalies.join(', ') },
            { header: 'evaluated', value: (r) => time(r.evaluatedAt) },
          ]) + ((all.processes ?? []).length > 0 ? '\n\nprocesses (heartbeats):\n' + renderProcesses(all.processes!) : ''),
        );
        return;
      }
      if (options.once === true) {
        ctx.output.result(await ctx.client().get<SnapshotView>(`/monitoring/${encodeURIComponent(model)}`), renderSnapshot);
        return;
      }
      await live(ctx, model, every, count);
    });
};
