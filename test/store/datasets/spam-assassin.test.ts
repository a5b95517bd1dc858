import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { htmlToText, loadSpamAssassin, messageToText } from '../../../src/store/datasets/spam-assassin.js';

const raw = [
  'From: "Deals" <deals@example.com>',
  'Subject: Cheap',
  '  meds today',
  'X-Spam-Status: Yes, hits=12.3',
  'X-Keywords: spam',
  'Content-Type: multipart/alternative; boundary="XYZ"',
  '',
  'preamble',
  '--XYZ',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('Buy now, très cheap').toString('base64'),
  '--XYZ',
  'Content-Type: text/html',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  '<b>50% off=',
  '</b> a=3Db',
  '--XYZ',
  'Content-Type: image/gif',
  'Content-Transfer-Encoding: base64',
  '',
  'R0lGODlhAQABAAAAACw=',
  '--XYZ--',
  '',
].join('\n');

describe('SpamAssassin loader', () => {
  it('keeps the unfolded Subject and the decoded text parts, drops binary parts', () => {
    const text = messageToText(raw);
    assert.ok(text.startsWith('Subject: Cheap meds today\n\n'));
    assert.match(text, /Buy now, très cheap/);
    assert.match(text, /<b>50% off<\/b> a=b/);
    assert.match(text, /\[attachment image\/gif\]/);
    assert.doesNotMatch(text, /R0lGOD|preamble|X-Spam/);
  });

  it("html: 'text' keeps the visible text of HTML parts after an [html] marker; plain parts untouched", () => {
    const text = messageToText(raw, { html: 'text' });
    assert.match(text, /\[html\] +50% off +a=b/);
    assert.doesNotMatch(text, /<b>/);
    assert.match(text, /Buy now, très cheap/);
    assert.equal(
      htmlToText('<style>p{color:red}</style><p>Win&nbsp;&#36;5 &amp; &#x263A; &bogus;</p><!-- hidden --><script>x()</script>'),
      '  Win $5 & ☺ &bogus;   ',
    );
  });

  it('with all headers, still drops the label-leaking ones', () => {
    const text = messageToText(raw, { headers: 'all' });
    assert.match(text, /^from: "Deals" <deals@example.com>/);
    assert.doesNotMatch(text, /x-spam-status|x-keywords|hits=12/i);
    assert.ok(!messageToText(raw, { headers: 'none' }).includes('Subject'));
  });

  it('loads the 6,046 messages, 1,896 of them spam, labelled by group only', () => {
    const rows = loadSpamAssassin();
    assert.equal(rows.length, 6046);
    assert.equal(rows.filter((r) => r.label === 1).length, 1896);
    assert.ok(rows.every((r) => (r.label === 1) === r.group.startsWith('spam')));
    assert.ok(rows.every((r) => !/^x-spam-/im.test(r.text.split('\n\n')[0]!)));
  });
});
