import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { everydayMessages, everydayMessagesCorpus } from '../../../src/store/datasets/everyday-messages.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/short-messages.jsonl', import.meta.url));

/** Lower-cased word sequences of length `n` (letters, digits and apostrophes make a word). */
function shingles(text: string, n: number): Set<string> {
  const words = text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
  const out = new Set<string>();
  for (let i = 0; i + n <= words.length; i++) out.add(words.slice(i, i + n).join(' '));
  return out;
}

describe('everyday-messages corpus', () => {
  const rows = everydayMessages();

  it('is deterministic, labelled 0/1 with both classes, short, and free of duplicate texts', async () => {
    assert.deepEqual(everydayMessages(), rows);
    assert.deepEqual(await everydayMessagesCorpus.load(), rows);
    const benign = rows.filter((r) => r.label === 0).length;
    const malicious = rows.filter((r) => r.label === 1).length;
    assert.equal(benign + malicious, rows.length);
    assert.ok(benign >= 800 && malicious >= 200, `${benign} benign, ${malicious} malicious`);
    assert.equal(new Set(rows.map((r) => r.text)).size, rows.length);
    assert.ok(rows.every((r) => r.text.length > 0 && r.text.length < 200 && !/\{\w+\}/.test(r.text)), 'every slot filled, every row a short message');
  });

  it('copies nothing from the hand-written evaluation set (no shared text, no shared run of six words)', () => {
    const fixture = fs
      .readFileSync(FIXTURE, 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { text: string }).text);
    const held = new Set(fixture.map((t) => t.trim().toLowerCase()));
    const heldShingles = new Set(fixture.flatMap((t) => [...shingles(t, 6)]));
    for (const { text } of rows) {
      assert.equal(held.has(text.trim().toLowerCase()), false, text);
      for (const s of shingles(text, 6)) assert.equal(heldShingles.has(s), false, `${JSON.stringify(text)} shares "${s}" with the fixture`);
    }
  });
});
