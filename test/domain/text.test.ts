/** Text within a length limit (src/domain/text.ts). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { truncateText } from '../../src/domain/text.js';

describe('truncateText', () => {
  it('keeps short texts and cuts long ones to the limit with an ellipsis, never inside a surrogate pair', () => {
    assert.equal(truncateText('short', 10), 'short');
    assert.equal(truncateText('x'.repeat(10), 10), 'x'.repeat(10));
    const cut = truncateText('x'.repeat(500), 200);
    assert.equal(cut.length, 200);
    assert.ok(cut.endsWith('…'));
    const emoji = truncateText(`${'a'.repeat(198)}😀tail`, 200);
    assert.ok(emoji.length <= 200);
    assert.ok(!/[\ud800-\udbff]…$/.test(emoji));
  });

  it('leaves no whitespace before the ellipsis when the cut falls after a space', () => {
    assert.equal(truncateText('quarterly planning review', 20), 'quarterly planning…');
  });
});
