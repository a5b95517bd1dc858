import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { WardenError } from '../../domain/errors.js';
import type {
  AppliedTransition,
  LockedModel,
  ModelChanges,
  ModelQuery,
  NewModel,
  RegistryStore,
  TransitionFacts,
  TransitionQuery,
  VersionFacts,
  VersionPlan,
  VersionRequest,
  VersionUpdatePlan,
} from '../../domain/ports/registry-store.js';
import type { AutoStagePolicy } from '../../domain/registry/auto-stage.js';
import type { ModelAlias, ModelVersion, Page, RegisteredModel, StageTransition } from '../../domain/registry/entities.js';
import type { LineageFacts } from '../../domain/registry/lineage.js';
import { formatVersionRef, type VersionRef } from '../../domain/registry/names.js';
import type { SemverPoint } from '../../domain/registry/semver.js';
import type { PlannedTransition, TransitionPlan } from '../../domain/registry/transitions.js';
import { modelPageToken, versionPageToken, type VersionFilter } from '../../domain/registry/version-filter.js';
import type { Stage, VersionStatus } from '../../domain/registry/vocabulary.js';
import type { SqlDatabase, SqlDialect } from './database.js';
import type { DatabaseSchema } from './schema.js';
import { stageChangedEvents, versionRegisteredEvents } from '../../domain/events.js';
import { recordEvents } from './sql-event-outbox.js';
import { DEFAULT_TRANSACTION_ATTEMPTS, withRetriedTransaction } from './retried-transaction.js';
import { fromJson, isForeignKeyViolation, isRetryableConflict, isUniqueViolation, toJson } from './sql-errors.js';
import type { ModelVersionRow, RegisteredModelRow, StageTransitionRow } from './tables/registry-tables.js';

type Db = Kysely<DatabaseSchema> | Transaction<DatabaseSchema>;
type VersionRowWithNames = Selectable<ModelVersionRow> & { model_name: string; parent_number: number | null };

/** Guards against a corrupt parent chain; real chains are far shorter. */
const MAX_LINEAGE_DEPTH = 10_000;

/** RegistryStore on Kysely: SQLite (better-sqlite3) and PostgreSQL (pg) with the same SQL. */
export class SqlRegistryStore implements RegistryStore {
  private readonly db: Kysely<DatabaseSchema>;
  private readonly dialect: SqlDialect;

  constructor(database: SqlDatabase) {
    this.db = database.db;
    this.dialect = database.dialect;
  }

  // ---------------------------------------------------------------- models

