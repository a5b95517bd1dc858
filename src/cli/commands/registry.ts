/**
 * `warden models|versions|promote|archive|compare|status|lineage|alias|history`: the model
 * registry over HTTP. Tables for people, `--json` for scripts; errors are one line with an exit
 * code by kind (see http-client.ts).
 */
import fs from 'node:fs';
import { Option } from 'commander';
import { STAGES, VERSION_STATUSES } from '../../domain/registry/vocabulary.js';
import type { RegisterCommands } from '../context.js';
import { CliError, EXIT_CODES } from '../http-client.js';
import { cell, details, oneLine, table, time } from '../output.js';

interface ModelView {
  name: string;
  task: string;
  description: string;
  tags: Record<string, string>;
  policy: { enabled: boolean; metric?: string; comparison?: string; threshold?: number; targetStage?: string; otherwiseStage?: string };
  latestVersion: number;
  aliases: Record<string, number>;
  createdAt: number;
  updatedAt: number;
}

interface VersionView {
  model: string;
  number: number;
  semver: string;
  stage: string;
  status: string;
  description: string;
  metrics: Record<string, number>;
  tags: Record<string, string>;
  parentVersion: number | null;
  retrainingCount: number;
  datasetDigests: string[];
  resourceUsage: Record<string, number>;
  recipeFingerprint: string | null;
  sourceRunId: string | null;
  artifactDigest: string | null;
  createdAt: number;
}

interface TransitionView {
  seq: number;
  version: number;
  from: string;
  to: string;
  actor: string;
  reason: string;
  at: number;
}

interface TransitionResultView {
  version: VersionView;
  transitions: TransitionView[];
  archived: number[];
}

interface StatusView {
  models: Array<{
    name: string;
    task: string;
    production: { number: number; semver: string } | null;
    flags: string[];
    versions: Array<{ number: number; semver: string; stage: string; status: string; metrics: Record<string, number>; createdAt: number }>;
    redteam: { campaign: string; semver: string; verdict: string | null; attackSuccessRate: number | null } | null;
  }>;
  withoutProduction: string[];
}

interface ComparedView {
  model: string;
  number: number;
  semver: string;
  stage: string;
}

interface FlipView {
  row: number;
  label: number;
  text: string;
  a: { label: number; probability: number };
  b: { label: number; probability: number };
}

interface ComparisonView {
  a: ComparedView;
  b: ComparedView;
  relation: string;
  sameRows: boolean;
  rows: { source: string; count: number; dataset: { name: string; version: number } | null };
  note: string;
  metrics: Array<{
    metric: string;
    a: number | null;
    b: number | null;
    delta: number | null;
    direction: 'higher' | 'lower' | 'none';
    winner: 'a' | 'b' | 'tie' | null;
    ci: { lower: number; upper: number; level: number } | null;
  }>;
  wins: { a: number; b: number; ties: number };
  paired: {
    counts: { rows: number; bothRight: number; onlyARight: number; onlyBRight: number; bothWrong: number };
    mcnemar: { method: string; discordant: number; statistic: number | null; pValue: number };
  } | null;
  flips: { onlyARight: FlipView[]; onlyBRight: FlipView[] } | null;
}

interface LineageView {
  model: string;
  version: { number: number; semver: string; stage: string; parentVersion: number | null; metrics: Record<string, number> };
  ancestors: Array<{ number: number; semver: string; stage: string }>;
  children: Array<{ number: number; semver: string; stage: string }>;
  performanceHistory: Array<{ number: number; semver: string; metrics: Record<string, number> }>;
  productionHistory: Array<{ version: number; semver: string; enteredAt: number; enteredBy: string; exitedAt: number | null; exitedTo: string | null }>;
  deploymentHistory: Array<{ deployment: string; strategy: string; role: string; state: string; startedAt: number; endedAt: number | null; startedBy: string; outcome: string }>;
  retrainingCount: number;
  resourceUsage: Record<string, number>;
  /** Absent from servers before retraining decisions were shown in lineage. */
  retraining?: { decision: string; decidedAt: number; summary: string; triggers: string[]; outcomes: Array<{ kind: string; at: number; detail: string }> } | null;
}

