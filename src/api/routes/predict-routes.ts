/**
 * Serving over HTTP. `POST /predict/:model` answers with the model's live deployment (its
 * Production version), `POST /predict/:model/versions/:version` with a pinned version and
 * says whether it is live (`live` field and `x-warden-live` header). Each answered input has
 * an id for `POST /feedback`, which attaches the true label later. `GET /metrics` is the
 * Prometheus exposition. Roles: viewer predicts and scrapes metrics; editor gives feedback
 * (labels feed monitoring and rollout decisions); only an admin predicts with an Archived version.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WardenError } from '../../domain/errors.js';
import { MAX_FEEDBACK_ITEMS, MAX_TEXT_CHARS, type PredictAnswer, type PredictRequest } from '../../services/serving-service.js';
import { MAX_PREDICTION_ID_LENGTH, MAX_SUBJECT_LENGTH } from '../../domain/serving.js';
import type { RouteModule } from '../app-deps.js';
import { ErrorBody } from '../http-errors.js';
import { PrometheusMetrics } from '../metrics.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody };
const ModelName = Type.String({ minLength: 1, maxLength: 64, description: 'Model name: [a-z0-9][a-z0-9._-]{0,63}' });
const VersionRef = Type.String({ minLength: 1, maxLength: 80, description: 'A version number, a semver label like v1.2, or an alias.' });
const Text = Type.String({ minLength: 1, maxLength: MAX_TEXT_CHARS });
const Subject = Type.String({ minLength: 1, maxLength: MAX_SUBJECT_LENGTH, description: 'Who the request is for (a user, a mailbox…): during an A/B test or rollout one subject always lands in the same arm. Also as the X-Warden-Subject header.' });

const Served = Type.Object({
  id: Type.String({ description: 'This input’s prediction id: send it as `requestId` to POST /feedback (the request id for `text`, `<requestId>.<index>` for `texts`).' }),
  label: Type.Integer({ description: '1 = positive class (spam, injection, malicious…), 0 = negative' }),
  probability: Type.Number({ description: 'calibrated probability of the positive class' }),
  score: Type.Number({ description: 'raw model margin' }),
  version: Type.Integer(),
  semver: Type.String(),
  arm: Type.String({ description: '`production` (no deployment in flight), `baseline` or `candidate` (a rollout, A/B test or shadow in flight) on the live route, `pinned` on a pinned call' }),
});
const Answer = Type.Object({
  requestId: Type.String({ description: 'Also in the x-request-id header.' }),
  model: Type.String(),
  live: Type.Boolean({ description: 'whether the answering version serves the model’s live traffic' }),
  predictions: Type.Array(Served),
});

function predictBody(maxBatch: number): TSchema {
  return Type.Object(
    {
      text: Type.Optional(Text),
      texts: Type.Optional(Type.Array(Text, { minItems: 1, maxItems: maxBatch })),
      subject: Type.Optional(Subject),
    },
    { additionalProperties: false, description: `Exactly one of \`text\` or \`texts\` (1-${maxBatch} texts, WARDEN_PREDICT_MAX_BATCH).` },
  );
}

/** The subject of a request, from the body or the X-Warden-Subject header (not both when they differ). */
function subjectOf(request: FastifyRequest, body: { subject?: string }): { subject?: string } {
  const header = request.headers['x-warden-subject'];
  if (Array.isArray(header)) throw new WardenError('VALIDATION_FAILED', 'send one X-Warden-Subject header', { field: 'headers.x-warden-subject' });
  if (header !== undefined && (header.length === 0 || header.length > MAX_SUBJECT_LENGTH)) {
    throw new WardenError('VALIDATION_FAILED', `X-Warden-Subject must be 1-${MAX_SUBJECT_LENGTH} characters`, { field: 'headers.x-warden-subject' });
  }
  if (header !== undefined && body.subject !== undefined && header !== body.subject) {
    throw new WardenError('VALIDATION_FAILED', 'the subject field and the X-Warden-Subject header differ: send one', { field: 'body.subject' });
  }
  const subject = body.subject ?? header;
  return subject === undefined ? {} : { subject };
}

function predictRequest(request: FastifyRequest): PredictRequest {
  const body = request.body as { text?: string; texts?: string[]; subject?: string };
  if (body.text !== undefined && body.texts !== undefined) throw new WardenError('VALIDATION_FAILED', 'give text or texts, not both', { field: 'body.texts' });
  if (body.text !== undefined) return { requestId: request.id, texts: [body.text], batch: false, ...subjectOf(request, body) };
  if (body.texts !== undefined) return { requestId: request.id, texts: body.texts, batch: true, ...subjectOf(request, body) };
  throw new WardenError('VALIDATION_FAILED', 'give text (one string) or texts (a list of strings)', { field: 'body.text' });
}

