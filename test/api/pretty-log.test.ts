import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatLogRecord, prettyLogStream } from '../../src/api/pretty-log.js';

describe('pretty log lines', () => {
  it('formats a record as time, level, message and fields, quoting values with spaces', () => {
    const time = Date.UTC(2026, 11, 1, 9, 41, 7, 512);
    const line = formatLogRecord({ level: 40, time, pid: 1, hostname: 'h', msg: 'fresh data scan', announced: ['spam'], note: 'two words', n: 3 });
    assert.equal(line, '09:41:07.512 WARN  fresh data scan announced=["spam"] note="two words" n=3');
  });

  it("puts an error's type and message on its line and its stack frames below", () => {
    const line = formatLogRecord({ level: 50, time: 0, msg: 'request failed', err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at a (x.js:1:1)\n    at b (y.js:2:2)' } });
    assert.equal(line, '00:00:00.000 ERROR request failed err="Error: boom"\n    at a (x.js:1:1)\n    at b (y.js:2:2)');
  });

  it('rewrites each JSON line written to the stream and passes other text through', () => {
    let out = '';
    const stream = prettyLogStream({ write: (text) => (out += text) });
    stream.write(`${JSON.stringify({ level: 30, time: 0, msg: 'a' })}\n${JSON.stringify({ level: 20, time: 0, msg: 'b' })}\n`);
    stream.write('not json\n');
    assert.equal(out, '00:00:00.000 INFO  a\n00:00:00.000 DEBUG b\nnot json\n');
  });
});
