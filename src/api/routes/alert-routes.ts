/**
 * Alerts over HTTP: the history of alert episodes, acknowledgements, silences, the rules in
 * force and the configured webhooks. Viewers read; editors acknowledge and silence (a silence
 * mutes notifications only: the alert is still recorded and its events still reach retraining,
 * and every silence names its author and reason and expires); the webhooks are the operator's
 * configuration, so only an admin sees even their origins.
 */
import { Type } from '@sinclair/typebox';
import { ALERT_RESOLUTIONS, ALERT_SEVERITIES, ALERT_STATES, SIGNAL_KINDS, webhookView, type Alert, type AlertRule, type Silence, type SilenceRequest } from '../../domain/alerts/index.js';
import { WEBHOOK_FORMATS } from '../../domain/alerts/notifications.js';
import { MAX_ALERT_PAGE, type AlertListQuery } from '../../services/alert-service.js';
import type { RouteModule } from '../app-deps.js';
import { actorOf } from '../auth.js';
import { ErrorBody } from '../http-errors.js';
import { StringEnum } from '../schemas.js';

const ModelName = Type.String({ minLength: 1, maxLength: 64 });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

const AlertSchema = Type.Object({
  id: Type.String(),
  fingerprint: Type.String({ description: 'rule/model/version/metric: one open alert at most per fingerprint' }),
  rule: Type.String(),
  kind: StringEnum(SIGNAL_KINDS),
  severity: StringEnum(ALERT_SEVERITIES),
  model: Type.String(),
  version: Nullable(Type.Integer()),
  metric: Nullable(Type.String()),
  state: StringEnum(ALERT_STATES),
  summary: Type.String(),
  value: Type.Number(),
  baseline: Nullable(Type.Number()),
  details: Type.Record(Type.String(), Type.Unknown()),
  firedAt: Type.Integer(),
  lastBreachAt: Type.Integer(),
  lastSeenAt: Type.Integer(),
  resolvedAt: Nullable(Type.Integer()),
  resolution: Nullable(StringEnum(ALERT_RESOLUTIONS, { description: 'cleared: the condition cleared; retired: the version left Production' })),
  breaches: Type.Integer(),
  clearStreak: Type.Integer(),
  ackedAt: Nullable(Type.Integer()),
  ackedBy: Nullable(Type.String()),
  silencedBy: Nullable(Type.String({ description: 'the silence that muted its notifications' })),
});

const Matchers = Type.Object(
  {
    fingerprint: Type.Optional(Type.String({ minLength: 1, maxLength: 400 })),
    rule: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    model: Type.Optional(ModelName),
    version: Type.Optional(Type.Integer({ minimum: 1 })),
    metric: Type.Optional(Type.String({ minLength: 1, maxLength: 250 })),
    severity: Type.Optional(StringEnum(ALERT_SEVERITIES)),
  },
  { additionalProperties: false },
);

const SilenceSchema = Type.Object({
  id: Type.String(),
  matchers: Type.Object({
    fingerprint: Type.Optional(Type.String()),
    rule: Type.Optional(Type.String()),
    model: Type.Optional(Type.String()),
    version: Type.Optional(Type.Integer()),
    metric: Type.Optional(Type.String()),
    severity: Type.Optional(Type.String()),
  }),
  reason: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.Integer(),
  expiresAt: Type.Integer(),
  endedAt: Nullable(Type.Integer()),
  endedBy: Nullable(Type.String()),
  active: Type.Boolean(),
});

const RuleSchema = Type.Object({
  id: Type.String(),
  description: Type.String(),
  signal: StringEnum(SIGNAL_KINDS),
  metric: Nullable(Type.String()),
  condition: Type.Object({ op: Type.String(), threshold: Type.Optional(Type.Number()), relative: Type.Optional(Type.Boolean()) }),
  severity: StringEnum(ALERT_SEVERITIES),
  clearAfter: Type.Integer(),
  cooldownMs: Type.Integer(),
  enabled: Type.Boolean(),
});

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

type Mutable<T> = T extends readonly (infer U)[] ? Mutable<U>[] : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;
const alertView = (alert: Alert) => alert as Mutable<Alert>;
const ruleView = (rule: AlertRule) => rule as Mutable<AlertRule>;

