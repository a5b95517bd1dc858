/**
 * Training over HTTP: queue a training (`POST /jobs/train`) or retraining
 * (`POST /models/retrain`, a reserved model name so it never clashes with /models/:name)
 * as background jobs — 202 with the job ids; follow them with GET /jobs/:id, its SSE
 * events, or `warden jobs watch`. And a smoke-test prediction route on a version.
 * `POST /jobs/evaluate` scores a version on a dataset. Roles: editor queues jobs; viewer predicts
 * (the older twin of `POST /predict/:model/versions/:version`, see predict-routes.ts).
 */
import { Type } from '@sinclair/typebox';
import { MAX_DATASET_NAME_LENGTH } from '../../domain/datasets.js';
import { WardenError } from '../../domain/errors.js';
import type { Job } from '../../domain/jobs.js';
import { MAX_TEXT_CHARS } from '../../services/serving-service.js';
import type { RouteModule } from '../app-deps.js';
import { actorOf } from '../auth.js';
import { ErrorBody } from '../http-errors.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const ModelName = Type.String({ minLength: 1, maxLength: 64, description: 'Model name: [a-z0-9][a-z0-9._-]{0,63}' });
const VersionRef = Type.String({ minLength: 1, maxLength: 80, description: 'A version number, a semver label like v1.2, or an alias.' });
const Recipe = Type.Object({}, { additionalProperties: true, description: 'A training recipe or overrides of the model’s stored one (see docs/training.md).' });

const QueuedJob = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  state: Type.String(),
  model: Type.String(),
  url: Type.String({ description: 'Where to follow it: GET this path (or /events for live progress).' }),
});


const RetrainedJob = Type.Object({
  ...QueuedJob.properties,
  deduplicated: Type.Boolean({ description: 'true: a retrain of the same model, recipe and data was already queued or running; this is that job' }),
});
const RetrainAnswer = Type.Object({ jobs: Type.Array(RetrainedJob), skipped: Type.Array(Type.String({ description: 'models without a recipe' })) });

function queued(job: Job) {
  return { id: job.id, kind: job.kind, state: job.state, model: typeof job.payload.model === 'string' ? job.payload.model : '', url: `/jobs/${job.id}` };
}

export const trainingRoutes: RouteModule = (app, deps) => {
  const { training, serving } = deps.services;

  app.post(
    '/models/retrain',
    {
      config: { role: 'editor' },
      schema: {
        summary: 'Retrain a model (or every model with a recipe) from its stored recipe, as background jobs',
        tags: ['training'],
        body: Type.Object(
          {
            model: Type.Optional(ModelName),
            all: Type.Optional(Type.Literal(true, { description: 'every model that has a recipe' })),
          },
          { additionalProperties: false, description: 'Exactly one of `model` or `all: true`.' },
        ),
        response: {
          202: Type.Object(RetrainAnswer.properties, { description: 'at least one new job was queued' }),
          200: Type.Object(RetrainAnswer.properties, { description: 'every retrain asked for was already queued or running: those jobs, deduplicated' }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      // One or the other: `{model, all}` used to retrain just the one model without a word.
      if (body.all === true && body.model !== undefined) throw new WardenError('VALIDATION_FAILED', 'give model or all: true, not both', { field: 'body.all' });
      if (body.all !== true && body.model === undefined) throw new WardenError('VALIDATION_FAILED', 'give model (a model name) or all: true', { field: 'body.model' });
      const { jobs, skipped } = body.all === true ? await training.enqueueRetrainAll(actorOf(request)) : { jobs: [await training.requestRetrain(body.model ?? '', actorOf(request))], skipped: [] };
      // 200 when nothing new was queued: the same retrains were already under way.
      const status = jobs.length > 0 && jobs.every((j) => j.deduplicated) ? 200 : 202;
      return reply.code(status).send({ jobs: jobs.map((j) => ({ ...queued(j.job), deduplicated: j.deduplicated })), skipped });
    },
  );

  app.post(
    '/jobs/train',
    {
      config: { role: 'editor' },
      schema: {
        summary: 'Train a new version of a model (created when missing) as a background job',
        tags: ['training'],
        body: Type.Object(
          {
            model: ModelName,
            recipe: Type.Optional(Recipe),
            family: Type.Optional(Type.String({ maxLength: 32, description: 'lr, nb, mlp (shorthand for recipe.family)' })),
            dataset: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'shorthand for recipe.dataset' })),
            task: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            description: Type.Optional(Type.String({ maxLength: 10_000 })),
            parent: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), VersionRef, Type.Null()])),
            maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
          },
          { additionalProperties: false },
        ),
        response: { 202: QueuedJob, ...errors },
      },
    },
    async (request, reply) => reply.code(202).send(queued(await training.enqueueTraining(request.body, actorOf(request)))),
  );

  app.post(
    '/jobs/evaluate',
    {
      config: { role: 'editor' },
      schema: {
        summary: 'Score a registered version on a dataset version as a background job (metrics on a run in experiment eval-<model>)',
        tags: ['training'],
        body: Type.Object(
          {
            model: ModelName,
            version: Type.Union([Type.Integer({ minimum: 1 }), VersionRef]),
            dataset: Type.String({ minLength: 1, maxLength: MAX_DATASET_NAME_LENGTH }),
            datasetVersion: Type.Optional(Type.Integer({ minimum: 1, description: 'default: the newest' })),
          },
          { additionalProperties: false },
        ),
        response: { 202: QueuedJob, ...errors },
      },
    },
    async (request, reply) => reply.code(202).send(queued(await training.enqueueEvaluation(request.body, actorOf(request)))),
  );

  app.post(
    '/models/:name/versions/:version/predict',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Classify texts with a version (its own normalisation, features and threshold)',
        tags: ['training'],
        params: Type.Object({ name: ModelName, version: VersionRef }),
        body: Type.Object({ texts: Type.Array(Type.String({ minLength: 1, maxLength: MAX_TEXT_CHARS }), { minItems: 1, maxItems: deps.config.predictMaxBatch }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            model: Type.String(),
            version: Type.Integer(),
            semver: Type.String(),
            threshold: Type.Number(),
            live: Type.Boolean({ description: 'whether this version serves the model’s live traffic (also the x-warden-live header)' }),
            predictions: Type.Array(Type.Object({ id: Type.String(), label: Type.Integer(), probability: Type.Number(), score: Type.Number() })),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      // The same pinned prediction as POST /predict/:model/versions/:version (recorded, Archived refused), in this route's older shape.
      const answer = await serving.predictPinned(request.params.name, request.params.version, { requestId: request.id, texts: request.body.texts, batch: true }, request.principal ?? {});
      void reply.header('x-warden-live', String(answer.live));
      const first = answer.predictions[0];
      return {
        model: answer.model,
        version: first?.version ?? 0,
        semver: first?.semver ?? '',
        threshold: answer.threshold,
        live: answer.live,
        predictions: answer.predictions.map((p) => ({ id: p.id, label: p.label, probability: p.probability, score: p.score })),
      };
    },
  );
};
