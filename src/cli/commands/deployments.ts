/**
 * `warden deploy`, `warden rollback` and `warden deployments list|show|watch|pause|resume|abort|conclude`
 * over HTTP. `deployments watch` follows a deployment step by step until it ends: exit 0
 * when the candidate took over (or an A/B test or shadow concluded), 1 when it rolled
 * back, was aborted or failed to load.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Option } from 'commander';
import { DEPLOYMENT_STRATEGIES, type Deployment, type DeploymentHistoryEntry, type TrafficSplit } from '../../domain/deployments/index.js';
import type { CliContext, RegisterCommands } from '../context.js';
import { CliError, EXIT_CODES } from '../http-client.js';
import { details, table, time } from '../output.js';
import { versionArg } from './registry.js';

type DeploymentView = Deployment & { readonly traffic: TrafficSplit };
interface OutcomeView {
  readonly deployment: DeploymentView;
  readonly transitions: ReadonlyArray<{ version: number; from: string; to: string }>;
  readonly archived: readonly number[];
}

interface ShadowAnswer {
  readonly version: number;
  readonly label: number;
  readonly probability: number;
}
interface ShadowView {
  readonly compared: number;
  readonly disagreements: number;
  readonly examples: ReadonlyArray<{ id: string; at: number; live: ShadowAnswer; shadow: ShadowAnswer }>;
}

const ENDED_OK = new Set(['succeeded', 'concluded']);
const ENDED = new Set(['succeeded', 'concluded', 'rolled-back', 'aborted', 'failed']);


/** A number option, strictly: the whole text is the number, else a usage error naming the option. */
export function numberOption(raw: string, option: string, integer: boolean): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new CliError(`${option} must be ${integer ? 'a whole number' : 'a number'}, not "${raw}"`, EXIT_CODES.usage);
  }
  return value;
}

/** `--weights 70/30` → baseline 70, candidate 30. */
function weightsOption(raw: string): { baseline: number; candidate: number } {
  const match = /^(\d{1,2})\/(\d{1,2})$/.exec(raw.trim());
  if (!match) throw new CliError(`--weights must be baseline/candidate in percent, like 50/50, not "${raw}"`, EXIT_CODES.usage);
  return { baseline: Number(match[1]), candidate: Number(match[2]) };
}

/** `--guardrail maxErrorRate=0.05` (repeatable) → { maxErrorRate: 0.05 }. */
function guardrailOption(raw: string, previous: Record<string, number> = {}): Record<string, number> {
  const match = /^([A-Za-z]+)=(.+)$/.exec(raw);
  if (!match) throw new CliError(`--guardrail must be name=value, like maxErrorRate=0.05, not "${raw}"`, EXIT_CODES.usage);
  return { ...previous, [match[1]!]: numberOption(match[2]!, `--guardrail ${match[1]}`, false) };
}

function split(traffic: TrafficSplit): string {
  const serving = traffic.serving.map((arm) => `${arm.arm} v${arm.version} ${arm.percent}%`).join(', ') || 'nothing';
  return traffic.mirror ? `${serving}; shadow v${traffic.mirror.version} gets a copy of ${traffic.mirror.percent}%` : serving;
}

/** One line per arm (`v11 95%`, a shadow's `v3 copy 10%`): the version column names the candidate. */
function trafficLines(traffic: TrafficSplit): string {
  const serving = traffic.serving.map((arm) => `v${arm.version} ${arm.percent}%`);
  return [...serving, ...(traffic.mirror ? [`v${traffic.mirror.version} copy ${traffic.mirror.percent}%`] : [])].join('\n') || 'nothing';
}

function entryLine(entry: DeploymentHistoryEntry): string {
  return `${time(entry.at)}  ${entry.event.padEnd(19)} ${String(entry.candidatePercent).padStart(3)}%  ${entry.detail}`;
}

function showDeployment(d: DeploymentView): string {
  const head = details([
    ['id', d.id],
    ['model', d.model],
    ['strategy', d.strategy],
    ['state', d.state],
    ['candidate', `version ${d.candidate}`],
    ['baseline', d.baseline === null ? '' : `version ${d.baseline}`],
    ['traffic', split(d.traffic)],
    ['steps', d.strategy === 'canary' || d.strategy === 'linear' ? `${d.settings.steps.join(' → ')} % (step ${d.stepIndex + 1}), ${d.settings.bakeMs / 1000} s each` : ''],
    ['created', `${time(d.createdAt)} by ${d.createdBy}${d.reason ? `: ${d.reason}` : ''}`],
  ]);
  return `${head}\n\nhistory:\n${d.history.map(entryLine).join('\n')}`;
}

