import { WardenError } from '../../domain/errors.js';
import type { OpenOptions, SqlDatabase } from './dialects/dialect.js';
import { openPostgres } from './dialects/postgres.js';
import { openSqlite } from './dialects/sqlite.js';

export type { OpenOptions, SqlDatabase, SqlDialect, SqlDialectName, SqliteSyncMode } from './dialects/dialect.js';
export { dropPostgresSchema, redactUrl } from './dialects/postgres.js';

/**
 * Opens `sqlite:<file>` (or `sqlite::memory:`) or `postgres://…`. The URL scheme picks the
 * dialect here, once; stores only ask it. The caller runs migrations.
 */
export async function openSqlDatabase(url: string, options: OpenOptions = {}): Promise<SqlDatabase> {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length), options.sqliteSync ?? 'full');
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return openPostgres(url, options);
  throw new WardenError('VALIDATION_FAILED', `unknown store URL scheme in "${url}"; valid: sqlite:, postgres://`, { field: 'WARDEN_STORE_URL' });
}
