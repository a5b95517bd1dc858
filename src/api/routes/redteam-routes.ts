/**
 * The red team over HTTP: start a campaign against a model version (a `redteam` job; follow
 * it with GET /jobs/:id/events or `warden redteam run --watch`), read campaigns, and the
 * vulnerability ledger.
 *
 * Roles: viewer reads. Starting a campaign is an editor's: it runs only Warden's built-in
 * attacks (no operator code), on rows Warden already holds, and changes nothing that serves —
 * like queueing a retrain, which is an editor's too. Its findings may start retrains of the
 * task's models, whose versions the auto-stage policy and its gates judge on metrics Warden
 * computed. A campaign on a named `dataset` needs admin (the service checks it): those rows'
 * labels are the caller's word, and what evades becomes training data under Warden's name.
 */
import { Type } from '@sinclair/typebox';
import { CAMPAIGN_SOURCES, CAMPAIGN_STATES, CAMPAIGN_VERDICTS, MAX_CAMPAIGN_INPUTS, MAX_QUERY_BUDGET, VULNERABILITY_STATES, type Campaign, type VulnerabilityState, type VulnerabilityView } from '../../domain/redteam/index.js';
import { ATTACK_FAMILIES, type AttackFamily } from '../../ml/redteam/attack.js';
import { MAX_LIST_LIMIT, type CampaignRequest, type RedTeamService } from '../../services/redteam-service.js';
import type { RouteModule } from '../app-deps.js';
import { actorOf } from '../auth.js';
import { ErrorBody } from '../http-errors.js';
import { StringEnum } from '../schemas.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const ModelName = Type.String({ minLength: 1, maxLength: 64, description: 'Model name: [a-z0-9][a-z0-9._-]{0,63}' });
const Task = Type.String({ minLength: 1, maxLength: 64, description: 'What the models classify, e.g. spam' });
const Id = Type.String({ minLength: 1, maxLength: 100 });
const Rate = Nullable(Type.Number());

const TallyFields = {
  inputs: Type.Integer(),
  skipped: Type.Integer({ description: 'inputs the model already got wrong: not attacked (TextAttack counting)' }),
  successes: Type.Integer(),
  failures: Type.Integer(),
  queries: Type.Integer({ description: 'texts scored, each original once' }),
  attackSuccessRate: Nullable(Type.Number({ description: 'successes / (successes + failures)' })),
  accuracyUnderAttack: Rate,
  originalAccuracy: Rate,
  averageQueries: Rate,
};

const CampaignSchema = Type.Object({
  id: Type.String(),
  jobId: Type.String(),
  model: Type.String(),
  version: Type.Integer(),
  semver: Type.String(),
  task: Type.String(),
  settings: Type.Object({
    families: Type.Array(Type.String()),
    source: StringEnum(CAMPAIGN_SOURCES),
    dataset: Nullable(Type.Object({ name: Type.String(), version: Type.Integer(), sha256: Type.String() })),
    maxInputs: Type.Integer(),
    queryBudget: Type.Integer(),
    seed: Type.Integer(),
  }),
  state: StringEnum(CAMPAIGN_STATES),
  verdict: Nullable(StringEnum(CAMPAIGN_VERDICTS, { description: 'held: no attack evaded; evaded: at least one did; error: the campaign failed' })),
  results: Nullable(
    Type.Object({
      perAttack: Type.Array(Type.Object({ attack: Type.String(), family: Type.String(), ...TallyFields })),
      perFamily: Type.Array(Type.Object({ family: Type.String(), attacks: Type.Array(Type.String()), ...TallyFields }, { description: 'an input counts as evaded when any attack of the family evades it' })),
      overall: Type.Object(TallyFields),
      examples: Type.Array(Type.Object({ attack: Type.String(), family: Type.String(), original: Type.String(), adversarial: Type.String(), score: Type.Number() })),
      threshold: Type.Number({ description: "the version's decision threshold: a score below it is an evasion" }),
    }),
  ),
  findings: Nullable(
    Type.Object({
      evasions: Type.Integer(),
      new: Type.Integer({ description: 'ledger entries this campaign added (unique per task)' }),
      replayed: Type.Array(Type.Object({ model: Type.String(), version: Type.Integer(), evaded: Type.Integer(), tried: Type.Integer() }), { description: 'the new findings scored by the task’s other models' }),
    }),
  ),
  error: Nullable(Type.String()),
  createdBy: Type.String(),
  createdAt: Type.Number(),
  startedAt: Nullable(Type.Number()),
  finishedAt: Nullable(Type.Number()),
});

const VulnerabilitySchema = Type.Object({
  id: Type.String(),
  task: Type.String(),
  signature: Type.String({ description: 'sha256 over the task and the normalised adversarial text' }),
  original: Type.String(),
  adversarial: Type.String(),
  chain: Type.Array(Type.String()),
  attack: Type.String(),
  family: Type.String(),
  model: Type.String(),
  version: Type.Integer(),
  score: Type.Number(),
  campaignId: Type.String(),
  triggerId: Nullable(Type.String()),
  usedAt: Nullable(Type.Number()),
  createdAt: Type.Number(),
  state: StringEnum(VULNERABILITY_STATES),
  evades: Type.Array(Type.Object({ model: Type.String(), version: Type.Integer(), score: Type.Number() })),
  usedBy: Type.Array(Type.Object({ model: Type.String(), version: Type.Integer() })),
});

