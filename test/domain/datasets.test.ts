import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  DATASET_ORIGINS,
  DEFAULT_SPLIT_SPEC,
  MAX_REPORTED_PROBLEMS,
  MAX_TEXT_BYTES,
  ProblemCollector,
  canonicalContent,
  canonicalRow,
  checkJsonRow,
  checkRow,
  datasetDigest,
  formatOfFileName,
  isDatasetOrigin,
  labelBalance,
  deduplicateRows,
  mergeDatasets,
  parseCanonicalContent,
  parseLabel,
  utf8ByteLength,
  validateDatasetName,
  validateDatasetVersionNumber,
  parseSplitSpec,
  type DatasetRow,
} from '../../src/domain/datasets.js';
import { WardenError } from '../../src/domain/errors.js';
import { sha256Digest } from '../../src/system/sha256-digest.js';

function code(fn: () => unknown): { code: string; field: string | undefined } {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof WardenError, `expected a WardenError, got ${String(error)}`);
    return { code: error.code, field: error.field };
  }
  assert.fail('expected a failure');
}

describe('dataset names', () => {
  it('accepts the model-name alphabet', () => {
    for (const name of ['spam', 'spam-detector-fresh', 'a.b_c-1', '0day']) assert.equal(validateDatasetName(name), name);
  });
  it('refuses bad names naming the field', () => {
    for (const name of ['', 'Spam', '-x', '.x', 'a b', 'a/b', '../x', 'x'.repeat(129), 42, undefined]) {
      assert.deepEqual(code(() => validateDatasetName(name)), { code: 'VALIDATION_FAILED', field: 'name' });
    }
  });
  it('parses version numbers from strings and numbers', () => {
    assert.equal(validateDatasetVersionNumber('3'), 3);
    assert.equal(validateDatasetVersionNumber(7), 7);
    for (const bad of ['0', '-1', '1.5', 'x', 0, 1.5, null]) assert.equal(code(() => validateDatasetVersionNumber(bad)).field, 'version');
  });
});

describe('labels', () => {
  it('folds every documented spelling to 0/1, case and space insensitive', () => {
    const positives = [1, true, '1', 'true', 'TRUE', ' spam ', 'Spam', 'malicious', 'positive'];
    const negatives = [0, false, '0', 'false', 'ham', 'HAM', 'benign', 'negative'];
    for (const value of positives) assert.equal(parseLabel(value), 1, String(value));
    for (const value of negatives) assert.equal(parseLabel(value), 0, String(value));
  });
  it('refuses anything else', () => {
    for (const value of [2, -1, 0.5, 'yes', 'spammy', '', null, undefined, {}, [1]]) assert.equal(parseLabel(value), undefined, String(value));
  });
});

describe('rows', () => {
  it('trims the text and normalises the label', () => {
    assert.deepEqual(checkRow('  hello\n', 'spam'), { ok: true, row: { text: 'hello', label: 1 } });
  });
  it('reports the field at fault', () => {
    const cases: Array<[unknown, unknown, string]> = [
      [undefined, 1, 'text'],
      [42, 1, 'text'],
      ['   \n\t', 1, 'text'],
      ['ok', undefined, 'label'],
      ['ok', '', 'label'],
      ['ok', 'maybe', 'label'],
    ];
    for (const [text, label, field] of cases) {
      const check = checkRow(text, label);
      assert.equal(check.ok, false);
      if (!check.ok) assert.equal(check.field, field, `${String(text)} / ${String(label)}`);
    }
  });
  it('limits text to 1 MB of UTF-8 after trimming', () => {
    assert.equal(checkRow('a'.repeat(MAX_TEXT_BYTES), 1).ok, true);
    assert.equal(checkRow(`  ${'a'.repeat(MAX_TEXT_BYTES)}  `, 1).ok, true);
    assert.equal(checkRow('a'.repeat(MAX_TEXT_BYTES + 1), 1).ok, false);
    // 2-byte characters: half as many fit.
    assert.equal(checkRow('é'.repeat(MAX_TEXT_BYTES / 2), 1).ok, true);
    assert.equal(checkRow('é'.repeat(MAX_TEXT_BYTES / 2 + 1), 1).ok, false);
  });
  it('counts UTF-8 bytes like Buffer does', () => {
    for (const text of ['abc', 'é', '€', '😀', 'a😀b€', '\ud800x']) assert.equal(utf8ByteLength(text), Buffer.byteLength(text, 'utf8'), text);
  });
  it('needs a JSON object for a JSONL line', () => {
    assert.deepEqual(checkJsonRow({ text: 'x', label: 'ham', extra: 1 }), { ok: true, row: { text: 'x', label: 0 } });
    for (const value of [null, [1], 'x', 3]) {
      const check = checkJsonRow(value);
      assert.ok(!check.ok && check.field === 'row');
    }
  });
});

