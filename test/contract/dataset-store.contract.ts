/**
 * The DatasetStore contract: every adapter runs this suite. The factory may be called
 * more than once (two handles on one database) to check concurrent registrations.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { DatasetStore, NewDatasetVersion } from '../../src/domain/ports/dataset-store.js';

export interface DatasetStoreFixture {
  readonly store: DatasetStore;
  /** A second store on the same database (another process, for races); may equal `store`. */
  readonly other: DatasetStore;
  cleanup(): Promise<void>;
}

let counter = 0;
const digest = () => randomBytes(32).toString('hex');
const uniqueDatasetName = (prefix: string) => `${prefix}-${process.pid}-${++counter}-${randomBytes(3).toString('hex')}`;

function newVersion(name: string, overrides: Partial<NewDatasetVersion> = {}): NewDatasetVersion {
  return {
    id: randomBytes(8).toString('hex'),
    name,
    sha256: digest(),
    rows: 10,
    positives: 4,
    negatives: 6,
    bytes: 1234,
    origin: 'upload',
    sourceFiles: [],
    parentDigests: [],
    description: '',
    createdAt: 1_700_000_000_000 + counter,
    ...overrides,
  };
}

export function datasetStoreContract(name: string, createFixture: () => Promise<DatasetStoreFixture>): void {
  describe(`DatasetStore contract: ${name}`, () => {
    let fixture: DatasetStoreFixture;
    let store: DatasetStore;
    before(async () => {
      fixture = await createFixture();
      store = fixture.store;
    });
    after(async () => fixture.cleanup());

    it('registers versions 1, 2, 3 per name and reads them back whole', async () => {
      const name = uniqueDatasetName('ds');
      const files = [
        { name: 'a.jsonl', sha256: digest(), rows: 4 },
        { name: 'b.csv', sha256: digest(), rows: 6 },
      ];
      const first = await store.register(newVersion(name, { origin: 'fresh-file', sourceFiles: files, description: 'first drop' }));
      assert.equal(first.created, true);
      assert.equal(first.dataset.version, 1);
      const parents = [digest(), digest()];
      const second = await store.register(newVersion(name, { origin: 'merge', parentDigests: parents, createdAt: first.dataset.createdAt + 1 }));
      assert.equal(second.dataset.version, 2);
      const otherName = await store.register(newVersion(uniqueDatasetName('other')));
      assert.equal(otherName.dataset.version, 1, 'numbers are per name');

      const got = await store.get(name, 1);
      assert.deepEqual(got, first.dataset);
      assert.deepEqual(got?.sourceFiles, files);
      assert.equal(got?.origin, 'fresh-file');
      assert.equal(got?.description, 'first drop');
      assert.deepEqual((await store.get(name, 2))?.parentDigests, parents);
      assert.deepEqual(await store.latest(name), second.dataset);
      assert.equal(await store.get(name, 3), undefined);
      assert.equal(await store.latest(uniqueDatasetName('none')), undefined);
    });

    it('returns the existing version when the same content is registered again under the name', async () => {
      const name = uniqueDatasetName('dedupe');
      const sha256 = digest();
      const first = await store.register(newVersion(name, { sha256 }));
      const again = await store.register(newVersion(name, { sha256, description: 'ignored', rows: 999 }));
      assert.equal(again.created, false);
      assert.deepEqual(again.dataset, first.dataset);
      assert.equal((await store.list({ name })).length, 1);
      // The same content under another name is another dataset.
      const elsewhere = await store.register(newVersion(uniqueDatasetName('dedupe-b'), { sha256 }));
      assert.equal(elsewhere.created, true);
      assert.deepEqual(
        (await store.findBySha256(sha256)).map((d) => d.id),
        [first.dataset.id, elsewhere.dataset.id],
      );
      assert.deepEqual(await store.findBySha256(digest()), []);
    });

    it('keeps numbers gapless and content unique under concurrent registrations', async () => {
      const name = uniqueDatasetName('race');
      const shared = digest();
      const stores = [fixture.store, fixture.other];
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => stores[i % 2]!.register(newVersion(name, { sha256: i % 3 === 0 ? shared : digest() }))),
      );
      const created = results.filter((r) => r.created);
      assert.equal(created.length, 12 - 4 + 1, 'the shared content is registered once');
      const sharedIds = new Set(results.filter((r) => r.dataset.sha256 === shared).map((r) => r.dataset.id));
      assert.equal(sharedIds.size, 1);
      const versions = (await store.list({ name })).map((d) => d.version).sort((a, b) => a - b);
      assert.deepEqual(versions, Array.from({ length: 9 }, (_, i) => i + 1));
    });

    it('lists newest first, filters by name and origin, pages', async () => {
      const name = uniqueDatasetName('list');
      const base = 1_800_000_000_000;
      for (let i = 0; i < 5; i++) {
        await store.register(newVersion(name, { createdAt: base + i, origin: i % 2 === 0 ? 'upload' : 'builtin-corpus' }));
      }
      assert.deepEqual(
        (await store.list({ name })).map((d) => d.version),
        [5, 4, 3, 2, 1],
      );
      assert.deepEqual(
        (await store.list({ name, origin: 'builtin-corpus' })).map((d) => d.version),
        [4, 2],
      );
      assert.deepEqual(
        (await store.list({ name, limit: 2, offset: 1 })).map((d) => d.version),
        [4, 3],
      );
      assert.ok((await store.list({ limit: 3 })).length <= 3);
    });

    it('summarises each name with its count and newest version', async () => {
      const a = uniqueDatasetName('sum-a');
      const b = uniqueDatasetName('sum-b');
      await store.register(newVersion(a));
      const a2 = await store.register(newVersion(a, { rows: 77 }));
      const b1 = await store.register(newVersion(b));
      const summaries = (await store.summaries()).filter((s) => s.name === a || s.name === b);
      assert.deepEqual(summaries, [
        { name: a, versions: 2, latest: a2.dataset },
        { name: b, versions: 1, latest: b1.dataset },
      ]);
    });

    it('knows which source-file digests a name has versioned', async () => {
      const name = uniqueDatasetName('files');
      const [x, y, z] = [digest(), digest(), digest()];
      await store.register(newVersion(name, { sourceFiles: [{ name: 'x.jsonl', sha256: x, rows: 1 }] }));
      await store.register(newVersion(name, { sourceFiles: [{ name: 'x.jsonl', sha256: x, rows: 1 }, { name: 'y.csv', sha256: y, rows: 2 }] }));
      assert.deepEqual([...(await store.knownSourceFiles(name, [x, y, z, x]))].sort(), [x, y].sort());
      assert.deepEqual([...(await store.knownSourceFiles(uniqueDatasetName('other'), [x]))], []);
      assert.deepEqual([...(await store.knownSourceFiles(name, []))], []);
      const many = Array.from({ length: 1200 }, digest);
      many[1100] = y;
      assert.deepEqual([...(await store.knownSourceFiles(name, many))], [y]);
    });

    it('lists every version digest as referenced (artifact GC keeps those blobs)', async () => {
      const created = await store.register(newVersion(uniqueDatasetName('gc')));
      assert.ok((await store.referencedDigests()).includes(created.dataset.sha256));
    });
  });
}
