import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { WardenError, isWardenError } from '../domain/errors.js';
import {
  BOOTSTRAP_TOKEN_NAME,
  tokenNameTaken,
  validateRole,
  validateTokenName,
  type ApiToken,
  type Principal,
  type Role,
} from '../domain/auth.js';
import type { Clock, IdGenerator } from '../domain/ports/clock.js';
import type { TokenStore } from '../domain/ports/token-store.js';

const TOKEN_PREFIX = 'wdn_';
/** last_used_at is refreshed at most this often per token, so reads stay reads. */
const TOUCH_INTERVAL_MS = 60_000;
/** Longer bearer values are rejected before hashing. */
const MAX_TOKEN_LENGTH = 512;
/**
 * A verified viewer or editor token is trusted for this long without asking the store
 * again, which saves a query on every request. Revocations through this service clear the
 * cache at once; a revocation made by another process is seen within this time. Admin
 * tokens are never cached: every admin call is checked against the store, so a revoked
 * admin token cannot mint a new one on another process in the meantime.
 */
export const TOKEN_CACHE_TTL_MS = 5_000;
const TOKEN_CACHE_MAX_ENTRIES = 1_000;

export function hashToken(plaintext: string): string {
  return createHash('sha256').update(plaintext, 'utf8').digest('hex');
}

/** A new token: 32 random bytes (256 bits), URL-safe, with a recognisable prefix. */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** `admin`, unless an active (non-admin) token already holds that name: names are unique among active tokens. */
function bootstrapName(active: readonly ApiToken[]): string {
  if (!active.some((token) => token.name === BOOTSTRAP_TOKEN_NAME)) return BOOTSTRAP_TOKEN_NAME;
  return `${BOOTSTRAP_TOKEN_NAME}-${randomBytes(4).toString('hex')}`;
}

export interface IssuedToken {
  readonly token: ApiToken;
  /** Shown once; only its hash is kept. */
  readonly plaintext: string;
}

export interface AuthServiceDeps {
  readonly tokens: TokenStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

/** Issues, verifies and revokes bearer tokens. */
export class AuthService {
  private readonly verified = new Map<string, { readonly principal: Principal; readonly expiresAt: number }>();

  constructor(private readonly deps: AuthServiceDeps) {}

  /** Issues a token with `role`; the plaintext is returned here and never again. */
  async issue(input: { name: unknown; role: unknown }): Promise<IssuedToken> {
    const name = validateTokenName(input.name);
    const role = validateRole(input.role);
    // The name is the actor in every history: unique among active tokens (the store's index settles races).
    if ((await this.deps.tokens.list()).some((token) => token.name === name)) throw tokenNameTaken(name);
    return this.insert(name, role, generateToken());
  }

  /**
   * The principal behind a bearer value. Throws UNAUTHENTICATED for an unknown,
   * malformed or revoked token (one message for all, so callers learn nothing).
   */
  async verify(plaintext: string | undefined): Promise<Principal> {
    if (plaintext === undefined || plaintext === '') {
      throw new WardenError('UNAUTHENTICATED', 'missing bearer token: send "Authorization: Bearer <token>"');
    }
    // Built only when thrown: an Error captures a stack trace, a cost every accepted request paid before.
    const rejected = () => new WardenError('UNAUTHENTICATED', 'invalid or revoked token');
    if (plaintext.length > MAX_TOKEN_LENGTH) throw rejected();
    const hash = hashToken(plaintext);
    const now = this.deps.clock.now();
    const cached = this.verified.get(hash);
    if (cached && cached.expiresAt > now && cached.principal.role !== 'admin') return cached.principal;
    const stored = await this.deps.tokens.findByHash(hash);
    if (!stored || stored.revokedAt !== null) throw rejected();
    // The lookup already matched on the hash; the constant-time compare guards adapters that match loosely.
    if (!timingSafeEqual(Buffer.from(stored.tokenHash, 'hex'), Buffer.from(hash, 'hex'))) throw rejected();
    if (stored.lastUsedAt === null || now - stored.lastUsedAt >= TOUCH_INTERVAL_MS) {
      await this.deps.tokens.touch(stored.id, now);
    }
    const principal: Principal = { tokenId: stored.id, name: stored.name, role: stored.role };
    if (principal.role !== 'admin') {
      if (this.verified.size >= TOKEN_CACHE_MAX_ENTRIES) this.verified.clear();
      this.verified.set(hash, { principal, expiresAt: now + TOKEN_CACHE_TTL_MS });
    }
    return principal;
  }

  async list(options: { includeRevoked?: boolean } = {}): Promise<ApiToken[]> {
    return this.deps.tokens.list(options);
  }

  /** Revokes a token; its holder is refused from the next request on. */
  async revoke(id: string): Promise<ApiToken> {
    const found = await this.deps.tokens.revoke(id, this.deps.clock.now());
    this.verified.clear();
    const token = found ? await this.deps.tokens.get(id) : undefined;
    if (!token) throw new WardenError('TOKEN_NOT_FOUND', `no token with id "${id}"; list them with \`warden token list\``, { field: 'id' });
    return token;
  }

  /**
   * Makes sure an admin can get in. With `configured` (WARDEN_ADMIN_TOKEN), that
   * value becomes the bootstrap admin token (a previous bootstrap token is revoked).
   * Without it, a token is generated only when no active admin token exists — on
   * the first start — and its plaintext is returned so the caller can save and
   * print it once. Returns undefined when nothing was generated.
   * Processes of a new cluster starting at once race to insert it: the losers' inserts
   * conflict (same value or name), and looking again finds the winner's token.
   */
  async ensureBootstrapAdmin(configured: string | undefined): Promise<string | undefined> {
    try {
      return await this.bootstrapAdminOnce(configured);
    } catch (error) {
      if (!isWardenError(error) || (error.code !== 'VERSION_CONFLICT' && error.code !== 'TOKEN_NAME_TAKEN')) throw error;
      return this.bootstrapAdminOnce(configured);
    }
  }

  private async bootstrapAdminOnce(configured: string | undefined): Promise<string | undefined> {
    const active = await this.deps.tokens.list();
    if (configured !== undefined) {
      const existing = await this.deps.tokens.findByHash(hashToken(configured));
      if (existing && existing.revokedAt === null && existing.role === 'admin') return undefined;
      if (existing) {
        throw new WardenError('VERSION_CONFLICT', 'WARDEN_ADMIN_TOKEN matches a revoked or non-admin token; choose another value', {
          field: 'WARDEN_ADMIN_TOKEN',
        });
      }
      const now = this.deps.clock.now();
      const revoked = new Set<string>();
      for (const token of active) {
        if (token.name === BOOTSTRAP_TOKEN_NAME && token.role === 'admin') {
          await this.deps.tokens.revoke(token.id, now);
          revoked.add(token.id);
        }
      }
      this.verified.clear();
      await this.insert(bootstrapName(active.filter((token) => !revoked.has(token.id))), 'admin', configured);
      return undefined;
    }
    if (active.some((token) => token.role === 'admin')) return undefined;
    const plaintext = generateToken();
    await this.insert(bootstrapName(active), 'admin', plaintext);
    return plaintext;
  }

  private async insert(name: string, role: Role, plaintext: string): Promise<IssuedToken> {
    const token: ApiToken = { id: this.deps.ids.next(), name, role, createdAt: this.deps.clock.now(), lastUsedAt: null, revokedAt: null };
    await this.deps.tokens.insert({ ...token, tokenHash: hashToken(plaintext) });
    return { token, plaintext };
  }
}
