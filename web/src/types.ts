/**
 * The API's shapes, taken from the server's own TypeBox schemas (the ones that validate the
 * responses and generate the OpenAPI document at /docs/json). Type-only imports: nothing of the
 * server is bundled, and a changed schema fails `npm run lint` here instead of at run time.
 */
import type { Static } from '@sinclair/typebox';
import type { ComparisonSchema, LineageSchema, ModelSchema, StatusSchema, TransitionResultSchema, TransitionSchema, VersionSchema } from '../../src/api/routes/registry-routes.js';
import type { MetricPoint, RunSchema } from '../../src/api/routes/tracking-routes.js';
import type { ArtifactSchema } from '../../src/api/routes/artifact-routes.js';
import type { JobProgressSchema, JobSchema, LogLine } from '../../src/api/routes/job-routes.js';
import type { AbStatisticsSchema, DeploymentSchema, ShadowSchema } from '../../src/api/routes/deployment-routes.js';
import type { MonitoringSnapshotSchema, ProcessResourcesSchema } from '../../src/api/routes/monitoring-routes.js';
import type { AlertRuleSchema, AlertSchema } from '../../src/api/routes/alert-routes.js';
import type { CurrentTokenSchema } from '../../src/api/routes/token-routes.js';
import type { HealthSchema } from '../../src/api/routes/health-routes.js';
import type { DatasetSchema } from '../../src/api/routes/dataset-routes.js';

export type Model = Static<typeof ModelSchema>;
export type Version = Static<typeof VersionSchema>;
export type Transition = Static<typeof TransitionSchema>;
export type TransitionResult = Static<typeof TransitionResultSchema>;
export type Lineage = Static<typeof LineageSchema>;
export type Comparison = Static<typeof ComparisonSchema>;
export type Status = Static<typeof StatusSchema>;
export type StatusModel = Status['models'][number];
export type Run = Static<typeof RunSchema>;
export type MetricPointT = Static<typeof MetricPoint>;
export type Artifact = Static<typeof ArtifactSchema>;
export type Job = Static<typeof JobSchema>;
export type JobProgress = Static<typeof JobProgressSchema>;
export type JobLogLine = Static<typeof LogLine>;
export type Deployment = Static<typeof DeploymentSchema>;
export type Shadow = Static<typeof ShadowSchema>;
export type CurrentToken = Static<typeof CurrentTokenSchema>;
export type Role = CurrentToken['role'];
export type Health = Static<typeof HealthSchema>;
export type Dataset = Static<typeof DatasetSchema>;
export type Stage = Version['stage'];
export type AbStatistics = Static<typeof AbStatisticsSchema>;
export type ProcessResources = Static<typeof ProcessResourcesSchema>;
export type MonitoringSnapshot = Static<typeof MonitoringSnapshotSchema>;
/** A live process of the cluster, from its heartbeat. */
export type ProcessRow = MonitoringSnapshot['processes'][number];
export type MonitoredArm = MonitoringSnapshot['arms'][number];
export type MetricWindow = MonitoredArm['performance']['windows']['lastHour'];
export type DriftResult = NonNullable<MonitoredArm['drift']['results']>[number];
export type Detector = MonitoredArm['anomalies']['detectors'][number];
export type Alert = Static<typeof AlertSchema>;
export type AlertRule = Static<typeof AlertRuleSchema>;
