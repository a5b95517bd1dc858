import { WardenError } from '../../domain/errors.js';
import { isRole, tokenNameTaken, type ApiToken } from '../../domain/auth.js';
import type { StoredToken, TokenStore } from '../../domain/ports/token-store.js';
import type { SqlDatabase } from './database.js';
import type { ApiTokenRow } from './tables/registry-tables.js';
import { isUniqueViolation } from './sql-errors.js';

function toToken(row: ApiTokenRow): ApiToken {
  if (!isRole(row.role)) {
    throw new WardenError('INTERNAL', `api_tokens row ${row.id} has an unknown role "${row.role}"`);
  }
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

/** The partial unique index on active names (0008): PostgreSQL names the constraint, SQLite the column. */
function violatesActiveName(error: unknown): boolean {
  const { constraint, message } = error as { constraint?: unknown; message?: unknown };
  return constraint === 'api_tokens_active_name' || (typeof message === 'string' && message.includes('api_tokens.name'));
}

/** TokenStore on the `api_tokens` table (SQLite and PostgreSQL). */
export class SqlTokenStore implements TokenStore {
  constructor(private readonly database: SqlDatabase) {}

  async insert(token: StoredToken): Promise<void> {
    try {
      await this.database.db
        .insertInto('api_tokens')
        .values({
          id: token.id,
          name: token.name,
          role: token.role,
          token_hash: token.tokenHash,
          created_at: token.createdAt,
          last_used_at: token.lastUsedAt,
          revoked_at: token.revokedAt,
        })
        .execute();
    } catch (error) {
      if (isUniqueViolation(error) && violatesActiveName(error)) {
        throw tokenNameTaken(token.name, error);
      }
      if (isUniqueViolation(error)) {
        throw new WardenError('VERSION_CONFLICT', 'a token with this id or value already exists', { cause: error });
      }
      throw error;
    }
  }

  async findByHash(tokenHash: string): Promise<StoredToken | undefined> {
    const row = await this.database.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return row ? { ...toToken(row), tokenHash: row.token_hash } : undefined;
  }

  async get(id: string): Promise<ApiToken | undefined> {
    const row = await this.database.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toToken(row) : undefined;
  }

  async list(options: { includeRevoked?: boolean } = {}): Promise<ApiToken[]> {
    let query = this.database.db.selectFrom('api_tokens').selectAll();
    if (!options.includeRevoked) query = query.where('revoked_at', 'is', null);
    const rows = await query.orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
    return rows.map(toToken);
  }

  async revoke(id: string, at: number): Promise<boolean> {
    const db = this.database.db;
    // Only the first revocation counts; a second call leaves the time alone.
    await db.updateTable('api_tokens').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
    const row = await db.selectFrom('api_tokens').select('id').where('id', '=', id).executeTakeFirst();
    return row !== undefined;
  }

  async touch(id: string, at: number): Promise<void> {
    await this.database.db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  }
}
