/**
 * Retraining decisions over HTTP: every decision with its reasons (the triggers it acted on
 * with their values, the signals it declined and why, what became of the retrain), and one
 * model's pending signals and arbiter state. Reads are for viewers: retrains are asked for
 * with POST /models/retrain (editor), which records a decision here too. Approving or
 * rejecting a version a decision holds for approval decides what reaches Production: admin.
 */
import { Type } from '@sinclair/typebox';
import { WardenError } from '../../domain/errors.js';
import { MAX_PAGE_SIZE } from '../../domain/jobs.js';
import { TRIGGER_KINDS, type RetrainingDecision } from '../../domain/retraining/index.js';
import type { DecisionListQuery } from '../../services/retraining-orchestrator.js';
import type { RouteModule } from '../app-deps.js';
import { actorOf } from '../auth.js';
import { ErrorBody } from '../http-errors.js';
import { StringEnum } from '../schemas.js';

const ModelName = Type.String({ minLength: 1, maxLength: 64 });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

const DecisionSchema = Type.Object({
  id: Type.String(),
  model: Type.String(),
  decidedAt: Type.Integer(),
  outcome: StringEnum(['retrain', 'no-retrain'] as const),
  summary: Type.String(),
  triggers: Type.Array(Type.Object({ kind: StringEnum(TRIGGER_KINDS), key: Type.String(), at: Type.Integer(), summary: Type.String(), values: Type.Record(Type.String(), Type.Unknown()) })),
  declined: Type.Array(Type.Object({ kind: Type.String(), key: Type.String(), at: Type.Integer(), reason: Type.String(), detail: Type.String() })),
  jobId: Type.Union([Type.String(), Type.Null()]),
  outcomes: Type.Array(Type.Object({ kind: Type.String(), at: Type.Integer(), detail: Type.String(), values: Type.Record(Type.String(), Type.Unknown()) })),
});

type Mutable<T> = T extends readonly (infer U)[] ? Mutable<U>[] : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;
const decisionView = (decision: RetrainingDecision) => decision as Mutable<RetrainingDecision>;

export const retrainingRoutes: RouteModule = (app, deps) => {
  const retraining = deps.services.retraining;

  app.get(
    '/retraining',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Retraining decisions, newest first: what triggered each, what it declined and why, and what became of the retrain',
        tags: ['retraining'],
        querystring: Type.Object(
          {
            model: Type.Optional(ModelName),
            outcome: Type.Optional(StringEnum(['retrain', 'no-retrain'] as const)),
            trigger: Type.Optional(StringEnum(TRIGGER_KINDS, { description: 'only decisions that acted on this trigger kind' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, description: 'default 50' })),
            pageToken: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "the previous page's nextPageToken" })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ decisions: Type.Array(DecisionSchema), nextPageToken: Type.Optional(Type.String()) }), ...errors },
      },
    },
    async (request) => {
      // The schema above admits only the vocabularies' values (TypeBox types an optional enum as unknown).
      const page = await retraining.listPage(request.query as DecisionListQuery);
      return { decisions: page.decisions.map(decisionView), ...(page.nextPageToken !== undefined ? { nextPageToken: page.nextPageToken } : {}) };
    },
  );

  for (const action of ['approve', 'reject'] as const) {
    app.post(
      `/retraining/:id/${action}`,
      {
        config: { role: 'admin' },
        schema: {
          summary:
            action === 'approve'
              ? "Approve the version a decision holds for approval: the model's promotion rollout starts in the admin's name"
              : 'Reject the version a decision holds for approval: it stays in Staging, never promoted by this decision',
          tags: ['retraining'],
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
          body: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
          response: { 200: DecisionSchema, ...errors, 409: ErrorBody },
        },
      },
      async (request) => {
        const body = (request.body ?? {}) as { reason?: string };
        const actor = actorOf(request);
        const decision = action === 'approve' ? await retraining.approve(request.params.id, actor, body.reason) : await retraining.reject(request.params.id, actor, body.reason);
        return decisionView(decision);
      },
    );
  }

  app.get(
    '/retraining/:id',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'One retraining decision with its full record',
        tags: ['retraining'],
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
        response: { 200: DecisionSchema, ...errors },
      },
    },
    async (request) => {
      const decision = await retraining.get(request.params.id);
      if (decision === undefined) throw new WardenError('RETRAINING_DECISION_NOT_FOUND', `no retraining decision ${request.params.id}; list them with GET /retraining`, { field: 'id' });
      return decisionView(decision);
    },
  );

  app.get(
    '/models/:name/triggers',
    {
      config: { role: 'viewer' },
      schema: {
        summary: "A model's pending retraining signals, the arbiter's state (last retrain, metrics waiting to recover) and its last decisions",
        tags: ['retraining'],
        params: Type.Object({ name: ModelName }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            model: Type.String(),
            pending: Type.Array(Type.Record(Type.String(), Type.Unknown())),
            lastRetrainAt: Type.Union([Type.Integer(), Type.Null()]),
            disarmed: Type.Array(Type.String()),
            decisions: Type.Array(DecisionSchema),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const model = (await deps.services.registry.getModel(request.params.name)).name;
      const [{ signals, state }, decisions] = await Promise.all([retraining.pending(model), retraining.list({ model, limit: 10 })]);
      return { model, pending: signals.map((s) => ({ ...s })), lastRetrainAt: state.lastRetrainAt, disarmed: [...state.disarmed], decisions: decisions.map(decisionView) };
    },
  );
};
