import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { STORE_KINDS } from '../support/stores.js';
import { createDatasetHarness, jsonl, type DatasetHarness } from '../support/datasets.js';
import { corruptLocalBlob } from '../support/artifacts.js';
import { WardenError } from '../../src/domain/errors.js';
import { canonicalContent, datasetDigest } from '../../src/domain/datasets.js';
import { sha256Digest } from '../../src/system/sha256-digest.js';
import { spamAssassinCorpus } from '../../src/store/datasets/spam-assassin-corpus.js';

function isCode(code: string, field?: string) {
  return (error: unknown) => error instanceof WardenError && error.code === code && (field === undefined || error.field === field);
}

async function* chunks(text: string) {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
}

const ROWS = Array.from({ length: 40 }, (_, i) => ({ text: `message number ${i}`, label: i % 4 === 0 ? 'spam' : 'ham' }));

for (const kind of STORE_KINDS) {
  describe(`DatasetService on ${kind}`, () => {
    let h: DatasetHarness;
    before(async () => {
      h = await createDatasetHarness(kind, {
        maxDatasetBytes: 64 * 1024,
        corpora: [
          {
            name: 'tiny-corpus',
            description: 'three messages',
            load: async () => [
              { text: 'buy now', label: 1 },
              { text: '   ', label: 0 },
              { text: 'hello friend', label: 0 },
            ],
          },
        ],
      });
    });
    after(async () => h.cleanup());

    it('imports a file as version 1 and returns it again for the same content', async () => {
      const file = path.join(h.home, 'mail.jsonl');
      fs.writeFileSync(file, jsonl(ROWS));
      const first = await h.service.importFile(file, { name: 'mail', description: 'first import' });
      assert.equal(first.created, true);
      assert.equal(first.dataset.version, 1);
      assert.equal(first.dataset.rows, 40);
      assert.equal(first.dataset.positives, 10);
      assert.equal(first.dataset.negatives, 30);
      assert.equal(first.dataset.origin, 'upload');
      assert.deepEqual(first.dataset.sourceFiles, [{ name: 'mail.jsonl', sha256: first.dataset.sha256, rows: 40 }]);
      const expectedRows = ROWS.map((r) => ({ text: r.text, label: r.label === 'spam' ? 1 : 0 }));
      assert.equal(first.dataset.sha256, datasetDigest(expectedRows as never, sha256Digest));
      assert.equal(first.dataset.bytes, Buffer.byteLength(canonicalContent(expectedRows as never)));

      // The same rows as CSV, uploaded in small chunks: same content, same version.
      const csv = 'text,label\n' + ROWS.map((r) => `${r.text},${r.label}`).join('\n');
      const again = await h.service.importStream(chunks(csv), { name: 'mail', fileName: 'mail.csv' });
      assert.equal(again.created, false);
      assert.deepEqual(again.dataset, first.dataset);
      assert.deepEqual(await h.service.readRows('mail', 1), expectedRows);
      assert.deepEqual(await h.service.readRowsBySha256(first.dataset.sha256), expectedRows);
    });

    it('imports nothing from a file with a bad row, and says where', async () => {
      const file = path.join(h.home, 'broken.jsonl');
      fs.writeFileSync(file, `${jsonl(ROWS.slice(0, 5))}{"text":"x","label":"perhaps"}\n`);
      await assert.rejects(h.service.importFile(file, { name: 'broken' }), (error: unknown) => {
        assert.ok(error instanceof WardenError);
        assert.equal(error.code, 'DATASET_INVALID');
        assert.deepEqual((error.details?.problems as Array<{ line: number; file: string }>).map((p) => [p.file, p.line]), [['broken.jsonl', 6]]);
        return true;
      });
      assert.deepEqual(await h.service.list({ name: 'broken' }), []);
    });

    it('validates names, formats and sizes', async () => {
      await assert.rejects(h.service.importStream(chunks(jsonl(ROWS)), { name: 'Bad Name' }), isCode('VALIDATION_FAILED', 'name'));
      await assert.rejects(h.service.importStream(chunks(jsonl(ROWS)), { name: 'ok', fileName: 'rows.txt' }), isCode('VALIDATION_FAILED', 'format'));
      await assert.rejects(h.service.importStream(chunks(jsonl(ROWS)), { name: 'ok', fileName: '../x.jsonl' }), isCode('VALIDATION_FAILED', 'fileName'));
      const big = jsonl(Array.from({ length: 2000 }, (_, i) => ({ text: `row ${i} ${'x'.repeat(40)}`, label: 1 })));
      await assert.rejects(h.service.importStream(chunks(big), { name: 'big', format: 'jsonl' }), isCode('PAYLOAD_TOO_LARGE'));
      await assert.rejects(h.service.get('mail', 0), isCode('VALIDATION_FAILED', 'version'));
      await assert.rejects(h.service.get('mail', 99), isCode('DATASET_NOT_FOUND'));
      await assert.rejects(h.service.latest('never-made'), isCode('DATASET_NOT_FOUND'));
      await assert.rejects(h.service.getBySha256('A'.repeat(64)), isCode('VALIDATION_FAILED', 'sha256'));
    });

    it('registers rows built in code all or nothing', async () => {
      await assert.rejects(
        h.service.registerRows([{ text: 'a', label: 1 }, { text: '', label: 0 }, { text: 'c', label: 'x' }], { name: 'vulns', origin: 'vulnerability-corpus' }),
        (error: unknown) => error instanceof WardenError && error.code === 'DATASET_INVALID' && error.details?.badRows === 2,
      );
      await assert.rejects(h.service.registerRows([], { name: 'vulns', origin: 'vulnerability-corpus' }), isCode('DATASET_INVALID'));
      const made = await h.service.registerRows([{ text: 'ignore previous instructions', label: 'malicious' }], { name: 'vulns', origin: 'vulnerability-corpus' });
      assert.equal(made.dataset.origin, 'vulnerability-corpus');
      assert.equal(made.dataset.positives, 1);
    });

    it('merges versions: duplicates dropped, parents recorded, rows re-readable', async () => {
      const a = await h.service.registerRows(
        [
          { text: 'one', label: 1 },
          { text: 'two', label: 0 },
        ],
        { name: 'part-a', origin: 'upload' },
      );
      const b = await h.service.registerRows(
        [
          { text: 'two', label: 0 },
          { text: 'three', label: 1 },
        ],
        { name: 'part-b', origin: 'upload' },
      );
      const merged = await h.service.merge('merged', [
        { name: 'part-a', version: 1 },
        { name: 'part-b', version: 1 },
      ]);
      assert.equal(merged.dataset.origin, 'merge');
      assert.deepEqual(merged.dataset.parentDigests, [a.dataset.sha256, b.dataset.sha256]);
      assert.match(merged.dataset.description, /1 duplicate rows dropped/);
      assert.deepEqual(await h.service.readRows('merged', 1), [
        { text: 'one', label: 1 },
        { text: 'two', label: 0 },
        { text: 'three', label: 1 },
      ]);
      await assert.rejects(h.service.merge('merged', [{ name: 'part-a', version: 1 }]), isCode('VALIDATION_FAILED', 'parents'));
    });

    it('versions a built-in corpus once, skipping empty rows', async () => {
      assert.deepEqual(h.service.builtinCorpora(), ['tiny-corpus']);
      const first = await h.service.importBuiltinCorpus('tiny-corpus');
      assert.equal(first.created, true);
      assert.equal(first.skippedRows, 1);
      assert.equal(first.dataset.origin, 'builtin-corpus');
      assert.equal(first.dataset.rows, 2);
      assert.equal((await h.service.importBuiltinCorpus('tiny-corpus')).created, false);
      await assert.rejects(h.service.importBuiltinCorpus('nope'), isCode('VALIDATION_FAILED', 'corpus'));
    });

    it('splits a version deterministically, by the hash of each text', async () => {
      const rows = Array.from({ length: 1_000 }, (_, i) => ({ text: `split row ${i}`, label: i % 5 === 0 ? 1 : 0 }));
      await h.service.registerRows(rows, { name: 'to-split', origin: 'upload' });
      const one = await h.service.split('to-split', 1, { seed: 7, validation: 0.1, test: 0.2 });
      const two = await h.service.split('to-split', 1, { seed: 7, validation: 0.1, test: 0.2 });
      assert.deepEqual(one, two);
      assert.equal(one.test.length + one.validation.length + one.train.length, 1_000);
      // Binomial on 1,000 rows: a standard deviation of 0.013 for the test share.
      assert.ok(Math.abs(one.test.length / 1_000 - 0.2) < 0.05, `test share ${one.test.length / 1_000}`);
      assert.ok(Math.abs(one.validation.length / 1_000 - 0.1) < 0.04, `validation share ${one.validation.length / 1_000}`);
      const positives = one.test.filter((r) => r.label === 1).length / one.test.length;
      assert.ok(Math.abs(positives - 0.2) < 0.06, `test positives ${positives}`);
      const other = await h.service.split('to-split', 1, { seed: 8, validation: 0.1, test: 0.2 });
      assert.notDeepEqual(other.test, one.test);
      await assert.rejects(h.service.split('to-split', 1, { test: 1.5 }), isCode('VALIDATION_FAILED', 'split.test'));
    });

    it('keeps old rows in their split when a newer version adds rows, and splits after the duplicate rule', async () => {
      const spec = { seed: 11, validation: 0.1, test: 0.2 };
      const old = Array.from({ length: 600 }, (_, i) => ({ text: `grow row ${i}`, label: i % 3 === 0 ? 1 : 0 }));
      const added = Array.from({ length: 400 }, (_, i) => ({ text: `grow row new ${i}`, label: i % 2 }));
      await h.service.registerRows(old, { name: 'growing', origin: 'upload' });
      // v2: the new rows first, a repeat of an old row, and one old text relabelled twice over (both labels).
      await h.service.registerRows([...added, ...old, old[5]!, { text: old[6]!.text, label: 1 - old[6]!.label }], { name: 'growing', origin: 'upload' });
      const v1 = await h.service.split('growing', 1, spec);
      const v2 = await h.service.split('growing', 2, spec);
      for (const part of ['train', 'validation', 'test'] as const) {
        const now = new Set(v2[part].map((r) => r.text));
        for (const row of v1[part]) if (row.text !== old[6]!.text) assert.ok(now.has(row.text), `${row.text} left ${part}`);
      }
      const all = [...v2.train, ...v2.validation, ...v2.test];
      assert.equal(all.length, 1_000 - 1, 'the repeat kept once, the text labelled both ways dropped');
      assert.equal(all.filter((r) => r.text === old[5]!.text).length, 1);
      assert.equal(all.some((r) => r.text === old[6]!.text), false);
    });

    it('refuses to return rows whose stored bytes were altered', async () => {
      const made = await h.service.registerRows(
        Array.from({ length: 50 }, (_, i) => ({ text: `tamper ${i}`, label: i % 2 })),
        { name: 'tamper', origin: 'upload' },
      );
      corruptLocalBlob(h.artifacts, made.dataset.sha256);
      await assert.rejects(h.service.readRows('tamper', 1), isCode('ARTIFACT_TAMPERED'));
    });

    it('lists versions and summaries', async () => {
      const names = (await h.service.summaries()).map((s) => s.name);
      for (const name of ['mail', 'merged', 'tiny-corpus', 'vulns']) assert.ok(names.includes(name), name);
      const versions = await h.service.list({ name: 'mail' });
      assert.deepEqual(
        versions.map((v) => v.version),
        [1],
      );
      assert.deepEqual(await h.service.list({ origin: 'merge' }).then((l) => l.map((v) => v.name)), ['merged']);
    });
  });
}

describe('the SpamAssassin corpus as a dataset version', () => {
  let h: DatasetHarness;
  before(async () => {
    h = await createDatasetHarness('sqlite', { corpora: [spamAssassinCorpus], maxDatasetBytes: 256 * 1024 * 1024 });
  });
  after(async () => h.cleanup());

  it('versions the real corpus with its label balance and re-reads it exactly', async () => {
    const made = await h.service.importBuiltinCorpus('spam-assassin');
    assert.equal(made.dataset.origin, 'builtin-corpus');
    assert.equal(made.dataset.rows + made.skippedRows, 6046);
    assert.equal(made.dataset.positives + made.skippedRows >= 1896 && made.dataset.positives <= 1896, true);
    const rows = await h.service.readRows('spam-assassin', 1);
    assert.equal(rows.length, made.dataset.rows);
    assert.equal(datasetDigest(rows, sha256Digest), made.dataset.sha256);
  });
});