const path = (...segments: Array<string | number>) => `/${segments.map((s) => encodeURIComponent(String(s))).join('/')}`;

/**
 * The figures a security classifier is judged by, first in a metrics cell in this order (the
 * dashboard's model tables show the first four): sorted by name alone, a trained version's
 * cell showed eval_docs_per_second and eval_fn before its precision and recall.
 */
const KEY_METRICS = ['eval_accuracy', 'eval_f1', 'eval_precision', 'eval_recall', 'eval_fpr', 'eval_roc_auc'];
const keyRank = (name: string): number => {
  const rank = KEY_METRICS.indexOf(name);
  return rank < 0 ? KEY_METRICS.length : rank;
};

function metricsText(metrics: Record<string, number>, limit = 4): string {
  const entries = Object.entries(metrics).sort(([a], [b]) => keyRank(a) - keyRank(b) || a.localeCompare(b));
  const shown = entries.slice(0, limit).map(([k, v]) => `${k}=${cell(v)}`);
  if (entries.length > limit) shown.push(`+${entries.length - limit}`);
  return shown.join(' ');
}

function policyText(policy: ModelView['policy']): string {
  if (!policy.enabled) return 'auto-stage off';
  return `${policy.metric} ${policy.comparison} ${policy.threshold} → ${policy.targetStage}, else ${policy.otherwiseStage}`;
}

/** `key=value` pairs (repeatable) into an object; numbers when `numeric`. */
function pairs(values: readonly string[] | undefined, option: string, numeric: boolean): Record<string, string | number> | undefined {
  if (values === undefined || values.length === 0) return undefined;
  const out: Record<string, string | number> = {};
  for (const pair of values) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`${option} expects key=value, got "${pair}"`, EXIT_CODES.usage);
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    if (numeric) {
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value)) throw new CliError(`${option} ${key} must be a number, got "${raw}"`, EXIT_CODES.usage);
      out[key] = value;
    } else out[key] = raw;
  }
  return out;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** A version argument: numbers travel as numbers, labels and aliases as strings. */
/** A version argument as the API takes it: a number, or a label (v1.2) or alias as text. */
export const versionArg = (raw: string): number | string => (/^\d+$/.test(raw) ? Number(raw) : raw);

function transitionLines(result: TransitionResultView): string {
  const lines = result.transitions.map((t) => `${result.version.model} v${t.version}: ${t.from} → ${t.to} (${t.reason})`);
  return lines.join('\n');
}

function versionDetails(v: VersionView): string {
  return details([
    ['model', v.model],
    ['version', v.number],
    ['semver', v.semver],
    ['stage', v.stage],
    ['status', v.status],
    ['parent', v.parentVersion],
    ['retraining count', v.retrainingCount],
    ['metrics', v.metrics],
    ['tags', v.tags],
    ['recipe', v.recipeFingerprint],
    ['datasets', v.datasetDigests.join(' ')],
    ['resources', v.resourceUsage],
    ['source run', v.sourceRunId],
    ['artifact', v.artifactDigest],
    ['description', v.description],
    ['created', time(v.createdAt)],
  ]);
}

