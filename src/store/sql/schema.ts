/**
 * Row types of every table, snake_case as stored. They never leave store/sql:
 * each store maps rows to domain entities. One interface per area, joined here.
 * Timestamps are integer milliseconds since the epoch; JSON columns are text.
 */
import type { RegistryTables } from './tables/registry-tables.js';
import type { DatasetsTables } from './tables/datasets-tables.js';
import type { JobsTables } from './tables/jobs-tables.js';
import type { TrackingTables } from './tables/tracking-tables.js';
import type { ArtifactsTables } from './tables/artifacts-tables.js';
import type { EventsTables } from './tables/events-tables.js';
import type { PredictionsTables } from './tables/predictions-tables.js';
import type { DeploymentsTables } from './tables/deployments-tables.js';
import type { RedTeamTables } from './tables/redteam-tables.js';
import type { AlertsTables } from './tables/alerts-tables.js';
import type { RetrainingTables } from './tables/retraining-tables.js';

// Each area adds its tables interface to this intersection.
export type DatabaseSchema = RegistryTables & TrackingTables & DatasetsTables & JobsTables & ArtifactsTables & EventsTables & PredictionsTables & DeploymentsTables & RedTeamTables & AlertsTables & RetrainingTables;
