/**
 * Authentication and authorization for every request, deny by default: a route is
 * reachable only if it declares `config.role` (and the bearer token's role allows
 * it) or `config.public: true`. Only /health and the /docs routes are public.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WardenError } from '../domain/errors.js';
import { isRole, roleAllows, type Principal, type Role } from '../domain/auth.js';
import type { AuthService } from '../services/auth-service.js';
import { DASHBOARD_ASSET_PREFIX, DASHBOARD_PATHS } from './dashboard.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least role allowed to call the route. */
    role?: Role;
    /** Reachable without a token (health and docs only). */
    public?: boolean;
  }
  interface FastifyRequest {
    /** The verified caller; null on public routes. */
    principal: Principal | null;
    /** Who is acting: the token's name, recorded in histories (e.g. stage transitions). */
    actor: string;
  }
}

/** Who a route acts for, as the services take it: the token's name and role (no role on public routes). */
export function actorOf(request: FastifyRequest): { readonly name: string; readonly role?: Role } {
  return request.principal === null ? { name: request.actor } : { name: request.principal.name, role: request.principal.role };
}

/**
 * Routes allowed to be public; anything else marked public is a bug the auth test catches.
 * The dashboard's page and bundle are public: they hold no data, the API calls they make need a token.
 */
export const PUBLIC_ROUTE_PREFIXES = ['/health', '/docs', DASHBOARD_ASSET_PREFIX] as const;

export function isPublicPath(url: string): boolean {
  return (DASHBOARD_PATHS as readonly string[]).includes(url) || PUBLIC_ROUTE_PREFIXES.some((prefix) => url === prefix || url.startsWith(`${prefix}/`));
}

/** `Authorization: Bearer <token>` → the token; undefined when absent or another scheme. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** The global onRequest hook. */
export function authHook(auth: AuthService) {
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    // Unknown routes fall through to the 404 handler.
    if (request.is404) return;
    const config = request.routeOptions.config;
    if (config.public === true) return;
    const required = config.role;
    if (!isRole(required)) {
      throw new WardenError('FORBIDDEN', `route ${request.method} ${request.routeOptions.url ?? ''} declares no role; refused (deny by default)`);
    }
    const principal = await auth.verify(bearerToken(request.headers.authorization));
    if (!roleAllows(principal.role, required)) {
      throw new WardenError('FORBIDDEN', `this action needs the ${required} role; token "${principal.name}" has ${principal.role}`);
    }
    request.principal = principal;
    request.actor = principal.name;
  };
}
