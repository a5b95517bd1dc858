/**
 * Deployments over HTTP: `POST /models/deploy` (a strategy, default direct), `POST
 * /models/rollback`, and `/deployments` to follow and steer one (pause, resume, abort,
 * conclude an A/B test or a shadow). Everything that changes what serves traffic is admin-only.
 */
import { Type } from '@sinclair/typebox';
import { AB_METRICS, DEPLOYMENT_STATES, DEPLOYMENT_STRATEGIES, trafficSplit, type Deployment } from '../../domain/deployments/index.js';
import { MAX_SHADOW_EXAMPLES, type DeploymentOutcome } from '../../services/deployment-service.js';
import type { ShadowComparison } from '../../domain/ports/prediction-store.js';
import type { RegistryService } from '../../services/registry-service.js';
import type { RouteModule } from '../app-deps.js';
import { actorOf } from '../auth.js';
import { ErrorBody } from '../http-errors.js';
import { StringEnum } from '../schemas.js';
import { resultView, TransitionResultSchema } from './registry-routes.js';

const ModelName = Type.String({ minLength: 1, maxLength: 64 });
const VersionRef = Type.Union([Type.Integer({ minimum: 1 }), Type.String({ minLength: 1, maxLength: 80 })], { description: 'A version number, a semver label like v1.2, or an alias.' });
const Reason = Type.String({ maxLength: 500 });
const Percent = Type.Integer({ minimum: 1, maximum: 100 });

const Guardrails = Type.Object(
  {
    maxErrorRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Highest share of failed candidate requests (default 0.02).' })),
    maxP99Ms: Type.Optional(Type.Number({ minimum: 1, description: 'Highest candidate p99 latency in ms (default 250).' })),
    maxP99Ratio: Type.Optional(Type.Number({ minimum: 1, description: "Candidate p99 at most this many times the baseline's (default 2)." })),
    maxPositiveRateShift: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Largest absolute shift of the positive rate against the baseline (default 0.1).' })),
    maxMetricDrop: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Largest drop of live precision or recall against the baseline once labelled (default 0.05).' })),
    minRequests: Type.Optional(Type.Integer({ minimum: 0, description: 'Candidate requests a step needs before it is judged (default 20).' })),
    minLabelled: Type.Optional(Type.Integer({ minimum: 1, description: 'Labelled predictions per arm before precision and recall are judged (default 50).' })),
    maxConsecutiveBreaches: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Breached checks in a row that roll back (default 2).' })),
  },
  { additionalProperties: false },
);

const DeployBody = Type.Object(
  {
    model: ModelName,
    version: VersionRef,
    strategy: Type.Optional(StringEnum(DEPLOYMENT_STRATEGIES, { description: 'direct (default): switch at once; blue-green: warm, smoke-check, switch, keep the old one warm; canary/linear: traffic steps with guardrails; ab: sticky weighted arms; shadow: copies, never answers.' })),
    reason: Type.Optional(Reason),
    steps: Type.Optional(Type.Array(Percent, { minItems: 2, maxItems: 20, description: 'canary: candidate share per step, ending at 100 (default 5, 25, 50, 100).' })),
    stepPercent: Type.Optional(Type.Integer({ minimum: 5, maximum: 99, description: 'linear: candidate share added per step (default 20).' })),
    bakeSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 604800, description: 'canary/linear: time per step without breach before the next (default 600).' })),
    guardrails: Type.Optional(Guardrails),
    weights: Type.Optional(Type.Object({ baseline: Type.Integer({ minimum: 1, maximum: 99 }), candidate: Type.Integer({ minimum: 1, maximum: 99 }) }, { additionalProperties: false, description: 'ab: serving weights in percent, adding up to 100 (default 50/50).' })),
    mirrorPercent: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'shadow: share of requests copied to the candidate (default 10).' })),
    keepWarmSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 604800, description: 'blue-green: how long the old version stays loaded for an instant switch back (default 600).' })),
  },
  { additionalProperties: false },
);

const ReadingSchema = Type.Object({
  check: Type.String(),
  candidate: Type.Number(),
  baseline: Type.Union([Type.Number(), Type.Null()]),
  limit: Type.Number(),
  z: Type.Optional(Type.Number({ description: 'positive-rate-shift, precision, recall: standard errors by which the difference lies beyond its limit; a breach needs at least 1.645 (one-sided 95 %).' })),
  breached: Type.Boolean(),
});