describe('canonical form and digest', () => {
  const rows: DatasetRow[] = [
    { text: 'WIN a "prize"\nnow', label: 1 },
    { text: 'lunch at 12?\ttab', label: 0 },
    { text: 'emoji 😀 and \u2028 inside', label: 1 },
  ];

  it('is `label TAB json(text) NEWLINE` per row, in order', () => {
    assert.equal(canonicalRow(rows[0]!), '1\t"WIN a \\"prize\\"\\nnow"\n');
    assert.equal(canonicalContent(rows).split('\n').length, 4);
  });
  it('the digest is the sha256 of the canonical UTF-8 bytes', () => {
    const expected = createHash('sha256').update(Buffer.from(canonicalContent(rows), 'utf8')).digest('hex');
    assert.equal(datasetDigest(rows, sha256Digest), expected);
  });
  it('depends on order and on labels, not on label spelling or surrounding space', () => {
    const digest = datasetDigest(rows, sha256Digest);
    assert.notEqual(datasetDigest([...rows].reverse(), sha256Digest), digest);
    assert.notEqual(datasetDigest([{ ...rows[0]!, label: 0 }, rows[1]!, rows[2]!], sha256Digest), digest);
    const respelled = [checkRow('  WIN a "prize"\nnow ', 'SPAM'), checkRow('lunch at 12?\ttab', 'ham'), checkRow('emoji 😀 and \u2028 inside', true)].map((c) => {
      assert.ok(c.ok);
      return c.row;
    });
    assert.equal(datasetDigest(respelled, sha256Digest), digest);
  });
  it('hashes big datasets in chunks with the same result', () => {
    const big = Array.from({ length: 30_000 }, (_, i) => ({ text: `row number ${i} ${'x'.repeat(50)}`, label: (i % 2) as 0 | 1 }));
    const expected = createHash('sha256').update(canonicalContent(big), 'utf8').digest('hex');
    assert.equal(datasetDigest(big, sha256Digest), expected);
  });
  it('round-trips through parseCanonicalContent', () => {
    assert.deepEqual(parseCanonicalContent(canonicalContent(rows)), rows);
    assert.deepEqual(parseCanonicalContent(''), []);
  });
  it('reports altered canonical content instead of returning wrong rows', () => {
    const content = canonicalContent(rows).replace('1\t"WIN', '2\t"WIN');
    assert.throws(
      () => parseCanonicalContent(content, 'blob'),
      (error: unknown) => error instanceof WardenError && error.code === 'DATASET_INVALID' && (error.details?.problems as Array<{ line: number }>)[0]?.line === 1,
    );
    assert.throws(() => parseCanonicalContent('1\t" padded "\n'), /DATASET_INVALID|canonical/);
    assert.throws(() => parseCanonicalContent('1\tnot json\n'), /canonical/);
  });
});

describe('problems', () => {
  it('keeps the first MAX_REPORTED_PROBLEMS but counts all, in one DATASET_INVALID', () => {
    const collector = new ProblemCollector('big.jsonl');
    for (let line = 1; line <= MAX_REPORTED_PROBLEMS + 20; line++) collector.add({ line, field: 'label', message: 'bad label' });
    const error = collector.toError();
    assert.equal(error.code, 'DATASET_INVALID');
    assert.equal(error.field, 'label');
    assert.match(error.message, /^big\.jsonl: line 1 \(label\): bad label \(and 119 more problems\)/);
    assert.equal(error.details?.badRows, MAX_REPORTED_PROBLEMS + 20);
    assert.equal((error.details?.problems as unknown[]).length, MAX_REPORTED_PROBLEMS);
    assert.equal(error.details?.truncated, true);
  });
});

describe('label balance', () => {
  it('counts rows, positives and negatives', () => {
    assert.deepEqual(labelBalance([{ text: 'a', label: 1 }, { text: 'b', label: 0 }, { text: 'c', label: 1 }, { text: 'd', label: 1 }]), {
      rows: 4,
      positives: 3,
      negatives: 1,
      positiveFraction: 0.75,
    });
    assert.deepEqual(labelBalance([]), { rows: 0, positives: 0, negatives: 0, positiveFraction: 0 });
  });
});

