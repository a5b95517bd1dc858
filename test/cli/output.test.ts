/**
 * The CLI's human output (src/cli/output.ts): how a table gives its columns the width it has.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { shortTime, table, time } from '../../src/cli/output.js';

const widthOf = (text: string): number => Math.max(...text.split('\n').map((line) => line.length));
/** The text of one column, its wrapped lines joined by spaces (cli-table3 pads cells with one space). */
function columnText(rendered: string, column: number): string[] {
  return rendered
    .split('\n')
    .filter((line) => line.startsWith('│'))
    .map((line) => line.split('│')[column + 1]!.trim())
    .filter((text) => text !== '');
}

describe('table', () => {
  const summary = 'retrain: red-team vulnerabilities of task spam reached the threshold';
  const row = { id: '0mx63j2d2892a31c74959', model: 'spam-detector', decided: '2026-12-02T12:22:32Z', outcome: 'retrain', summary };
  const columns = [
    { header: 'id', value: (r: typeof row) => r.id },
    { header: 'model', value: (r: typeof row) => r.model },
    { header: 'decided', value: (r: typeof row) => r.decided },
    { header: 'outcome', value: (r: typeof row) => r.outcome },
    { header: 'summary', value: (r: typeof row) => r.summary },
  ];

  it('fits the width by wrapping text columns at spaces, keeping single tokens whole', () => {
    const rendered = table([row], columns, 100);
    assert.ok(widthOf(rendered) <= 100, rendered);
    const lines = columnText(rendered, 4).slice(1);
    assert.ok(lines.length > 1, rendered);
    assert.equal(lines.join(' '), summary);
    assert.ok(rendered.includes(row.id) && rendered.includes(row.decided), rendered);
  });

  it('never breaks a word of a text column while other text columns could give way', () => {
    const withVersion = { ...row, model: 'spam-detector v1.0' };
    const rendered = table([withVersion], columns, 92);
    assert.ok(widthOf(rendered) <= 92, rendered);
    assert.deepEqual(columnText(rendered, 1).slice(1), ['spam-detector', 'v1.0']);
    const words = columnText(rendered, 4).slice(1).flatMap((line) => line.split(' '));
    assert.deepEqual(words, summary.split(' '));
  });

  it('breaks words only when the table cannot fit otherwise, and words longer than 24 characters always', () => {
    const narrow = table([row], columns, 90);
    assert.ok(widthOf(narrow) <= 90, narrow);
    assert.ok(!columnText(narrow, 4).some((line) => line.split(' ').includes('vulnerabilities')), narrow);
    const url = `see https://example.test/${'a'.repeat(60)}`;
    const pieces = columnText(table([{ ...row, summary: url }], columns, 100), 4).slice(1);
    assert.equal(pieces.join(''), url.replace(' ', ''));
    assert.ok(pieces.length > 2 && pieces.every((piece) => piece.length <= 24), pieces.join('\n'));
  });

  it('a column whose words may break gives way first, so the others keep theirs whole', () => {
    const withVersion = { ...row, model: 'spam-detector v1.0' };
    const breaking = columns.map((column) => (column.header === 'summary' ? { ...column, breaksWords: true } : column));
    const rendered = table([withVersion], breaking, 86);
    assert.ok(widthOf(rendered) <= 86, rendered);
    assert.deepEqual(columnText(rendered, 1).slice(1), ['spam-detector', 'v1.0'], 'the model name stays whole');
    assert.equal(columnText(rendered, 4).slice(1).join('').replace(/ /g, ''), summary.replace(/ /g, ''), 'the summary is all there, broken where it had to');
    const plain = table([withVersion], columns, 86);
    assert.notDeepEqual(columnText(plain, 1).slice(1), ['spam-detector', 'v1.0'], 'without it, the table this narrow breaks the model name');
  });
});

describe('time', () => {
  it('prints ISO-8601 to the second, or to the minute without the year for list tables', () => {
    const at = Date.UTC(2026, 11, 2, 12, 22, 32, 500);
    assert.equal(time(at), '2026-12-02T12:22:32Z');
    assert.equal(shortTime(at), '12-02T12:22');
    assert.equal(time(null), '');
    assert.equal(shortTime(undefined), '');
  });
});
