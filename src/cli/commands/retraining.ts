/**
 * `warden triggers <model>` (pending retraining signals, the arbiter's state, the last
 * decisions) and `warden retraining list|show` (decisions with their reasons) over HTTP.
 */
import { Option } from 'commander';
import { TRIGGER_KINDS, type RetrainingDecision } from '../../domain/retraining/index.js';
import type { RegisterCommands } from '../context.js';
import { details, table, time } from '../output.js';
import { numberOption } from './deployments.js';

interface TriggersView {
  readonly model: string;
  readonly pending: ReadonlyArray<{ readonly kind: string; readonly key: string; readonly at: number }>;
  readonly lastRetrainAt: number | null;
  readonly disarmed: readonly string[];
  readonly decisions: readonly RetrainingDecision[];
}

const decisionTable = (decisions: readonly RetrainingDecision[]): string =>
  table(decisions, [
    { header: 'id', value: (d) => d.id },
    { header: 'model', value: (d) => d.model },
    { header: 'decided', value: (d) => time(d.decidedAt) },
    { header: 'outcome', value: (d) => d.outcome },
    { header: 'job', value: (d) => d.jobId ?? '' },
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
          v.decisions.length === 0 ? 'no decisions yet' : decisionTable(v.decisions),
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
    .option('--limit <n>', 'at most this many (default 50, at most 200)')
    .action(async (options: { model?: string; outcome?: string; trigger?: string; limit?: string }) => {
      const query: Record<string, string> = {};
      if (options.model !== undefined) query.model = options.model;
      if (options.outcome !== undefined) query.outcome = options.outcome;
      if (options.trigger !== undefined) query.trigger = options.trigger;
      if (options.limit !== undefined) query.limit = String(numberOption(options.limit, '--limit', true));
      ctx.output.result(await ctx.client().get<{ decisions: RetrainingDecision[] }>('/retraining', query), (r) => decisionTable(r.decisions));
    });
  retraining
    .command('show <id>')
    .description('one decision: what it acted on, what it declined and why, what became of the retrain')
    .action(async (id: string) => {
      ctx.output.result(await ctx.client().get<RetrainingDecision>(`/retraining/${encodeURIComponent(id)}`), showDecision);
    });
};
