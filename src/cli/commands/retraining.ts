/**
 * `warden triggers <model>` (pending retraining signals, the arbiter's state, the last
 * decisions), `warden retraining list|show` (decisions with their reasons and what became of
 * each retrain: trained, compared, rolled out, held, promoted, rejected) and
 * `warden retraining approve|reject <id>` (an admin settles a version held for approval) over HTTP.
 */
import { Option } from 'commander';
import { TRIGGER_KINDS, type RetrainingDecision } from '../../domain/retraining/index.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../domain/jobs.js';
import type { RegisterCommands } from '../context.js';
import { CliError, EXIT_CODES } from '../http-client.js';
import { details, table, time } from '../output.js';
import { numberOption } from './deployments.js';

interface TriggersView {
  readonly model: string;
  readonly pending: ReadonlyArray<{ readonly kind: string; readonly key: string; readonly at: number }>;
  readonly lastRetrainAt: number | null;
  readonly disarmed: readonly string[];
  readonly decisions: readonly RetrainingDecision[];
}

/**
 * Without the model column when every row is one model's (`warden triggers <model>`), and
 * without the retrain's job id (`warden retraining show <id>` has it): the summary gets its
 * width. With both, the summary was left 8 columns of 100 and broke inside its words.
 */
const decisionTable = (decisions: readonly RetrainingDecision[], { withModel = true } = {}): string =>
  table(decisions, [
    { header: 'id', value: (d) => d.id },
    ...(withModel ? [{ header: 'model', value: (d: RetrainingDecision) => d.model }] : []),
    { header: 'decided', value: (d) => time(d.decidedAt) },
    { header: 'outcome', value: (d) => d.outcome },
    { header: 'summary', value: (d) => d.summary },
  ]);

function showDecision(d: RetrainingDecision): string {
  return details([
    ['id', d.id],
    ['model', d.model],
    ['decided', time(d.decidedAt)],
    ['outcome', d.outcome],
    ['summary', d.summary],
    ['job', d.jobId ?? ''],
    ['acted on', d.triggers.map((t) => `${t.kind}: ${t.summary}`).join('\n') || '(nothing)'],
    ['declined', d.declined.map((s) => `${s.kind} ${s.reason}: ${s.detail}`).join('\n') || '(nothing)'],
    ['outcomes', d.outcomes.map((o) => `${time(o.at)} ${o.kind}: ${o.detail}`).join('\n') || '(none yet)'],
  ]);
}

export const registerRetrainingCommands: RegisterCommands = (program, ctx) => {
  program
    .command('triggers <model>')
    .description("a model's pending retraining signals, metrics waiting to recover, the last retrain and the last decisions")
    .action(async (model: string) => {
      const view = await ctx.client().get<TriggersView>(`/models/${encodeURIComponent(model)}/triggers`);
      ctx.output.result(view, (v) =>
        [
          details([
            ['model', v.model],
            ['last retrain', v.lastRetrainAt === null ? 'never decided' : time(v.lastRetrainAt)],
            ['waiting to recover', v.disarmed.join(', ') || '(none)'],
            ['pending signals', v.pending.map((s) => `${s.kind} ${s.key} (${time(s.at)})`).join('\n') || '(none)'],
          ]),
          v.decisions.length === 0 ? 'no decisions yet' : decisionTable(v.decisions, { withModel: false }),
        ].join('\n\n'),
      );
    });

  const retraining = program.command('retraining').description('retraining decisions: why each retrain happened, or did not');
  retraining
    .command('list')
    .description('decisions, newest first')
    .option('--model <name>', 'only this model')
    .addOption(new Option('--outcome <outcome>', 'retrain or no-retrain').choices(['retrain', 'no-retrain']))
    .addOption(new Option('--trigger <kind>', 'only decisions that acted on this trigger').choices([...TRIGGER_KINDS]))
    .option('--limit <n>', 'at most this many, following the pages of 200 (default 50)')
    .option('--page-token <token>', 'continue from a previous listing')
    .action(async (options: { model?: string; outcome?: string; trigger?: string; limit?: string; pageToken?: string }) => {
      const filter: Record<string, string> = {};
      if (options.model !== undefined) filter.model = options.model;
      if (options.outcome !== undefined) filter.outcome = options.outcome;
      if (options.trigger !== undefined) filter.trigger = options.trigger;
      const wanted = options.limit === undefined ? DEFAULT_PAGE_SIZE : numberOption(options.limit, '--limit', true);
      if (wanted < 1) throw new CliError(`--limit must be at least 1, not ${wanted}`, EXIT_CODES.usage);
      const decisions: RetrainingDecision[] = [];
      let pageToken = options.pageToken;
      do {
        const limit = Math.min(MAX_PAGE_SIZE, wanted - decisions.length);
        const page = await ctx.client().get<{ decisions: RetrainingDecision[]; nextPageToken?: string }>('/retraining', {
          ...filter,
          limit: String(limit),
          ...(pageToken !== undefined ? { pageToken } : {}),
        });
        decisions.push(...page.decisions);
        pageToken = page.nextPageToken;
      } while (pageToken !== undefined && decisions.length < wanted);
      ctx.output.result({ decisions, ...(pageToken !== undefined ? { nextPageToken: pageToken } : {}) }, (r) =>
        [decisionTable(r.decisions), ...(r.nextPageToken !== undefined ? [`more: --page-token ${r.nextPageToken}`] : [])].join('\n'),
      );
    });
  retraining
    .command('show <id>')
    .description('one decision: what it acted on, what it declined and why, what became of the retrain')
    .action(async (id: string) => {
      ctx.output.result(await ctx.client().get<RetrainingDecision>(`/retraining/${encodeURIComponent(id)}`), showDecision);
    });
  for (const action of ['approve', 'reject'] as const) {
    retraining
      .command(`${action} <id>`)
      .description(
        action === 'approve'
          ? "approve the version a decision holds for approval: the model's promotion rollout starts (admin)"
          : 'reject the version a decision holds for approval: it stays in Staging (admin)',
      )
      .option('--reason <text>', 'why, kept on the decision')
      .action(async (id: string, options: { reason?: string }) => {
        const body = options.reason === undefined ? {} : { reason: options.reason };
        ctx.output.result(await ctx.client().post<RetrainingDecision>(`/retraining/${encodeURIComponent(id)}/${action}`, body), showDecision);
      });
  }
};
