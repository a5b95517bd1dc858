/**
 * Pino's JSON log lines as one readable line each, for a person at a terminal
 * (WARDEN_LOG_FORMAT=pretty, or auto on a TTY):
 *
 *   09:41:07.512 INFO  request reqId=3f2a… method=POST url=/jobs/train status=202 ms=4.1
 *
 * A few lines of our own instead of pino-pretty: nothing more to load at start-up, and the
 * format needs no options. An error's stack follows its line, indented.
 */

/** What pino writes to (a stream's `write` is enough). */
export interface LogSink {
  write(text: string): unknown;
}

const LEVELS: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields every line has, or that say nothing on one machine's terminal. */
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

function fieldValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/** One JSON record → `HH:MM:SS.mmm LEVEL message key=value …` (+ indented stack lines). */
export function formatLogRecord(record: Record<string, unknown>): string {
  const time = typeof record.time === 'number' ? new Date(record.time).toISOString().slice(11, 23) : '--:--:--.---';
  const level = (LEVELS[record.level as number] ?? String(record.level)).padEnd(5);
  const parts = [time, level, typeof record.msg === 'string' ? record.msg : ''];
  let stack: string | undefined;
  for (const [key, value] of Object.entries(record)) {
    if (HIDDEN.has(key) || value === undefined) continue;
    if (key === 'err' && value !== null && typeof value === 'object') {
      const err = value as { type?: string; message?: string; stack?: string };
      parts.push(`err=${fieldValue(`${err.type ?? 'Error'}: ${err.message ?? ''}`)}`);
      stack = err.stack;
      continue;
    }
    parts.push(`${key}=${fieldValue(value)}`);
  }
  const line = parts.filter((part) => part !== '').join(' ');
  const trace = stack
    ?.split('\n')
    .slice(1)
    .map((frame) => `    ${frame.trim()}`)
    .join('\n');
  return trace ? `${line}\n${trace}` : line;
}

/** A sink for pino that writes each JSON line to `out` in the readable form; anything else passes through. */
export function prettyLogStream(out: LogSink): LogSink {
  return {
    write(text: string) {
      for (const line of text.split('\n')) {
        if (line === '') continue;
        let record: unknown;
        try {
          record = JSON.parse(line);
        } catch {
          out.write(`${line}\n`);
          continue;
        }
        out.write(`${record !== null && typeof record === 'object' ? formatLogRecord(record as Record<string, unknown>) : line}\n`);
      }
      return true;
    },
  };
}
