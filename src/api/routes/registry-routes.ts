/**
 * The model registry over HTTP: models, versions, stages, aliases, lineage, history, and the
 * platform endpoints /models/deploy, /models/archive, /models/compare, /models/status.
 * Thin: TypeBox validates the shape (400 naming the field), RegistryService and the domain
 * decide the rest. Static paths (/models/status…) win over /models/:name in the router, and
 * those names are reserved for models, so they never collide.
 * Roles: viewer reads; editor creates models, registers versions, stages between None and
 * Staging, sets aliases; admin deploys, archives, touches Production, deletes, changes policies.
 */
import { Type } from '@sinclair/typebox';
import { MAX_METRIC_KEY_LENGTH } from '../../domain/metric-keys.js';
import { METRIC_COMPARISONS, STAGES, VERSION_STATUSES } from '../../domain/registry/vocabulary.js';
import { DEPLOYMENT_STATES, DEPLOYMENT_STRATEGIES } from '../../domain/deployments/index.js';
import { AUTO_STAGE_TARGETS } from '../../domain/registry/auto-stage.js';
import { CAMPAIGN_VERDICTS } from '../../domain/redteam/campaign.js';
import { MAX_PAGE_LIMIT } from '../../domain/registry/version-filter.js';
import { MCNEMAR_METHODS, METRIC_DIRECTIONS } from '../../domain/evaluation/index.js';
import { COMPARISON_ROW_SOURCES, MAX_COMPARE_FLIPS } from '../../services/comparison-service.js';
import { MODEL_FLAGS, type RegisterVersionInput, type TransitionRequest, type TransitionResult, type UpdateVersionInput } from '../../services/registry-service.js';
import type { RouteModule } from '../app-deps.js';
import { actorOf } from '../auth.js';
import { ErrorBody } from '../http-errors.js';
import { StringEnum } from '../schemas.js';
import { RunSummarySchema } from './tracking-routes.js';

const StringMap = Type.Record(Type.String(), Type.String());
const NumberMap = Type.Record(Type.String(), Type.Number());
const Stage = StringEnum(STAGES);
const Status = StringEnum(VERSION_STATUSES);
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const ModelName = Type.String({ minLength: 1, maxLength: 64, description: 'Model name: [a-z0-9][a-z0-9._-]{0,63}' });
const VersionRef = Type.Union([Type.Integer({ minimum: 1 }), Type.String({ minLength: 1, maxLength: 80 })], {
  description: 'A version number, a semver label like v1.2, or an alias.',
});
const Reason = Type.String({ maxLength: 1000 });

const Policy = Type.Union(
  [
    Type.Object({ enabled: Type.Literal(false) }, { additionalProperties: false }),
    Type.Object(
      {
        enabled: Type.Optional(Type.Literal(true)),
        metric: Type.String(),
        comparison: StringEnum(METRIC_COMPARISONS),
        threshold: Type.Number(),
        targetStage: StringEnum(AUTO_STAGE_TARGETS),
        otherwiseStage: Type.Optional(StringEnum(AUTO_STAGE_TARGETS)),
        tolerance: Type.Optional(
          Type.Number({ minimum: 0, maximum: 1, description: 'Champion/challenger gate: how much worse than the Production version (same held-out rows) a challenger may be on the metric; default 0.01' }),
        ),
        alpha: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: "Significance level of the gate's McNemar test; default 0.05" })),
        robustness: Type.Optional(
          Type.Object(
            {
              maxAttackSuccessRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'overall attack success rate on the malicious held-out rows at most this' })),
              maxFamilyRegression: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: "no family's attack success rate above the Production version's by more than this (0.05 = 5 points)" })),
              replayLedger: Type.Optional(Type.Boolean({ description: 'every vulnerability of the task already trained on must still be caught' })),
            },
            { additionalProperties: false, description: 'Robustness gate before Production: the candidate is attacked by the red team (docs/redteam.md)' },
          ),
        ),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'Auto-stage policy applied when a version is registered. Default: eval_accuracy > 0.9 → Production, else Staging.' },
);

