/**
 * `warden redteam run|show|list|vulnerabilities` over HTTP. `run` starts a campaign (POST
 * /redteam/campaigns) and — with --watch, or by default on a terminal — follows its job with
 * the same live progress as `warden jobs watch`, then prints the results per family.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Option } from 'commander';
import type { Campaign, VulnerabilityView } from '../../domain/redteam/index.js';
import { CAMPAIGN_STATES, VULNERABILITY_STATES, isCampaignEnded } from '../../domain/redteam/index.js';
import { ATTACK_FAMILIES } from '../../ml/redteam/attack.js';
import type { CliContext, RegisterCommands } from '../context.js';
import { details, shortTime, table, time, type Column } from '../output.js';
import { truncateText } from '../../domain/text.js';
import { numberOption } from './deployments.js';
import { watch } from './jobs.js';
import { versionArg } from './registry.js';

type CampaignView = Campaign & { readonly url: string; readonly jobUrl: string };
type VulnerabilityRow = VulnerabilityView & { readonly state: string };
interface LedgerAnswer {
  readonly vulnerabilities: readonly VulnerabilityRow[];
  readonly summary?: { readonly task: string; readonly unused: number; readonly claimed: number; readonly used: number; readonly threshold: number };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const rate = (value: number | null | undefined): string => (value === null || value === undefined ? '–' : `${(value * 100).toFixed(1)} %`);

function shouldWatch(ctx: CliContext, option: boolean | undefined): boolean {
  if (option !== undefined) return option;
  return !ctx.output.json && process.stdout.isTTY === true;
}

/** The campaign as a person reads it: what ran, the verdict, a row per family and overall, a few evasions. */
export function showCampaign(c: CampaignView): string {
  const head = details([
    ['campaign', c.id],
    ['target', `${c.model} ${c.semver} (version ${c.version}, task ${c.task})`],
    ['state', c.verdict === null ? c.state : `${c.state}: ${c.verdict}`],
    ['inputs', `${c.settings.source === 'dataset' && c.settings.dataset !== null ? `dataset ${c.settings.dataset.name} v${c.settings.dataset.version}` : 'held-out rows'}, malicious, at most ${c.settings.maxInputs}`],
    ['families', c.settings.families.join(', ')],
    ['findings', c.findings === null ? '' : `${c.findings.evasions} evasions, ${c.findings.new} new in the ledger`],
    ['replayed', c.findings === null ? '' : c.findings.replayed.map((r) => `${r.model} v${r.version}: ${r.evaded}/${r.tried} evade`).join('; ')],
    ['error', c.error ?? ''],
    ['created', `${time(c.createdAt)} by ${c.createdBy}`],
    ['job', c.jobId],
  ]);
  if (c.results === null) return head;
  const rows = [...c.results.perFamily.map((f) => ({ name: f.family, ...f })), { name: 'overall', ...c.results.overall }];
  const results = table(rows, [
    { header: 'family', value: (r) => r.name },
    { header: 'attack success', value: (r) => rate(r.attackSuccessRate) },
    { header: 'succeeded', value: (r) => r.successes },
    { header: 'failed', value: (r) => r.failures },
    { header: 'skipped', value: (r) => r.skipped },
    { header: 'accuracy under attack', value: (r) => rate(r.accuracyUnderAttack) },
    { header: 'queries', value: (r) => r.queries },
  ]);
  const examples = c.results.examples.slice(0, 5).map((e) => `  ${e.attack} (${e.family}, score ${e.score.toFixed(3)}): ${JSON.stringify(e.adversarial.slice(0, 120))}`);
  return [head, '', results, ...(examples.length > 0 ? ['', 'evasions, for example:', ...examples] : [])].join('\n');
}

function getCampaign(ctx: CliContext, id: string): Promise<CampaignView> {
  return ctx.client().get<CampaignView>(`/redteam/campaigns/${encodeURIComponent(id)}`);
}

/** Under --json one document is printed, the campaign as it ended: look every half second until then. */
async function waitForEnd(ctx: CliContext, id: string): Promise<CampaignView> {
  for (;;) {
    const campaign = await getCampaign(ctx, id);
    if (isCampaignEnded(campaign)) return campaign;
    await sleep(500);
  }
}

