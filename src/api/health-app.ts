/**
 * The only HTTP a process without the api role serves (`warden worker` with
 * WARDEN_HEALTH_PORT): GET /health, the same route as the API's, and nothing else, so a
 * load balancer or orchestrator can probe a worker without exposing the API on it.
 */
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps, WardenApp } from './app-deps.js';
import { healthRoutes } from './routes/health-routes.js';

export async function buildHealthApp(deps: AppDeps): Promise<WardenApp> {
  const app = Fastify({ logger: false }).withTypeProvider<TypeBoxTypeProvider>();
  await healthRoutes(app, deps);
  return app;
}
