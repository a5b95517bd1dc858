import { WardenError, invalid } from '../errors.js';
import type { Experiment } from './experiment.js';
import { tagMap } from './experiment.js';
import type { MetricPoint } from './run-data.js';

/** Run life: RUNNING until it ends once, as FINISHED, FAILED or KILLED. */
export const RUN_STATUSES = ['RUNNING', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['FINISHED', 'FAILED', 'KILLED'];

/** Legal status moves. Setting the current status again is a no-op, not a move. */
export const RUN_STATUS_MOVES: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  RUNNING: ['FINISHED', 'FAILED', 'KILLED'],
  FINISHED: [],
  FAILED: [],
  KILLED: [],
};

export const MAX_RUN_NAME_LENGTH = 250;

/**
 * What a run consumed. CPU seconds (user + system), peak resident set size in bytes,
 * wall-clock seconds; GPU figures only when `nvidia-smi` answered.
 */
export interface ResourceUsage {
  readonly cpuSeconds: number;
  readonly peakRssBytes: number;
  readonly wallSeconds: number;
  /** Peak GPU memory used, MiB (summed over GPUs). */
  readonly gpuMemoryMb?: number;
  /** Mean GPU utilisation over the samples, percent 0-100. */
  readonly gpuUtilizationPct?: number;
}

/** A run without its data: what every list and status check needs. */
export interface RunInfo {
  readonly id: string;
  readonly experimentId: string;
  readonly name: string;
  readonly status: RunStatus;
  readonly startTime: number;
  readonly endTime: number | null;
  readonly resourceUsage: ResourceUsage | null;
}

/** A run with its params, tags and the latest point of each metric. */
export interface Run extends RunInfo {
  readonly params: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly metrics: Readonly<Record<string, MetricPoint>>;
}

export interface NewRunInput {
  experimentId?: unknown;
  name?: unknown;
  startTime?: unknown;
  tags?: unknown;
}

export interface NewRun {
  readonly info: RunInfo;
  readonly tags: Readonly<Record<string, string>>;
}

export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value);
}

export function isTerminal(status: RunStatus): boolean {
  return TERMINAL_RUN_STATUSES.includes(status);
}

export function canMoveRun(from: RunStatus, to: RunStatus): boolean {
  return from === to || RUN_STATUS_MOVES[from].includes(to);
}

