import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { WardenError } from '../../src/domain/errors.js';
import { withRetriedTransaction } from '../../src/store/sql/retried-transaction.js';
import { isUniqueViolation } from '../../src/store/sql/sql-errors.js';
import { STORE_KINDS, openTestDatabase, type TestDatabase } from '../support/stores.js';

/** An error as the drivers raise it: only the code matters to the retry rule. */
const driverError = (code: string) => Object.assign(new Error(`driver error ${code}`), { code });

for (const kind of STORE_KINDS) {
  describe(`withRetriedTransaction on ${kind}`, () => {
    let test: TestDatabase;
    before(async () => {
      test = await openTestDatabase(kind);
    });
    after(async () => test.cleanup());

    /** Writes one experiment row in the transaction; a failed attempt's row must roll back. */
    const writeExperiment = (name: string) => async (trx: Parameters<Parameters<typeof withRetriedTransaction>[1]>[0]) => {
      await trx.insertInto('experiments').values({ id: randomBytes(8).toString('hex'), name, description: '', tags: '{}', created_at: 0 }).execute();
    };
    const count = async (name: string) =>
      Number((await test.database.db.selectFrom('experiments').select((eb) => eb.fn.countAll().as('n')).where('name', '=', name).executeTakeFirstOrThrow()).n);

    for (const code of ['40001', '40P01', 'SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT']) {
      it(`runs the whole transaction again after a ${code} conflict, keeping only the attempt that committed`, async () => {
        const name = `retry-${code}-${randomBytes(3).toString('hex')}`;
        let calls = 0;
        const result = await withRetriedTransaction(test.database.db, async (trx) => {
          calls++;
          await writeExperiment(name)(trx);
          if (calls < 3) throw driverError(code);
          return 'done';
        });
        assert.equal(result, 'done');
        assert.equal(calls, 3);
        assert.equal(await count(name), 1);
      });
    }

    it('gives up after the attempts allowed and throws the last driver error', async () => {
      const name = `exhausted-${randomBytes(3).toString('hex')}`;
      let calls = 0;
      await assert.rejects(
        withRetriedTransaction(
          test.database.db,
          async (trx) => {
            calls++;
            await writeExperiment(name)(trx);
            throw driverError('40001');
          },
          { attempts: 4 },
        ),
        { code: '40001' },
      );
      assert.equal(calls, 4);
      assert.equal(await count(name), 0);
    });

    it('never retries a domain decision or an error the caller did not name', async () => {
      let calls = 0;
      const refuse = async () => {
        calls++;
        throw new WardenError('VERSION_CONFLICT', 'decided no');
      };
      await assert.rejects(withRetriedTransaction(test.database.db, refuse, { alsoRetry: () => true }), { code: 'VERSION_CONFLICT' });
      assert.equal(calls, 1);
      calls = 0;
      const unique = async () => {
        calls++;
        throw driverError('23505');
      };
      await assert.rejects(withRetriedTransaction(test.database.db, unique), { code: '23505' });
      assert.equal(calls, 1);
      calls = 0;
      await assert.rejects(withRetriedTransaction(test.database.db, unique, { attempts: 3, alsoRetry: isUniqueViolation }), { code: '23505' });
      assert.equal(calls, 3);
    });

    it('retries a real write conflict: concurrent read-then-insert of the next number all commit', async () => {
      // Each transaction reads the highest number and inserts the next: concurrent ones collide on
      // the unique (name) key, and the retried loser takes the number after.
      const prefix = `seq-${randomBytes(3).toString('hex')}`;
      const next = () =>
        withRetriedTransaction(
          test.database.db,
          async (trx) => {
            const rows = await trx.selectFrom('experiments').select('name').where('name', 'like', `${prefix}-%`).execute();
            const n = rows.length + 1;
            await trx.insertInto('experiments').values({ id: randomBytes(8).toString('hex'), name: `${prefix}-${n}`, description: '', tags: '{}', created_at: 0 }).execute();
            return n;
          },
          { attempts: 20, alsoRetry: isUniqueViolation },
        );
      const numbers = await Promise.all(Array.from({ length: 6 }, next));
      assert.deepEqual([...numbers].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6]);
    });
  });
}
