import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AuthService, TOKEN_CACHE_TTL_MS, hashToken } from '../../src/services/auth-service.js';
import { SqlTokenStore } from '../../src/store/sql/sql-token-store.js';
import { randomIds } from '../../src/system/clock.js';
import { WardenError } from '../../src/domain/errors.js';
import { openSqlDatabase, type SqlDatabase } from '../../src/store/sql/database.js';
import { STORE_KINDS, openTestDatabase, type TestDatabase } from '../support/stores.js';

const code = (expected: string) => (e: unknown) => e instanceof WardenError && e.code === expected;

describe('AuthService', () => {
  let test: TestDatabase;
  let now = 1_700_000_000_000;
  const clock = { now: () => now };
  const service = () => new AuthService({ tokens: new SqlTokenStore(test.database), clock, ids: randomIds });

  before(async () => {
    test = await openTestDatabase('sqlite');
  });
  after(async () => test.cleanup());

  it('issues a high-entropy token once, stores only its hash, and verifies it', async () => {
    const auth = service();
    const issued = await auth.issue({ name: 'ci', role: 'editor' });
    assert.match(issued.plaintext, /^wdn_[A-Za-z0-9_-]{43}$/);
    const rows = await test.database.db.selectFrom('api_tokens').selectAll().where('id', '=', issued.token.id).execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.token_hash, hashToken(issued.plaintext));
    assert.ok(!JSON.stringify(rows).includes(issued.plaintext.slice(4)), 'plaintext is not stored');
    assert.deepEqual(await auth.verify(issued.plaintext), { tokenId: issued.token.id, name: 'ci', role: 'editor' });
  });

  it('rejects missing, unknown, oversized and revoked tokens as UNAUTHENTICATED', async () => {
    const auth = service();
    const issued = await auth.issue({ name: 'gone', role: 'admin' });
    await assert.rejects(auth.verify(undefined), code('UNAUTHENTICATED'));
    await assert.rejects(auth.verify(''), code('UNAUTHENTICATED'));
    await assert.rejects(auth.verify(`${issued.plaintext}x`), code('UNAUTHENTICATED'));
    await assert.rejects(auth.verify('x'.repeat(10_000)), code('UNAUTHENTICATED'));
    const revoked = await auth.revoke(issued.token.id);
    assert.equal(revoked.revokedAt, now);
    await assert.rejects(auth.verify(issued.plaintext), code('UNAUTHENTICATED'));
    await assert.rejects(auth.revoke('no-such-id'), code('TOKEN_NOT_FOUND'));
  });

  it('trusts a verified token for a few seconds only: a revocation by another process is seen after the TTL', async () => {
    const auth = service();
    const issued = await auth.issue({ name: 'cached', role: 'viewer' });
    await auth.verify(issued.plaintext);
    // Another process revokes it straight in the store.
    await new SqlTokenStore(test.database).revoke(issued.token.id, now);
    assert.equal((await auth.verify(issued.plaintext)).name, 'cached', 'still within the cache TTL');
    now += TOKEN_CACHE_TTL_MS;
    await assert.rejects(auth.verify(issued.plaintext), code('UNAUTHENTICATED'));
  });

  it('never caches an admin token: a revocation by another process is seen on the next call', async () => {
    const auth = service();
    const issued = await auth.issue({ name: 'cached-admin', role: 'admin' });
    await auth.verify(issued.plaintext);
    await new SqlTokenStore(test.database).revoke(issued.token.id, now);
    await assert.rejects(auth.verify(issued.plaintext), code('UNAUTHENTICATED'));
  });

  it('forgets cached tokens at once when it revokes one itself', async () => {
    const auth = service();
    const issued = await auth.issue({ name: 'revoked-here', role: 'viewer' });
    await auth.verify(issued.plaintext);
    await auth.revoke(issued.token.id);
    await assert.rejects(auth.verify(issued.plaintext), code('UNAUTHENTICATED'));
  });

  it('validates name and role before writing anything', async () => {
    const auth = service();
    const count = async () => (await auth.list({ includeRevoked: true })).length;
    const before = await count();
    await assert.rejects(auth.issue({ name: 'ok', role: 'root' }), (e: unknown) => e instanceof WardenError && e.field === 'role');
    await assert.rejects(auth.issue({ name: '', role: 'viewer' }), (e: unknown) => e instanceof WardenError && e.field === 'name');
    assert.equal(await count(), before);
  });

  it('refreshes last use at most once a minute', async () => {
    const auth = service();
    const issued = await auth.issue({ name: 'reader', role: 'viewer' });
    const lastUsed = async () => (await auth.list()).find((t) => t.id === issued.token.id)?.lastUsedAt;
    await auth.verify(issued.plaintext);
    const first = now;
    assert.equal(await lastUsed(), first);
    now += 30_000;
    await auth.verify(issued.plaintext);
    assert.equal(await lastUsed(), first);
    now += 31_000;
    await auth.verify(issued.plaintext);
    assert.equal(await lastUsed(), now);
  });
});