  async createModel(model: NewModel): Promise<RegisteredModel> {
    const row: RegisteredModelRow = {
      id: model.id,
      name: model.name,
      task: model.task,
      description: model.description,
      tags: toJson(model.tags),
      policy: toJson(model.policy),
      recipe: model.recipe === null ? null : toJson(model.recipe),
      latest_version: 0,
      created_at: model.createdAt,
      updated_at: model.createdAt,
    };
    try {
      await this.db.insertInto('registered_models').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new WardenError('MODEL_ALREADY_EXISTS', `a model named "${model.name}" already exists; choose another name or register a version of it`, { field: 'name' });
      }
      throw error;
    }
    return toModel(row, {});
  }

  async getModel(name: string): Promise<RegisteredModel> {
    // One round trip: the model row repeated once per alias (or once, with nulls, without aliases).
    const rows = await this.db
      .selectFrom('registered_models as m')
      .leftJoin('model_aliases as a', 'a.model_id', 'm.id')
      .leftJoin('model_versions as v', 'v.id', 'a.version_id')
      .selectAll('m')
      .select(['a.alias as alias', 'v.number as alias_number'])
      .where('m.name', '=', name)
      .execute();
    const first = rows[0];
    if (first === undefined) throw modelNotFound(name);
    const aliases: Record<string, number> = {};
    for (const row of rows) if (row.alias !== null && row.alias_number !== null) aliases[row.alias] = Number(row.alias_number);
    return toModel(first, aliases);
  }

  async listModels(query: ModelQuery): Promise<Page<RegisteredModel>> {
    let q = this.db.selectFrom('registered_models').selectAll().orderBy('name').limit(query.limit + 1);
    if (query.afterName !== null) q = q.where('name', '>', query.afterName);
    const rows = await q.execute();
    // one row more than asked tells whether another page exists
    const page = rows.slice(0, query.limit);
    const aliases = await this.aliasesOfMany(page.map((r) => r.id));
    const items = page.map((r) => toModel(r, aliases.get(r.id) ?? {}));
    const last = page[page.length - 1];
    return rows.length > query.limit && last !== undefined ? { items, nextPageToken: modelPageToken(last.name) } : { items };
  }

  async updateModel(name: string, changes: ModelChanges): Promise<RegisteredModel> {
    const set: Partial<RegisteredModelRow> = { updated_at: changes.updatedAt };
    if (changes.task !== undefined) set.task = changes.task;
    if (changes.description !== undefined) set.description = changes.description;
    if (changes.tags !== undefined) set.tags = toJson(changes.tags);
    if (changes.policy !== undefined) set.policy = toJson(changes.policy);
    if (changes.recipe !== undefined) set.recipe = changes.recipe === null ? null : toJson(changes.recipe);
    const row = await this.db.updateTable('registered_models').set(set).where('name', '=', name).returningAll().executeTakeFirst();
    if (row === undefined) throw modelNotFound(name);
    return toModel(row, await this.aliasesOf(this.db, row.id));
  }

  async deleteModel(name: string, check: (production: ModelVersion | null) => void): Promise<void> {
    await this.transaction(async (trx) => {
      const model = await this.lockModel(trx, name);
      check(await this.productionOf(trx, model.id));
      try {
        await trx.deleteFrom('registered_models').where('id', '=', model.id).execute();
      } catch (error) {
        if (isForeignKeyViolation(error)) {
          throw new WardenError('VERSION_CONFLICT', `model "${name}" is still referenced (e.g. by a deployment or run); remove those first`, { cause: error });
        }
        throw error;
      }
    });
  }

  // -------------------------------------------------------------- versions

  async createVersion(request: VersionRequest, decide: (facts: VersionFacts) => VersionPlan): Promise<AppliedTransition> {
    return this.transaction(async (trx) => {
      // The counter bump is the lock: concurrent registrations of one model queue here.
      const modelRow = await trx
        .updateTable('registered_models')
        .set((eb) => ({ latest_version: eb('latest_version', '+', 1) }))
        .where('name', '=', request.model)
        .returningAll()
        .executeTakeFirst();
      if (modelRow === undefined) throw modelNotFound(request.model);
      const model = toLockedModel(modelRow);
      const number = modelRow.latest_version;
      const facts = number === 1 && request.parent === null ? null : await this.registrationFacts(trx, modelRow.id, request);
      const parent = facts?.parent ?? null;
      if (request.parent !== null && parent === null) {
        throw new WardenError('VERSION_NOT_FOUND', `model "${request.model}" has no version ${request.parent} to use as parent`, { field: 'parent' });
      }
      const plan = decide({ model, number, semverPoints: facts?.semverPoints ?? [], parent, production: facts?.production ?? null });
      const v = plan.version;
      if (v.number !== number) throw new WardenError('VERSION_CONFLICT', `version plan numbered ${v.number}, but ${number} was allocated`);
      if (plan.transitions.modelId !== modelRow.id) throw new WardenError('VERSION_CONFLICT', 'the transition plan belongs to another model');
      // Other versions move first (an archived Production version frees the one-Production slot),
      // then the new version is written directly in the stage its own changes end in.
      const own = plan.transitions.changes.filter((c) => c.versionId === v.id);
      await this.applyStageChanges(
        trx,
        modelRow.id,
        plan.transitions.changes.filter((c) => c.versionId !== v.id),
      );
      let stage: Stage = 'None';
      for (const change of own) {
        if (change.from !== stage) throw new WardenError('VERSION_CONFLICT', `the plan moves the new version from ${change.from}, but it is in ${stage}`);
        stage = change.to;
      }
      const updatedAt = own.length > 0 ? (own[own.length - 1]?.at ?? v.createdAt) : v.createdAt;
      await trx
        .insertInto('model_versions')
        .values({
          id: v.id,
          model_id: modelRow.id,
          number: v.number,
          semver: v.semver,
          major: v.major,
          minor: v.minor,
          stage,
          status: v.status,
          description: v.description,
          metrics: toJson(v.metrics),
          tags: toJson(v.tags),
          parent_version_id: v.parentVersionId,
          retraining_count: v.retrainingCount,
          dataset_digests: toJson(v.datasetDigests),
          resource_usage: toJson(v.resourceUsage),
          recipe_fingerprint: v.recipeFingerprint,
          source_run_id: v.sourceRunId,
          artifact_digest: v.artifactDigest,
          created_at: v.createdAt,
          updated_at: updatedAt,
        })
        .execute();
      const metrics = Object.entries(v.metrics).map(([key, value]) => ({ version_id: v.id, key, value }));
      if (metrics.length > 0) await trx.insertInto('model_version_metrics').values(metrics).execute();
      const tags = Object.entries(v.tags).map(([key, value]) => ({ version_id: v.id, key, value }));
      if (tags.length > 0) await trx.insertInto('model_version_tags').values(tags).execute();
      const transitions = await this.appendHistory(trx, modelRow.id, plan.transitions.changes);
      const version: ModelVersion = {
        id: v.id,
        modelId: modelRow.id,
        model: modelRow.name,
        number: v.number,
        semver: v.semver,
        major: v.major,
        minor: v.minor,
        stage,
        status: v.status,
        description: v.description,
        metrics: v.metrics,
        tags: v.tags,
        parentVersion: parent?.number ?? null,
        retrainingCount: v.retrainingCount,
        datasetDigests: v.datasetDigests,
        resourceUsage: v.resourceUsage,
        recipeFingerprint: v.recipeFingerprint,
        sourceRunId: v.sourceRunId,
        artifactDigest: v.artifactDigest,
        createdAt: v.createdAt,
        updatedAt,
      };
      await recordEvents(trx, this.dialect, versionRegisteredEvents(version, transitions));
      return { version, transitions };
    });
  }

  async getVersion(model: string, ref: VersionRef): Promise<ModelVersion> {
    const row = await this.versionQuery(this.db).where('m.name', '=', model).where((eb) => refCondition(eb, ref)).executeTakeFirst();
    if (row !== undefined) return toVersion(row);
    await this.modelIdOf(this.db, model);
    throw versionNotFound(model, ref);
  }

  async searchVersions(model: string, filter: VersionFilter): Promise<Page<ModelVersion>> {
    const modelId = await this.modelIdOf(this.db, model);
    let q = this.versionQuery(this.db).where('v.model_id', '=', modelId);
    if (filter.stages.length > 0) q = q.where('v.stage', 'in', [...filter.stages]);
    for (const tag of filter.tags) {
      q = q.where(({ exists, selectFrom }) =>
        exists(selectFrom('model_version_tags as t').select('t.key').whereRef('t.version_id', '=', 'v.id').where('t.key', '=', tag.key).where('t.value', '=', tag.value)),
      );
    }
    for (const condition of filter.metrics) {
      q = q.where(({ exists, selectFrom }) =>
        exists(
          selectFrom('model_version_metrics as mm')
            .select('mm.key')
            .whereRef('mm.version_id', '=', 'v.id')
            .where('mm.key', '=', condition.key)
            .where('mm.value', condition.comparison, condition.value),
        ),
      );
    }
    if (filter.beforeNumber !== null) q = q.where('v.number', '<', filter.beforeNumber);
    const rows = await q.orderBy('v.number', 'desc').limit(filter.limit + 1).execute();
    // one row more than asked tells whether another page exists
    const items = rows.slice(0, filter.limit).map(toVersion);
    const last = items[items.length - 1];
    return rows.length > filter.limit && last !== undefined ? { items, nextPageToken: versionPageToken(last.number) } : { items };
  }

  // ----------------------------------------------------------- transitions

  async applyTransition(model: string, ref: VersionRef, decide: (facts: TransitionFacts) => TransitionPlan): Promise<AppliedTransition> {
    return this.transaction(async (trx) => {
      const facts = await this.lockedFacts(trx, model, ref);
      const plan = decide(facts);
      const transitions = await this.applyPlan(trx, facts.model.id, plan);
      await recordEvents(trx, this.dialect, stageChangedEvents(facts.model.name, transitions));
      let after = facts.version;
      for (const change of plan.changes) if (change.versionId === after.id) after = { ...after, stage: change.to, updatedAt: change.at };
      return { version: after, transitions };
    });
  }

  async updateVersion(model: string, ref: VersionRef, decide: (facts: TransitionFacts) => VersionUpdatePlan): Promise<AppliedTransition> {
    return this.transaction(async (trx) => {
      const facts = await this.lockedFacts(trx, model, ref);
      const plan = decide(facts);
      const c = plan.changes;
      const set: Partial<ModelVersionRow> = { updated_at: c.updatedAt };
      if (c.status !== undefined) set.status = c.status;
      if (c.description !== undefined) set.description = c.description;
      if (c.tags !== undefined) set.tags = toJson(c.tags);
      if (c.artifactDigest !== undefined) set.artifact_digest = c.artifactDigest;
      await trx.updateTable('model_versions').set(set).where('id', '=', facts.version.id).execute();
      if (c.tags !== undefined) {
        await trx.deleteFrom('model_version_tags').where('version_id', '=', facts.version.id).execute();
        const tags = Object.entries(c.tags).map(([key, value]) => ({ version_id: facts.version.id, key, value }));
        if (tags.length > 0) await trx.insertInto('model_version_tags').values(tags).execute();
      }
      const transitions = await this.applyPlan(trx, facts.model.id, plan.transitions);
      await recordEvents(trx, this.dialect, stageChangedEvents(facts.model.name, transitions));
      let after: ModelVersion = {
        ...facts.version,
        ...(c.status !== undefined ? { status: c.status } : {}),
        ...(c.description !== undefined ? { description: c.description } : {}),
        ...(c.tags !== undefined ? { tags: c.tags } : {}),
        ...(c.artifactDigest !== undefined ? { artifactDigest: c.artifactDigest } : {}),
        updatedAt: c.updatedAt,
      };
      for (const change of plan.transitions.changes) if (change.versionId === after.id) after = { ...after, stage: change.to, updatedAt: change.at };
      return { version: after, transitions };
    });
  }

  /** Locks the model, then reads the version `ref` names and the current Production version. */
  private async lockedFacts(trx: Transaction<DatabaseSchema>, model: string, ref: VersionRef): Promise<TransitionFacts> {
    const locked = await this.lockModel(trx, model);
    // Aliases resolve to a number first (rare); then the version and the current Production
    // version come back in one round trip.
    let exact: VersionRef = ref;
    if (ref.kind === 'alias') {
      const aliased = await this.findVersion(trx, locked.id, ref);
      if (aliased === null) throw versionNotFound(model, ref);
      exact = { kind: 'number', number: aliased.number };
    }
    const rows = (
      await this.versionQuery(trx)
        .where((eb) => {
          const probe = () => eb.selectFrom('model_versions as x').select('x.id').where('x.model_id', '=', locked.id).limit(1);
          const target =
            exact.kind === 'number' ? probe().where('x.number', '=', exact.number) : exact.kind === 'semver' ? probe().where('x.major', '=', exact.major).where('x.minor', '=', exact.minor) : probe();
          return eb('v.id', 'in', [target, probe().where('x.stage', '=', 'Production')]);
        })
        .execute()
    ).map(toVersion);
    const version = rows.find((v) => (exact.kind === 'number' ? v.number === exact.number : exact.kind === 'semver' && v.major === exact.major && v.minor === exact.minor));
    if (version === undefined) throw versionNotFound(model, ref);
    return { model: toLockedModel(locked), version, production: rows.find((v) => v.stage === 'Production') ?? null };
  }

  /** Applies a plan of this model: stage changes, then their history records. */
  private async applyPlan(trx: Transaction<DatabaseSchema>, modelId: string, plan: TransitionPlan): Promise<StageTransition[]> {
    if (plan.modelId !== modelId) throw new WardenError('VERSION_CONFLICT', 'the transition plan belongs to another model');
    await this.applyStageChanges(trx, modelId, plan.changes);
    return this.appendHistory(trx, modelId, plan.changes);
  }

  async listTransitions(model: string, query: TransitionQuery): Promise<Page<StageTransition>> {
    const modelId = await this.modelIdOf(this.db, model);
    let q = this.db
      .selectFrom('stage_transitions as s')
      .innerJoin('model_versions as v', 'v.id', 's.version_id')
      .selectAll('s')
      .select('v.number as version_number')
      .where('s.model_id', '=', modelId);
    if (query.version !== undefined) {
      const version = await this.findVersion(this.db, modelId, query.version);
      if (version === null) throw versionNotFound(model, query.version);
      q = q.where('s.version_id', '=', version.id);
    }
    if (query.afterSeq !== null) q = q.where('s.seq', '>', query.afterSeq);
    const rows = await q.orderBy('s.seq').limit(query.limit + 1).execute();
    const items = rows.slice(0, query.limit).map(toTransition);
    const last = items[items.length - 1];
    return rows.length > query.limit && last !== undefined ? { items, nextPageToken: `s${last.seq}` } : { items };
  }

  // --------------------------------------------------------------- aliases

  async setAlias(model: string, alias: string, ref: VersionRef, now: number): Promise<ModelAlias> {
    return this.transaction(async (trx) => {
      const modelId = await this.modelIdOf(trx, model);
      const version = await this.findVersion(trx, modelId, ref);
      if (version === null) throw versionNotFound(model, ref);
      await trx
        .insertInto('model_aliases')
        .values({ model_id: modelId, alias, version_id: version.id, updated_at: now })
        .onConflict((oc) => oc.columns(['model_id', 'alias']).doUpdateSet({ version_id: version.id, updated_at: now }))
        .execute();
      return { model, alias, version: version.number, updatedAt: now };
    });
  }

  async deleteAlias(model: string, alias: string): Promise<void> {
    const modelId = await this.modelIdOf(this.db, model);
    const result = await this.db.deleteFrom('model_aliases').where('model_id', '=', modelId).where('alias', '=', alias).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw new WardenError('ALIAS_NOT_FOUND', `model "${model}" has no alias "${alias}"`, { field: 'alias' });
  }

  // --------------------------------------------------------------- lineage

  async lineageFacts(model: string, ref: VersionRef): Promise<LineageFacts> {
    const version = await this.getVersion(model, ref);
    const chain = await sql<{ id: string }>`
      WITH RECURSIVE chain(id, depth) AS (
        SELECT parent_version_id, 1 FROM model_versions WHERE id = ${version.id}
        UNION ALL
        SELECT v.parent_version_id, c.depth + 1 FROM model_versions v INNER JOIN chain c ON v.id = c.id
        WHERE c.depth < ${MAX_LINEAGE_DEPTH}
      )
      SELECT id FROM chain WHERE id IS NOT NULL`.execute(this.db);
    const ancestorIds = chain.rows.map((r) => r.id);
    const ancestors = ancestorIds.length === 0 ? [] : (await this.versionQuery(this.db).where('v.id', 'in', ancestorIds).execute()).map(toVersion);
    const children = (await this.versionQuery(this.db).where('v.parent_version_id', '=', version.id).orderBy('v.number').execute()).map(toVersion);
    const transitionRows = await this.db
      .selectFrom('stage_transitions as s')
      .innerJoin('model_versions as v', 'v.id', 's.version_id')
      .selectAll('s')
      .select('v.number as version_number')
      .where('s.version_id', 'in', [version.id, ...ancestorIds])
      .orderBy('s.seq')
      .execute();
    return { version, ancestors, children, transitions: transitionRows.map(toTransition) };
  }

  async statusFacts(): Promise<{ models: RegisteredModel[]; versions: ModelVersion[] }> {
    const modelRows = await this.db.selectFrom('registered_models').selectAll().orderBy('name').execute();
    const aliases = await this.aliasesOfMany(null);
    const versionRows = await this.versionQuery(this.db).orderBy('m.name').orderBy('v.number', 'desc').execute();
    return { models: modelRows.map((r) => toModel(r, aliases.get(r.id) ?? {})), versions: versionRows.map(toVersion) };
  }

  // -------------------------------------------------------------- internal

  /**
   * Runs `fn` in a transaction retried on write conflicts, and turns leftover driver
   * constraint and conflict errors into VERSION_CONFLICT.
   */
  private async transaction<T>(fn: (trx: Transaction<DatabaseSchema>) => Promise<T>): Promise<T> {
    try {
      return await withRetriedTransaction(this.db, fn);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new WardenError('VERSION_CONFLICT', 'the model changed concurrently in a way that conflicts with this change; retry', { cause: error });
      }
      if (isRetryableConflict(error)) {
        throw new WardenError('VERSION_CONFLICT', `the model is too busy: the change conflicted ${DEFAULT_TRANSACTION_ATTEMPTS} times; retry later`, { cause: error });
      }
      throw error;
    }
  }

  /** Locks the model row until the transaction ends and returns it. */
  private async lockModel(trx: Transaction<DatabaseSchema>, name: string): Promise<Selectable<RegisteredModelRow>> {
    const row = await this.dialect.lockRow(trx, 'registered_models', 'name', name);
    if (row === undefined) throw modelNotFound(name);
    return row;
  }

  /** Applies stage changes in order; each must find its version in the stage it starts from. */
  private async applyStageChanges(trx: Transaction<DatabaseSchema>, modelId: string, changes: readonly PlannedTransition[]): Promise<void> {
    for (const change of changes) {
      if (change.from === change.to) continue;
      const result = await trx
        .updateTable('model_versions')
        .set({ stage: change.to, updated_at: change.at })
        .where('id', '=', change.versionId)
        .where('model_id', '=', modelId)
        .where('stage', '=', change.from)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) {
        throw new WardenError('VERSION_CONFLICT', `version ${change.versionNumber} is no longer in ${change.from}; reload and retry`);
      }
    }
  }

  /** Appends one history record per change, numbered after the model's last seq (the model is locked). */
  private async appendHistory(trx: Transaction<DatabaseSchema>, modelId: string, changes: readonly PlannedTransition[]): Promise<StageTransition[]> {
    if (changes.length === 0) return [];
    const top = await trx.selectFrom('stage_transitions').select((eb) => eb.fn.max('seq').as('seq')).where('model_id', '=', modelId).executeTakeFirst();
    const base = Number(top?.seq ?? 0);
    const rows: StageTransitionRow[] = changes.map((c, i) => ({
      id: c.id,
      seq: base + i + 1,
      model_id: modelId,
      version_id: c.versionId,
      from_stage: c.from,
      to_stage: c.to,
      actor: c.actor,
      reason: c.reason,
      created_at: c.at,
    }));
    await trx.insertInto('stage_transitions').values(rows).execute();
    return rows.map((r, i) => toTransition({ ...r, version_number: changes[i]?.versionNumber ?? 0 }));
  }

  private versionQuery(db: Db) {
    return db
      .selectFrom('model_versions as v')
      .innerJoin('registered_models as m', 'm.id', 'v.model_id')
      .leftJoin('model_versions as p', 'p.id', 'v.parent_version_id')
      .selectAll('v')
      .select(['m.name as model_name', 'p.number as parent_number']);
  }

  private async findVersion(db: Db, modelId: string, ref: VersionRef): Promise<ModelVersion | null> {
    const row = await this.versionQuery(db).where('v.model_id', '=', modelId).where((eb) => refCondition(eb, ref)).executeTakeFirst();
    return row === undefined ? null : toVersion(row);
  }

  private async productionOf(db: Db, modelId: string): Promise<ModelVersion | null> {
    const row = await this.versionQuery(db).where('v.model_id', '=', modelId).where('v.stage', '=', 'Production').executeTakeFirst();
    return row === undefined ? null : toVersion(row);
  }

  private async modelIdOf(db: Db, name: string): Promise<string> {
    const row = await db.selectFrom('registered_models').select('id').where('name', '=', name).executeTakeFirst();
    if (row === undefined) throw modelNotFound(name);
    return row.id;
  }

  /**
   * The facts a registration decides on, in one round trip for the common case: the parent, the
   * Production version, the newest version of the recipe and the version with the highest semver,
   * each found by an index probe (see migration 0006), so registration stays flat as versions accumulate.
   * One more probe when the recipe's or the parent's major is not the highest one.
   */
  private async registrationFacts(
    trx: Transaction<DatabaseSchema>,
    modelId: string,
    request: VersionRequest,
  ): Promise<{ semverPoints: SemverPoint[]; parent: ModelVersion | null; production: ModelVersion | null }> {
    const fingerprint = request.recipeFingerprint;
    // Each term is an id probe, so the outer query reads at most four rows by primary key.
    const rows = (
      await this.versionQuery(trx)
        .where((eb) => {
          const probe = () => eb.selectFrom('model_versions as x').select('x.id').where('x.model_id', '=', modelId).limit(1);
          const probes = [
            probe().where('x.recipe_fingerprint', fingerprint === null ? 'is' : '=', fingerprint).orderBy('x.number', 'desc'),
            probe().orderBy('x.major', 'desc').orderBy('x.minor', 'desc'),
            probe().where('x.stage', '=', 'Production'),
          ];
          if (request.parent !== null) probes.push(probe().where('x.number', '=', request.parent));
          return eb('v.id', 'in', probes);
        })
        .execute()
    ).map(toVersion);
    const parent = request.parent === null ? null : (rows.find((v) => v.number === request.parent) ?? null);
    const production = rows.find((v) => v.stage === 'Production') ?? null;
    const points: SemverPoint[] = rows.map((v) => ({ number: v.number, major: v.major, minor: v.minor, recipeFingerprint: v.recipeFingerprint }));
    const topMajor = Math.max(0, ...points.map((p) => p.major));
    const sameRecipe = points.filter((p) => p.recipeFingerprint === fingerprint).sort((a, b) => b.number - a.number)[0];
    const majors = new Set([sameRecipe?.major, parent?.major].filter((m): m is number => m !== undefined && m !== topMajor));
    for (const major of majors) {
      const top = await trx
        .selectFrom('model_versions')
        .select(['number', 'major', 'minor', 'recipe_fingerprint'])
        .where('model_id', '=', modelId)
        .where('major', '=', major)
        .orderBy('minor', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (top !== undefined) points.push({ number: top.number, major: top.major, minor: top.minor, recipeFingerprint: top.recipe_fingerprint });
    }
    return { semverPoints: points, parent, production };
  }

  private async aliasesOf(db: Db, modelId: string): Promise<Record<string, number>> {
    const rows = await db
      .selectFrom('model_aliases as a')
      .innerJoin('model_versions as v', 'v.id', 'a.version_id')
      .select(['a.alias', 'v.number'])
      .where('a.model_id', '=', modelId)
      .execute();
    return Object.fromEntries(rows.map((r) => [r.alias, r.number]));
  }

  /** Aliases of the given models (all models when null), in one query. */
  private async aliasesOfMany(modelIds: readonly string[] | null): Promise<Map<string, Record<string, number>>> {
    const result = new Map<string, Record<string, number>>();
    if (modelIds !== null && modelIds.length === 0) return result;
    let q = this.db.selectFrom('model_aliases as a').innerJoin('model_versions as v', 'v.id', 'a.version_id').select(['a.model_id', 'a.alias', 'v.number']);
    if (modelIds !== null) q = q.where('a.model_id', 'in', [...modelIds]);
    for (const row of await q.execute()) {
      const aliases = result.get(row.model_id) ?? {};
      aliases[row.alias] = row.number;
      result.set(row.model_id, aliases);
    }
    return result;
  }
}

