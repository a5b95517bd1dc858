/**
 * Who may do what. Roles are ordered: each one can do everything the roles
 * before it can. The API asks `roleAllows` once per request; nothing else
 * compares roles.
 */
import { WardenError, invalid } from './errors.js';

export const ROLES = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when a token of `role` may call an endpoint that requires `required`. */
export function roleAllows(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

/**
 * Throws FORBIDDEN naming `field` unless `actor.role` allows `required`. The services ask
 * this for what a body can smuggle past a route's role (a policy, an external recipe).
 * An actor without a role is Warden itself (a job, the bootstrap) carrying out a decision
 * that was checked when a person made it.
 */
export function requireRole(actor: { readonly name: string; readonly role?: Role }, required: Role, field: string, action: string): void {
  if (actor.role === undefined || roleAllows(actor.role, required)) return;
  throw new WardenError('FORBIDDEN', `${action} needs the ${required} role; "${actor.name}" has ${actor.role}`, { field });
}

/** An API token as the platform sees it; the plaintext is never stored, only its hash. */
export interface ApiToken {
  readonly id: string;
  /** Recorded as the actor of every change made with this token. */
  readonly name: string;
  readonly role: Role;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly revokedAt: number | null;
}

/** The caller of a request once its token has been verified. */
export interface Principal {
  readonly tokenId: string;
  readonly name: string;
  readonly role: Role;
}

/** The name the bootstrap admin token carries (and the actor it records). */
export const BOOTSTRAP_TOKEN_NAME = 'admin';

const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** Checks a token name: 1–64 characters, letters, digits and `._@-`, not starting with punctuation. */
export function validateTokenName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || !TOKEN_NAME.test(name)) {
    throw invalid(field, 'token name must be 1-64 characters of letters, digits, ".", "_", "@" or "-", starting with a letter or digit');
  }
  return name;
}

/** TOKEN_NAME_TAKEN for `name`: one wording for the service's check and the store's unique index. */
export function tokenNameTaken(name: string, cause?: unknown): WardenError {
  return new WardenError('TOKEN_NAME_TAKEN', `an active token is already named "${name}"; choose another name or revoke that token first`, {
    field: 'name',
    ...(cause !== undefined ? { cause } : {}),
  });
}

export function validateRole(role: unknown, field = 'role'): Role {
  if (!isRole(role)) throw invalid(field, `role must be one of ${ROLES.join(', ')}`);
  return role;
}