export const registerRegistryCommands: RegisterCommands = (program, ctx) => {
  // ------------------------------------------------------------------ models
  const models = program.command('models').description('registered models');

  models
    .command('list')
    .description('list models')
    .option('--limit <n>', 'page size', '100')
    .option('--page-token <token>', 'the next page token of a previous call')
    .action(async (options: { limit: string; pageToken?: string }) => {
      const page = await ctx.client().get<{ models: ModelView[]; nextPageToken?: string }>('/models', { limit: options.limit, pageToken: options.pageToken });
      ctx.output.result(page, ({ models: rows, nextPageToken }) =>
        [
          table(rows, [
            { header: 'name', value: (m) => m.name },
            { header: 'task', value: (m) => m.task },
            { header: 'versions', value: (m) => m.latestVersion },
            { header: 'aliases', value: (m) => Object.entries(m.aliases).map(([a, n]) => `${a}→${n}`).join(' ') },
            { header: 'policy', value: (m) => policyText(m.policy) },
            { header: 'updated', value: (m) => time(m.updatedAt) },
          ]),
          ...(nextPageToken ? [`more: --page-token ${nextPageToken}`] : []),
        ].join('\n'),
      );
    });

  models
    .command('show <name>')
    .description('show a model')
    .action(async (name: string) => {
      const model = await ctx.client().get<ModelView>(path('models', name));
      ctx.output.result(model, (m) =>
        details([
          ['name', m.name],
          ['task', m.task],
          ['description', m.description],
          ['tags', Object.entries(m.tags).map(([k, v]) => `${k}=${v}`).join(' ')],
          ['policy', policyText(m.policy)],
          ['versions', m.latestVersion],
          ['aliases', Object.entries(m.aliases).map(([a, n]) => `${a}→${n}`).join(' ')],
          ['created', time(m.createdAt)],
          ['updated', time(m.updatedAt)],
        ]),
      );
    });

  models
    .command('create <name>')
    .description('register a model')
    .requiredOption('--task <task>', 'what it detects, e.g. spam, phishing, prompt-injection, malicious-url')
    .option('--description <text>', 'description')
    .option('--tag <key=value>', 'a tag (repeatable)', collect)
    .option('--policy <rule>', 'auto-stage rule "<metric><op><threshold>:<stage>" (e.g. "eval_f1>=0.9:Production"), or "off"')
    .action(async (name: string, options: { task: string; description?: string; tag?: string[]; policy?: string }) => {
      const body: Record<string, unknown> = { name, task: options.task };
      if (options.description !== undefined) body.description = options.description;
      const tags = pairs(options.tag, '--tag', false);
      if (tags) body.tags = tags;
      if (options.policy !== undefined) body.policy = parsePolicy(options.policy);
      const model = await ctx.client().post<ModelView>('/models', body);
      ctx.output.result(model, (m) => `created model ${m.name} (${m.task}; ${policyText(m.policy)})`);
    });

  // ---------------------------------------------------------------- versions
  const versions = program.command('versions').description('model versions');

  versions
    .command('list <model>')
    .description('list versions, newest first')
    .option('--stage <stage>', `only this stage (repeatable): ${STAGES.join(', ')}`, collect)
    .option('--tag <key=value>', 'only versions with this tag (repeatable)', collect)
    .option('--metric <condition>', 'metric condition like "eval_f1>0.9" (repeatable)', collect)
    .option('--limit <n>', 'page size', '50')
    .option('--page-token <token>', 'the next page token of a previous call')
    .action(async (model: string, options: { stage?: string[]; tag?: string[]; metric?: string[]; limit: string; pageToken?: string }) => {
      const page = await ctx.client().get<{ versions: VersionView[]; nextPageToken?: string }>(path('models', model, 'versions'), {
        stage: options.stage,
        tag: options.tag,
        metric: options.metric,
        limit: options.limit,
        pageToken: options.pageToken,
      });
      ctx.output.result(page, ({ versions: rows, nextPageToken }) =>
        [
          table(rows, [
            { header: 'version', value: (v) => v.number },
            { header: 'semver', value: (v) => v.semver },
            { header: 'stage', value: (v) => v.stage },
            { header: 'status', value: (v) => v.status },
            { header: 'parent', value: (v) => v.parentVersion },
            { header: 'metrics', value: (v) => metricsText(v.metrics) },
            { header: 'created', value: (v) => time(v.createdAt) },
          ]),
          ...(nextPageToken ? [`more: --page-token ${nextPageToken}`] : []),
        ].join('\n'),
      );
    });

  versions
    .command('show <model> <version>')
    .description('show a version (number, label like v1.2, or alias)')
    .action(async (model: string, version: string) => {
      const v = await ctx.client().get<VersionView>(path('models', model, 'versions', version));
      ctx.output.result(v, versionDetails);
    });

  versions
    .command('register <model>')
    .description('register the next version; the model policy stages it')
    .addOption(new Option('--status <status>', 'version status').choices([...VERSION_STATUSES]).default('READY'))
    .option('--metric <key=value>', 'a final metric (repeatable)', collect)
    .option('--tag <key=value>', 'a tag (repeatable)', collect)
    .option('--parent <version>', 'the version this one was retrained from')
    .option('--recipe <fingerprint>', 'recipe fingerprint: same → minor bump, new → major bump')
    .option('--dataset <sha256>', 'digest of a training dataset version (repeatable)', collect)
    .option('--resource <key=value>', 'resource usage, e.g. wallSeconds=12 (repeatable)', collect)
    .option('--run <id>', 'source run id')
    .option('--artifact <sha256>', 'artifact digest')
    .option('--description <text>', 'description')
    .option('--from-file <file>', 'read the JSON body from a file (flags override)')
    .action(
      async (
        model: string,
        options: {
          status: string;
          metric?: string[];
          tag?: string[];
          parent?: string;
          recipe?: string;
          dataset?: string[];
          resource?: string[];
          run?: string;
          artifact?: string;
          description?: string;
          fromFile?: string;
        },
      ) => {
        let body: Record<string, unknown> = {};
        if (options.fromFile !== undefined) {
          try {
            body = JSON.parse(fs.readFileSync(options.fromFile, 'utf8')) as Record<string, unknown>;
          } catch (error) {
            throw new CliError(`cannot read ${options.fromFile}: ${(error as Error).message}`, EXIT_CODES.usage);
          }
        }
        if (options.fromFile === undefined || options.status !== 'READY') body.status = options.status;
        const metrics = pairs(options.metric, '--metric', true);
        if (metrics) body.metrics = metrics;
        const tags = pairs(options.tag, '--tag', false);
        if (tags) body.tags = tags;
        const resources = pairs(options.resource, '--resource', true);
        if (resources) body.resourceUsage = resources;
        if (options.parent !== undefined) body.parent = versionArg(options.parent);
        if (options.recipe !== undefined) body.recipeFingerprint = options.recipe;
        if (options.dataset !== undefined) body.datasetDigests = options.dataset;
        if (options.run !== undefined) body.sourceRunId = options.run;
        if (options.artifact !== undefined) body.artifactDigest = options.artifact;
        if (options.description !== undefined) body.description = options.description;
        const result = await ctx.client().post<{ version: VersionView; autoStage: { stage: string; reason: string } }>(path('models', model, 'versions'), body);
        ctx.output.result(result, (r) => `registered ${r.version.model} version ${r.version.number} (${r.version.semver}) → ${r.version.stage}: ${r.autoStage.reason}`);
      },
    );

  versions
    .command('update <model> <version>')
    .description('change description/tags, set the artifact digest once, or finish a PENDING version (READY applies the auto-stage policy)')
    .addOption(new Option('--status <status>', 'READY or FAILED for a PENDING version').choices(['READY', 'FAILED']))
    .option('--tag <key=value>', 'replace the tags with these (repeatable)', collect)
    .option('--artifact <sha256>', 'artifact digest (write-once)')
    .option('--description <text>', 'description')
    .action(async (model: string, version: string, options: { status?: string; tag?: string[]; artifact?: string; description?: string }) => {
      const body: Record<string, unknown> = {};
      if (options.status !== undefined) body.status = options.status;
      const tags = pairs(options.tag, '--tag', false);
      if (tags) body.tags = tags;
      if (options.artifact !== undefined) body.artifactDigest = options.artifact;
      if (options.description !== undefined) body.description = options.description;
      if (Object.keys(body).length === 0) throw new CliError('nothing to change: pass --status, --tag, --artifact or --description', EXIT_CODES.usage);
      const result = await ctx.client().patch<{ version: VersionView; autoStage: { stage: string; reason: string } | null }>(path('models', model, 'versions', version), body);
      ctx.output.result(result, (r) =>
        [`updated ${r.version.model} version ${r.version.number} (${r.version.status}, ${r.version.stage})`, ...(r.autoStage ? [r.autoStage.reason] : [])].join('\n'),
      );
    });

  // ------------------------------------------------------------ stage moves
  program
    .command('promote <model> <version>')
    .description('move a version to a stage (default Production: the previous Production version is archived)')
    .addOption(new Option('--stage <stage>', 'target stage').choices([...STAGES]).default('Production'))
    .option('--reason <text>', 'why (kept in the history)')
    .option('--force', 'take the Production version out of Production without a replacement (needs --reason)')
    .action(async (model: string, version: string, options: { stage: string; reason?: string; force?: boolean }) => {
      const body: Record<string, unknown> = { stage: options.stage };
      if (options.reason !== undefined) body.reason = options.reason;
      if (options.force === true) body.force = true;
      const result = await ctx.client().post<TransitionResultView>(path('models', model, 'versions', version, 'stage'), body);
      ctx.output.result(result, transitionLines);
    });

  program
    .command('archive <model> <version>')
    .description('archive a version')
    .option('--reason <text>', 'why (kept in the history)')
    .option('--force', 'archive the Production version although nothing replaces it (needs --reason)')
    .action(async (model: string, version: string, options: { reason?: string; force?: boolean }) => {
      const body: Record<string, unknown> = { model, version: versionArg(version) };
      if (options.reason !== undefined) body.reason = options.reason;
      if (options.force === true) body.force = true;
      const result = await ctx.client().post<TransitionResultView>('/models/archive', body);
      ctx.output.result(result, transitionLines);
    });

  program
    .command('compare <a> <b> [c]')
    .description('compare two versions on the same rows: `compare spam@v1.2 spam-nb@v1.0`, or `compare <model> <a> <b>`')
    .option('--dataset <name[@version]>', 'score both on this dataset (less the rows either trained on) instead of the rows both held out')
    .option('--flips <n>', 'flipped examples listed each way (0-50, default 5)')
    .action(async (first: string, second: string, third: string | undefined, options: { dataset?: string; flips?: string }) => {
      const query: Record<string, string> = third === undefined ? { a: first, b: second } : { model: first, a: second, b: third };
      if (options.dataset !== undefined) query.dataset = options.dataset;
      if (options.flips !== undefined) query.flips = options.flips;
      const result = await ctx.client().get<ComparisonView>('/models/compare', query);
      ctx.output.result(result, renderComparison);
    });

  program
    .command('status')
    .description('every model: versions with stage, status, semver, key metrics; which one is in Production')
    .action(async () => {
      const status = await ctx.client().get<StatusView>('/models/status');
      ctx.output.result(status, (s) => {
        const rows = s.models.flatMap((m) =>
          m.versions.length === 0
            ? [{ model: m.name, task: m.task, number: null as number | null, semver: '', stage: '', status: '', metrics: {} as Record<string, number>, live: false }]
            : m.versions.map((v) => ({ model: m.name, task: m.task, ...v, live: m.production?.number === v.number })),
        );
        const versions = table(rows, [
          { header: 'model', value: (r) => r.model },
          { header: 'task', value: (r) => r.task },
          { header: 'version', value: (r) => r.number },
          { header: 'semver', value: (r) => r.semver },
          { header: 'stage', value: (r) => (r.live ? `${r.stage} *` : r.stage) },
          { header: 'status', value: (r) => r.status },
          { header: 'key metrics', value: (r) => metricsText(r.metrics) },
        ]);
        const redteamFailed = s.models
          .filter((m) => m.flags.includes('redteam-failed') && m.redteam !== null)
          .map((m) => `${m.name} ${m.redteam!.semver} (${m.redteam!.verdict}, campaign ${m.redteam!.campaign})`);
        return [
          versions,
          ...(s.withoutProduction.length === 0 ? [] : [`no Production version (nothing serves them): ${s.withoutProduction.join(', ')}`]),
          ...(redteamFailed.length === 0 ? [] : [`red team failed (the newest campaign evaded the version that serves): ${redteamFailed.join(', ')}`]),
        ].join('\n');
      });
    });

  program
    .command('lineage <model> <version>')
    .description('ancestors, children, performance and deployment history of a version')
    .action(async (model: string, version: string) => {
      const lineage = await ctx.client().get<LineageView>(path('models', model, 'versions', version, 'lineage'));
      ctx.output.result(lineage, (l) =>
        [
          `${l.model} v${l.version.number} (${l.version.semver}, ${l.version.stage}); retraining count ${l.retrainingCount}`,
          `ancestors: ${l.ancestors.map((a) => `v${a.number}`).join(' ← ') || 'none'}`,
          `children: ${l.children.map((c) => `v${c.number}`).join(', ') || 'none'}`,
          `resources: ${metricsText(l.resourceUsage, 20) || 'not recorded'}`,
          'performance history:',
          table(l.performanceHistory, [
            { header: 'version', value: (p) => p.number },
            { header: 'semver', value: (p) => p.semver },
            { header: 'metrics', value: (p) => metricsText(p.metrics, 6) },
          ]),
          'production history:',
          table(l.productionHistory, [
            { header: 'version', value: (d) => d.version },
            { header: 'entered', value: (d) => time(d.enteredAt) },
            { header: 'by', value: (d) => d.enteredBy },
            { header: 'left', value: (d) => time(d.exitedAt) },
            { header: 'to', value: (d) => d.exitedTo },
          ]),
          'deployments:',
          table(l.deploymentHistory, [
            { header: 'deployment', value: (d) => d.deployment },
            { header: 'strategy', value: (d) => d.strategy },
            { header: 'as', value: (d) => d.role },
            { header: 'state', value: (d) => d.state },
            { header: 'started', value: (d) => `${time(d.startedAt)} by ${d.startedBy}` },
            { header: 'outcome', value: (d) => d.outcome },
          ]),
          ...(l.retraining
            ? [
                `retraining decision ${l.retraining.decision} (${time(l.retraining.decidedAt)}): ${l.retraining.summary}`,
                ...l.retraining.outcomes.map((o) => `  ${time(o.at)} ${o.kind}: ${o.detail}`),
              ]
            : []),
        ].join('\n'),
      );
    });

  program
    .command('history <model>')
    .description("the model's stage history, oldest first")
    .option('--version <version>', 'only this version')
    .option('--limit <n>', 'page size', '100')
    .option('--page-token <token>', 'the next page token of a previous call')
    .action(async (model: string, options: { version?: string; limit: string; pageToken?: string }) => {
      const page = await ctx.client().get<{ transitions: TransitionView[]; nextPageToken?: string }>(path('models', model, 'history'), {
        version: options.version,
        limit: options.limit,
        pageToken: options.pageToken,
      });
      ctx.output.result(page, ({ transitions, nextPageToken }) =>
        [
          table(transitions, [
            { header: 'seq', value: (t) => t.seq },
            { header: 'version', value: (t) => t.version },
            { header: 'from', value: (t) => t.from },
            { header: 'to', value: (t) => t.to },
            { header: 'actor', value: (t) => t.actor },
            { header: 'reason', value: (t) => t.reason },
            { header: 'at', value: (t) => time(t.at) },
          ]),
          ...(nextPageToken ? [`more: --page-token ${nextPageToken}`] : []),
        ].join('\n'),
      );
    });

  const alias = program.command('alias').description('version aliases (e.g. champion, challenger)');
  alias
    .command('set <model> <alias> <version>')
    .description('point an alias at a version (moves it atomically)')
    .action(async (model: string, name: string, version: string) => {
      const result = await ctx.client().put<{ model: string; alias: string; version: number }>(path('models', model, 'aliases', name), { version: versionArg(version) });
      ctx.output.result(result, (r) => `${r.model}@${r.alias} → version ${r.version}`);
    });
  alias
    .command('delete <model> <alias>')
    .description('delete an alias')
    .action(async (model: string, name: string) => {
      await ctx.client().delete<unknown>(path('models', model, 'aliases', name));
      ctx.output.result({ model, alias: name, deleted: true }, () => `deleted alias ${model}@${name}`);
    });
};

