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
import { openTestDatabase, tempDir, type TestDatabase } from './stores.js';

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
