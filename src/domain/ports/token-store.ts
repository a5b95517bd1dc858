import type { ApiToken } from '../auth.js';

/** A token as persisted: the entity plus the sha256 hex digest of its plaintext. */
export interface StoredToken extends ApiToken {
  readonly tokenHash: string;
}

/**
 * Persistence of API tokens. Implementations keep only hashes; they never see
 * a plaintext token.
 */
export interface TokenStore {
  /**
   * Saves a new token. Fails with TOKEN_NAME_TAKEN (field `name`) if an active (unrevoked)
   * token has the same name, atomically with the insert; VERSION_CONFLICT if the id or hash exists.
   */
  insert(token: StoredToken): Promise<void>;
  /** The token with this hash, revoked or not; undefined when there is none. */
  findByHash(tokenHash: string): Promise<StoredToken | undefined>;
  /** The token with this id; undefined when there is none. */
  get(id: string): Promise<ApiToken | undefined>;
  /** Every token, oldest first; revoked ones only when asked. */
  list(options?: { includeRevoked?: boolean }): Promise<ApiToken[]>;
  /**
   * Marks the token revoked at `at`. Returns false when no such token exists;
   * revoking an already revoked token keeps the first revocation time.
   */
  revoke(id: string, at: number): Promise<boolean>;
  /** Records that the token was used at `at` (best effort, for auditing). */
  touch(id: string, at: number): Promise<void>;
}