describe('split spec', () => {
  it('defaults and validates: one rule for datasets and recipes', () => {
    assert.deepEqual(parseSplitSpec(undefined), DEFAULT_SPLIT_SPEC);
    assert.deepEqual(parseSplitSpec({ seed: 7, validation: 0, test: 0.2 }), { seed: 7, validation: 0, test: 0.2 });
    assert.deepEqual(parseSplitSpec({ test: 0.5 }), { seed: 42, validation: 0.1, test: 0.5 });
    assert.deepEqual(parseSplitSpec({ seed: 4294967295, validation: 0.4, test: 0.5 }), { seed: 4294967295, validation: 0.4, test: 0.5 });
    assert.equal(code(() => parseSplitSpec({ validation: 0.5, test: 0.5 })).field, 'split');
    assert.equal(code(() => parseSplitSpec({ validation: 0.45, test: 0.5 })).field, 'split', 'at least 10 % trains');
    assert.equal(code(() => parseSplitSpec({ seed: -1 })).field, 'split.seed');
    assert.equal(code(() => parseSplitSpec({ seed: 2 ** 32 })).field, 'split.seed');
    assert.equal(code(() => parseSplitSpec({ seed: 1.5 })).field, 'split.seed');
    assert.equal(code(() => parseSplitSpec({ test: 1 })).field, 'split.test');
    assert.equal(code(() => parseSplitSpec({ test: 0 })).field, 'split.test', 'an evaluation needs held-out rows');
    assert.equal(code(() => parseSplitSpec({ test: 'x' })).field, 'split.test');
    assert.equal(code(() => parseSplitSpec({ validation: -0.1 })).field, 'split.validation');
    assert.equal(code(() => parseSplitSpec({ stratify: true })).field, 'split.stratify');
    assert.equal(code(() => parseSplitSpec([])).field, 'split');
    assert.equal(code(() => parseSplitSpec({ test: 0 }, 'recipe.split')).field, 'recipe.split.test');
  });
});

describe('duplicate rule', () => {
  const row = (text: string, label: 0 | 1) => ({ text, label });
  it('keeps a repeated (text, label) once at its first occurrence and drops every row of a text labelled both ways', () => {
    const out = deduplicateRows([row('a', 1), row('b', 0), row('a', 1), row('c', 1), row('b', 1), row('a', 1), row('b', 0), row('d', 0)]);
    assert.deepEqual(out.rows, [row('a', 1), row('c', 1), row('d', 0)]);
    assert.equal(out.duplicatesDropped, 2);
    assert.equal(out.conflictingTexts, 1);
    assert.equal(out.conflictRowsDropped, 3);
  });
  it('decides the same whatever the order of the rows', () => {
    const rows = [row('a', 1), row('b', 0), row('a', 0), row('c', 1), row('c', 1), row('e', 0)];
    const sorted = (list: readonly { text: string; label: number }[]) => [...list].sort((x, y) => x.text.localeCompare(y.text));
    assert.deepEqual(sorted(deduplicateRows(rows).rows), sorted(deduplicateRows([...rows].reverse()).rows));
  });
});

describe('merge', () => {
  it('applies the duplicate rule to the concatenation and records parents once', () => {
    const a = { digest: 'a'.repeat(64), rows: [{ text: 'x', label: 1 as const }, { text: 'y', label: 0 as const }, { text: 'x', label: 1 as const }] };
    const b = { digest: 'b'.repeat(64), rows: [{ text: 'y', label: 0 as const }, { text: 'z', label: 1 as const }, { text: 'x', label: 0 as const }] };
    const plan = mergeDatasets([a, b, a]);
    // The duplicate rule, as for one dataset: 'x' carries both labels, so none of its rows stays.
    assert.deepEqual(plan.rows, [
      { text: 'y', label: 0 },
      { text: 'z', label: 1 },
    ]);
    assert.deepEqual(plan.parentDigests, [a.digest, b.digest]);
    assert.equal(plan.duplicatesDropped, 2);
    assert.equal(plan.conflictingTexts, 1);
    assert.equal(plan.conflictRowsDropped, 5);
    assert.deepEqual(plan.rows, deduplicateRows([...a.rows, ...b.rows, ...a.rows]).rows);
  });
  it('needs two parents', () => {
    assert.equal(code(() => mergeDatasets([{ digest: 'a', rows: [] }])).field, 'parents');
  });
});

describe('vocabularies', () => {
  it('knows origins and file formats', () => {
    assert.deepEqual([...DATASET_ORIGINS], ['fresh-file', 'builtin-corpus', 'vulnerability-corpus', 'merge', 'upload', 'feedback']);
    assert.ok(isDatasetOrigin('merge'));
    assert.ok(!isDatasetOrigin('web'));
    assert.equal(formatOfFileName('a.JSONL'), 'jsonl');
    assert.equal(formatOfFileName('a.ndjson'), 'jsonl');
    assert.equal(formatOfFileName('a.csv'), 'csv');
    assert.equal(formatOfFileName('a.txt'), undefined);
  });
});
