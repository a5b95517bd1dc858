/** `warden db migrate`: the schema brought up to date without starting anything else. */
import type { Config } from '../config.js';
import { openSqlDatabase, redactUrl } from '../store/sql/database.js';
import { migrateToLatest } from '../store/sql/migrations/index.js';

/** Applies pending migrations to config.storeUrl and closes the connection. */
export async function migrateStore(config: Config): Promise<{ store: string; applied: string[] }> {
  const database = await openSqlDatabase(config.storeUrl, { sqliteSync: config.sqliteSync });
  try {
    return { store: redactUrl(config.storeUrl), applied: await migrateToLatest(database) };
  } finally {
    await database.close();
  }
}