export const ModelSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  task: Type.String(),
  description: Type.String(),
  tags: StringMap,
  policy: Type.Object(
    {
      enabled: Type.Boolean(),
      metric: Type.Optional(Type.String()),
      comparison: Type.Optional(Type.String()),
      threshold: Type.Optional(Type.Number()),
      targetStage: Type.Optional(Type.String()),
      otherwiseStage: Type.Optional(Type.String()),
      tolerance: Type.Optional(Type.Number()),
      alpha: Type.Optional(Type.Number()),
      robustness: Type.Optional(Type.Object({ maxAttackSuccessRate: Type.Optional(Type.Number()), maxFamilyRegression: Type.Optional(Type.Number()), replayLedger: Type.Optional(Type.Boolean()) })),
    },
    { additionalProperties: true },
  ),
  recipe: Nullable(Type.Object({}, { additionalProperties: true })),
  latestVersion: Type.Integer(),
  aliases: Type.Record(Type.String(), Type.Integer()),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
});

export const VersionSchema = Type.Object({
  id: Type.String(),
  model: Type.String(),
  number: Type.Integer(),
  semver: Type.String(),
  major: Type.Integer(),
  minor: Type.Integer(),
  stage: Stage,
  status: Status,
  description: Type.String(),
  metrics: NumberMap,
  tags: StringMap,
  parentVersion: Nullable(Type.Integer()),
  retrainingCount: Type.Integer(),
  datasetDigests: Type.Array(Type.String()),
  resourceUsage: NumberMap,
  recipeFingerprint: Nullable(Type.String()),
  sourceRunId: Nullable(Type.String()),
  artifactDigest: Nullable(Type.String()),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
});

export const TransitionSchema = Type.Object({
  id: Type.String(),
  seq: Type.Integer(),
  version: Type.Integer(),
  from: Stage,
  to: Stage,
  actor: Type.String(),
  reason: Type.String(),
  at: Type.Number({ description: 'ms since the epoch' }),
});

export const TransitionResultSchema = Type.Object({
  version: VersionSchema,
  transitions: Type.Array(TransitionSchema),
  archived: Type.Array(Type.Integer(), { description: 'Versions that left Production because of this move.' }),
});

const Summary = Type.Object({
  number: Type.Integer(),
  semver: Type.String(),
  stage: Stage,
  status: Status,
  retrainingCount: Type.Integer(),
  createdAt: Type.Number(),
});
const PerformancePoint = Type.Object({ ...Summary.properties, metrics: NumberMap });

export const LineageSchema = Type.Object({
  model: Type.String(),
  version: Type.Object({ ...PerformancePoint.properties, parentVersion: Nullable(Type.Integer()) }),
  ancestors: Type.Array(Summary, { description: 'Nearest first.' }),
  children: Type.Array(Summary),
  performanceHistory: Type.Array(PerformancePoint, { description: 'Oldest ancestor first, this version last.' }),
  productionHistory: Type.Array(
    Type.Object({
      version: Type.Integer(),
      semver: Type.String(),
      enteredAt: Type.Number(),
      enteredBy: Type.String(),
      enteredReason: Type.String(),
      exitedAt: Nullable(Type.Number()),
      exitedTo: Nullable(Stage),
      exitReason: Nullable(Type.String()),
    }),
    { description: 'Every stay in Production of the versions on the chain, from the stage history, in time order.' },
  ),
  deploymentHistory: Type.Array(
    Type.Object({
      deployment: Type.String({ description: 'GET /deployments/:id has its whole history.' }),
      strategy: StringEnum(DEPLOYMENT_STRATEGIES),
      role: StringEnum(['candidate', 'baseline'] as const, { description: 'candidate: the deployment moved traffic to this version; baseline: it replaced (or tried to replace) this version.' }),
      candidate: Type.Integer(),
      baseline: Nullable(Type.Integer()),
      state: StringEnum(DEPLOYMENT_STATES),
      startedAt: Type.Number(),
      endedAt: Nullable(Type.Number()),
      startedBy: Type.String(),
      outcome: Type.String({ description: 'The last entry of its history.' }),
      outcomeBy: Type.String({ description: "Who made the last move ('system' for the periodic check)." }),
    }),
    { description: 'Every deployment of this version, as candidate or as the baseline it replaced, oldest first.' },
  ),
  retrainingCount: Type.Integer(),
  resourceUsage: NumberMap,
  retraining: Nullable(
    Type.Object(
      {
        decision: Type.String({ description: 'GET /retraining/:id has the whole record.' }),
        decidedAt: Type.Number(),
        summary: Type.String(),
        triggers: Type.Array(Type.String()),
        outcomes: Type.Array(Type.Object({ kind: Type.String(), at: Type.Number(), detail: Type.String() })),
      },
      { description: 'The retraining decision whose retrain registered this version and what became of it (trained, compared, rolled out, held, promoted, rejected); null when no decision made it.' },
    ),
  ),
});

