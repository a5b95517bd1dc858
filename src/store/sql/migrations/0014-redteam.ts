import type { Kysely, Migration } from 'kysely';

// Migrations take Kysely<any>: they describe past schemas, not the current type.
/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * The red team: campaigns (stored whole, with the columns lists filter on), the vulnerability
 * ledger (unique per task and signature, so a finding is recorded once however many
 * campaigns or processes find it), which versions each vulnerability evades, the retrain
 * triggers that claim vulnerabilities, which versions trained on them, and one row per task
 * that claims lock (so two processes never claim one vulnerability twice).
 */
export const redteamMigration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('redteam_campaigns')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('job_id', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('task', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('verdict', 'text')
      .addColumn('document', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('redteam_campaigns_created').on('redteam_campaigns').columns(['created_at', 'id']).execute();
    await db.schema.createIndex('redteam_campaigns_model').on('redteam_campaigns').columns(['model', 'created_at', 'id']).execute();
    await db.schema.createIndex('redteam_campaigns_job').on('redteam_campaigns').column('job_id').unique().execute();

    await db.schema
      .createTable('vulnerabilities')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('task', 'text', (c) => c.notNull())
      .addColumn('signature', 'text', (c) => c.notNull())
      .addColumn('original', 'text', (c) => c.notNull())
      .addColumn('adversarial', 'text', (c) => c.notNull())
      .addColumn('chain', 'text', (c) => c.notNull())
      .addColumn('attack', 'text', (c) => c.notNull())
      .addColumn('family', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('score', 'double precision', (c) => c.notNull())
      .addColumn('campaign_id', 'text', (c) => c.notNull())
      .addColumn('trigger_id', 'text')
      .addColumn('used_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('vulnerabilities_signature').on('vulnerabilities').columns(['task', 'signature']).unique().execute();
    await db.schema.createIndex('vulnerabilities_task_trigger').on('vulnerabilities').columns(['task', 'trigger_id']).execute();
    await db.schema.createIndex('vulnerabilities_created').on('vulnerabilities').columns(['created_at', 'id']).execute();
    await db.schema.createIndex('vulnerabilities_campaign').on('vulnerabilities').column('campaign_id').execute();

    await db.schema
      .createTable('vulnerability_evasions')
      .addColumn('vulnerability_id', 'text', (c) => c.notNull().references('vulnerabilities.id').onDelete('cascade'))
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('score', 'double precision', (c) => c.notNull())
      .addColumn('campaign_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('vulnerability_evasions_pk', ['vulnerability_id', 'model', 'version'])
      .execute();

    await db.schema
      .createTable('vulnerability_triggers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('task', 'text', (c) => c.notNull())
      .addColumn('vulnerabilities', 'integer', (c) => c.notNull())
      .addColumn('threshold', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('vulnerability_uses')
      .addColumn('vulnerability_id', 'text', (c) => c.notNull().references('vulnerabilities.id').onDelete('cascade'))
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('trigger_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('vulnerability_uses_pk', ['vulnerability_id', 'model', 'version'])
      .execute();
    await db.schema.createIndex('vulnerability_uses_version').on('vulnerability_uses').columns(['model', 'version']).execute();

    await db.schema
      .createTable('redteam_tasks')
      .addColumn('task', 'text', (c) => c.primaryKey())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
