import type { RegisterCommands } from '../context.js';
import { cell, details, table, time } from '../output.js';

interface MetricPointView {
  key: string;
  value: number;
  step: number;
  timestamp: number;
}

interface RunView {
  id: string;
  experimentId: string;
  name: string;
  status: string;
  startTime: number;
  endTime: number | null;
  resourceUsage: Record<string, number> | null;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Record<string, MetricPointView>;
}

interface ExperimentView {
  id: string;
  name: string;
  description: string;
  tags: Record<string, string>;
  createdAt: number;
}

function duration(run: RunView): string {
  if (run.endTime === null) return '';
  const seconds = (run.endTime - run.startTime) / 1000;
  return seconds < 120 ? `${seconds.toFixed(1)}s` : `${(seconds / 60).toFixed(1)}m`;
}

function positive(name: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${name} must be a whole number from 1 to ${max}`);
    return n;
  };
}

/** `warden experiments list` and `warden runs list|show|metrics|delete`. */
export const registerTrackingCommands: RegisterCommands = (program, ctx) => {
  const experiments = program.command('experiments').description('experiments that group runs');
  experiments
    .command('list')
    .description('list experiments by name')
    .option('--limit <n>', 'at most this many (1-1000)', positive('--limit', 1000), 100)
    .action(async (options: { limit: number }) => {
      const page = await ctx.client().get<{ experiments: ExperimentView[]; nextPageToken?: string }>('/experiments', { limit: options.limit });
      ctx.output.result(page, ({ experiments: rows }) =>
        table(rows, [
          { header: 'id', value: (e) => e.id },
          { header: 'name', value: (e) => e.name },
          { header: 'description', value: (e) => e.description },
          { header: 'created', value: (e) => time(e.createdAt) },
        ]),
      );
    });

  const runs = program.command('runs').description('tracked runs: params, metrics, status');

  runs
    .command('list')
    .description("search runs, e.g. --filter \"metrics.eval_f1 > 0.9 and params.lr = '0.1'\" --order-by 'metrics.eval_f1 DESC'")
    .option('--experiment <id-or-name>', 'only runs of this experiment')
    .option('--filter <filter>', "comparisons joined with and: metrics.<key> > 0.9, params.<key> = '…', tags.<key> = '…', status = 'FINISHED'")
    .option('--order-by <order>', 'metrics.<key> [ASC|DESC], start_time, end_time or name')
    .option('--limit <n>', 'runs per page (1-5000)', positive('--limit', 5000), 50)
    .option('--page-token <token>', 'continue a previous listing')
    .option('--metric <key...>', 'metric columns to show (default: up to 3 of the runs’ metrics)')
    .action(async (options: { experiment?: string; filter?: string; orderBy?: string; limit: number; pageToken?: string; metric?: string[] }) => {
      const client = ctx.client();
      let experimentId: string | undefined;
      if (options.experiment !== undefined) {
        experimentId = (await client.get<ExperimentView>(`/experiments/${encodeURIComponent(options.experiment)}`)).id;
      }
      const page = await client.get<{ runs: RunView[]; nextPageToken?: string }>('/runs', {
        experiment_id: experimentId,
        filter: options.filter,
        order_by: options.orderBy,
        limit: options.limit,
        page_token: options.pageToken,
      });
      ctx.output.result(page, ({ runs: rows, nextPageToken }) => {
        const keys = options.metric ?? [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))].sort().slice(0, 3);
        const text = table(rows, [
          { header: 'id', value: (r) => r.id },
          { header: 'name', value: (r) => r.name },
          { header: 'status', value: (r) => r.status },
          { header: 'started', value: (r) => time(r.startTime) },
          { header: 'duration', value: (r) => duration(r) },
          ...keys.map((key) => ({ header: key, value: (r: RunView) => r.metrics[key]?.value })),
        ]);
        return nextPageToken === undefined ? text : `${text}\nmore: --page-token ${nextPageToken}`;
      });
    });

  runs
    .command('show <id>')
    .description('a run with its params, tags, latest metrics and resource usage')
    .action(async (id: string) => {
      const run = await ctx.client().get<RunView>(`/runs/${encodeURIComponent(id)}`);
      ctx.output.result(run, (r) => {
        const parts = [
          details([
            ['id', r.id],
            ['name', r.name],
            ['experiment', r.experimentId],
            ['status', r.status],
            ['started', time(r.startTime)],
            ['ended', time(r.endTime)],
            ['duration', duration(r)],
            ...Object.entries(r.resourceUsage ?? {}).map(([key, value]) => [`usage.${key}`, value] as const),
          ]),
        ];
        const params = Object.entries(r.params).sort(([a], [b]) => a.localeCompare(b));
        if (params.length > 0) parts.push('params', table(params, [
          { header: 'key', value: ([key]) => key },
          { header: 'value', value: ([, value]) => value },
        ]));
        const metrics = Object.values(r.metrics).sort((a, b) => a.key.localeCompare(b.key));
        if (metrics.length > 0) parts.push('metrics (latest)', table(metrics, [
          { header: 'key', value: (m) => m.key },
          { header: 'value', value: (m) => m.value },
          { header: 'step', value: (m) => m.step },
          { header: 'time', value: (m) => time(m.timestamp) },
        ]));
        const tags = Object.entries(r.tags).sort(([a], [b]) => a.localeCompare(b));
        if (tags.length > 0) parts.push('tags', table(tags, [
          { header: 'key', value: ([key]) => key },
          { header: 'value', value: ([, value]) => value },
        ]));
        return parts.join('\n');
      });
    });

  runs
    .command('metrics <id> <key>')
    .description('the history of one metric of a run, in step order (all pages)')
    .option('--limit <n>', 'at most this many points', positive('--limit', 10_000_000))
    .action(async (id: string, key: string, options: { limit?: number }) => {
      const client = ctx.client();
      const points: MetricPointView[] = [];
      let pageToken: string | undefined;
      do {
        const page = await client.get<{ points: MetricPointView[]; nextPageToken?: string }>(`/runs/${encodeURIComponent(id)}/metrics/${encodeURIComponent(key)}`, {
          page_token: pageToken,
          ...(options.limit === undefined ? {} : { limit: Math.min(options.limit - points.length, 25_000) }),
        });
        points.push(...page.points);
        pageToken = page.nextPageToken;
      } while (pageToken !== undefined && (options.limit === undefined || points.length < options.limit));
      ctx.output.result({ runId: id, key, points }, (history) =>
        table(history.points, [
          { header: 'step', value: (p) => p.step },
          { header: 'value', value: (p) => cell(p.value) },
          { header: 'time', value: (p) => time(p.timestamp) },
        ]),
      );
    });

  runs
    .command('delete <id>')
    .description('delete a run for good (admin); its unreferenced artifact blobs go at the next gc')
    .action(async (id: string) => {
      await ctx.client().delete<unknown>(`/runs/${encodeURIComponent(id)}`);
      ctx.output.result({ deleted: id }, () => `deleted run ${id}`);
    });
};