export function validateRunName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string') throw invalid(field, `${field} must be a string`);
  const trimmed = name.trim();
  if (trimmed.length === 0) throw invalid(field, `${field} must not be empty`);
  if (trimmed.length > MAX_RUN_NAME_LENGTH) throw invalid(field, `${field} is longer than ${MAX_RUN_NAME_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) throw invalid(field, `${field} must not contain control characters`);
  return trimmed;
}

function timestamp(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(field, `${field} must be milliseconds since the epoch (a whole number ≥ 0)`);
  }
  return value;
}

/** Validates a create request. The run starts RUNNING; its name defaults to `run-<last 8 chars of id>`. */
export function newRun(input: NewRunInput, experiment: Experiment, id: string, now: number): NewRun {
  const name = input.name === undefined || input.name === null ? `run-${id.slice(-8)}` : validateRunName(input.name);
  const startTime = input.startTime === undefined || input.startTime === null ? now : timestamp(input.startTime, 'startTime');
  const tags = tagMap(input.tags, 'tags');
  return {
    info: { id, experimentId: experiment.id, name, status: 'RUNNING', startTime, endTime: null, resourceUsage: null },
    tags,
  };
}

export function validateResourceUsage(input: unknown, field = 'resourceUsage'): ResourceUsage {
  if (input === null || typeof input !== 'object') throw invalid(field, `${field} must be an object`);
  const raw = input as Record<string, unknown>;
  const number = (key: string, required: boolean, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    const value = raw[key];
    if (value === undefined || value === null) {
      if (required) throw invalid(`${field}.${key}`, `${field}.${key} is required`);
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
      throw invalid(`${field}.${key}`, `${field}.${key} must be a number between 0 and ${max}`);
    }
    return value;
  };
  const usage: { -readonly [K in keyof ResourceUsage]: ResourceUsage[K] } = {
    cpuSeconds: number('cpuSeconds', true) as number,
    peakRssBytes: number('peakRssBytes', true) as number,
    wallSeconds: number('wallSeconds', true) as number,
  };
  const gpuMemoryMb = number('gpuMemoryMb', false);
  const gpuUtilizationPct = number('gpuUtilizationPct', false, 100);
  if (gpuMemoryMb !== undefined) usage.gpuMemoryMb = gpuMemoryMb;
  if (gpuUtilizationPct !== undefined) usage.gpuUtilizationPct = gpuUtilizationPct;
  return usage;
}

export interface RunPatchInput {
  status?: unknown;
  endTime?: unknown;
  name?: unknown;
  resourceUsage?: unknown;
}

/** The columns an update writes, and the status it expects to find (optimistic check). */
export interface RunUpdatePlan {
  readonly expectedStatus: RunStatus;
  readonly changes: {
    readonly status?: RunStatus;
    /** null clears it (a resumed run). */
    readonly endTime?: number | null;
    readonly name?: string;
    readonly resourceUsage?: ResourceUsage;
  };
}

/**
 * Decides a run update. Ending a run (RUNNING → FINISHED/FAILED/KILLED) stamps `endTime`
 * (given, or `now`; never before the start). An ended run cannot move again
 * (RUN_NOT_ACTIVE), but may still be renamed and receive its resource usage.
 */
export function planRunUpdate(run: RunInfo, patch: RunPatchInput, now: number): RunUpdatePlan {
  const changes: { status?: RunStatus; endTime?: number; name?: string; resourceUsage?: ResourceUsage } = {};
  if (patch.name !== undefined) changes.name = validateRunName(patch.name);
  if (patch.resourceUsage !== undefined) changes.resourceUsage = validateResourceUsage(patch.resourceUsage);
  if (patch.status !== undefined) {
    if (!isRunStatus(patch.status)) throw invalid('status', `status must be one of ${RUN_STATUSES.join(', ')}`);
    const to = patch.status;
    if (!canMoveRun(run.status, to)) {
      throw new WardenError('RUN_NOT_ACTIVE', `run ${run.id} already ended as ${run.status}; it cannot become ${to}`, {
        field: 'status',
        details: { from: run.status, to },
      });
    }
    if (to !== run.status) {
      changes.status = to;
      if (isTerminal(to)) changes.endTime = patch.endTime === undefined ? Math.max(now, run.startTime) : timestamp(patch.endTime, 'endTime');
    }
  }
  if (patch.endTime !== undefined) {
    const endTime = timestamp(patch.endTime, 'endTime');
    if (changes.endTime === undefined) {
      if (!isTerminal(run.status)) throw invalid('endTime', 'endTime can only be set when the run ends (give status too)');
      changes.endTime = endTime;
    }
  }
  if (changes.endTime !== undefined && changes.endTime < run.startTime) {
    throw invalid('endTime', `endTime ${changes.endTime} is before the run's start ${run.startTime}`);
  }
  return { expectedStatus: run.status, changes };
}

/**
 * Reopens a run that the job owning it ended KILLED from an attempt that did not end the
 * job (a worker that lost its lease or shut down): the job's next attempt carries on with
 * the same run, its params and metric history. Only KILLED reopens: FINISHED and FAILED
 * are results (RUN_NOT_ACTIVE). A RUNNING run needs no change.
 */
export function planRunResume(run: RunInfo): RunUpdatePlan {
  if (run.status === 'RUNNING') return { expectedStatus: 'RUNNING', changes: {} };
  if (run.status !== 'KILLED') {
    throw new WardenError('RUN_NOT_ACTIVE', `run ${run.id} ended as ${run.status}; only a KILLED run can be resumed`, { field: 'status', details: { status: run.status } });
  }
  return { expectedStatus: 'KILLED', changes: { status: 'RUNNING', endTime: null } };
}

/** The statuses in which a run accepts metrics and params (stores may check it in SQL too). */
export const STATUSES_ACCEPTING_DATA: readonly RunStatus[] = ['RUNNING'];

/** Params and metrics are only accepted while a run is RUNNING; tags are annotations and always are. */
export function assertRunAcceptsData(run: Pick<RunInfo, 'id' | 'status'>, what: { metrics: number; params: number }): void {
  if (STATUSES_ACCEPTING_DATA.includes(run.status) || (what.metrics === 0 && what.params === 0)) return;
  throw new WardenError('RUN_NOT_ACTIVE', `run ${run.id} ended as ${run.status}; it no longer accepts metrics or params`, {
    details: { status: run.status },
  });
}