export const registerRedTeamCommands: RegisterCommands = (program, ctx) => {
  const redteam = program.command('redteam').description('red-team campaigns against model versions, and the vulnerability ledger');

  redteam
    .command('run <model> <version>')
    .description('attack a model version with the attack library in the background (editor; --dataset needs admin)')
    .addOption(new Option('--family <family>', 'an attack family to run (repeatable; default all)').choices([...ATTACK_FAMILIES]).argParser(collect).default([]))
    .option('--dataset <name[@version]>', "attack this dataset's malicious rows instead of the version's held-out ones (admin)")
    .option('--max-inputs <n>', 'malicious inputs attacked (default 200)')
    .option('--query-budget <n>', 'score queries the search attack may spend per input (default 200)')
    .option('--seed <n>', 'seed of the attacks (default 1): the same seed replays the same campaign')
    .option('--watch', 'follow the campaign with live progress (default on a terminal)')
    .option('--no-watch', 'print the campaign id and return')
    .action(async (model: string, version: string, options: { family: string[]; dataset?: string; maxInputs?: string; queryBudget?: string; seed?: string; watch?: boolean }) => {
      const body: Record<string, unknown> = { model, version: versionArg(version) };
      if (options.family.length > 0) body.families = [...new Set(options.family)];
      if (options.dataset !== undefined) body.dataset = options.dataset;
      if (options.maxInputs !== undefined) body.maxInputs = numberOption(options.maxInputs, '--max-inputs', true);
      if (options.queryBudget !== undefined) body.queryBudget = numberOption(options.queryBudget, '--query-budget', true);
      if (options.seed !== undefined) body.seed = numberOption(options.seed, '--seed', true);
      const campaign = await ctx.client().post<CampaignView>('/redteam/campaigns', body);
      if (!shouldWatch(ctx, options.watch)) {
        ctx.output.result(campaign, (c) => `campaign ${c.id} against ${c.model} ${c.semver}: ${c.state}\nfollow: warden redteam show ${c.id} (or warden jobs watch ${c.jobId})`);
        return;
      }
      ctx.output.note(`red team against ${campaign.model} ${campaign.semver}: campaign ${campaign.id}`);
      const ended = ctx.output.json ? await waitForEnd(ctx, campaign.id) : (await watch(ctx, campaign.jobId, {}), await getCampaign(ctx, campaign.id));
      ctx.output.result(ended, showCampaign);
    });

  redteam
    .command('show <campaign>')
    .description('a campaign: state, results per family and overall, findings')
    .action(async (id: string) => {
      ctx.output.result(await getCampaign(ctx, id), showCampaign);
    });

  redteam
    .command('list')
    .description('campaigns, newest first')
    .option('--model <name>', 'only this model')
    .addOption(new Option('--state <state>', 'only campaigns in this state').choices([...CAMPAIGN_STATES]))
    .option('--limit <n>', 'at most this many (default 50)')
    .action(async (options: { model?: string; state?: string; limit?: string }) => {
      const query: Record<string, string> = {};
      if (options.model !== undefined) query.model = options.model;
      if (options.state !== undefined) query.state = options.state;
      if (options.limit !== undefined) query.limit = String(numberOption(options.limit, '--limit', true));
      const result = await ctx.client().get<{ campaigns: CampaignView[] }>('/redteam/campaigns', query);
      ctx.output.result(result, (r) =>
        table(r.campaigns, [
          { header: 'id', value: (c) => c.id },
          { header: 'model', value: (c) => `${c.model} ${c.semver}` },
          { header: 'state', value: (c) => c.state },
          { header: 'verdict', value: (c) => c.verdict ?? '' },
          { header: 'attack success', value: (c) => rate(c.results?.overall.attackSuccessRate) },
          { header: 'new', value: (c) => c.findings?.new ?? '' },
          { header: 'created', value: (c) => shortTime(c.createdAt) },
        ]),
      );
    });

  redteam
    .command('vulnerabilities')
    .description('the vulnerability ledger, newest first (with --task: how many are unused, claimed and used, and the retrain threshold)')
    .option('--task <task>', 'only this task, e.g. spam')
    .option('--model <name>', 'only those found against this model')
    .addOption(new Option('--family <family>', 'only this attack family').choices([...ATTACK_FAMILIES]))
    .addOption(new Option('--state <state>', 'unused, claimed (a retrain is under way) or used').choices([...VULNERABILITY_STATES]))
    .option('--campaign <id>', 'only those a campaign found')
    .option('--used-by <model@version>', 'those a version trained on')
    .option('--limit <n>', 'at most this many (default 50)')
    .action(async (options: { task?: string; model?: string; family?: string; state?: string; campaign?: string; usedBy?: string; limit?: string }) => {
      const query: Record<string, string> = {};
      for (const key of ['task', 'model', 'family', 'state', 'campaign', 'usedBy'] as const) {
        const value = options[key];
        if (value !== undefined) query[key] = value;
      }
      if (options.limit !== undefined) query.limit = String(numberOption(options.limit, '--limit', true));
      const result = await ctx.client().get<LedgerAnswer>('/redteam/vulnerabilities', query);
      ctx.output.result(result, (r) => {
        // Under --task every row has that task, and the summary line names it.
        const taskColumn: Column<VulnerabilityRow>[] = options.task === undefined ? [{ header: 'task', value: (v) => v.task }] : [];
        const rows = table(r.vulnerabilities, [
          { header: 'id', value: (v) => v.id },
          ...taskColumn,
          { header: 'attack', value: (v) => `${v.family}: ${v.chain.join(' → ')}` },
          // How many models it evades beside where it was found: a column of its own left no room for whole words in 100 columns.
          { header: 'found on', value: (v) => `${v.model} v${v.version} (evades ${v.evades.length})` },
          { header: 'state', value: (v) => (v.usedBy.length > 0 ? `used by ${v.usedBy.map((u) => `${u.model}@${u.version}`).join(', ')}` : v.state) },
          { header: 'adversarial', value: (v) => JSON.stringify(truncateText(v.adversarial, 60)), breaksWords: true },
        ]);
        const s = r.summary;
        return s === undefined ? rows : `${rows}\n${s.task}: ${s.unused} unused (retrain of every ${s.task} model at ${s.threshold}), ${s.claimed} claimed, ${s.used} used`;
      });
    });
};
