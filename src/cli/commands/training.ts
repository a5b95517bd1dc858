/**
 * `warden train <model>` and `warden retrain <model>|--all`: queue training jobs over
 * HTTP (POST /jobs/train, POST /models/retrain), then — with --watch, or by default on a
 * terminal — follow the job with the same live progress bar as `warden jobs watch`.
 */
import { CliError, EXIT_CODES } from '../http-client.js';
import type { CliContext, RegisterCommands } from '../context.js';
import { table } from '../output.js';
import { watch } from './jobs.js';
import { CLI_COMMAND } from '../command-name.js';

interface QueuedJob {
  id: string;
  kind: string;
  state: string;
  model: string;
  url: string;
  /** Retrains: the same retrain was already queued or running, and this is that job. */
  deduplicated?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `key=value` → a number, boolean or string hyper-parameter. */
export function parseHyperParameters(pairs: readonly string[]): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`--hp takes key=value, got "${pair}"`, EXIT_CODES.usage);
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    out[key] = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  return out;
}

function shouldWatch(ctx: CliContext, option: boolean | undefined): boolean {
  if (option !== undefined) return option;
  return !ctx.output.json && process.stdout.isTTY === true;
}

function printQueued(ctx: CliContext, jobs: readonly QueuedJob[], skipped: readonly string[] = []): void {
  ctx.output.result({ jobs, skipped }, () =>
    [
      table(jobs, [
        { header: 'job', value: (j) => j.id },
        { header: 'kind', value: (j) => j.kind },
        { header: 'model', value: (j) => j.model },
        { header: 'state', value: (j) => j.state },
      ]),
      ...(skipped.length > 0 ? [`skipped (no recipe): ${skipped.join(', ')}`] : []),
      ...jobs.filter((j) => j.deduplicated === true).map((j) => `${j.model}: the same retrain (recipe and data) is already ${j.state} as job ${j.id}; not queued again`),
      ...jobs.map((j) => `follow: ${CLI_COMMAND} jobs watch ${j.id}`),
    ].join('\n'),
  );
}

export const registerTrainingCommands: RegisterCommands = (program, ctx) => {
  program
    .command('train <model>')
    .description('train a new version of a model in the background (creates the model when missing; needs an editor token)')
    .option('--family <family>', 'lr | nb | mlp (a new family on an existing model bumps the major version)')
    .option('--builtin <corpus>', 'train on a built-in corpus (repeatable), e.g. spam-assassin', collect, [])
    .option('--dataset <name>', 'train on the newest version of a dataset (repeatable)', collect, [])
    .option('--include-fresh', 'also train on the model’s fresh data')
    .option('--hp <key=value>', 'a hyper-parameter (repeatable), e.g. --hp epochs=8', collect, [])
    .option('--task <task>', 'task of a model created by this command (e.g. spam, phishing)')
    .option('--parent <version>', 'the version this one descends from (lineage)')
    .option('--watch', 'follow the job with a live progress bar (default on a terminal)')
    .option('--no-watch', 'print the job id and return')
    .action(
      async (
        model: string,
        options: { family?: string; builtin: string[]; dataset: string[]; includeFresh?: boolean; hp: string[]; task?: string; parent?: string; watch?: boolean },
      ) => {
        const recipe: Record<string, unknown> = {};
        if (options.hp.length > 0) recipe.hyperParameters = parseHyperParameters(options.hp);
        const body: Record<string, unknown> = { model };
        if (Object.keys(recipe).length > 0) body.recipe = recipe;
        if (options.family !== undefined) body.family = options.family;
        if (options.builtin.length > 0 || options.dataset.length > 0 || options.includeFresh === true) {
          body.dataset = { builtin: options.builtin, datasets: options.dataset, includeFresh: options.includeFresh === true };
        }
        if (options.task !== undefined) body.task = options.task;
        if (options.parent !== undefined) body.parent = /^\d+$/.test(options.parent) ? Number(options.parent) : options.parent;
        const job = await ctx.client().post<QueuedJob>('/jobs/train', body);
        if (shouldWatch(ctx, options.watch)) {
          ctx.output.note(`training ${job.model}: job ${job.id}`);
          await watch(ctx, job.id, {});
        } else printQueued(ctx, [job]);
      },
    );

  program
    .command('retrain [model]')
    .description('retrain a model (or --all models) from its stored recipe in the background (needs an editor token)')
    .option('--all', 'every model that has a recipe')
    .option('--watch', 'follow the job with a live progress bar (default on a terminal, one model)')
    .option('--no-watch', 'print the job ids and return')
    .action(async (model: string | undefined, options: { all?: boolean; watch?: boolean }) => {
      if ((model === undefined) === (options.all !== true)) throw new CliError('name one model or pass --all', EXIT_CODES.usage);
      const result = await ctx.client().post<{ jobs: QueuedJob[]; skipped: string[] }>('/models/retrain', options.all === true ? { all: true } : { model });
      const only = result.jobs.length === 1 ? result.jobs[0] : undefined;
      if (only !== undefined && shouldWatch(ctx, options.watch)) {
        ctx.output.note(only.deduplicated === true ? `retraining ${only.model}: already ${only.state} as job ${only.id}` : `retraining ${only.model}: job ${only.id}`);
        await watch(ctx, only.id, {});
      } else printQueued(ctx, result.jobs, result.skipped);
    });

};