const Compared = Type.Object({ model: Type.String(), number: Type.Integer(), semver: Type.String(), stage: Stage, status: Status });
const Interval = Type.Object({ lower: Type.Number(), upper: Type.Number(), level: Type.Number(), method: Type.Literal('newcombe-paired') });
const FlipSide = Type.Object({ label: Type.Integer(), probability: Type.Number() });
const Flip = Type.Object({ row: Type.Integer(), label: Type.Integer(), text: Type.String({ description: 'At most 200 characters.' }), a: FlipSide, b: FlipSide });
export const ComparisonSchema = Type.Object({
  a: Compared,
  b: Compared,
  relation: StringEnum(['same', 'ancestor', 'descendant', 'siblings', 'related', 'unrelated', 'different-models'] as const, { description: 'How a relates to b.' }),
  sameRows: Type.Boolean({ description: 'Both scored by Warden on the same rows; only then are winners, the paired test and flips given.' }),
  rows: Type.Object({
    source: StringEnum(COMPARISON_ROW_SOURCES),
    count: Type.Integer(),
    dataset: Nullable(Type.Object({ name: Type.String(), version: Type.Integer(), sha256: Type.String() })),
    excluded: Type.Integer({ description: 'Rows of the named dataset left out because a or b trained on them.' }),
  }),
  note: Type.String(),
  metrics: Type.Array(
    Type.Object({
      metric: Type.String(),
      a: Nullable(Type.Number()),
      b: Nullable(Type.Number()),
      delta: Nullable(Type.Number({ description: 'b − a' })),
      direction: StringEnum(METRIC_DIRECTIONS, { description: 'Which way is better; `none` (throughput, rows, threshold, timings) is shown but never won.' }),
      winner: Nullable(StringEnum(['a', 'b', 'tie'] as const)),
      ci: Nullable(Interval),
    }),
  ),
  wins: Type.Object({ a: Type.Integer(), b: Type.Integer(), ties: Type.Integer() }),
  paired: Nullable(
    Type.Object({
      counts: Type.Object({ rows: Type.Integer(), bothRight: Type.Integer(), onlyARight: Type.Integer(), onlyBRight: Type.Integer(), bothWrong: Type.Integer() }),
      mcnemar: Type.Object({ method: StringEnum(MCNEMAR_METHODS), discordant: Type.Integer(), statistic: Nullable(Type.Number()), pValue: Type.Number() }),
    }),
  ),
  flips: Nullable(Type.Object({ onlyARight: Type.Array(Flip), onlyBRight: Type.Array(Flip) })),
});

export const StatusSchema = Type.Object({
  models: Type.Array(
    Type.Object({
      name: Type.String(),
      task: Type.String(),
      production: Nullable(Type.Object({ number: Type.Integer(), semver: Type.String() })),
      flags: Type.Array(StringEnum(MODEL_FLAGS), {
        description: 'no-production: no version is in Production, so nothing serves the model; redteam-failed: the newest red-team campaign evaded (or failed on) the version that serves',
      }),
      versions: Type.Array(Type.Object({ number: Type.Integer(), semver: Type.String(), stage: Stage, status: Status, metrics: NumberMap, createdAt: Type.Number() })),
      redteam: Nullable(
        Type.Object(
          {
            campaign: Type.String(),
            version: Type.Integer(),
            semver: Type.String(),
            verdict: Nullable(StringEnum(CAMPAIGN_VERDICTS)),
            attackSuccessRate: Nullable(Type.Number()),
            finishedAt: Nullable(Type.Number()),
          },
          { description: "The model's newest finished red-team campaign; flag redteam-failed when it evaded (or failed on) the version that serves" },
        ),
      ),
    }),
  ),
  withoutProduction: Type.Array(Type.String(), { description: 'Names of the models with no Production version' }),
});

