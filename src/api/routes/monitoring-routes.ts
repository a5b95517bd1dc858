/**
 * Monitoring over HTTP (viewer): the latest snapshot the `monitor-models` job stored for a
 * model — per version and arm: live metrics with intervals against the evaluation baseline,
 * the CBPE estimate, drift per descriptor with example inputs, anomaly detectors, errors —
 * with the answering process's resources and every live process's (their heartbeats) beside it;
 * and a one-line-per-model summary.
 */
import { Type } from '@sinclair/typebox';
import type { RouteModule } from '../app-deps.js';
import { ErrorBody } from '../http-errors.js';

const ModelParams = Type.Object({ model: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9._-]*$' }) }, { additionalProperties: false });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

const Estimate = Type.Object({ value: Nullable(Type.Number()), lower: Nullable(Type.Number()), upper: Nullable(Type.Number()), support: Type.Number() });
const Metrics = Type.Object({ accuracy: Estimate, precision: Estimate, recall: Estimate, f1: Estimate });
const Window = Type.Object({
  labelled: Type.Integer(),
  counts: Type.Object({ tp: Type.Integer(), fp: Type.Integer(), tn: Type.Integer(), fn: Type.Integer() }),
  level: Type.Number({ description: 'confidence level of the Wilson intervals' }),
  metrics: Metrics,
  verdict: Type.String({ description: 'ok | degraded | insufficient-data | no-baseline' }),
  degraded: Type.Array(Type.String()),
});
const DriftResult = Type.Object({
  name: Type.String({ description: 'score, positive, or a text descriptor (invisiblePer1k, urls, …)' }),
  verdict: Type.String({ description: 'insufficient-data | stable | warning | drift' }),
  decidedBy: Nullable(Type.String({ description: 'ks | chi-square (small windows) | psi | js-distance (large)' })),
  referenceRows: Type.Integer(),
  liveRows: Type.Integer(),
  test: Type.Unknown({ description: 'the small-window test: {name, statistic, pValue, alpha, effectSize}, or null' }),
  effects: Type.Unknown({ description: '{ksDistance, psi, jsDistance, wasserstein}, or null without data' }),
  movedBins: Type.Array(Type.Object({ lower: Type.Number(), upper: Type.Number(), referenceShare: Type.Number(), liveShare: Type.Number() })),
  examples: Type.Array(Type.String(), { description: 'sampled live inputs (truncated) from the range that gained most' }),
});
const Drift = Type.Object({
  status: Type.String({ description: 'evaluated | no-reference-profile' }),
  message: Type.Optional(Type.String()),
  window: Type.Optional(Type.String()),
  verdict: Type.Optional(Type.String()),
  drifted: Type.Optional(Type.Array(Type.String())),
  warnings: Type.Optional(Type.Array(Type.String())),
  insufficient: Type.Optional(Type.Array(Type.String())),
  minRows: Type.Optional(Type.Integer()),
  results: Type.Optional(Type.Array(DriftResult)),
});
const Detector = Type.Object({
  name: Type.String(),
  reading: Type.Number(),
  zScore: Type.Optional(Type.Number()),
  statistic: Type.Optional(Type.Number()),
  threshold: Type.Optional(Type.Number()),
  alarm: Type.Optional(Nullable(Type.String({ description: 'up | down' }))),
});
const Arm = Type.Object({
  version: Type.Integer(),
  semver: Nullable(Type.String()),
  arm: Type.String({ description: 'production | baseline | candidate | shadow | pinned' }),
  stage: Nullable(Type.String()),
  requests: Type.Object({ lastHour: Type.Integer(), lastDay: Type.Integer() }),
  errors: Type.Object({ lastDay: Type.Object({ failed: Type.Integer(), rate: Type.Number(), byCode: Type.Record(Type.String(), Type.Integer()) }) }),
  performance: Type.Object({
    baseline: Nullable(Type.Record(Type.String(), Type.Number(), { description: "the version's eval_* metrics" })),
    windows: Type.Object({ lastHour: Window, lastDay: Window, lastLabelled: Window }),
    judgedWindow: Type.String({ description: 'the window alerts judge' }),
    estimate: Type.Object({ estimated: Type.Boolean(), method: Type.String(), rows: Type.Integer(), level: Type.Number(), metrics: Metrics, window: Type.String(), note: Type.String() }),
  }),
  drift: Drift,
  // Optional: a snapshot stored before the gap was measured has none until the next tick.
  normalizationGap: Type.Optional(Type.Object(
    {
      window: Type.String(),
      described: Type.Integer({ description: 'described inputs of the window (WARDEN_MONITOR_DESCRIBE_RATE)' }),
      flipped: Type.Integer({ description: 'of those, inputs whose raw text got another verdict than the normalised text' }),
      share: Nullable(Type.Number({ description: 'flipped / described; null without described inputs' })),
      reference: Nullable(Type.Number({ description: "the share on the version's held-out rows; null for a profile written before the gap was profiled" })),
      verdict: Type.String({ description: 'drift verdict of normalizationFlip: stable | warning | drift | insufficient-data | no-reference' }),
    },
    { description: 'the normalisation gap of the last hour against the reference profile' },
  )),
  anomalies: Type.Object({
    readingTaken: Type.Boolean(),
    readingsCollected: Type.Integer(),
    calibrated: Type.String({ description: 'detectors calibrated / detectors' }),
    warmupReadings: Type.Integer(),
    targetFalseAlarmRate: Type.Number(),
    detectors: Type.Array(Detector),
  }),
  resources: Type.Object({ training: Type.Record(Type.String(), Type.Number(), { description: "the training job's usage: cpuSeconds, peakRssBytes, wallSeconds, gpu…" }) }),
});
const Resources = Type.Object({
  pid: Type.Integer(),
  cpuCores: Type.Number(),
  rssBytes: Type.Number(),
  heapUsedBytes: Type.Number(),
  heapTotalBytes: Type.Number(),
  eventLoopLagMs: Type.Object({ mean: Type.Number(), p99: Type.Number(), max: Type.Number() }),
  gpu: Nullable(Type.Object({ memoryMb: Type.Number(), utilizationPct: Type.Number() })),
  sampledAt: Type.Integer(),
});
const ProcessRow = Type.Object(
  {
    id: Type.String({ description: 'unique per process start' }),
    self: Type.Boolean({ description: 'the process answering this request' }),
    host: Type.String(),
    pid: Type.Integer(),
    roles: Type.Array(Type.String(), { description: 'api, worker, scheduler' }),
    startedAt: Type.Integer(),
    expiresAt: Type.Integer({ description: 'the row drops out of the list after this unless the process beats again' }),
    resources: Resources,
  },
  { description: 'a live API or worker process, from its latest heartbeat (every 10 s)' },
);
const Processes = Type.Array(ProcessRow, { description: 'every live process of the cluster (heartbeats not expired), oldest started first' });

const Snapshot = Type.Object({
  model: Type.String(),
  evaluatedAt: Type.Integer({ description: 'when the monitor-models job computed it (ms)' }),
  rowsRead: Type.Integer(),
  truncated: Type.Boolean({ description: 'WARDEN_MONITOR_MAX_ROWS cut the day window' }),
  arms: Type.Array(Arm),
  alerts: Type.Array(Type.Object({ rule: Type.String(), fingerprint: Type.String(), action: Type.String(), alert: Type.Optional(Type.String()), state: Type.Optional(Type.String()) })),
  process: Nullable(Resources),
  processes: Processes,
});

export const monitoringRoutes: RouteModule = (app, deps) => {
  const monitoring = deps.services.monitoring;
  const processResources = async () => (deps.runtime.resources === undefined ? null : await deps.runtime.resources());
  const liveProcesses = async () => {
    if (deps.runtime.processes === undefined) return [];
    const { self, live } = await deps.runtime.processes();
    return live.map((p) => ({ ...p, roles: [...p.roles], self: p.id === self }));
  };

  app.get(
    '/monitoring',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Every monitored model in one line: when it was evaluated, requests, the judged accuracy, drift and anomaly verdicts, alerts it moved',
        tags: ['monitoring'],
        querystring: Type.Object({}, { additionalProperties: false }),
        response: {
          200: Type.Object({
            models: Type.Array(
              Type.Object({
                model: Type.String(),
                evaluatedAt: Type.Integer(),
                arms: Type.Array(
                  Type.Object({
                    version: Type.Integer(),
                    arm: Type.String(),
                    requestsLastHour: Type.Integer(),
                    accuracy: Nullable(Type.Number()),
                    performance: Type.String(),
                    drift: Type.String(),
                    drifted: Type.Array(Type.String()),
                    anomalies: Type.Array(Type.String()),
                  }),
                ),
              }),
            ),
            process: Nullable(Resources),
            processes: Processes,
          }),
          ...errors,
        },
      },
    },
    async () => {
      const all = await monitoring.snapshots();
      return { models: all.map(({ model, evaluatedAt, snapshot }) => ({ model, evaluatedAt, arms: ((snapshot.arms ?? []) as unknown as ArmJson[]).map(armSummary) })), process: await processResources(), processes: await liveProcesses() };
    },
  );

  app.get(
    '/monitoring/:model',
    {
      config: { role: 'viewer' },
      schema: {
        summary: "A model's latest monitoring snapshot per version and arm, with the answering process's resources and every live process's",
        tags: ['monitoring'],
        params: ModelParams,
        querystring: Type.Object({}, { additionalProperties: false }),
        response: { 200: Snapshot, ...errors },
      },
    },
    async (request) => {
      const { snapshot } = await monitoring.snapshot(request.params.model);
      return { ...(snapshot as unknown as Record<string, unknown>), process: await processResources(), processes: await liveProcesses() } as never;
    },
  );
};

interface ArmJson {
  version: number;
  arm: string;
  requests: { lastHour: number };
  performance: { windows: { lastLabelled: { verdict: string; metrics: { accuracy: { value: number | null } } } } };
  drift: { status: string; verdict?: string; drifted?: string[] };
  anomalies: { detectors: Array<{ name: string; alarm?: string | null }> };
}

function armSummary(arm: ArmJson) {
  return {
    version: arm.version,
    arm: arm.arm,
    requestsLastHour: arm.requests.lastHour,
    accuracy: arm.performance.windows.lastLabelled.metrics.accuracy.value,
    performance: arm.performance.windows.lastLabelled.verdict,
    drift: arm.drift.status === 'evaluated' ? (arm.drift.verdict ?? 'insufficient-data') : arm.drift.status,
    drifted: arm.drift.drifted ?? [],
    anomalies: arm.anomalies.detectors.filter((d) => d.alarm !== undefined && d.alarm !== null).map((d) => d.name),
  };
}

/** The snapshot's and the process's shapes, for clients that type their reads (the dashboard). */
export { Snapshot as MonitoringSnapshotSchema, Resources as ProcessResourcesSchema };
