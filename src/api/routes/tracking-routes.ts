/**
 * Experiment tracking over HTTP: experiments, runs, log-batch, metric history, run search.
 * Thin: TypeBox validates the shape (400 naming the field), the TrackingService and the
 * domain decide the rest. Roles: viewer reads, editor writes, admin deletes.
 */
import { Type } from '@sinclair/typebox';
import { MAX_METRIC_KEY_LENGTH } from '../../domain/metric-keys.js';
import { LOG_BATCH_LIMITS } from '../../domain/tracking/run-data.js';
import { RUN_STATUSES, type Run } from '../../domain/tracking/run.js';
import { RUN_SEARCH_MAX_LIMIT, type RunSearchPage } from '../../domain/tracking/run-search.js';
import { EXPERIMENT_LIST_MAX, METRIC_HISTORY_MAX } from '../../services/tracking-service.js';
import type { RouteModule } from '../app-deps.js';
import { ErrorBody } from '../http-errors.js';
import { StringEnum } from '../schemas.js';

const Id = (description: string) => Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description });
const ExperimentRef = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._-]+$', description: 'Experiment id or name.' });
const Key = Type.String({ minLength: 1, maxLength: MAX_METRIC_KEY_LENGTH, description: "Letters, digits, '_', '-', '.', '/'." });
const Millis = (description: string) => Type.Integer({ minimum: 0, description: `${description}, ms since the epoch` });
const StringMap = Type.Record(Type.String(), Type.String());
const Status = StringEnum(RUN_STATUSES);

export const ExperimentSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  tags: StringMap,
  createdAt: Type.Number(),
});

export const MetricPoint = Type.Object({ key: Type.String(), value: Type.Number(), step: Type.Integer(), timestamp: Type.Integer() });

const ResourceUsage = Type.Object({
  cpuSeconds: Type.Number({ minimum: 0 }),
  peakRssBytes: Type.Number({ minimum: 0 }),
  wallSeconds: Type.Number({ minimum: 0 }),
  gpuMemoryMb: Type.Optional(Type.Number({ minimum: 0 })),
  gpuUtilizationPct: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
}, { additionalProperties: false });

/** The fields of RunInfo: what every view of a run starts with. */
const RunInfoFields = {
  id: Type.String(),
  experimentId: Type.String(),
  name: Type.String(),
  status: Status,
  startTime: Type.Number(),
  endTime: Type.Union([Type.Number(), Type.Null()]),
  resourceUsage: Type.Union([ResourceUsage, Type.Null()]),
};

export const RunSchema = Type.Object({
  ...RunInfoFields,
  params: StringMap,
  tags: StringMap,
  metrics: Type.Record(Type.String(), MetricPoint, { description: 'The latest point of each metric.' }),
});

/**
 * A run as another area shows it (the registry's version view): params and final metrics.
 * Exported for routes that embed it; the data comes from TrackingService.runSummary.
 */
export const RunSummarySchema = Type.Object(
  {
    ...RunInfoFields,
    params: StringMap,
    metrics: Type.Record(Type.String(), Type.Number(), { description: 'The latest value of each metric.' }),
  },
  { description: 'The source run: its params and final metrics.' },
);

const KeyValue = Type.Object({ key: Key, value: Type.String({ maxLength: 6_000 }) }, { additionalProperties: false });

const LogBatchBody = Type.Object(
  {
    metrics: Type.Optional(
      Type.Array(
        Type.Object(
          {
            key: Key,
            value: Type.Number(),
            step: Type.Optional(Type.Integer({ minimum: 0, description: 'default 0' })),
            timestamp: Type.Optional(Millis('default: when the server receives it')),
          },
          { additionalProperties: false },
        ),
        { maxItems: LOG_BATCH_LIMITS.metrics },
      ),
    ),
    params: Type.Optional(Type.Array(KeyValue, { maxItems: LOG_BATCH_LIMITS.params })),
    tags: Type.Optional(Type.Array(KeyValue, { maxItems: LOG_BATCH_LIMITS.tags })),
  },
  { additionalProperties: false },
);