type CampaignQuery = NonNullable<Parameters<RedTeamService['listCampaigns']>[0]>;
type Mutable<T> = T extends readonly (infer U)[] ? Mutable<U>[] : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;

function campaignView(campaign: Campaign) {
  return { ...campaign, url: `/redteam/campaigns/${campaign.id}`, jobUrl: `/jobs/${campaign.jobId}` } as Mutable<Campaign & { url: string; jobUrl: string }>;
}

function vulnerabilityView(v: VulnerabilityView) {
  const state = v.usedAt !== null ? 'used' : v.triggerId === null ? 'unused' : 'claimed';
  return { ...v, state } as Mutable<VulnerabilityView & { state: typeof state }>;
}

export const redteamRoutes: RouteModule = (app, deps) => {
  const redteam = deps.services.redteam;
  const CampaignAnswer = Type.Object({ ...CampaignSchema.properties, url: Type.String(), jobUrl: Type.String({ description: 'the job: GET it, or /events for live progress' }) });

  app.post(
    '/redteam/campaigns',
    {
      config: { role: 'editor' },
      schema: {
        summary: 'Attack a model version with the attack library, as a background job',
        description: 'Attacks the malicious rows the version held out from training (or, admin only, a named dataset’s); evasions go to the vulnerability ledger.',
        tags: ['redteam'],
        body: Type.Object(
          {
            model: ModelName,
            version: Type.Union([Type.Integer({ minimum: 1 }), Type.String({ minLength: 1, maxLength: 80 })], { description: 'A version number, a semver label like v1.2, or an alias.' }),
            families: Type.Optional(Type.Array(StringEnum(ATTACK_FAMILIES), { minItems: 1, maxItems: ATTACK_FAMILIES.length, uniqueItems: true, description: 'default: every family' })),
            dataset: Type.Optional(Type.String({ minLength: 1, maxLength: 140, description: 'name or name@version: attack its label-1 rows (admin)' })),
            maxInputs: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_CAMPAIGN_INPUTS, description: 'malicious inputs attacked (default 200)' })),
            queryBudget: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_QUERY_BUDGET, description: 'score queries the search attack may spend per input (default 200)' })),
            seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffffffff })),
          },
          { additionalProperties: false },
        ),
        response: { 202: CampaignAnswer, ...errors },
      },
    },
    // The schema checked the families' names; the service checks them again (and the rest).
    async (request, reply) => reply.code(202).send(campaignView(await redteam.startCampaign(request.body as CampaignRequest, actorOf(request)))),
  );

  app.get(
    '/redteam/campaigns',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Red-team campaigns, newest first',
        tags: ['redteam'],
        querystring: Type.Object(
          {
            model: Type.Optional(ModelName),
            state: Type.Optional(StringEnum(CAMPAIGN_STATES)),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIST_LIMIT })),
            before: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'the id of the last campaign of the previous page' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ campaigns: Type.Array(CampaignAnswer) }), ...errors },
      },
    },
    async (request) => ({ campaigns: (await redteam.listCampaigns(request.query as CampaignQuery)).map(campaignView) }), // the schema checked state
  );

  app.get(
    '/redteam/campaigns/:id',
    {
      config: { role: 'viewer' },
      schema: { summary: 'A campaign: settings, state, results per attack, family and overall, findings', tags: ['redteam'], params: Type.Object({ id: Id }), response: { 200: CampaignAnswer, ...errors } },
    },
    async (request) => campaignView(await redteam.getCampaign(request.params.id)),
  );

  app.get(
    '/redteam/vulnerabilities',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'The vulnerability ledger, newest first: each unique evasion, the versions it evades, the versions trained on it',
        tags: ['redteam'],
        querystring: Type.Object(
          {
            task: Type.Optional(Task),
            model: Type.Optional(ModelName),
            version: Type.Optional(Type.Integer({ minimum: 1, description: 'found against this version (with model)' })),
            family: Type.Optional(StringEnum(ATTACK_FAMILIES)),
            state: Type.Optional(StringEnum(VULNERABILITY_STATES, { description: 'unused: counts toward the retrain threshold; claimed: a retrain is under way; used: a version trained on it' })),
            campaign: Type.Optional(Id),
            trigger: Type.Optional(Id),
            usedBy: Type.Optional(Type.String({ minLength: 3, maxLength: 150, description: 'model@version: the vulnerabilities that version trained on' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIST_LIMIT })),
            before: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'the id of the last entry of the previous page' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            vulnerabilities: Type.Array(VulnerabilitySchema),
            summary: Type.Optional(
              Type.Object({ task: Type.String(), unused: Type.Integer(), claimed: Type.Integer(), used: Type.Integer(), threshold: Type.Integer({ description: 'unused vulnerabilities that retrain every model of the task' }) }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { campaign, trigger, ...rest } = request.query as typeof request.query & { family?: AttackFamily; state?: VulnerabilityState }; // the schema checked both
      const vulnerabilities = (await redteam.listVulnerabilities({ ...rest, ...(campaign !== undefined ? { campaignId: campaign } : {}), ...(trigger !== undefined ? { triggerId: trigger } : {}) })).map(vulnerabilityView);
      const task = request.query.task;
      return task === undefined ? { vulnerabilities } : { vulnerabilities, summary: { task, ...(await redteam.ledgerSummary(task)) } };
    },
  );
};
