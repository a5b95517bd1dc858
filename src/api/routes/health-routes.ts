import { Type } from '@sinclair/typebox';
import type { RouteModule } from '../app-deps.js';

export const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  version: Type.String(),
  store: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')]),
  queue: Type.Union([Type.Literal('local'), Type.Literal('redis')]),
  uptimeSeconds: Type.Number(),
  apiProcesses: Type.Object(
    {
      answeredBy: Type.Integer({ description: 'which API process answered (1-based)' }),
      running: Type.Integer({ description: 'API processes listening now' }),
      wanted: Type.Integer({ description: 'API processes configured (WARDEN_API_PROCESSES)' }),
    },
    { description: 'a dead API process is replaced: running < wanted while that happens' },
  ),
});

/** GET /health: public liveness and readiness (503 when the metadata store does not answer). */
export const healthRoutes: RouteModule = (app, deps) => {
  app.get(
    '/health',
    {
      config: { public: true },
      schema: { summary: 'Liveness and readiness', tags: ['system'], response: { 200: HealthSchema, 503: HealthSchema } },
    },
    async (request, reply) => {
      const { runtime } = deps;
      const processes = runtime.apiProcesses();
      let status: 'ok' | 'unavailable' = 'ok';
      try {
        await runtime.checkStore();
      } catch (error) {
        request.log.error({ err: error }, 'health check: metadata store unavailable');
        status = 'unavailable';
      }
      return reply.code(status === 'ok' ? 200 : 503).send({
        status,
        version: runtime.version,
        store: runtime.storeDialect,
        queue: runtime.queueKind,
        uptimeSeconds: Math.round((Date.now() - runtime.startedAt) / 1000),
        apiProcesses: { answeredBy: processes.index, running: processes.running, wanted: processes.wanted },
      });
    },
  );
};