function withLiveHeader(reply: FastifyReply, answer: PredictAnswer): PredictAnswer {
  void reply.header('x-warden-live', String(answer.live));
  return answer;
}

const FeedbackItem = Type.Object(
  {
    requestId: Type.String({ minLength: 1, maxLength: MAX_PREDICTION_ID_LENGTH, description: 'a prediction id from a predict answer' }),
    label: Type.Integer({ description: 'the true label, from the model’s label set (0 or 1)' }),
  },
  { additionalProperties: false },
);
const FeedbackOutcome = Type.Object({
  requestId: Type.String(),
  status: Type.String({ description: '`recorded`, or `unknown`: no such prediction (never made, not yet written by another API process, or past retention)' }),
  model: Type.Optional(Type.String()),
  version: Type.Optional(Type.Integer()),
});

export const predictRoutes: RouteModule = (app, deps) => {
  const { serving } = deps.services;
  const maxBatch = deps.config.predictMaxBatch;
  const metrics = deps.metrics ?? new PrometheusMetrics();

  app.post(
    '/predict/:model',
    {
      config: { role: 'viewer', quietLog: true },
      schema: {
        summary: 'Classify texts with the model’s live deployment (its Production version, or the arms of a deployment in flight)',
        tags: ['serving'],
        params: Type.Object({ model: ModelName }),
        body: predictBody(maxBatch),
        response: { 200: Answer, ...errors },
      },
    },
    async (request) => serving.predict(request.params.model, predictRequest(request)),
  );

  app.post(
    '/predict/:model/versions/:version',
    {
      config: { role: 'viewer', quietLog: true },
      schema: {
        summary: 'Classify texts with a pinned version, live or not (live field and x-warden-live header say which); Archived versions: admin only',
        tags: ['serving'],
        params: Type.Object({ model: ModelName, version: VersionRef }),
        body: predictBody(maxBatch),
        response: { 200: Answer, ...errors },
      },
    },
    async (request, reply) => {
      const answer = await serving.predictPinned(request.params.model, request.params.version, predictRequest(request), request.principal ?? {});
      return withLiveHeader(reply, answer);
    },
  );

  app.post(
    '/feedback',
    {
      config: { role: 'editor' },
      schema: {
        summary: 'Attach true labels to recorded predictions: {requestId, label} or {items: [{requestId, label}, …]}',
        tags: ['serving'],
        body: Type.Object(
          {
            requestId: Type.Optional(FeedbackItem.properties.requestId),
            label: Type.Optional(FeedbackItem.properties.label),
            items: Type.Optional(Type.Array(FeedbackItem, { minItems: 1, maxItems: MAX_FEEDBACK_ITEMS })),
          },
          { additionalProperties: false, description: `Either {requestId, label} or {items} (1-${MAX_FEEDBACK_ITEMS}).` },
        ),
        response: {
          200: Type.Object({ recorded: Type.Integer(), unknown: Type.Integer(), items: Type.Array(FeedbackOutcome) }),
          ...errors,
        },
      },
    },
    async (request) => {
      const body = request.body;
      if (body.items !== undefined && (body.requestId !== undefined || body.label !== undefined)) {
        throw new WardenError('VALIDATION_FAILED', 'give {requestId, label} or {items}, not both', { field: 'body.items' });
      }
      let items: Array<{ requestId: string; label: number }>;
      if (body.items !== undefined) {
        items = body.items;
      } else {
        if (body.requestId === undefined) throw new WardenError('VALIDATION_FAILED', 'requestId is required (or give items)', { field: 'body.requestId' });
        if (body.label === undefined) throw new WardenError('VALIDATION_FAILED', 'label is required', { field: 'body.label' });
        items = [{ requestId: body.requestId, label: body.label }];
      }
      const outcomes = await serving.feedback(items, { name: request.actor });
      if (body.items === undefined && outcomes[0]?.status === 'unknown') {
        throw new WardenError('PREDICTION_NOT_FOUND', `no recorded prediction has id "${items[0]?.requestId ?? ''}" (never made, not written yet by another API process, or past retention)`, {
          field: 'body.requestId',
        });
      }
      const recorded = outcomes.filter((o) => o.status === 'recorded').length;
      return { recorded, unknown: outcomes.length - recorded, items: outcomes };
    },
  );

  app.get(
    '/metrics',
    {
      config: { role: 'viewer' },
      schema: { summary: 'Prometheus metrics of this process (text exposition format)', tags: ['serving'], response: { 200: Type.String({ description: 'Prometheus text format' }), 401: ErrorBody, 403: ErrorBody } },
    },
    async (_request, reply) => reply.type(metrics.contentType).send(await metrics.render()),
  );
};
