/**
 * Every use-case service of the platform, built once by the composition root
 * (src/main.ts `createPlatform`) and handed to the API and the CLI.
 * Each area adds its service here with one line (and wires it in main.ts).
 */
import type { AuthService } from './auth-service.js';
import type { JobQueue } from '../domain/ports/job-queue.js';
import type { RegistryService } from './registry-service.js';
import type { TrackingService } from './tracking-service.js';
import type { ArtifactService } from './artifact-service.js';
import type { DatasetService } from './dataset-service.js';
import type { FreshDataService } from './fresh-data-service.js';
import type { TrainingService } from './training-service.js';
import type { ModelLoader } from './model-loader.js';
import type { ComparisonService } from './comparison-service.js';
import type { DeploymentService } from './deployment-service.js';
import type { ServingService } from './serving-service.js';
import type { PredictionLog } from './prediction-log.js';
import type { RedTeamService } from './redteam-service.js';
import type { AlertService } from './alert-service.js';
import type { MonitoringService } from './monitoring-service.js';
import type { RetrainingOrchestrator } from './retraining-orchestrator.js';

export interface Services {
  readonly auth: AuthService;
  readonly jobs: JobQueue;
  readonly registry: RegistryService;
  readonly tracking: TrackingService;
  readonly artifacts: ArtifactService;
  readonly datasets: DatasetService;
  /** The fresh-data folders: scanned into `<model>-fresh` versions, moved to used/ after a training. */
  readonly freshData: FreshDataService;
  readonly training: TrainingService;
  /** Loads registered versions' model artifacts (verified, cached by digest) and predicts. */
  readonly models: ModelLoader;
  /** Two versions (of one model or two) scored on the same rows. */
  readonly comparison: ComparisonService;
  /** Live predictions (the model's Production version), pinned predictions and feedback. */
  readonly serving: ServingService;
  /** The prediction log's bounded, batched writer. */
  readonly predictionLog: PredictionLog;
  /** Deployments: strategies, their steps and guardrails, rollback. */
  readonly deployments: DeploymentService;
  /** Red-team campaigns, the vulnerability ledger, and retraining from vulnerabilities. */
  readonly redteam: RedTeamService;
  /** Alerts: signals in (monitoring, red team), episodes, acknowledgements and silences. */
  readonly alerts: AlertService;
  /** Live performance, drift, anomalies per model (the monitor-models job) and their snapshots. */
  readonly monitoring: MonitoringService;
  /** Retraining: every trigger becomes a recorded decision; retrain decisions queue one retrain job. */
  readonly retraining: RetrainingOrchestrator;
}