describe('AuthService bootstrap admin', () => {
  let test: TestDatabase;
  const clock = { now: () => Date.now() };
  before(async () => {
    test = await openTestDatabase('sqlite');
  });
  after(async () => test.cleanup());

  it('generates an admin token on the first start only, and WARDEN_ADMIN_TOKEN replaces it', async () => {
    const auth = new AuthService({ tokens: new SqlTokenStore(test.database), clock, ids: randomIds });
    const generated = await auth.ensureBootstrapAdmin(undefined);
    assert.ok(generated);
    assert.equal((await auth.verify(generated)).role, 'admin');
    assert.equal(await auth.ensureBootstrapAdmin(undefined), undefined, 'second start generates nothing');

    const configured = 'configured-admin-token-0123456789';
    assert.equal(await auth.ensureBootstrapAdmin(configured), undefined);
    assert.equal((await auth.verify(configured)).role, 'admin');
    await assert.rejects(auth.verify(generated), code('UNAUTHENTICATED'), 'the configured token replaces the generated one');
    assert.equal(await auth.ensureBootstrapAdmin(configured), undefined, 'idempotent');
    assert.equal((await auth.list()).filter((t) => t.role === 'admin').length, 1);
  });

  it('keeps token names unique among active tokens, the bootstrap admin included', async () => {
    const fresh = await openTestDatabase('sqlite');
    try {
      const auth = new AuthService({ tokens: new SqlTokenStore(fresh.database), clock, ids: randomIds });
      // A viewer took the name "admin" before any admin token existed.
      await auth.issue({ name: 'admin', role: 'viewer' });
      await assert.rejects(auth.issue({ name: 'admin', role: 'editor' }), code('TOKEN_NAME_TAKEN'));
      const generated = await auth.ensureBootstrapAdmin(undefined);
      assert.ok(generated);
      const principal = await auth.verify(generated);
      assert.equal(principal.role, 'admin');
      assert.match(principal.name, /^admin-[0-9a-f]{8}$/);
      const names = (await auth.list()).map((t) => t.name);
      assert.equal(new Set(names).size, names.length);
    } finally {
      await fresh.cleanup();
    }
  });

  /** Four "processes" of a new cluster: each an AuthService on its own connection. */
  async function processesOn(fresh: TestDatabase, connections: SqlDatabase[]): Promise<AuthService[]> {
    const list: AuthService[] = [];
    for (let i = 0; i < 4; i++) {
      const database = await openSqlDatabase(fresh.url, fresh.schema !== undefined ? { schema: fresh.schema, poolSize: 2 } : {});
      connections.push(database);
      list.push(new AuthService({ tokens: new SqlTokenStore(database), clock, ids: randomIds }));
    }
    return list;
  }

  for (const kind of STORE_KINDS) {
    it(`several processes starting at once on an empty ${kind} store all start, with one admin token`, async () => {
      const fresh = await openTestDatabase(kind);
      const connections: SqlDatabase[] = [];
      try {
        const configured = 'configured-cluster-token-0123456789';
        const started = await Promise.all((await processesOn(fresh, connections)).map((auth) => auth.ensureBootstrapAdmin(configured)));
        assert.deepEqual(started, [undefined, undefined, undefined, undefined]);
        const auth = new AuthService({ tokens: new SqlTokenStore(fresh.database), clock, ids: randomIds });
        assert.equal((await auth.verify(configured)).role, 'admin');
        assert.equal((await auth.list()).filter((t) => t.role === 'admin' && t.revokedAt === null).length, 1);
      } finally {
        for (const database of connections) await database.close();
        await fresh.cleanup();
      }
    });

    it(`several processes generating the first admin token at once on an empty ${kind} store: one generates it, the others start`, async () => {
      const fresh = await openTestDatabase(kind);
      const connections: SqlDatabase[] = [];
      try {
        const started = await Promise.all((await processesOn(fresh, connections)).map((auth) => auth.ensureBootstrapAdmin(undefined)));
        const generated = started.filter((token) => token !== undefined);
        assert.equal(generated.length, 1, 'one process generated the token');
        const auth = new AuthService({ tokens: new SqlTokenStore(fresh.database), clock, ids: randomIds });
        assert.equal((await auth.verify(generated[0]!)).role, 'admin');
        assert.equal((await auth.list()).filter((t) => t.role === 'admin' && t.revokedAt === null).length, 1);
      } finally {
        for (const database of connections) await database.close();
        await fresh.cleanup();
      }
    });
  }
});