/** `eval_f1>=0.9:Production`, `eval_f1>=0.9` (→ Production), or `off`. */
function parsePolicy(text: string): unknown {
  if (text === 'off') return { enabled: false };
  const match = /^([A-Za-z0-9_.\-/]+)\s*(>=|<=|>|<|=)\s*(-?[\d.]+(?:e-?\d+)?)(?::(None|Staging|Production))?$/.exec(text.trim());
  if (!match) throw new CliError(`--policy expects "<metric><op><threshold>[:<stage>]" like "eval_f1>=0.9:Production", or "off"; got "${text}"`, EXIT_CODES.usage);
  return { metric: match[1], comparison: match[2], threshold: Number(match[3]), targetStage: match[4] ?? 'Production' };
}

const sideName = (v: ComparedView): string => `${v.model} ${v.semver} (v${v.number}, ${v.stage})`;

/** The comparison for people, within 100 columns: who, on which rows, metrics, the paired test, flips. */
function renderComparison(c: ComparisonView): string {
  const relation = c.relation === 'different-models' ? 'different models' : `a is ${c.relation === 'same' ? 'the same version as' : c.relation === 'ancestor' || c.relation === 'descendant' ? `an ${c.relation} of` : `${c.relation} to`} b`;
  const lines = [`a = ${sideName(c.a)}`, `b = ${sideName(c.b)}`, relation, wrap(`${c.sameRows ? `same ${c.rows.count} rows` : 'NOT the same rows'}: ${c.note}`, 100)];
  lines.push(
    table(c.metrics, [
      { header: 'metric', value: (m) => m.metric },
      { header: 'a', value: (m) => m.a },
      { header: 'b', value: (m) => m.b },
      { header: 'b−a', value: (m) => m.delta },
      { header: `${Math.round((c.metrics.find((m) => m.ci !== null)?.ci?.level ?? 0.95) * 100)}% CI`, value: (m) => (m.ci === null ? '' : `${m.ci.lower.toFixed(3)}..${m.ci.upper.toFixed(3)}`) },
      { header: 'better', value: (m) => m.direction },
      { header: 'winner', value: (m) => m.winner ?? '' },
    ]),
  );
  lines.push(c.sameRows ? `wins: a ${c.wins.a}, b ${c.wins.b}, ties ${c.wins.ties}` : 'no winner: the figures were not measured on the same rows');
  if (c.paired !== null) {
    const { counts, mcnemar } = c.paired;
    lines.push(`both right ${counts.bothRight}, only a right ${counts.onlyARight}, only b right ${counts.onlyBRight}, both wrong ${counts.bothWrong}`);
    lines.push(`McNemar (${mcnemar.method}) on ${mcnemar.discordant} discordant rows: p = ${mcnemar.pValue.toPrecision(3)}${mcnemar.statistic === null ? '' : `, chi2 = ${mcnemar.statistic.toFixed(3)}`}`);
  }
  if (c.flips !== null) {
    for (const [title, list] of [['only a right', c.flips.onlyARight], ['only b right', c.flips.onlyBRight]] as const) {
      if (list.length === 0) continue;
      lines.push(`${title} (first ${list.length}):`);
      lines.push(
        table(list, [
          { header: 'row', value: (f) => f.row },
          { header: 'label', value: (f) => f.label },
          { header: 'p(a)', value: (f) => f.a.probability.toFixed(3) },
          { header: 'p(b)', value: (f) => f.b.probability.toFixed(3) },
          // 100 columns less the other columns and borders.
          { header: 'text', value: (f) => oneLine(f.text, 60) },
        ]),
      );
    }
  }
  return lines.join('\n');
}


/** Breaks a long line at spaces so that no line exceeds `width`. */
function wrap(text: string, width: number): string {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  out.push(line);
  return out.join('\n');
}
