/**
 * Background jobs over HTTP: list, show, logs, cancel, and live progress as
 * Server-Sent Events. Roles: viewer reads, editor cancels. Jobs are created by the
 * areas that own them (training: POST /jobs/train, retraining: POST /models/retrain).
 */
import type { ServerResponse } from 'node:http';
import { Type } from '@sinclair/typebox';
import { JOB_KINDS, JOB_STATES, MAX_PAGE_SIZE, isTerminal, type Job, type JobEvent, type JobFilter } from '../../domain/jobs.js';
import type { AppDeps, RouteModule, WardenApp } from '../app-deps.js';
import { ErrorBody } from '../http-errors.js';
import { StringEnum } from '../schemas.js';

const JobId = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' });
const Millis = Type.Integer({ minimum: 0, description: 'ms since the epoch' });
const NullableMillis = Type.Union([Millis, Type.Null()]);

export const JobProgressSchema = Type.Object(
  {
    fraction: Type.Number({ minimum: 0, maximum: 1 }),
    phase: Type.String(),
    epoch: Type.Optional(Type.Integer()),
    totalEpochs: Type.Optional(Type.Integer()),
    step: Type.Optional(Type.Integer()),
    totalSteps: Type.Optional(Type.Integer()),
    throughput: Type.Optional(Type.Number({ description: 'items per second' })),
    throughputUnit: Type.Optional(Type.String()),
    etaSeconds: Type.Optional(Type.Number({ description: 'seconds left: the handler’s estimate or the observed rate’s' })),
    message: Type.Optional(Type.String()),
    updatedAt: Millis,
  },
  { description: 'The latest progress report of the running (or last) attempt.' },
);

export const JobSchema = Type.Object(
  {
    id: Type.String(),
    kind: StringEnum(JOB_KINDS),
    state: StringEnum(JOB_STATES, { description: 'queued (also while waiting for a retry), running, or a terminal state' }),
    payload: Type.Record(Type.String(), Type.Unknown()),
    result: Type.Unknown({ description: 'The handler’s result once succeeded, else null.' }),
    error: Type.Union([Type.Object({ code: Type.String(), message: Type.String(), retryable: Type.Boolean() }), Type.Null()]),
    attempts: Type.Integer({ description: 'attempts started, including one cut short by a crash' }),
    maxAttempts: Type.Integer(),
    idempotencyKey: Type.Union([Type.String(), Type.Null()]),
    progress: Type.Union([JobProgressSchema, Type.Null()]),
    cancelRequested: Type.Boolean(),
    runAt: Type.Integer({ description: 'not started before this time (retry backoff), ms since the epoch' }),
    workerId: Type.Union([Type.String(), Type.Null()]),
    createdAt: Millis,
    startedAt: NullableMillis,
    finishedAt: NullableMillis,
    updatedAt: Millis,
    revision: Type.Integer({ description: 'grows with every state change' }),
  },
  { description: 'A background job.' },
);

export const LogLine = Type.Object({ seq: Type.Integer(), at: Millis, line: Type.String() });

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

/** The API view of a job: the lease is an internal of the queue. */
export function jobView(job: Job) {
  const { leaseUntil: _lease, ...view } = job;
  return view;
}

/** A comment line every 15 s keeps proxies and load balancers from closing an idle stream. */
export const SSE_HEARTBEAT_MS = 15_000;