// ------------------------------------------------------------------ mapping

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the builder's type differs per query; the condition is the same
function refCondition(eb: any, ref: VersionRef) {
  if (ref.kind === 'number') return eb('v.number', '=', ref.number);
  if (ref.kind === 'semver') return eb.and([eb('v.major', '=', ref.major), eb('v.minor', '=', ref.minor)]);
  return eb(
    'v.id',
    '=',
    eb.selectFrom('model_aliases as al').select('al.version_id').whereRef('al.model_id', '=', 'v.model_id').where('al.alias', '=', ref.alias),
  );
}

function modelNotFound(name: string): WardenError {
  return new WardenError('MODEL_NOT_FOUND', `no registered model is named "${name}"; \`warden models list\` shows the models`, { field: 'model' });
}

function versionNotFound(model: string, ref: VersionRef): WardenError {
  const what = ref.kind === 'alias' ? `alias "${ref.alias}"` : `version ${formatVersionRef(ref)}`;
  return new WardenError('VERSION_NOT_FOUND', `model "${model}" has no ${what}`, { field: 'version' });
}

function toModel(row: Selectable<RegisteredModelRow>, aliases: Record<string, number>): RegisteredModel {
  return { ...toLockedModel(row), aliases };
}

function toLockedModel(row: Selectable<RegisteredModelRow>): LockedModel {
  return {
    id: row.id,
    name: row.name,
    task: row.task,
    description: row.description,
    tags: fromJson<Record<string, string>>(row.tags, {}),
    policy: fromJson<AutoStagePolicy>(row.policy, { enabled: false }),
    recipe: fromJson<Record<string, unknown> | null>(row.recipe, null),
    latestVersion: Number(row.latest_version),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toVersion(row: VersionRowWithNames): ModelVersion {
  return {
    id: row.id,
    modelId: row.model_id,
    model: row.model_name,
    number: Number(row.number),
    semver: row.semver,
    major: Number(row.major),
    minor: Number(row.minor),
    stage: row.stage as Stage,
    status: row.status as VersionStatus,
    description: row.description,
    metrics: fromJson<Record<string, number>>(row.metrics, {}),
    tags: fromJson<Record<string, string>>(row.tags, {}),
    parentVersion: row.parent_number === null ? null : Number(row.parent_number),
    retrainingCount: Number(row.retraining_count),
    datasetDigests: fromJson<string[]>(row.dataset_digests, []),
    resourceUsage: fromJson<Record<string, number>>(row.resource_usage, {}),
    recipeFingerprint: row.recipe_fingerprint,
    sourceRunId: row.source_run_id,
    artifactDigest: row.artifact_digest,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toTransition(row: Selectable<StageTransitionRow> & { version_number: number }): StageTransition {
  return {
    id: row.id,
    seq: Number(row.seq),
    modelId: row.model_id,
    versionId: row.version_id,
    versionNumber: Number(row.version_number),
    from: row.from_stage as Stage,
    to: row.to_stage as Stage,
    actor: row.actor,
    reason: row.reason,
    at: Number(row.created_at),
  };
}