export const DeploymentSchema = Type.Object({
  id: Type.String(),
  model: Type.String(),
  strategy: StringEnum(DEPLOYMENT_STRATEGIES),
  state: StringEnum(DEPLOYMENT_STATES),
  candidate: Type.Integer(),
  baseline: Type.Union([Type.Integer(), Type.Null()]),
  settings: Type.Object({
    steps: Type.Array(Type.Integer()),
    bakeMs: Type.Integer(),
    guardrails: Type.Record(Type.String(), Type.Number()),
    weights: Type.Object({ baseline: Type.Integer(), candidate: Type.Integer() }),
    mirrorPercent: Type.Integer(),
    keepWarmMs: Type.Integer(),
  }),
  stepIndex: Type.Integer(),
  stepStartedAt: Type.Integer(),
  consecutiveBreaches: Type.Integer(),
  waitingForTraffic: Type.Boolean(),
  winner: Type.Union([Type.String(), Type.Null()]),
  createdBy: Type.String(),
  reason: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
  endedAt: Type.Union([Type.Integer(), Type.Null()]),
  traffic: Type.Object({
    serving: Type.Array(Type.Object({ arm: Type.String(), version: Type.Integer(), percent: Type.Integer() })),
    mirror: Type.Union([Type.Object({ arm: Type.String(), version: Type.Integer(), percent: Type.Integer() }), Type.Null()]),
  }),
  history: Type.Array(
    Type.Object({
      at: Type.Integer(),
      event: Type.String(),
      actor: Type.String(),
      detail: Type.String(),
      candidatePercent: Type.Integer(),
      readings: Type.Optional(Type.Array(ReadingSchema)),
    }),
  ),
});

const Answer = Type.Object({ version: Type.Integer(), label: Type.Integer(), probability: Type.Number() });
export const ShadowSchema = Type.Object({
  deployment: Type.String(),
  compared: Type.Integer(),
  disagreements: Type.Integer(),
  examples: Type.Array(Type.Object({ id: Type.String({ description: 'the live prediction id (feedback names it)' }), requestId: Type.String(), at: Type.Integer(), live: Answer, shadow: Answer })),
});

const Rate = Type.Union([Type.Number(), Type.Null()]);
const ProportionSchema = Type.Object({ successes: Type.Integer(), trials: Type.Integer(), value: Rate });
const AbArmSchema = Type.Object({
  requests: Type.Integer(),
  errors: Type.Integer(),
  errorRate: Rate,
  p99Ms: Rate,
  positiveRate: Rate,
  labelled: Type.Integer(),
  metrics: Type.Object({ accuracy: ProportionSchema, precision: ProportionSchema, recall: ProportionSchema }),
});
export const AbStatisticsSchema = Type.Object({
  deployment: Type.String(),
  since: Type.Integer({ description: 'the A/B test started (ms): both arms are read from here on' }),
  metric: StringEnum(AB_METRICS, { description: 'the decision metric' }),
  minTrials: Type.Integer({ description: "labelled predictions (the metric's denominator) each arm needs before a verdict: the deployment's minLabelled guardrail" }),
  arms: Type.Object({ baseline: AbArmSchema, candidate: AbArmSchema }),
  comparison: Type.Object({
    difference: Type.Union([Type.Number(), Type.Null()], { description: 'candidate − baseline' }),
    interval: Type.Union([Type.Object({ lower: Type.Number(), upper: Type.Number(), level: Type.Number(), method: Type.String() }), Type.Null()]),
    pValue: Type.Union([Type.Number(), Type.Null()], { description: 'two-sided, pooled two-proportion z test: valid read once, at a sample size fixed in advance' }),
    significant: Type.Boolean(),
  }),
  sequential: Type.Object(
    {
      pValue: Type.Union([Type.Number(), Type.Null()], { description: 'always-valid p-value of the mixture SPRT: may be read after every label' }),
      significant: Type.Boolean(),
      method: Type.String(),
      mixingSd: Type.Number({ description: 'the normal mixing prior on the difference' }),
    },
    { description: 'the test the verdict follows, valid however often the live page is looked at' },
  ),
  verdict: Type.String({ description: 'insufficient-data | candidate-better | baseline-better | no-significant-difference (by the sequential test)' }),
});

/** The candidate version as it is after the call, the stage moves the call made (promotion, archive), and the deployment. */
const OutcomeSchema = Type.Object({ ...TransitionResultSchema.properties, deployment: DeploymentSchema });

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const ReasonBody = Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };


type Mutable<T> = T extends readonly (infer U)[] ? Mutable<U>[] : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;

/** The stored deployment plus the traffic split it implies now. */
export function deploymentView(deployment: Deployment) {
  return { ...deployment, traffic: trafficSplit(deployment) } as Mutable<Deployment & { traffic: ReturnType<typeof trafficSplit> }>;
}