export const alertRoutes: RouteModule = (app, deps) => {
  const alerts = deps.services.alerts;
  const silenceView = (silence: Silence) => ({ ...silence, active: silence.endedAt === null && silence.expiresAt > Date.now() }) as Mutable<Silence> & { active: boolean };

  app.get(
    '/alerts',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Alert episodes, newest fired first',
        tags: ['alerts'],
        querystring: Type.Object(
          {
            state: Type.Optional(StringEnum(['open', 'resolved', 'all'] as const, { description: 'default all' })),
            model: Type.Optional(ModelName),
            severity: Type.Optional(StringEnum(ALERT_SEVERITIES)),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ALERT_PAGE, description: 'default 50' })),
            pageToken: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ alerts: Type.Array(AlertSchema), nextPageToken: Type.Optional(Type.String()) }), ...errors },
      },
    },
    async (request) => {
      // The schema above admits only the vocabularies' values (TypeBox types an optional enum as unknown).
      const page = await alerts.list(request.query as AlertListQuery);
      return { alerts: page.alerts.map(alertView), ...(page.nextPageToken !== undefined ? { nextPageToken: page.nextPageToken } : {}) };
    },
  );

  app.get(
    '/alerts/rules',
    { config: { role: 'viewer' }, schema: { summary: 'The alert rules in force: what each reads, its condition, severity, hysteresis and cooldown', tags: ['alerts'], response: { 200: Type.Object({ rules: Type.Array(RuleSchema) }), ...errors } } },
    async () => ({ rules: alerts.rules().map(ruleView) }),
  );

  app.get(
    '/alerts/webhooks',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'The webhooks alert notifications go to (WARDEN_ALERT_WEBHOOKS): name, origin, format, least severity; never the path, query or secret',
        tags: ['alerts'],
        response: { 200: Type.Object({ webhooks: Type.Array(Type.Object({ name: Type.String(), origin: Type.String(), format: StringEnum(WEBHOOK_FORMATS), minSeverity: StringEnum(ALERT_SEVERITIES), signed: Type.Boolean() })) }), ...errors },
      },
    },
    async () => ({ webhooks: deps.config.alertWebhooks.map(webhookView) }),
  );

  app.get(
    '/alerts/silences',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Silences, newest first',
        tags: ['alerts'],
        querystring: Type.Object(
          { active: Type.Optional(Type.Boolean({ description: 'true: only those in force now' })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ALERT_PAGE })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ silences: Type.Array(SilenceSchema) }), ...errors },
      },
    },
    async (request) => ({ silences: (await alerts.silences(request.query)).map(silenceView) }),
  );

  app.post(
    '/alerts/silences',
    {
      config: { role: 'editor' },
      schema: {
        summary: 'Mute the notifications of matching alerts that fire until the silence expires (they are still recorded, and their events still raised)',
        tags: ['alerts'],
        body: Type.Object(
          {
            matchers: Matchers,
            durationMinutes: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 90 * 24 * 60, description: 'how long; or give expiresAt' })),
            expiresAt: Type.Optional(Type.Integer({ minimum: 0, description: 'when it ends, ms since the epoch; or give durationMinutes' })),
            reason: Type.String({ minLength: 1, maxLength: 500 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: SilenceSchema, ...errors },
      },
    },
    async (request, reply) => {
      const silence = await alerts.silence(request.body as SilenceRequest, actorOf(request));
      return reply.code(201).send(silenceView(silence));
    },
  );

  app.delete(
    '/alerts/silences/:id',
    { config: { role: 'editor' }, schema: { summary: 'End a silence now (one already ended or expired is returned as it is)', tags: ['alerts'], params: IdParams, response: { 200: SilenceSchema, ...errors } } },
    async (request) => silenceView(await alerts.unsilence(request.params.id, actorOf(request))),
  );

  app.get(
    '/alerts/:id',
    { config: { role: 'viewer' }, schema: { summary: 'One alert episode', tags: ['alerts'], params: IdParams, response: { 200: AlertSchema, ...errors } } },
    async (request) => alertView(await alerts.get(request.params.id)),
  );

  app.post(
    '/alerts/:id/ack',
    {
      config: { role: 'editor' },
      schema: {
        summary: 'Acknowledge an alert (who saw it and when; acknowledging again keeps the first)',
        tags: ['alerts'],
        params: IdParams,
        body: Type.Optional(Type.Object({}, { additionalProperties: false })),
        response: { 200: AlertSchema, ...errors },
      },
    },
    async (request) => alertView(await alerts.ack(request.params.id, actorOf(request))),
  );
};

/** The alert's and the rule's shapes, for clients that type their reads (the dashboard). */
export { AlertSchema, RuleSchema as AlertRuleSchema };
