import { roleAllows, type Role } from '../auth.js';
import { WardenError } from '../errors.js';
import type { ModelVersion, StageTransition } from './entities.js';
import type { Stage, VersionStatus } from './vocabulary.js';

/**
 * The legal stage moves, from → allowed targets. Same-stage moves are refused.
 *
 * | from       | to                             | note                                          |
 * | ---------- | ------------------------------ | --------------------------------------------- |
 * | None       | Staging, Production, Archived  |                                               |
 * | Staging    | None, Production, Archived     |                                               |
 * | Production | Staging, Archived              | demote or retire; None would hide a served model |
 * | Archived   | None, Staging, Production      | restore; → Production is a rollback redeploy |
 *
 * Status rules on top: only READY versions enter Production or Staging; FAILED and PENDING versions
 * may only move between None and Archived. Entering Production archives every other Production
 * version of the model (there is at most one) in the same plan.
 */
export const LEGAL_MOVES: Readonly<Record<Stage, readonly Stage[]>> = Object.freeze({
  None: ['Staging', 'Production', 'Archived'],
  Staging: ['None', 'Production', 'Archived'],
  Production: ['Staging', 'Archived'],
  Archived: ['None', 'Staging', 'Production'],
});

const STATUS_ALLOWS: Readonly<Record<VersionStatus, readonly Stage[]>> = Object.freeze({
  READY: ['None', 'Staging', 'Production', 'Archived'],
  PENDING: ['None', 'Archived'],
  FAILED: ['None', 'Archived'],
});

/** One stage change to persist, with its history record (the store assigns model and seq). */
export type PlannedTransition = Omit<StageTransition, 'seq' | 'modelId'>;

/** The changes a stage move implies, in the order they must be applied (archives first). */
export interface TransitionPlan {
  readonly modelId: string;
  readonly changes: readonly PlannedTransition[];
}

export interface TransitionOptions {
  readonly actor: string;
  readonly reason: string;
  readonly now: number;
  /** Returns a fresh id for each history record. */
  readonly ids: () => string;
  /** The caller's role when the move comes from a user; omitted for the platform's own moves. */
  readonly role?: Role;
  /**
   * Taking the model's Production version out of Production leaves nothing serving the model:
   * the caller must say so explicitly (`force`) and give a reason of its own.
   */
  readonly force?: boolean;
  /** True when `reason` was written by the caller rather than filled in by default. */
  readonly reasonGiven?: boolean;
}

/** The version fields the rule looks at. */
export type TransitionSubject = Pick<ModelVersion, 'id' | 'modelId' | 'number' | 'stage' | 'status'>;

/**
 * Decides whether `version` may move to `to` and what else changes: the one place that knows
 * the legal stage moves. `siblings` are the model's other versions that matter (at least every
 * version currently in Production). Returns the plan, or a STAGE_TRANSITION_INVALID error
 * saying why not and what to do instead.
 */
export function planTransition(
  version: TransitionSubject,
  to: Stage,
  siblings: readonly TransitionSubject[],
  options: TransitionOptions,
): TransitionPlan | WardenError {
  const from = version.stage;
  if (from === to) return refuse(version, to, `version ${version.number} is already in ${to}`);
  if (!LEGAL_MOVES[from].includes(to)) {
    return refuse(version, to, `version ${version.number} cannot move from ${from} to ${to}; from ${from} it may go to ${LEGAL_MOVES[from].join(', ')}`);
  }
  if (!STATUS_ALLOWS[version.status].includes(to)) {
    return refuse(version, to, `version ${version.number} is ${version.status}; only READY versions can enter ${to}`);
  }
  if (options.role !== undefined && !roleAllows(options.role, roleRequiredForTransition(from, to))) {
    return new WardenError('FORBIDDEN', `moving version ${version.number} from ${from} to ${to} needs the admin role`, {
      details: { version: version.number, from, to },
    });
  }
  if (from === 'Production' && (options.force !== true || options.reasonGiven !== true)) {
    return new WardenError('STAGE_TRANSITION_INVALID', `version ${version.number} is the model's only Production version; moving it to ${to} leaves nothing in Production. Promote a replacement instead, or repeat with force: true and a reason (CLI: --force --reason "…")`, {
      field: options.force === true ? 'reason' : 'force',
      details: { version: version.number, from, to, status: version.status },
    });
  }
  const changes: PlannedTransition[] = [];
  if (to === 'Production') {
    for (const sibling of siblings) {
      if (sibling.id === version.id || sibling.stage !== 'Production') continue;
      changes.push({
        id: options.ids(),
        versionId: sibling.id,
        versionNumber: sibling.number,
        from: 'Production',
        to: 'Archived',
        actor: options.actor,
        reason: `superseded by version ${version.number} entering Production`,
        at: options.now,
      });
    }
  }
  changes.push({ id: options.ids(), versionId: version.id, versionNumber: version.number, from, to, actor: options.actor, reason: options.reason, at: options.now });
  return { modelId: version.modelId, changes };
}

function refuse(version: TransitionSubject, to: Stage, message: string): WardenError {
  return new WardenError('STAGE_TRANSITION_INVALID', message, { field: 'stage', details: { version: version.number, from: version.stage, to, status: version.status } });
}

/**
 * The role a caller needs for a move: editors stage between None and Staging; anything that
 * touches Production or Archived (deploy, demote, archive, restore) needs an admin.
 */
export function roleRequiredForTransition(from: Stage, to: Stage): Role {
  const editorStages: readonly Stage[] = ['None', 'Staging'];
  return editorStages.includes(from) && editorStages.includes(to) ? 'editor' : 'admin';
}

/**
 * Status moves after registration: a PENDING version becomes READY (its artifact is in place) or
 * FAILED; READY and FAILED are final. Returns an error (VERSION_CONFLICT) for any other move.
 */
export function checkStatusChange(version: Pick<ModelVersion, 'number' | 'status'>, next: VersionStatus): WardenError | null {
  if (version.status === next) return null;
  if (version.status === 'PENDING') return null;
  return new WardenError('VERSION_CONFLICT', `version ${version.number} is ${version.status}, which is final; register a new version instead`, {
    field: 'status',
    details: { version: version.number, from: version.status, to: next },
  });
}

/** The artifact digest is written once: set when null, never changed afterwards. */
export function checkArtifactDigestChange(version: Pick<ModelVersion, 'number' | 'artifactDigest'>, next: string): WardenError | null {
  if (version.artifactDigest === null || version.artifactDigest === next) return null;
  return new WardenError('VERSION_CONFLICT', `version ${version.number} already has artifact ${version.artifactDigest}; an artifact never changes after registration`, {
    field: 'artifactDigest',
  });
}
