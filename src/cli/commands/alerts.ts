/**
 * `warden alerts list|show|ack|silence|unsilence|silences|rules|webhooks` over HTTP.
 */
import { Option } from 'commander';
import { ALERT_SEVERITIES, type Alert, type AlertRule, type Silence, type WebhookView } from '../../domain/alerts/index.js';
import type { RegisterCommands } from '../context.js';
import { CliError, EXIT_CODES } from '../http-client.js';
import { details, table, time } from '../output.js';
import { numberOption } from './deployments.js';

type SilenceView = Silence & { readonly active: boolean };

function subject(alert: Pick<Alert, 'model' | 'version'>): string {
  return `${alert.model}${alert.version === null ? '' : ` v${alert.version}`}`;
}

function stateOf(alert: Alert): string {
  if (alert.state === 'resolved') return 'resolved';
  return alert.ackedAt !== null ? 'acked' : 'open';
}

function showAlert(alert: Alert): string {
  return details([
    ['id', alert.id],
    ['rule', alert.rule],
    ['severity', alert.severity],
    ['state', stateOf(alert)],
    ['model', subject(alert)],
    ['metric', alert.metric ?? ''],
    ['summary', alert.summary],
    ['fired', time(alert.firedAt)],
    ['last breach', time(alert.lastBreachAt)],
    ['resolved', alert.resolvedAt === null ? '' : `${time(alert.resolvedAt)}${alert.resolution === 'retired' ? ' (retired: the version left Production)' : ''}`],
    ['breaches', alert.breaches],
    ['acknowledged', alert.ackedAt === null ? '' : `${time(alert.ackedAt)} by ${alert.ackedBy ?? ''}`],
    ['silenced by', alert.silencedBy ?? ''],
    ['fingerprint', alert.fingerprint],
    ['details', alert.details],
  ]);
}

function matcherText(silence: Silence): string {
  return Object.entries(silence.matchers)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ');
}

/** `90` (minutes), `30m`, `2h`, `1d` → minutes. */
function durationOption(raw: string): number {
  const match = /^(\d+(?:\.\d+)?)([mhd]?)$/.exec(raw.trim());
  if (!match) throw new CliError(`--for must be a duration like 30m, 2h or 1d, not "${raw}"`, EXIT_CODES.usage);
  const factor = { '': 1, m: 1, h: 60, d: 24 * 60 }[match[2] as '' | 'm' | 'h' | 'd'];
  return Number(match[1]) * factor;
}