const SearchFields = {
  filter: Type.Optional(Type.String({ maxLength: 4_000, description: "e.g. metrics.eval_f1 > 0.9 and params.lr = '0.1' and tags.team = 'mail' and status = 'FINISHED'" })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: RUN_SEARCH_MAX_LIMIT, default: 100 })),
};

const SearchPage = Type.Object({ runs: Type.Array(RunSchema), nextPageToken: Type.Optional(Type.String()) });

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

function view(run: Run) {
  return run;
}

function searchPage(page: RunSearchPage<Run>) {
  return { ...page, runs: [...page.runs] };
}

/** `a,b` or repeated `experiment_id=a&experiment_id=b` → ids. */
function idList(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).filter((v) => v !== '');
}

export const trackingRoutes: RouteModule = (app, deps) => {
  const tracking = deps.services.tracking;

  app.post(
    '/experiments',
    {
      config: { role: 'editor' },
      schema: {
        summary: 'Create an experiment',
        tags: ['tracking'],
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 128, description: "Unique; letters, digits, '.', '_', '-'." }),
            description: Type.Optional(Type.String({ maxLength: 5_000 })),
            tags: Type.Optional(StringMap),
          },
          { additionalProperties: false },
        ),
        response: { 201: ExperimentSchema, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await tracking.createExperiment(request.body)),
  );

  app.get(
    '/experiments',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'List experiments by name',
        tags: ['tracking'],
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: EXPERIMENT_LIST_MAX, default: 100 })),
          page_token: Type.Optional(Type.String({ maxLength: 200 })),
        }),
        response: { 200: Type.Object({ experiments: Type.Array(ExperimentSchema), nextPageToken: Type.Optional(Type.String()) }), ...errors },
      },
    },
    async (request) => {
      const page = await tracking.listExperiments({ limit: request.query.limit, pageToken: request.query.page_token });
      return { ...page, experiments: [...page.experiments] };
    },
  );

  app.get(
    '/experiments/:id',
    {
      config: { role: 'viewer' },
      schema: { summary: 'Get an experiment by id or name', tags: ['tracking'], params: Type.Object({ id: ExperimentRef }), response: { 200: ExperimentSchema, ...errors } },
    },
    async (request) => tracking.getExperiment(request.params.id),
  );

  app.post(
    '/runs',
    {
      config: { role: 'editor' },
      schema: {
        summary: 'Start a run',
        description: 'Give experimentId, or experimentName (the experiment is created when missing). The run starts RUNNING.',
        tags: ['tracking'],
        body: Type.Object(
          {
            experimentId: Type.Optional(Id('Experiment id.')),
            experimentName: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 250 })),
            startTime: Type.Optional(Millis('Start')),
            tags: Type.Optional(StringMap),
          },
          { additionalProperties: false },
        ),
        response: { 201: RunSchema, ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(view(await tracking.createRun(request.body))),
  );

  app.get(
    '/runs',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Search runs',
        description:
          "Filter: comparisons joined with `and` — metrics.<key> (= != > >= < <= a number), params.<key> / tags.<key> / status / name (= or != a quoted string), start_time / end_time. " +
          'order_by: metrics.<key> [ASC|DESC], start_time, end_time or name. Pass nextPageToken back as page_token.',
        tags: ['tracking'],
        querystring: Type.Object({
          ...SearchFields,
          order_by: Type.Optional(Type.String({ maxLength: 300 })),
          page_token: Type.Optional(Type.String({ maxLength: 200 })),
          experiment_id: Type.Optional(Type.Union([Type.String({ maxLength: 2_000 }), Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })])),
        }),
        response: { 200: SearchPage, ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      return searchPage(await tracking.searchRuns({ experimentIds: idList(q.experiment_id), filter: q.filter, orderBy: q.order_by, limit: q.limit, pageToken: q.page_token }));
    },
  );

  app.post(
    '/runs/search',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Search runs (JSON body)',
        description: 'Same as GET /runs, for long filters.',
        tags: ['tracking'],
        body: Type.Object(
          {
            ...SearchFields,
            orderBy: Type.Optional(Type.String({ maxLength: 300 })),
            pageToken: Type.Optional(Type.String({ maxLength: 200 })),
            experimentIds: Type.Optional(Type.Array(Id('Experiment id.'), { maxItems: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: SearchPage, ...errors },
      },
    },
    async (request) => searchPage(await tracking.searchRuns(request.body)),
  );

  app.get(
    '/runs/:id',
    {
      config: { role: 'viewer' },
      schema: { summary: 'Get a run with params, tags, latest metrics and resource usage', tags: ['tracking'], params: Type.Object({ id: Id('Run id.') }), response: { 200: RunSchema, ...errors } },
    },
    async (request) => view(await tracking.getRun(request.params.id)),
  );

  app.patch(
    '/runs/:id',
    {
      config: { role: 'editor' },
      schema: {
        summary: 'Rename, end (status + endTime) or record resource usage',
        description: 'RUNNING may become FINISHED, FAILED or KILLED once; an ended run cannot change status (409 RUN_NOT_ACTIVE).',
        tags: ['tracking'],
        params: Type.Object({ id: Id('Run id.') }),
        body: Type.Object(
          {
            status: Type.Optional(Status),
            endTime: Type.Optional(Millis('End; default now when the status ends the run')),
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 250 })),
            resourceUsage: Type.Optional(ResourceUsage),
          },
          { additionalProperties: false },
        ),
        response: { 200: RunSchema, ...errors },
      },
    },
    async (request) => {
      await tracking.updateRun(request.params.id, request.body);
      return view(await tracking.getRun(request.params.id));
    },
  );

  app.post(
    '/runs/:id/log-batch',
    {
      config: { role: 'editor' },
      schema: {
        summary: 'Log metrics, params and tags, all-or-nothing',
        description: `At most ${LOG_BATCH_LIMITS.metrics} metrics, ${LOG_BATCH_LIMITS.params} params and ${LOG_BATCH_LIMITS.tags} tags. Params are write-once (another value: 409 PARAM_CONFLICT); an ended run refuses metrics and params (409 RUN_NOT_ACTIVE).`,
        tags: ['tracking'],
        params: Type.Object({ id: Id('Run id.') }),
        body: LogBatchBody,
        response: { 200: Type.Object({ metrics: Type.Integer(), params: Type.Integer(), tags: Type.Integer() }), ...errors },
      },
    },
    async (request) => tracking.logBatch(request.params.id, request.body),
  );

  app.get(
    '/runs/:id/metrics/:key',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'History of one metric, in step order',
        description: 'Keys containing / are sent URL-encoded (%2F).',
        tags: ['tracking'],
        params: Type.Object({ id: Id('Run id.'), key: Key }),
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: METRIC_HISTORY_MAX, default: METRIC_HISTORY_MAX })),
          page_token: Type.Optional(Type.String({ maxLength: 200 })),
        }),
        response: {
          200: Type.Object({ runId: Type.String(), key: Type.String(), points: Type.Array(MetricPoint), nextPageToken: Type.Optional(Type.String()) }),
          ...errors,
        },
      },
    },
    async (request) => {
      const history = await tracking.getMetricHistory(request.params.id, request.params.key, { limit: request.query.limit, pageToken: request.query.page_token });
      return { ...history, points: [...history.points] };
    },
  );

  app.delete(
    '/runs/:id',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Delete a run for good',
        description: 'Removes its params, tags, metrics and artifact records in one transaction; blobs nothing else references are removed by the next GC.',
        tags: ['tracking'],
        params: Type.Object({ id: Id('Run id.') }),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await tracking.deleteRun(request.params.id);
      return reply.code(204).send(null);
    },
  );
};