const ModelParams = Type.Object({ name: ModelName });
const VersionParams = Type.Object({ name: ModelName, version: Type.String({ minLength: 1, maxLength: 80 }) });
const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_LIMIT })),
  pageToken: Type.Optional(Type.String({ maxLength: 200 })),
};
const Force = Type.Boolean({ description: 'Required (with a reason) to take the Production version out of Production without a replacement' });
const ArchiveMove = Type.Object({ model: ModelName, version: VersionRef, reason: Type.Optional(Reason), force: Type.Optional(Force) }, { additionalProperties: false });

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/** Entities are deeply readonly; the response schemas' static types are not. Serialisation only reads. */
type Plain<T> = T extends readonly (infer U)[] ? Plain<U>[] : T extends object ? { -readonly [K in keyof T]: Plain<T[K]> } : T;
function plain<T>(value: T): Plain<T> {
  return value as Plain<T>;
}


function transitionView(t: { id: string; seq: number; versionNumber: number; from: string; to: string; actor: string; reason: string; at: number }) {
  return { id: t.id, seq: t.seq, version: t.versionNumber, from: t.from, to: t.to, actor: t.actor, reason: t.reason, at: t.at };
}

export function resultView(result: TransitionResult) {
  return { version: plain(result.version), transitions: result.transitions.map(transitionView), archived: [...result.archived] };
}