export const registerAlertsCommands: RegisterCommands = (program, ctx) => {
  const alerts = program.command('alerts').description('alerts: list, show, acknowledge, silence; the rules and webhooks in force');

  alerts
    .command('list')
    .description('alert episodes, newest fired first')
    .addOption(new Option('--state <state>', 'open, resolved or all').choices(['open', 'resolved', 'all']).default('all'))
    .option('--model <name>', 'only this model')
    .addOption(new Option('--severity <severity>', 'only this severity').choices([...ALERT_SEVERITIES]))
    .option('--limit <n>', 'at most this many (default 50)')
    .action(async (options: { state: string; model?: string; severity?: string; limit?: string }) => {
      const query: Record<string, string> = { state: options.state };
      if (options.model !== undefined) query.model = options.model;
      if (options.severity !== undefined) query.severity = options.severity;
      if (options.limit !== undefined) query.limit = String(numberOption(options.limit, '--limit', true));
      const result = await ctx.client().get<{ alerts: Alert[] }>('/alerts', query);
      ctx.output.result(result, (r) =>
        table(r.alerts, [
          { header: 'id', value: (a) => a.id },
          { header: 'severity', value: (a) => a.severity },
          { header: 'state', value: (a) => stateOf(a) },
          { header: 'rule', value: (a) => a.rule },
          { header: 'model', value: (a) => subject(a) },
          { header: 'fired', value: (a) => time(a.firedAt) },
        ]),
      );
    });

  alerts
    .command('show <id>')
    .description('one alert: what fired, when, how often, who acknowledged it')
    .action(async (id: string) => {
      ctx.output.result(await ctx.client().get<Alert>(`/alerts/${encodeURIComponent(id)}`), showAlert);
    });

  alerts
    .command('ack <id>')
    .description('acknowledge an alert (editor): records who saw it')
    .action(async (id: string) => {
      const alert = await ctx.client().post<Alert>(`/alerts/${encodeURIComponent(id)}/ack`, {});
      ctx.output.result(alert, (a) => `alert ${a.id} acknowledged by ${a.ackedBy ?? ''} at ${time(a.ackedAt)}`);
    });

  alerts
    .command('silence')
    .description('mute the notifications of matching alerts for a while (editor); at least one matcher')
    .option('--fingerprint <fingerprint>', 'exactly this alert fingerprint (rule/model/version/metric)')
    .option('--rule <id>', 'alerts of this rule')
    .option('--model <name>', 'alerts of this model')
    .option('--model-version <n>', 'alerts of this version of the model (`--version` prints warden\'s own)')
    .option('--metric <name>', 'alerts of this metric')
    .addOption(new Option('--severity <severity>', 'alerts of this severity').choices([...ALERT_SEVERITIES]))
    .requiredOption('--for <duration>', 'how long: minutes, or 30m, 2h, 1d')
    .requiredOption('--reason <text>', 'why it is muted (kept with the silence)')
    .action(async (options: { fingerprint?: string; rule?: string; model?: string; modelVersion?: string; metric?: string; severity?: string; for: string; reason: string }) => {
      const matchers: Record<string, string | number> = {};
      for (const key of ['fingerprint', 'rule', 'model', 'metric', 'severity'] as const) {
        const value = options[key];
        if (value !== undefined) matchers[key] = value;
      }
      if (options.modelVersion !== undefined) matchers.version = numberOption(options.modelVersion, '--model-version', true);
      if (Object.keys(matchers).length === 0) throw new CliError('give at least one of --fingerprint, --rule, --model, --model-version, --metric, --severity', EXIT_CODES.usage);
      const silence = await ctx.client().post<SilenceView>('/alerts/silences', { matchers, durationMinutes: durationOption(options.for), reason: options.reason });
      ctx.output.result(silence, (s) => `silence ${s.id}: ${matcherText(s)} until ${time(s.expiresAt)}`);
    });

  alerts
    .command('unsilence <id>')
    .description('end a silence now (editor)')
    .action(async (id: string) => {
      const silence = await ctx.client().delete<SilenceView>(`/alerts/silences/${encodeURIComponent(id)}`);
      ctx.output.result(silence, (s) => `silence ${s.id} ended${s.endedBy === null ? ' (it had expired)' : ` by ${s.endedBy}`}`);
    });

  alerts
    .command('silences')
    .description('silences, newest first')
    .option('--active', 'only those in force now')
    .action(async (options: { active?: boolean }) => {
      const result = await ctx.client().get<{ silences: SilenceView[] }>('/alerts/silences', options.active === true ? { active: 'true' } : {});
      ctx.output.result(result, (r) =>
        table(r.silences, [
          { header: 'id', value: (s) => s.id },
          { header: 'matchers', value: (s) => matcherText(s) },
          { header: 'active', value: (s) => (s.active ? 'yes' : 'no') },
          { header: 'until', value: (s) => time(s.endedAt ?? s.expiresAt) },
          { header: 'by', value: (s) => s.createdBy },
          { header: 'reason', value: (s) => s.reason },
        ]),
      );
    });

  alerts
    .command('rules')
    .description('the alert rules in force')
    .action(async () => {
      const result = await ctx.client().get<{ rules: AlertRule[] }>('/alerts/rules');
      ctx.output.result(result, (r) =>
        table(r.rules, [
          { header: 'rule', value: (rule) => rule.id },
          { header: 'severity', value: (rule) => rule.severity },
          { header: 'reads', value: (rule) => `${rule.signal}${rule.metric === null ? '' : `/${rule.metric}`}` },
          { header: 'clears after', value: (rule) => rule.clearAfter },
          { header: 'cooldown', value: (rule) => `${rule.cooldownMs / 60_000} min` },
          { header: 'fires when', value: (rule) => rule.description },
        ]),
      );
    });

  alerts
    .command('webhooks')
    .description('where notifications go (admin): name, origin, format, least severity')
    .action(async () => {
      const result = await ctx.client().get<{ webhooks: WebhookView[] }>('/alerts/webhooks');
      ctx.output.result(result, (r) =>
        table(r.webhooks, [
          { header: 'name', value: (w) => w.name },
          { header: 'origin', value: (w) => w.origin },
          { header: 'format', value: (w) => w.format },
          { header: 'from', value: (w) => w.minSeverity },
          { header: 'signed', value: (w) => (w.signed ? 'yes' : 'no') },
        ]),
      );
    });
};
