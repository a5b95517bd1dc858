/**
 * Builds the HTTP API from the services, apart from listening (src/main.ts listens;
 * tests call `app.inject()`). Areas plug in by appending their route module to
 * ROUTE_MODULES — one line each.
 */
import { randomFillSync } from 'node:crypto';
import Fastify, { LogController, type FastifyReply, type RouteOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps, RouteModule, WardenApp } from './app-deps.js';
import { authHook } from './auth.js';
import { registerDashboard } from './dashboard.js';
import { closeQueryStrings, partAwareValidator } from './body-validation.js';
import { prettyLogStream, type LogSink } from './pretty-log.js';
import { errorHandler, notFoundHandler, toHttpFailure } from './http-errors.js';
import { healthRoutes } from './routes/health-routes.js';
import { tokenRoutes } from './routes/token-routes.js';
import { registryRoutes } from './routes/registry-routes.js';
import { trackingRoutes } from './routes/tracking-routes.js';
import { artifactRoutes } from './routes/artifact-routes.js';
import { datasetRoutes } from './routes/dataset-routes.js';
import { jobRoutes } from './routes/job-routes.js';
import { trainingRoutes } from './routes/training-routes.js';
import { deploymentRoutes } from './routes/deployment-routes.js';
import { predictRoutes } from './routes/predict-routes.js';
import { alertRoutes } from './routes/alert-routes.js';
import { retrainingRoutes } from './routes/retraining-routes.js';
import { redteamRoutes } from './routes/redteam-routes.js';
import { monitoringRoutes } from './routes/monitoring-routes.js';
import { newRequestId } from '../domain/serving.js';

export type { AppDeps, RouteModule, WardenApp } from './app-deps.js';

/** Every route module of the API, in registration order. Append yours here. */
const ROUTE_MODULES: readonly RouteModule[] = [
  healthRoutes,
  tokenRoutes,
  registryRoutes,
  trackingRoutes,
  artifactRoutes,
  datasetRoutes,
  jobRoutes,
  trainingRoutes,
  deploymentRoutes,
  predictRoutes,
  alertRoutes,
  retrainingRoutes,
  redteamRoutes,
  monitoringRoutes,
];

/** A registered route as the auth test and the docs see it. */
export interface RouteSummary {
  readonly method: string;
  readonly url: string;
  readonly role: string | undefined;
  readonly public: boolean;
  /** The route's JSON schemas, as declared (the strict-input test walks them). */
  readonly body?: unknown;
  readonly params?: unknown;
  readonly querystring?: unknown;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered on this app, one entry per method (HEAD twins included), filled by an onRoute hook. */
    readonly registeredRoutes: () => readonly RouteSummary[];
  }
  interface FastifyContextConfig {
    /** Log successful answers at debug, like reads: high-volume POSTs that change nothing but a log (predictions). */
    quietLog?: boolean;
  }
}

/** The logger: pino JSON, or one readable line per record (config.logFormat), to deps.logStream or stdout. */
function loggerOptions(deps: AppDeps): { level: string; stream?: LogSink } {
  const { logLevel: level, logFormat } = deps.config;
  if (logFormat === 'pretty') return { level, stream: prettyLogStream(deps.logStream ?? process.stdout) };
  return deps.logStream ? { level, stream: deps.logStream } : { level };
}

/**
 * Request ids (`newRequestId`: the time, then 8 random bytes), the bytes drawn from a pooled
 * buffer refilled every 1,024 ids: one call into the CSPRNG per id was a visible share of a
 * prediction's cost.
 */
function requestIds(): () => string {
  const pool = Buffer.alloc(8 * 1024);
  let offset = pool.length;
  return () => {
    if (offset >= pool.length) {
      randomFillSync(pool);
      offset = 0;
    }
    const id = newRequestId(Date.now(), pool.subarray(offset, offset + 8));
    offset += 8;
    return id;
  };
}

export async function buildApp(deps: AppDeps): Promise<WardenApp> {
  const app = Fastify({
    logger: loggerOptions(deps),
    // Fastify's own logging writes two lines per request; the onResponse hook below writes one.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.config.bodyLimitBytes,
    schemaController: { compilersFactory: { buildValidator: partAwareValidator() } },
    // Ids are ours: a client-chosen id could forge or flood log correlation.
    genReqId: requestIds(),
    frameworkErrors: (error, request, reply: FastifyReply) => {
      const failure = toHttpFailure(error, request.id);
      void reply.code(failure.status).type('application/json; charset=utf-8').send(failure.body);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Collect every route (the options object is kept, so later onRoute hooks' edits are seen).
  // Fastify reuses one options object for a prefixed route's '' and '/' variants: snapshot the url now.
  const routes: Array<{ method: string; url: string; options: RouteOptions }> = [];
  app.decorate('registeredRoutes', () =>
    routes.map(({ method, url, options }) => ({
      method,
      url,
      role: options.config?.role,
      public: options.config?.public === true,
      ...(options.schema?.body !== undefined ? { body: options.schema.body } : {}),
      ...(options.schema?.params !== undefined ? { params: options.schema.params } : {}),
      ...(options.schema?.querystring !== undefined ? { querystring: options.schema.querystring } : {}),
    })),
  );
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push({ method: String(method), url: route.url ?? '', options: route });
    const role = route.config?.role;
    if (role !== undefined) {
      // Shows the required role and the bearer scheme in the OpenAPI document.
      route.schema = {
        ...route.schema,
        security: [{ bearerAuth: [] }],
        description: [route.schema?.description, `Requires the \`${role}\` role.`].filter(Boolean).join('\n\n'),
      };
    }
  });
  app.addHook('onReady', async () => {
    for (const route of app.registeredRoutes()) {
      if (route.role === undefined && !route.public) {
        app.log.warn({ method: route.method, url: route.url }, 'route declares no role: every request to it will be refused');
      }
    }
  });

  app.decorateRequest('principal', null);
  app.decorateRequest('actor', '');
  app.decorateRequest('rejection', null);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // One line per request, when it is answered. Successful reads (the dashboard and `jobs watch`
  // poll, load balancers probe /health) only at debug, so they do not drown the training progress.
  app.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode;
    const read = request.method === 'GET' || request.method === 'HEAD' || request.routeOptions.config.quietLog === true;
    const level = read && status < 400 ? 'debug' : 'info';
    const ms = Math.round(reply.elapsedTime * 10) / 10;
    request.log[level]({ method: request.method, url: request.url, status, ms, ...request.rejection }, 'request');
  });
  app.addHook('onRequest', authHook(deps.services.auth));
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Warden API',
        version: deps.runtime.version,
        description:
          'Model lifecycle platform for security classifiers. Every route except /health and /docs needs ' +
          '`Authorization: Bearer <token>`; roles are viewer < editor < admin. Errors: `{"error":{"code","message","field"?}}`.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(async (docs) => {
    // The docs UI and the OpenAPI JSON are public: they describe the API, they do not use it.
    docs.addHook('onRoute', (route) => {
      route.config = { ...route.config, public: true };
    });
    await docs.register(swaggerUi, { routePrefix: '/docs' });
  });

  for (const module of ROUTE_MODULES) {
    await app.register(async (scope) => {
      scope.addHook('onRoute', closeQueryStrings);
      await module(scope, deps);
    });
  }
  await registerDashboard(app, deps.config.webDir);
  return app;
}
