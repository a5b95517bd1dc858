/**
 * The whole platform wired by src/main.ts `createPlatform`, on a fresh test store,
 * for API tests through `app.inject()`. Tokens for each role are issued on demand.
 *
 *   const platform = await openTestPlatform('postgres');
 *   const res = await platform.app.inject({ method: 'GET', url: '/models', headers: platform.auth('viewer') });
 *   await platform.close();
 */
import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../src/config.js';
import { createPlatform, type Platform, type PlatformOptions } from '../../src/main.js';
import type { Role } from '../../src/domain/auth.js';
import type { SqlDialectName } from '../../src/store/sql/database.js';
import { openSqlDatabase } from '../../src/store/sql/database.js';
import { dropRedisPrefix } from './redis.js';
import { TEST_REDIS_URL, openTestDatabase, tempDir, uniqueName, type TestDatabase } from './stores.js';

export interface TestPlatform extends Platform {
  readonly testDatabase: TestDatabase;
  /** The bootstrap admin token (WARDEN_ADMIN_TOKEN of the test config). */
  readonly adminToken: string;
  /** A bearer token of `role` (issued once per platform, named `test-<role>`). */
  token(role: Role): Promise<string>;
  /** `{ authorization: 'Bearer …' }` for `role`. */
  auth(role: Role): Promise<{ authorization: string }>;
}

/** Config for tests: a temporary WARDEN_HOME, a known admin token, silent logs, no background work. */
export function testConfig(env: Record<string, string> = {}): { config: Config; remove(): void } {
  const home = tempDir('warden-home-');
  const config = loadConfig({
    WARDEN_HOME: home.dir,
    WARDEN_ADMIN_TOKEN: `test-admin-${randomBytes(16).toString('hex')}`,
    WARDEN_LOG_LEVEL: 'silent',
    WARDEN_BOOTSTRAP: 'false',
    WARDEN_WORKER_CONCURRENCY: '0',
    // No scheduler: periodic jobs would show up in job lists; tests that want them add the role.
    WARDEN_ROLES: 'api,worker',
    PORT: '0',
    ...env,
  });
  return { config, remove: home.remove };
}

export async function openTestPlatform(kind: SqlDialectName, env: Record<string, string> = {}, options: Omit<PlatformOptions, 'database'> = {}): Promise<TestPlatform> {
  const testDatabase = await openTestDatabase(kind);
  const { config, remove } = testConfig(env);
  let platform: Platform;
  try {
    platform = await createPlatform(config, { ...options, database: testDatabase.database });
  } catch (error) {
    await testDatabase.cleanup();
    remove();
    throw error;
  }
  const tokens = new Map<Role, Promise<string>>();
  const token = (role: Role): Promise<string> => {
    if (role === 'admin') return Promise.resolve(config.adminToken ?? '');
    let issued = tokens.get(role);
    if (!issued) {
      issued = platform.services.auth.issue({ name: `test-${role}`, role }).then((result) => result.plaintext);
      tokens.set(role, issued);
    }
    return issued;
  };
  return {
    ...platform,
    testDatabase,
    adminToken: config.adminToken ?? '',
    token,
    auth: async (role) => ({ authorization: `Bearer ${await token(role)}` }),
    async close() {
      await platform.close();
      await testDatabase.cleanup();
      remove();
    },
  };
}

/** The queues tests run on: the in-process queue on SQLite, BullMQ on Redis with PostgreSQL (the two modes of DESIGN.md). */
export const PLATFORM_MODES = [
  { name: 'SQLite, in-process queue', kind: 'sqlite', redis: false },
  { name: 'PostgreSQL, Redis queue', kind: 'postgres', redis: true },
] as const satisfies ReadonlyArray<{ name: string; kind: SqlDialectName; redis: boolean }>;

/** openTestPlatform in one of PLATFORM_MODES: on Redis with a key prefix of its own, dropped at close. */
export async function openModePlatform(mode: (typeof PLATFORM_MODES)[number], env: Record<string, string> = {}, options: Omit<PlatformOptions, 'database'> = {}): Promise<TestPlatform> {
  if (!mode.redis) return openTestPlatform(mode.kind, env, options);
  const prefix = uniqueName('wmode');
  const platform = await openTestPlatform(mode.kind, { WARDEN_QUEUE_URL: TEST_REDIS_URL, WARDEN_QUEUE_PREFIX: prefix, ...env }, options);
  return {
    ...platform,
    async close() {
      await platform.close();
      await dropRedisPrefix(prefix);
    },
  };
}

/**
 * Another Warden process beside `first`: the same store, artifacts folder and queue, its own
 * model cache, serving state and event cursor (e.g. an API process beside the one that trains
 * and deploys). Close it before `first`.
 */
export async function openPeerPlatform(first: TestPlatform, env: Record<string, string> = {}): Promise<Platform> {
  const { url, schema } = first.testDatabase;
  const database = await openSqlDatabase(url, { ...(schema !== undefined ? { schema } : {}), poolSize: 4 });
  const { config, remove } = testConfig({
    WARDEN_ADMIN_TOKEN: first.adminToken,
    WARDEN_EVENT_SUBSCRIBER: uniqueName('peer'),
    WARDEN_ARTIFACTS_URL: first.config.artifactsUrl,
    WARDEN_QUEUE_URL: first.config.queueUrl,
    WARDEN_QUEUE_PREFIX: first.config.queuePrefix,
    ...env,
  });
  let platform: Platform;
  try {
    platform = await createPlatform(config, { database });
  } catch (error) {
    await database.close();
    remove();
    throw error;
  }
  return {
    ...platform,
    async close() {
      await platform.close();
      await database.close();
      remove();
    },
  };
}