function sseEvent(event: JobEvent): string {
  const data =
    event.type === 'snapshot'
      ? { job: jobView(event.job), logs: event.logs }
      : event.type === 'state'
        ? { job: jobView(event.job) }
        : event.type === 'progress'
          ? { jobId: event.jobId, progress: event.progress }
          : { jobId: event.jobId, log: event.log };
  return `event: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The job routes with a chosen SSE heartbeat period (tests shorten it). */
export function createJobRoutes(options: { heartbeatMs?: number } = {}): RouteModule {
  const heartbeatMs = options.heartbeatMs ?? SSE_HEARTBEAT_MS;
  return (app, deps) => registerJobRoutes(app, deps, heartbeatMs);
}

export const jobRoutes: RouteModule = createJobRoutes();

function registerJobRoutes(app: WardenApp, deps: AppDeps, heartbeatMs: number): void {
  const jobs = deps.services.jobs;
  const streams = new Set<ServerResponse>();

  // Open event streams would keep the server from closing: end them first.
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.end();
  });

  app.get(
    '/jobs',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'List jobs, newest first',
        tags: ['jobs'],
        querystring: Type.Object(
          {
            kind: Type.Optional(
              Type.Union([StringEnum(JOB_KINDS), Type.Array(StringEnum(JOB_KINDS), { minItems: 1, maxItems: JOB_KINDS.length })], {
                description: 'One kind, or several as a repeated parameter (`?kind=train&kind=retrain`): jobs of any of them.',
              }),
            ),
            state: Type.Optional(StringEnum(JOB_STATES)),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 })),
            pageToken: Type.Optional(Type.String({ maxLength: 300 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ jobs: Type.Array(JobSchema), nextPageToken: Type.Optional(Type.String()) }), ...errors },
      },
    },
    async (request) => {
      const page = await jobs.list(request.query as JobFilter); // the schema checked kind and state
      return page.nextPageToken === undefined
        ? { jobs: page.items.map(jobView) }
        : { jobs: page.items.map(jobView), nextPageToken: page.nextPageToken };
    },
  );

  app.get(
    '/jobs/:id',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Show a job: state, progress (fraction, phase, epoch/step, throughput, ETA), attempts, result, error',
        tags: ['jobs'],
        params: Type.Object({ id: JobId }),
        response: { 200: JobSchema, ...errors },
      },
    },
    async (request) => jobView(await jobs.get(request.params.id)),
  );

  app.get(
    '/jobs/:id/logs',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Read a job’s log lines, oldest first',
        tags: ['jobs'],
        params: Type.Object({ id: JobId }),
        querystring: Type.Object(
          {
            afterSeq: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'only lines after this sequence number' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1_000 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ logs: Type.Array(LogLine) }), ...errors },
      },
    },
    async (request) => ({ logs: await jobs.logs(request.params.id, request.query) }),
  );

  app.post(
    '/jobs/:id/cancel',
    {
      config: { role: 'editor' },
      schema: {
        summary: 'Cancel a job',
        description:
          'A queued job is cancelled at once. A running job gets a cancel request: its handler is aborted and the job ends ' +
          '`cancelled` (watch it with /jobs/:id/events). A finished job answers 409 JOB_NOT_CANCELLABLE.',
        tags: ['jobs'],
        params: Type.Object({ id: JobId }),
        response: { 200: JobSchema, ...errors, 409: ErrorBody },
      },
    },
    async (request) => jobView(await jobs.cancel(request.params.id)),
  );

  app.get(
    '/jobs/:id/events',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Follow a job live (Server-Sent Events)',
        description:
          'text/event-stream: first `snapshot` (the job and its last log lines), then `progress`, `log` and `state` events ' +
          'until a terminal `state`, after which the stream ends. Comment lines are sent every 15 s as a heartbeat. ' +
          'Each `data:` is JSON: snapshot `{job, logs}`, state `{job}`, progress `{jobId, progress}`, log `{jobId, log}`.',
        tags: ['jobs'],
        params: Type.Object({ id: JobId }),
        produces: ['text/event-stream'],
        response: { ...errors },
      },
    },
    async (request, reply) => {
      const pending: JobEvent[] = [];
      const stream = { open: false };
      // Subscribing first turns an unknown id into an ordinary 404 before the stream opens.
      const subscription = await jobs.subscribe(request.params.id, (event) => (stream.open ? write(event) : pending.push(event)));
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no', // nginx: do not buffer the stream
        'x-request-id': request.id,
      });
      raw.write(': warden job events\n\n');
      streams.add(raw);
      const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), heartbeatMs);
      heartbeat.unref();
      const finish = () => {
        clearInterval(heartbeat);
        subscription.unsubscribe();
        streams.delete(raw);
        if (!raw.writableEnded) raw.end();
      };
      const write = (event: JobEvent) => {
        if (raw.writableEnded) return;
        raw.write(sseEvent(event));
        if ((event.type === 'state' || event.type === 'snapshot') && isTerminal(event.job.state)) finish();
      };
      for (const event of pending.splice(0)) write(event);
      stream.open = true;
      raw.on('close', finish); // the client went away (the request's own 'close' fires too early)
      void subscription.ended.then(finish);
    },
  );
}