async function outcomeView(registry: Pick<RegistryService, 'getVersion'>, outcome: DeploymentOutcome) {
  const moves = outcome.transitions ?? { version: await registry.getVersion(outcome.deployment.model, outcome.deployment.candidate), transitions: [], archived: [] };
  return { ...resultView(moves), deployment: deploymentView(outcome.deployment) };
}

export const deploymentRoutes: RouteModule = (app, deps) => {
  const deployments = deps.services.deployments;

  app.post(
    '/models/deploy',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Deploy a version with a strategy (default direct: Production at once, the previous Production version archived)',
        description: 'The candidate is loaded and its digest verified before any traffic moves; a candidate that fails to load ends the deployment as failed and nothing switches.',
        tags: ['deployments'],
        body: DeployBody,
        response: { 200: OutcomeSchema, ...errors },
      },
    },
    async (request) => outcomeView(deps.services.registry, await deployments.start(request.body, actorOf(request))),
  );

  app.post(
    '/models/rollback',
    {
      config: { role: 'admin' },
      schema: {
        summary: "Give all traffic back to the version the model's latest deployment replaced, in one call",
        tags: ['deployments'],
        body: Type.Object({ model: ModelName, reason: Type.Optional(Reason) }, { additionalProperties: false }),
        response: { 200: OutcomeSchema, ...errors },
      },
    },
    async (request) => outcomeView(deps.services.registry, await deployments.rollback(request.body.model, actorOf(request), request.body.reason)),
  );

  app.get(
    '/deployments',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Deployments, newest first',
        tags: ['deployments'],
        querystring: Type.Object(
          {
            model: Type.Optional(ModelName),
            inFlight: Type.Optional(Type.Boolean({ description: 'true: only those still running; false: only ended ones' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ deployments: Type.Array(DeploymentSchema) }), ...errors },
      },
    },
    async (request) => ({ deployments: (await deployments.list(request.query)).map(deploymentView) }),
  );

  app.get(
    '/deployments/:id',
    { config: { role: 'viewer' }, schema: { summary: 'A deployment: state, traffic split, settings, guardrail readings and history', tags: ['deployments'], params: IdParams, response: { 200: DeploymentSchema, ...errors } } },
    async (request) => deploymentView(await deployments.get(request.params.id)),
  );

  for (const action of ['pause', 'resume', 'abort'] as const) {
    app.post(
      `/deployments/:id/${action}`,
      {
        config: { role: 'admin' },
        schema: { summary: `${action[0]!.toUpperCase()}${action.slice(1)} a deployment`, tags: ['deployments'], params: IdParams, body: ReasonBody, response: { 200: DeploymentSchema, ...errors } },
      },
      async (request) => deploymentView(await deployments[action](request.params.id, actorOf(request), request.body?.reason)),
    );
  }

  app.get(
    '/deployments/:id/shadow',
    {
      config: { role: 'viewer' },
      schema: {
        summary: "A shadow's answers beside the live answers they copied: how many were compared, how many disagree, the newest disagreements",
        tags: ['deployments'],
        params: IdParams,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_SHADOW_EXAMPLES, description: 'disagreements listed (default 20)' })) }, { additionalProperties: false }),
        response: { 200: ShadowSchema, ...errors },
      },
    },
    async (request) => deployments.shadowComparison(request.params.id, request.query.limit) as Promise<Mutable<ShadowComparison & { deployment: string }>>,
  );

  app.get(
    '/deployments/:id/ab',
    {
      config: { role: 'viewer' },
      schema: {
        summary: "An A/B test's arms on their labelled predictions since it started, and the two-proportion test on the decision metric",
        tags: ['deployments'],
        params: IdParams,
        querystring: Type.Object({ metric: Type.Optional(StringEnum(AB_METRICS, { description: 'the decision metric (default accuracy)' })) }, { additionalProperties: false }),
        response: { 200: AbStatisticsSchema, ...errors },
      },
    },
    async (request) => deployments.abStatistics(request.params.id, request.query.metric) as Promise<Mutable<Awaited<ReturnType<typeof deployments.abStatistics>>>>,
  );

  app.post(
    '/deployments/:id/conclude',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'End an A/B test or a shadow with a winner (a winning candidate is promoted)',
        tags: ['deployments'],
        params: IdParams,
        body: Type.Object({ winner: StringEnum(['baseline', 'candidate'] as const), reason: Type.Optional(Reason) }, { additionalProperties: false }),
        response: { 200: OutcomeSchema, ...errors },
      },
    },
    async (request) => outcomeView(deps.services.registry, await deployments.conclude(request.params.id, request.body.winner, actorOf(request), request.body.reason)),
  );
};