function outcomeLines(outcome: OutcomeView): string {
  const d = outcome.deployment;
  const moves = outcome.transitions.map((t) => `version ${t.version}: ${t.from} → ${t.to}`);
  return [`deployment ${d.id} (${d.strategy} of ${d.model} version ${d.candidate}): ${d.state}`, `traffic: ${split(d.traffic)}`, ...moves, `last: ${d.history.at(-1)?.detail ?? ''}`].join('\n');
}

async function watch(ctx: CliContext, id: string, intervalMs: number): Promise<void> {
  let shown = 0;
  for (;;) {
    const d = await ctx.client().get<DeploymentView>(`/deployments/${encodeURIComponent(id)}`);
    for (const entry of d.history.slice(shown)) ctx.output.result(entry, entryLine);
    shown = d.history.length;
    if (ENDED.has(d.state)) {
      if (!ENDED_OK.has(d.state)) throw new CliError(`deployment ${d.id} ended ${d.state}: ${d.history.at(-1)?.detail ?? ''}`, EXIT_CODES.other);
      return;
    }
    await sleep(intervalMs);
  }
}

export const registerDeploymentCommands: RegisterCommands = (program, ctx) => {
  program
    .command('deploy <model> <version>')
    .description('deploy a version (admin): direct by default, or blue-green, canary, linear, ab, shadow')
    .addOption(new Option('--strategy <name>', 'how traffic moves to the version').choices([...DEPLOYMENT_STRATEGIES]).default('direct'))
    .option('--steps <list>', 'canary: candidate share per step, e.g. 5,25,50,100')
    .option('--step-percent <n>', 'linear: share added per step (default 20)')
    .option('--bake <seconds>', 'canary/linear: time per step without breach (default 600)')
    .option('--guardrail <name=value>', 'canary/linear/ab: override a guardrail, e.g. maxErrorRate=0.05 (repeatable)', guardrailOption)
    .option('--weights <a/b>', 'ab: baseline/candidate weights in percent (default 50/50)')
    .option('--mirror <percent>', 'shadow: share of requests copied to the candidate (default 10)')
    .option('--keep-warm <seconds>', 'blue-green: how long the old version stays loaded (default 600)')
    .option('--reason <text>', 'why (kept in the history)')
    .option('--watch', 'follow the deployment until it ends')
    .action(async (model: string, version: string, options: Record<string, string | undefined> & { guardrail?: Record<string, number>; watch?: boolean }) => {
      const body: Record<string, unknown> = { model, version: versionArg(version), strategy: options.strategy };
      if (options.steps !== undefined) body.steps = options.steps.split(',').map((step) => numberOption(step, '--steps', true));
      if (options.stepPercent !== undefined) body.stepPercent = numberOption(options.stepPercent, '--step-percent', true);
      if (options.bake !== undefined) body.bakeSeconds = numberOption(options.bake, '--bake', false);
      if (options.guardrail !== undefined) body.guardrails = options.guardrail;
      if (options.weights !== undefined) body.weights = weightsOption(options.weights);
      if (options.mirror !== undefined) body.mirrorPercent = numberOption(options.mirror, '--mirror', true);
      if (options.keepWarm !== undefined) body.keepWarmSeconds = numberOption(options.keepWarm, '--keep-warm', false);
      if (options.reason !== undefined) body.reason = options.reason;
      const outcome = await ctx.client().post<OutcomeView>('/models/deploy', body);
      ctx.output.result(outcome, outcomeLines);
      if (options.watch === true && !ENDED.has(outcome.deployment.state)) await watch(ctx, outcome.deployment.id, 1000);
      else if (outcome.deployment.state === 'failed') throw new CliError(`the deployment failed before any traffic moved: ${outcome.deployment.history.at(-1)?.detail ?? ''}`, EXIT_CODES.other);
    });

  program
    .command('rollback <model>')
    .description("give all traffic back to the version the model's latest deployment replaced (admin)")
    .option('--reason <text>', 'why (kept in the history)')
    .action(async (model: string, options: { reason?: string }) => {
      const outcome = await ctx.client().post<OutcomeView>('/models/rollback', { model, ...(options.reason !== undefined ? { reason: options.reason } : {}) });
      ctx.output.result(outcome, outcomeLines);
    });

  const deployments = program.command('deployments').description('deployments: list, show, follow live, pause, resume, abort, conclude');

  deployments
    .command('list')
    .description('deployments, newest first')
    .option('--model <name>', 'only this model')
    .option('--in-flight', 'only those still running')
    .option('--limit <n>', 'at most this many (default 50)')
    .action(async (options: { model?: string; inFlight?: boolean; limit?: string }) => {
      const query: Record<string, string> = {};
      if (options.model !== undefined) query.model = options.model;
      if (options.inFlight === true) query.inFlight = 'true';
      if (options.limit !== undefined) query.limit = String(numberOption(options.limit, '--limit', true));
      const result = await ctx.client().get<{ deployments: DeploymentView[] }>('/deployments', query);
      ctx.output.result(result, (r) =>
        table(r.deployments, [
          { header: 'id', value: (d) => d.id },
          { header: 'model', value: (d) => d.model },
          { header: 'strategy', value: (d) => d.strategy },
          { header: 'version', value: (d) => `v${d.candidate}` },
          { header: 'state', value: (d) => d.state },
          { header: 'traffic', value: (d) => trafficLines(d.traffic), keepLines: true },
          { header: 'created', value: (d) => time(d.createdAt) },
        ]),
      );
    });

  deployments
    .command('show <id>')
    .description('state, traffic split, settings and history of a deployment')
    .action(async (id: string) => {
      ctx.output.result(await ctx.client().get<DeploymentView>(`/deployments/${encodeURIComponent(id)}`), showDeployment);
    });

  deployments
    .command('watch <id>')
    .description('follow a deployment until it ends; exit 0 if the candidate took over or it concluded, 1 otherwise')
    .option('--interval <seconds>', 'how often to look (default 1)')
    .action(async (id: string, options: { interval?: string }) => {
      const seconds = options.interval === undefined ? 1 : numberOption(options.interval, '--interval', false);
      if (seconds <= 0) throw new CliError('--interval must be more than 0 seconds', EXIT_CODES.usage);
      await watch(ctx, id, seconds * 1000);
    });

  deployments
    .command('shadow <id>')
    .description("a shadow's disagreements with the live version: how many were compared, how many differ, the newest")
    .option('--limit <n>', 'disagreements listed (default 20)')
    .action(async (id: string, options: { limit?: string }) => {
      const query = options.limit === undefined ? {} : { limit: String(numberOption(options.limit, '--limit', true)) };
      const result = await ctx.client().get<ShadowView>(`/deployments/${encodeURIComponent(id)}/shadow`, query);
      ctx.output.result(result, (r) => {
        const rate = r.compared === 0 ? 'nothing compared yet' : `${r.disagreements} of ${r.compared} disagree (${((100 * r.disagreements) / r.compared).toFixed(1)} %)`;
        const rows = table(r.examples, [
          { header: 'prediction', value: (e) => e.id },
          { header: 'at', value: (e) => time(e.at) },
          { header: 'live', value: (e) => `v${e.live.version} ${e.live.label} (${e.live.probability.toFixed(3)})` },
          { header: 'shadow', value: (e) => `v${e.shadow.version} ${e.shadow.label} (${e.shadow.probability.toFixed(3)})` },
        ]);
        return r.examples.length === 0 ? rate : `${rate}\n${rows}`;
      });
    });

  for (const action of ['pause', 'resume', 'abort'] as const) {
    deployments
      .command(`${action} <id>`)
      .description(`${action} a deployment (admin)`)
      .option('--reason <text>', 'why (kept in the history)')
      .action(async (id: string, options: { reason?: string }) => {
        const d = await ctx.client().post<DeploymentView>(`/deployments/${encodeURIComponent(id)}/${action}`, options.reason !== undefined ? { reason: options.reason } : {});
        ctx.output.result(d, (view) => `deployment ${view.id}: ${view.state}; traffic: ${split(view.traffic)}`);
      });
  }

  deployments
    .command('conclude <id> <winner>')
    .description('end an A/B test or a shadow: winner baseline or candidate (a winning candidate is promoted; admin)')
    .option('--reason <text>', 'why (kept in the history)')
    .action(async (id: string, winner: string, options: { reason?: string }) => {
      if (winner !== 'baseline' && winner !== 'candidate') throw new CliError(`winner must be baseline or candidate, not "${winner}"`, EXIT_CODES.usage);
      const outcome = await ctx.client().post<OutcomeView>(`/deployments/${encodeURIComponent(id)}/conclude`, { winner, ...(options.reason !== undefined ? { reason: options.reason } : {}) });
      ctx.output.result(outcome, outcomeLines);
    });
};