export const registryRoutes: RouteModule = (app, deps) => {
  const registry = deps.services.registry;

  // ------------------------------------------------------ platform endpoints (static paths first)

  app.get(
    '/models/status',
    {
      config: { role: 'viewer' },
      schema: { summary: 'Every model: its versions with stage, status, semver, key metrics, and which one is in Production', tags: ['registry'], response: { 200: StatusSchema, ...errors } },
    },
    async () => plain(await deps.services.redteam.withStatus(await registry.status())),
  );

  app.get(
    '/models/compare',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Compare two versions (of one model or two) on the same rows: metrics, deltas, winners, McNemar test, flipped examples',
        tags: ['registry'],
        querystring: Type.Object({
          a: Type.String({ minLength: 1, maxLength: 150, description: 'model@version, or a bare version with model=' }),
          b: Type.String({ minLength: 1, maxLength: 150 }),
          model: Type.Optional(ModelName),
          dataset: Type.Optional(Type.String({ minLength: 1, maxLength: 150, description: 'name or name@version: score both on this dataset' })),
          flips: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_COMPARE_FLIPS, description: 'Flipped examples listed each way (default 5).' })),
        }),
        response: { 200: ComparisonSchema, ...errors },
      },
    },
    async (request) => plain(await deps.services.comparison.compare(request.query)),
  );

  app.post(
    '/models/archive',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Archive a version (the Production version only with force: true and a reason: nothing would serve the model)',
        tags: ['registry'],
        body: ArchiveMove,
        response: { 200: TransitionResultSchema, ...errors },
      },
    },
    async (request) => resultView(await registry.archive(request.body.model, request.body.version, actorOf(request), request.body.reason, request.body.force)),
  );

  // ------------------------------------------------------------------------------ models

  app.post(
    '/models',
    {
      config: { role: 'editor' },
      schema: {
        summary: 'Register a model (giving a policy or an external recipe needs admin)',
        tags: ['registry'],
        body: Type.Object(
          {
            name: ModelName,
            task: Type.String({ minLength: 1, maxLength: 64, description: 'e.g. spam, phishing, prompt-injection, malicious-url' }),
            description: Type.Optional(Type.String({ maxLength: 10_000 })),
            tags: Type.Optional(StringMap),
            policy: Type.Optional(Policy),
            recipe: Type.Optional(Nullable(Type.Object({}, { additionalProperties: true }))),
          },
          { additionalProperties: false },
        ),
        response: { 201: ModelSchema, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(plain(await registry.createModel(request.body, actorOf(request)))),
  );

  app.get(
    '/models',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'List models by name',
        tags: ['registry'],
        querystring: Type.Object(PageQuery),
        response: { 200: Type.Object({ models: Type.Array(ModelSchema), nextPageToken: Type.Optional(Type.String()) }), ...errors },
      },
    },
    async (request) => {
      const page = await registry.listModels(request.query);
      const models = plain(page.items);
      return page.nextPageToken === undefined ? { models } : { models, nextPageToken: page.nextPageToken };
    },
  );

  app.get(
    '/models/:name',
    { config: { role: 'viewer' }, schema: { summary: 'Get a model', tags: ['registry'], params: ModelParams, response: { 200: ModelSchema, ...errors } } },
    async (request) => plain(await registry.getModel(request.params.name)),
  );

  app.patch(
    '/models/:name',
    {
      config: { role: 'editor' },
      schema: {
        summary: 'Change a model (changing the policy or setting an external recipe needs admin; a recipe is validated when stored)',
        tags: ['registry'],
        params: ModelParams,
        body: Type.Object(
          {
            task: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            description: Type.Optional(Type.String({ maxLength: 10_000 })),
            tags: Type.Optional(StringMap),
            policy: Type.Optional(Policy),
            recipe: Type.Optional(Nullable(Type.Object({}, { additionalProperties: true }))),
          },
          { additionalProperties: false },
        ),
        response: { 200: ModelSchema, ...errors },
      },
    },
    async (request) => plain(await registry.updateModel(request.params.name, request.body, actorOf(request))),
  );

  app.delete(
    '/models/:name',
    {
      config: { role: 'admin' },
      schema: { summary: 'Delete a model with its versions (refused while a version is in Production)', tags: ['registry'], params: ModelParams, response: { 204: Type.Null(), ...errors } },
    },
    async (request, reply) => {
      await registry.deleteModel(request.params.name, actorOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/models/:name/history',
    {
      config: { role: 'viewer' },
      schema: {
        summary: "The model's stage history, oldest first (append-only)",
        tags: ['registry'],
        params: ModelParams,
        querystring: Type.Object({ version: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })), ...PageQuery }),
        response: { 200: Type.Object({ transitions: Type.Array(TransitionSchema), nextPageToken: Type.Optional(Type.String()) }), ...errors },
      },
    },
    async (request) => {
      const page = await registry.history(request.params.name, request.query);
      const transitions = page.items.map(transitionView);
      return page.nextPageToken === undefined ? { transitions } : { transitions, nextPageToken: page.nextPageToken };
    },
  );

  // ---------------------------------------------------------------------------- versions

  app.post(
    '/models/:name/versions',
    {
      config: { role: 'editor' },
      schema: {
        summary: 'Register the next version; the model policy stages it automatically',
        tags: ['registry'],
        params: ModelParams,
        body: Type.Object(
          {
            status: Type.Optional(Status),
            description: Type.Optional(Type.String({ maxLength: 10_000 })),
            metrics: Type.Optional(NumberMap),
            tags: Type.Optional(StringMap),
            parent: Type.Optional(Nullable(VersionRef)),
            recipeFingerprint: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 200 }))),
            datasetDigests: Type.Optional(Type.Array(Type.String(), { maxItems: 100 })),
            resourceUsage: Type.Optional(NumberMap),
            sourceRunId: Type.Optional(Nullable(Type.String({ maxLength: 128 }))),
            artifactDigest: Type.Optional(Nullable(Type.String({ maxLength: 80 }))),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            version: VersionSchema,
            autoStage: Type.Object({ stage: Stage, reason: Type.String() }),
            transitions: Type.Array(TransitionSchema),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const registered = await registry.registerVersion(request.params.name, request.body as RegisterVersionInput, actorOf(request));
      return reply.code(201).send({ version: plain(registered.version), autoStage: registered.autoStage, transitions: registered.transitions.map(transitionView) });
    },
  );

  app.get(
    '/models/:name/versions',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Search versions, newest first',
        description: 'Conditions are ANDed. `metric` takes e.g. `eval_f1>0.9` (>, >=, <, <=, =); `tag` takes `key=value`; each may repeat.',
        tags: ['registry'],
        params: ModelParams,
        querystring: Type.Object({
          stage: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 4 })),
          tag: Type.Optional(Type.Array(Type.String({ maxLength: 1200 }), { maxItems: 20 })),
          // A key, an operator and a number: room for the longest key the metric-key rule allows.
          metric: Type.Optional(Type.Array(Type.String({ maxLength: MAX_METRIC_KEY_LENGTH + 50 }), { maxItems: 20 })),
          ...PageQuery,
        }),
        response: { 200: Type.Object({ versions: Type.Array(VersionSchema), nextPageToken: Type.Optional(Type.String()) }), ...errors },
      },
    },
    async (request) => {
      const page = await registry.searchVersions(request.params.name, request.query);
      const versions = plain(page.items);
      return page.nextPageToken === undefined ? { versions } : { versions, nextPageToken: page.nextPageToken };
    },
  );

  app.get(
    '/models/:name/versions/:version',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Get a version by number, semver label or alias',
        description: 'With `sourceRun`: the params and final metrics of the run named by sourceRunId (null when there is none or it was deleted).',
        tags: ['registry'],
        params: VersionParams,
        response: { 200: Type.Composite([VersionSchema, Type.Object({ sourceRun: Nullable(RunSummarySchema) })]), ...errors },
      },
    },
    async (request) => {
      const version = await registry.getVersion(request.params.name, request.params.version);
      const sourceRun = version.sourceRunId === null ? undefined : await deps.services.tracking.runSummary(version.sourceRunId);
      return { ...plain(version), sourceRun: sourceRun === undefined ? null : { ...sourceRun, params: { ...sourceRun.params }, metrics: { ...sourceRun.metrics } } };
    },
  );

  app.patch(
    '/models/:name/versions/:version',
    {
      config: { role: 'editor' },
      schema: {
        summary: 'Change description or tags, set the artifact digest once, or finish a PENDING version (READY applies the auto-stage policy)',
        tags: ['registry'],
        params: VersionParams,
        body: Type.Object(
          {
            status: Type.Optional(Status),
            description: Type.Optional(Type.String({ maxLength: 10_000 })),
            tags: Type.Optional(StringMap),
            artifactDigest: Type.Optional(Type.String({ maxLength: 80 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            version: VersionSchema,
            autoStage: Nullable(Type.Object({ stage: Stage, reason: Type.String() })),
            transitions: Type.Array(TransitionSchema),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const updated = await registry.updateVersion(request.params.name, request.params.version, request.body as UpdateVersionInput, actorOf(request));
      return { version: plain(updated.version), autoStage: updated.autoStage, transitions: updated.transitions.map(transitionView) };
    },
  );

  app.post(
    '/models/:name/versions/:version/stage',
    {
      config: { role: 'editor' },
      schema: {
        summary: 'Move a version to another stage (editors: None ↔ Staging; Production and Archived need admin)',
        tags: ['registry'],
        params: VersionParams,
        body: Type.Object({ stage: Stage, reason: Type.Optional(Reason), force: Type.Optional(Force) }, { additionalProperties: false }),
        response: { 200: TransitionResultSchema, ...errors },
      },
    },
    async (request) => resultView(await registry.transition(request.params.name, request.params.version, request.body as TransitionRequest, actorOf(request))),
  );

  app.get(
    '/models/:name/versions/:version/lineage',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Ancestors, children, performance and deployment history, retraining count, resource usage',
        tags: ['registry'],
        params: VersionParams,
        response: { 200: LineageSchema, ...errors },
      },
    },
    async (request) => plain(await registry.lineage(request.params.name, request.params.version)),
  );

  // ----------------------------------------------------------------------------- aliases

  const AliasParams = Type.Object({ name: ModelName, alias: Type.String({ minLength: 1, maxLength: 64 }) });
  app.put(
    '/models/:name/aliases/:alias',
    {
      config: { role: 'editor' },
      schema: {
        summary: 'Point an alias at a version (moves it atomically)',
        tags: ['registry'],
        params: AliasParams,
        body: Type.Object({ version: VersionRef }, { additionalProperties: false }),
        response: { 200: Type.Object({ model: Type.String(), alias: Type.String(), version: Type.Integer(), updatedAt: Type.Number() }), ...errors },
      },
    },
    async (request) => registry.setAlias(request.params.name, request.params.alias, request.body.version, actorOf(request)),
  );

  app.delete(
    '/models/:name/aliases/:alias',
    {
      config: { role: 'editor' },
      schema: { summary: 'Delete an alias', tags: ['registry'], params: AliasParams, response: { 204: Type.Null(), ...errors } },
    },
    async (request, reply) => {
      await registry.deleteAlias(request.params.name, request.params.alias, actorOf(request));
      return reply.code(204).send(null);
    },
  );
};
