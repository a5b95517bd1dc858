import { Type } from '@sinclair/typebox';
import { ROLES, type ApiToken } from '../../domain/auth.js';
import type { RouteModule } from '../app-deps.js';
import { ErrorBody } from '../http-errors.js';
import { StringEnum } from '../schemas.js';

const Role = StringEnum(ROLES);

export const TokenSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Role,
  createdAt: Type.Number({ description: 'ms since the epoch' }),
  lastUsedAt: Type.Union([Type.Number(), Type.Null()]),
  revokedAt: Type.Union([Type.Number(), Type.Null()]),
});

const IssuedToken = Type.Object({
  token: Type.String({ description: 'The bearer value. Shown once: only its hash is stored.' }),
  id: Type.String(),
  name: Type.String(),
  role: Role,
  createdAt: Type.Number(),
});

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

function view(token: ApiToken) {
  return { ...token };
}

export const CurrentTokenSchema = Type.Object({
  name: Type.String({ description: 'The actor recorded for changes made with this token.' }),
  role: Role,
});

/** Token management (admin only): issue, list, revoke. And, for any token, who it is (the dashboard's sign-in). */
export const tokenRoutes: RouteModule = (app, deps) => {
  const auth = deps.services.auth;

  app.get(
    '/tokens/current',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'The name and role of the token that calls (a client shows only what that role may do)',
        tags: ['tokens'],
        response: { 200: CurrentTokenSchema, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => ({ name: request.principal?.name ?? '', role: request.principal?.role ?? 'viewer' }),
  );

  app.post(
    '/tokens',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Issue a token',
        tags: ['tokens'],
        body: Type.Object({
          name: Type.String({ minLength: 1, maxLength: 64, description: 'Recorded as the actor of every change made with the token.' }),
          role: Role,
        }, { additionalProperties: false }),
        response: { 201: IssuedToken, ...errors },
      },
    },
    async (request, reply) => {
      const issued = await auth.issue(request.body);
      const { id, name, role, createdAt } = issued.token;
      return reply.code(201).send({ token: issued.plaintext, id, name, role, createdAt });
    },
  );

  app.get(
    '/tokens',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'List tokens (never their values)',
        tags: ['tokens'],
        querystring: Type.Object({ includeRevoked: Type.Optional(Type.Boolean({ default: false })) }),
        response: { 200: Type.Object({ tokens: Type.Array(TokenSchema) }), ...errors },
      },
    },
    async (request) => {
      const tokens = await auth.list({ includeRevoked: request.query.includeRevoked === true });
      return { tokens: tokens.map(view) };
    },
  );

  app.delete(
    '/tokens/:id',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Revoke a token',
        tags: ['tokens'],
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: TokenSchema, ...errors },
      },
    },
    async (request) => view(await auth.revoke(request.params.id)),
  );
};
