import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FileDatasetReader, MAX_RECORD_BYTES } from '../../src/store/datasets/file-dataset-reader.js';
import { MAX_REPORTED_PROBLEMS, datasetDigest, type DatasetFormat, type RowProblem } from '../../src/domain/datasets.js';
import { WardenError } from '../../src/domain/errors.js';
import { sha256Digest } from '../../src/system/sha256-digest.js';
import { tempDir } from '../support/stores.js';

const reader = new FileDatasetReader();

function invalidWith(check: (problems: RowProblem[], error: WardenError) => void) {
  return (error: unknown) => {
    assert.ok(error instanceof WardenError, String(error));
    assert.equal(error.code, 'DATASET_INVALID');
    check(error.details?.problems as RowProblem[], error);
    return true;
  };
}

const lineFields = (problems: RowProblem[]) => problems.map((p) => [p.line, p.field]);

describe('FileDatasetReader', () => {
  let tmp: ReturnType<typeof tempDir>;
  const write = (name: string, content: string | Buffer) => {
    const file = path.join(tmp.dir, name);
    fs.writeFileSync(file, content);
    return file;
  };
  const read = (file: string, format: DatasetFormat) => reader.readFile(file, { displayName: path.basename(file), format });

  before(() => {
    tmp = tempDir();
  });
  after(() => tmp.remove());

  const expected = [
    { text: 'Win a "FREE" prize, now!\nClick here', label: 1 as const },
    { text: 'Lunch at noon?', label: 0 as const },
    { text: 'ünïcödé 😀 text', label: 1 as const },
    { text: 'meeting notes, part 2', label: 0 as const },
  ];

  it('reads good JSONL: BOM, CRLF, blank lines, label spellings, extra keys', async () => {
    const content =
      '\ufeff{"text": "Win a \\"FREE\\" prize, now!\\nClick here", "label": "spam"}\r\n' +
      '\n' +
      '{"text": "  Lunch at noon?  ", "label": 0, "source": "mailbox"}\r\n' +
      '{"label": true, "text": "ünïcödé 😀 text"}\n' +
      '   \n' +
      '{"text": "meeting notes, part 2", "label": "HAM"}';
    const parsed = await read(write('good.jsonl', content), 'jsonl');
    assert.deepEqual(parsed.rows, expected);
    assert.equal(parsed.positives, 2);
    assert.equal(parsed.negatives, 2);
    assert.equal(parsed.format, 'jsonl');
    assert.equal(parsed.sha256, datasetDigest(expected, sha256Digest));
    const canonicalBytes = expected.reduce((n, row) => n + Buffer.byteLength(`${row.label}\t${JSON.stringify(row.text)}\n`), 0);
    assert.equal(parsed.bytes, canonicalBytes);
  });

  it('reads good CSV with quoted newlines, commas and doubled quotes; header in any order, extra columns ignored', async () => {
    const content =
      'id,label,text\r\n' +
      '1,spam,"Win a ""FREE"" prize, now!\nClick here"\r\n' +
      '2,0,  Lunch at noon?  \r\n' +
      '\r\n' +
      '3,malicious,ünïcödé 😀 text\n' +
      '4,benign,"meeting notes, part 2"\n';
    const parsed = await read(write('good.csv', `\ufeff${content}`), 'csv');
    assert.deepEqual(parsed.rows, expected);
    // Same rows, other format: same dataset identity.
    assert.equal(parsed.sha256, datasetDigest(expected, sha256Digest));
    assert.equal(parsed.format, 'csv');
  });

  it('gives the same result when bytes arrive one at a time (multi-byte characters and newlines split)', async () => {
    const content = Buffer.from('text,label\n"a\nü😀",1\nb,0\n');
    async function* byteByByte() {
      for (let i = 0; i < content.length; i++) yield content.subarray(i, i + 1);
    }
    const parsed = await reader.readStream(byteByByte(), { displayName: 'bytes.csv', format: 'csv' });
    assert.deepEqual(parsed.rows, [
      { text: 'a\nü😀', label: 1 },
      { text: 'b', label: 0 },
    ]);
    const jsonl = Buffer.from('{"text":"ü😀","label":1}\n{"text":"b","label":0}\n');
    async function* jsonlBytes() {
      for (let i = 0; i < jsonl.length; i++) yield jsonl.subarray(i, i + 1);
    }
    const fromJsonl = await reader.readStream(jsonlBytes(), { displayName: 'bytes.jsonl', format: 'jsonl' });
    assert.deepEqual(fromJsonl.rows, [
      { text: 'ü😀', label: 1 },
      { text: 'b', label: 0 },
    ]);
  });

  it('reports every bad JSONL line with its number and field, in one DATASET_INVALID', async () => {
    const content = [
      '{"text": "fine", "label": 1}',
      '{"text": "broken json", "label": 1',
      '{"text": "fine too", "label": "ham"}',
      '{"text": "bad label", "label": "maybe"}',
      '{"text": "   ", "label": 1}',
      '["not", "an", "object"]',
      '{"label": 0}',
      '{"text": 42, "label": 0}',
    ].join('\n');
    await assert.rejects(
      read(write('bad.jsonl', content), 'jsonl'),
      invalidWith((problems, error) => {
        assert.deepEqual(lineFields(problems), [
          [2, 'row'],
          [4, 'label'],
          [5, 'text'],
          [6, 'row'],
          [7, 'text'],
          [8, 'text'],
        ]);
        assert.ok(problems.every((p) => p.file === 'bad.jsonl'));
        assert.equal(error.details?.badRows, 6);
        assert.match(error.message, /^bad\.jsonl: line 2 \(row\): not valid JSON/);
        assert.match(error.message, /nothing was imported/);
      }),
    );
  });

  it('reports bad CSV records at the line they start on, with the column', async () => {
    const content =
      'text,label\n' + // 1
      '"multi\nline\ntext",1\n' + // 2-4
      '"another\nmulti",perhaps\n' + // 5-6: bad label, column 2
      'too,many,fields\n' + // 7
      ',1\n' + // 8: empty text, column 1
      '"ok, quoted",0\n' + // 9
      'last,2'; // 10
    await assert.rejects(
      read(write('bad.csv', content), 'csv'),
      invalidWith((problems) => {
        assert.deepEqual(
          problems.map((p) => [p.line, p.field, p.column]),
          [
            [5, 'label', 2],
            [7, 'row', undefined],
            [8, 'text', 1],
            [10, 'label', 2],
          ],
        );
      }),
    );
  });

  it('refuses a CSV without a text,label header', async () => {
    await assert.rejects(
      read(write('noheader.csv', 'hello,1\nworld,0\n'), 'csv'),
      invalidWith((problems) => assert.deepEqual(lineFields(problems), [[1, 'header']])),
    );
  });

  it('reports malformed CSV quoting with its line', async () => {
    await assert.rejects(
      read(write('quote.csv', 'text,label\nfine,1\n"never closed,1\nmore,0\n'), 'csv'),
      invalidWith((problems) => {
        assert.equal(problems.length, 1);
        assert.equal(problems[0]!.field, 'row');
        assert.match(problems[0]!.message, /malformed CSV/);
      }),
    );
    await assert.rejects(
      read(write('quote2.csv', 'text,label\nbad "quote" inside,1\nok,0\n'), 'csv'),
      invalidWith((problems) => assert.deepEqual(lineFields(problems), [[2, 'row']])),
    );
  });

  it('reports invalid UTF-8 with its line', async () => {
    const jsonl = Buffer.concat([Buffer.from('{"text":"a","label":1}\n{"text":"b","label":0}\n{"text":"'), Buffer.from([0xc3, 0x28]), Buffer.from('","label":1}\n')]);
    await assert.rejects(
      read(write('latin.jsonl', jsonl), 'jsonl'),
      invalidWith((problems) => assert.deepEqual(lineFields(problems), [[3, 'encoding']])),
    );
    const csv = Buffer.concat([Buffer.from('text,label\nok,1\n'), Buffer.from([0xff]), Buffer.from(',0\n')]);
    await assert.rejects(
      read(write('latin.csv', csv), 'csv'),
      invalidWith((problems) => assert.deepEqual(lineFields(problems), [[3, 'encoding']])),
    );
  });

  it('refuses empty files and header-only files', async () => {
    for (const [name, content, format] of [
      ['empty.jsonl', '', 'jsonl'],
      ['blank.jsonl', '\n\n  \n', 'jsonl'],
      ['empty.csv', '', 'csv'],
      ['header.csv', 'text,label\n', 'csv'],
    ] as const) {
      await assert.rejects(
        read(write(name, content), format),
        invalidWith((problems) => assert.deepEqual(lineFields(problems), [[0, 'file']])),
        name,
      );
    }
  });

  it('caps the reported problems but counts them all', async () => {
    const lines = Array.from({ length: 250 }, (_, i) => (i % 2 === 0 ? '{"text":"x","label":"?"}' : '{"text":"ok","label":1}'));
    await assert.rejects(
      read(write('many.jsonl', lines.join('\n')), 'jsonl'),
      invalidWith((problems, error) => {
        assert.equal(problems.length, MAX_REPORTED_PROBLEMS);
        assert.equal(error.details?.badRows, 125);
        assert.equal(error.details?.truncated, true);
        assert.equal(problems[99]!.line, 199);
      }),
    );
  });

  it('reports an over-long line without buffering it, and goes on', async () => {
    const long = `{"text":"${'x'.repeat(MAX_RECORD_BYTES + 10)}","label":1}`;
    await assert.rejects(
      read(write('long.jsonl', `{"text":"a","label":1}\n${long}\n{"text":"b","label":"nope"}\n`), 'jsonl'),
      invalidWith((problems) => assert.deepEqual(lineFields(problems), [
        [2, 'row'],
        [3, 'label'],
      ])),
    );
  });

  it('does not follow a symlink', async () => {
    const target = write('target.jsonl', '{"text":"secret","label":1}\n');
    const link = path.join(tmp.dir, 'link.jsonl');
    fs.symlinkSync(target, link);
    await assert.rejects(read(link, 'jsonl'), /ELOOP/);
  });

  it('refuses input over maxBytes with PAYLOAD_TOO_LARGE', async () => {
    const file = write('big.jsonl', '{"text":"abc","label":1}\n'.repeat(100));
    await assert.rejects(reader.readFile(file, { displayName: 'big.jsonl', format: 'jsonl', maxBytes: 1000 }), (error: unknown) => {
      return error instanceof WardenError && error.code === 'PAYLOAD_TOO_LARGE';
    });
    await assert.rejects(reader.readFile(file.replace('big', 'none'), { displayName: 'x', format: 'jsonl' }), /ENOENT/);
  });
});
