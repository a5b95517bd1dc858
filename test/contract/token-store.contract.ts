/** The TokenStore contract, run by every adapter (SQLite and PostgreSQL). */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { StoredToken, TokenStore } from '../../src/domain/ports/token-store.js';
import type { Role } from '../../src/domain/auth.js';
import { WardenError } from '../../src/domain/errors.js';

export interface TokenStoreFixture {
  readonly store: TokenStore;
  cleanup(): Promise<void>;
}

let createdAt = 1_700_000_000_000;

function token(role: Role = 'viewer', name = `t-${randomBytes(3).toString('hex')}`): StoredToken {
  createdAt += 1000;
  return {
    id: randomBytes(8).toString('hex'),
    name,
    role,
    tokenHash: randomBytes(32).toString('hex'),
    createdAt,
    lastUsedAt: null,
    revokedAt: null,
  };
}

function withoutHash({ tokenHash: _hash, ...entity }: StoredToken) {
  return entity;
}

export function tokenStoreContract(name: string, createFixture: () => Promise<TokenStoreFixture>): void {
  describe(`TokenStore contract: ${name}`, () => {
    let fixture: TokenStoreFixture;
    let store: TokenStore;
    before(async () => {
      fixture = await createFixture();
      store = fixture.store;
    });
    after(async () => fixture.cleanup());

    it('finds a token by its hash and by its id, and nothing for unknown ones', async () => {
      const saved = token('editor');
      await store.insert(saved);
      assert.deepEqual(await store.findByHash(saved.tokenHash), saved);
      assert.deepEqual(await store.get(saved.id), withoutHash(saved));
      assert.equal(await store.findByHash(randomBytes(32).toString('hex')), undefined);
      assert.equal(await store.get('missing'), undefined);
    });

    it('refuses a second token with the same hash or id', async () => {
      const saved = token();
      await store.insert(saved);
      const conflict = (e: unknown) => e instanceof WardenError && e.code === 'VERSION_CONFLICT';
      await assert.rejects(store.insert({ ...token(), tokenHash: saved.tokenHash }), conflict);
      await assert.rejects(store.insert({ ...token(), id: saved.id }), conflict);
    });

    it('keeps names unique among active tokens (the name is the actor): TOKEN_NAME_TAKEN; a revoked token\'s name is free again', async () => {
      const first = token('editor', `ci-${randomBytes(3).toString('hex')}`);
      await store.insert(first);
      const taken = (e: unknown) => e instanceof WardenError && e.code === 'TOKEN_NAME_TAKEN' && e.field === 'name';
      await assert.rejects(store.insert(token('viewer', first.name)), taken);
      await assert.rejects(store.insert(token('admin', first.name)), taken);
      assert.equal((await store.list()).filter((t) => t.name === first.name).length, 1);
      await store.revoke(first.id, first.createdAt + 1);
      const reused = token('viewer', first.name);
      await store.insert(reused);
      assert.deepEqual((await store.list({ includeRevoked: true })).filter((t) => t.name === first.name).map((t) => t.id), [first.id, reused.id]);
      // Only one of two concurrent inserts of one name wins.
      const name = `race-${randomBytes(3).toString('hex')}`;
      const outcomes = await Promise.allSettled([store.insert(token('viewer', name)), store.insert(token('viewer', name))]);
      assert.deepEqual(outcomes.map((o) => o.status).sort(), ['fulfilled', 'rejected']);
    });

    it('lists active tokens oldest first and hides revoked ones unless asked', async () => {
      const before = await store.list({ includeRevoked: true });
      const a = token('viewer');
      const b = token('admin');
      await store.insert(a);
      await store.insert(b);
      assert.equal(await store.revoke(a.id, a.createdAt + 5), true);
      const active = await store.list();
      assert.ok(!active.some((t) => t.id === a.id));
      assert.deepEqual(active.at(-1), withoutHash(b));
      const all = await store.list({ includeRevoked: true });
      assert.equal(all.length, before.length + 2);
      assert.deepEqual(all.slice(-2), [{ ...withoutHash(a), revokedAt: a.createdAt + 5 }, withoutHash(b)]);
      for (let i = 1; i < all.length; i++) assert.ok(all[i - 1]!.createdAt <= all[i]!.createdAt, 'oldest first');
    });

    it('keeps the first revocation time and reports unknown ids', async () => {
      const saved = token();
      await store.insert(saved);
      assert.equal(await store.revoke(saved.id, 111), true);
      assert.equal(await store.revoke(saved.id, 222), true);
      assert.equal((await store.get(saved.id))?.revokedAt, 111);
      assert.equal((await store.findByHash(saved.tokenHash))?.revokedAt, 111);
      assert.equal(await store.revoke('missing', 333), false);
    });

    it('records the last use', async () => {
      const saved = token();
      await store.insert(saved);
      await store.touch(saved.id, 1_800_000_000_123);
      assert.equal((await store.get(saved.id))?.lastUsedAt, 1_800_000_000_123);
    });
  });
}
