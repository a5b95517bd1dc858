import { WardenError, invalid } from '../errors.js';
import { RUN_STATUSES, isRunStatus, type RunStatus } from './run.js';
import { DATA_KEY_PATTERN, truncate } from './run-data.js';

/**
 * Run search: a filter of comparisons joined with `and`, one ordering, and pages.
 *
 *   metrics.eval_f1 > 0.9 and params.lr = '0.1' and tags.team = "mail" and status = 'FINISHED'
 *
 * - `metrics.<key>` compares the run's latest value of the metric with a number (= != > >= < <=).
 * - `params.<key>` and `tags.<key>` compare text, with = or !=, against a quoted string.
 * - `status`, `name` (= or != a quoted string) and `start_time`, `end_time` (numbers, ms).
 * - A run without the named metric, param or tag never matches a comparison on it.
 * - Keys with other characters can be quoted with backticks: metrics.`f1 score`.
 * Order: `metrics.<key> [ASC|DESC]`, `start_time`, `end_time` or `name`; runs missing the
 * metric come last; ties break on start time (newest first) then id.
 */

export const FILTER_OPERATORS = ['=', '!=', '>', '>=', '<', '<='] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];
export type EqualityOperator = '=' | '!=';

export const RUN_SEARCH_DEFAULT_LIMIT = 100;
export const RUN_SEARCH_MAX_LIMIT = 5_000;
export const MAX_FILTER_LENGTH = 4_000;
export const MAX_FILTER_CLAUSES = 20;

export type RunFilterClause =
  | { readonly kind: 'metric'; readonly key: string; readonly op: FilterOperator; readonly value: number }
  | { readonly kind: 'param'; readonly key: string; readonly op: EqualityOperator; readonly value: string }
  | { readonly kind: 'tag'; readonly key: string; readonly op: EqualityOperator; readonly value: string }
  | { readonly kind: 'status'; readonly op: EqualityOperator; readonly value: RunStatus }
  | { readonly kind: 'name'; readonly op: EqualityOperator; readonly value: string }
  | { readonly kind: 'start_time' | 'end_time'; readonly op: FilterOperator; readonly value: number };

export type RunOrder =
  | { readonly kind: 'metric'; readonly key: string; readonly direction: 'ASC' | 'DESC' }
  | { readonly kind: 'start_time' | 'end_time' | 'name'; readonly direction: 'ASC' | 'DESC' };

export const DEFAULT_RUN_ORDER: RunOrder = { kind: 'start_time', direction: 'DESC' };

/** A validated search: what a store needs to answer one page. */
export interface RunSearchQuery {
  readonly experimentIds: readonly string[];
  readonly filter: readonly RunFilterClause[];
  readonly orderBy: RunOrder;
  readonly offset: number;
  readonly limit: number;
}

export interface RunSearchInput {
  experimentIds?: readonly string[] | undefined;
  filter?: string | undefined;
  orderBy?: string | undefined;
  limit?: number | undefined;
  pageToken?: string | undefined;
}

export interface RunSearchPage<T> {
  readonly runs: readonly T[];
  /** Pass back as `pageToken` for the next page; absent on the last page. */
  readonly nextPageToken?: string;
}

interface Token {
  readonly type: 'word' | 'string' | 'number' | 'op' | 'dot' | 'quoted-key';
  readonly text: string;
  /** 1-based column of the token's first character. */
  readonly at: number;
}

function filterError(field: string, at: number, message: string): WardenError {
  return new WardenError('VALIDATION_FAILED', `${field}: at character ${at}: ${message}`, { field, details: { position: at } });
}

function tokenize(text: string, field: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    const at = i + 1;
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= text.length) throw filterError(field, at, `the quote ${c} is never closed`);
        const d = text[j] as string;
        if (d === c) {
          // A doubled quote stands for the quote itself: 'O''Brien'.
          if (text[j + 1] === c) {
            value += c;
            j += 2;
            continue;
          }
          break;
        }
        value += d;
        j += 1;
      }
      tokens.push({ type: c === '`' ? 'quoted-key' : 'string', text: value, at });
      i = j + 1;
    } else if (c === '.' && !/[0-9]/.test(text[i + 1] ?? '')) {
      tokens.push({ type: 'dot', text: '.', at });
      i += 1;
    } else if ('=!<>'.includes(c)) {
      const two = text.slice(i, i + 2);
      const op = ['!=', '>=', '<=', '=='].includes(two) ? two : c;
      if (op === '!') throw filterError(field, at, "'!' must be followed by '=' (use !=)");
      tokens.push({ type: 'op', text: op === '==' ? '=' : op, at });
      i += op.length;
    } else if (/[-+0-9.]/.test(c)) {
      const match = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/.exec(text.slice(i));
      if (match === null) throw filterError(field, at, `unexpected '${c}'`);
      tokens.push({ type: 'number', text: match[0], at });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      // Words run over key characters too, so `metrics.eval-f1/macro` stays one key.
      const match = /^[A-Za-z0-9_\-/]+/.exec(text.slice(i)) as RegExpExecArray;
      tokens.push({ type: 'word', text: match[0], at });
      i += match[0].length;
    } else {
      throw filterError(field, at, `unexpected character '${c}'`);
    }
  }
  return tokens;
}

const ENTITY_PREFIXES: Readonly<Record<string, 'metric' | 'param' | 'tag' | 'attribute'>> = {
  metrics: 'metric',
  metric: 'metric',
  params: 'param',
  param: 'param',
  tags: 'tag',
  tag: 'tag',
  attributes: 'attribute',
  attribute: 'attribute',
  attr: 'attribute',
  run: 'attribute',
};

type Attribute = 'status' | 'name' | 'start_time' | 'end_time';
const ATTRIBUTE_ALIASES: Readonly<Record<string, Attribute>> = {
  status: 'status',
  name: 'name',
  run_name: 'name',
  start_time: 'start_time',
  end_time: 'end_time',
};

type Identifier = { kind: 'metric' | 'param' | 'tag'; key: string } | { kind: 'attribute'; attribute: Attribute };

class Cursor {
  private index = 0;
  constructor(
    private readonly tokens: readonly Token[],
    private readonly field: string,
    private readonly length: number,
  ) {}

  peek(): Token | undefined {
    return this.tokens[this.index];
  }

  next(expected: string): Token {
    const token = this.tokens[this.index];
    if (token === undefined) throw filterError(this.field, this.length + 1, `expected ${expected}, but the text ends`);
    this.index += 1;
    return token;
  }

  done(): boolean {
    return this.index >= this.tokens.length;
  }

  error(token: Token, message: string): WardenError {
    return filterError(this.field, token.at, message);
  }
}

/**
 * Reads `metrics.x`, `params.x`, `tags.x`, `attributes.status` or a bare attribute.
 * Keys may contain dots (`metrics.eval.f1`): the key runs until whitespace or an operator.
 */
function readIdentifier(cursor: Cursor): Identifier {
  const head = cursor.next('metrics.<key>, params.<key>, tags.<key> or an attribute (status, name, start_time, end_time)');
  if (head.type !== 'word') {
    throw cursor.error(head, `expected metrics.<key>, params.<key>, tags.<key> or an attribute, found '${truncate(head.text, 20)}'`);
  }
  const prefix = ENTITY_PREFIXES[head.text.toLowerCase()];
  const dot = cursor.peek();
  if (prefix === undefined || dot?.type !== 'dot') {
    const attribute = ATTRIBUTE_ALIASES[head.text.toLowerCase()];
    if (attribute === undefined) {
      throw cursor.error(head, `unknown field '${truncate(head.text, 30)}'; use metrics.<key>, params.<key>, tags.<key>, status, name, start_time or end_time`);
    }
    return { kind: 'attribute', attribute };
  }
  cursor.next('.');
  const first = cursor.next(`a key after '${head.text}.'`);
  let key: string;
  if (first.type === 'quoted-key' || first.type === 'string') {
    key = first.text;
  } else if (first.type === 'word' || first.type === 'number') {
    key = first.text;
    // Dotted keys: keep joining while a dot follows directly.
    for (let t = cursor.peek(); t?.type === 'dot'; t = cursor.peek()) {
      cursor.next('.');
      const part = cursor.next(`the rest of the key '${key}.'`);
      if (part.type !== 'word' && part.type !== 'number') throw cursor.error(part, `expected the rest of the key '${key}.'`);
      key += `.${part.text}`;
    }
  } else {
    throw cursor.error(first, `expected a key after '${head.text}.'`);
  }
  if (prefix === 'attribute') {
    const attribute = ATTRIBUTE_ALIASES[key.toLowerCase()];
    if (attribute === undefined) throw cursor.error(first, `unknown attribute '${truncate(key, 30)}'; use status, name, start_time or end_time`);
    return { kind: 'attribute', attribute };
  }
  if (!DATA_KEY_PATTERN.test(key) && first.type !== 'quoted-key') {
    throw cursor.error(first, `'${truncate(key, 30)}' is not a valid ${prefix} key`);
  }
  return { kind: prefix, key };
}

function describeIdentifier(id: Identifier): string {
  return id.kind === 'attribute' ? id.attribute : `${id.kind}s.${id.key}`;
}

function readClause(cursor: Cursor): RunFilterClause {
  const id = readIdentifier(cursor);
  const name = describeIdentifier(id);
  const opToken = cursor.next(`an operator (=, !=, >, >=, <, <=) after ${name}`);
  if (opToken.type !== 'op') throw cursor.error(opToken, `expected an operator (=, !=, >, >=, <, <=) after ${name}, found '${truncate(opToken.text, 20)}'`);
  const op = opToken.text as FilterOperator;
  const literal = cursor.next(`a value after ${name} ${op}`);
  const timeAttribute = id.kind === 'attribute' && (id.attribute === 'start_time' || id.attribute === 'end_time') ? id.attribute : undefined;
  if (id.kind === 'metric' || timeAttribute !== undefined) {
    if (literal.type !== 'number') throw cursor.error(literal, `${name} compares numbers; expected a number after ${op}, found '${truncate(literal.text, 20)}'`);
    const value = Number(literal.text);
    if (!Number.isFinite(value)) throw cursor.error(literal, `'${literal.text}' is not a finite number`);
    if (id.kind === 'metric') return { kind: 'metric', key: id.key, op, value };
    return { kind: timeAttribute as 'start_time' | 'end_time', op, value };
  }
  if (op !== '=' && op !== '!=') throw cursor.error(opToken, `${name} compares text; only = and != are allowed, not ${op}`);
  if (literal.type !== 'string') {
    throw cursor.error(literal, `${name} compares text; put the value in quotes, e.g. ${name} ${op} '${truncate(literal.text, 20)}'`);
  }
  if (id.kind !== 'attribute') return { kind: id.kind === 'tag' ? 'tag' : 'param', key: id.key, op, value: literal.text };
  if (id.attribute === 'status') {
    if (!isRunStatus(literal.text)) throw cursor.error(literal, `status '${truncate(literal.text, 20)}' is not one of ${RUN_STATUSES.join(', ')}`);
    return { kind: 'status', op, value: literal.text };
  }
  return { kind: 'name', op, value: literal.text };
}

/** Parses a filter string; an empty or absent filter matches every run. Errors name the character position. */
export function parseRunFilter(text: string | undefined, field = 'filter'): RunFilterClause[] {
  if (text === undefined || text.trim() === '') return [];
  if (text.length > MAX_FILTER_LENGTH) throw invalid(field, `${field} is longer than ${MAX_FILTER_LENGTH} characters`);
  const cursor = new Cursor(tokenize(text, field), field, text.length);
  const clauses: RunFilterClause[] = [readClause(cursor)];
  while (!cursor.done()) {
    const joiner = cursor.next('and');
    if (joiner.type !== 'word' || joiner.text.toLowerCase() !== 'and') {
      const hint = joiner.type === 'word' && joiner.text.toLowerCase() === 'or' ? ' (only and is supported)' : '';
      throw cursor.error(joiner, `expected 'and' between comparisons, found '${truncate(joiner.text, 20)}'${hint}`);
    }
    clauses.push(readClause(cursor));
    if (clauses.length > MAX_FILTER_CLAUSES) throw invalid(field, `${field} has more than ${MAX_FILTER_CLAUSES} comparisons`);
  }
  return clauses;
}

/** Parses `metrics.<key> [ASC|DESC]`, `start_time`, `end_time` or `name` (default direction DESC for metrics and times, ASC for name). */
export function parseRunOrder(text: string | undefined, field = 'order_by'): RunOrder {
  if (text === undefined || text.trim() === '') return DEFAULT_RUN_ORDER;
  if (text.length > 300) throw invalid(field, `${field} is longer than 300 characters`);
  const cursor = new Cursor(tokenize(text, field), field, text.length);
  const id = readIdentifier(cursor);
  let direction: 'ASC' | 'DESC' | undefined;
  if (!cursor.done()) {
    const dir = cursor.next('ASC or DESC');
    const upper = dir.text.toUpperCase();
    if (dir.type !== 'word' || (upper !== 'ASC' && upper !== 'DESC')) throw cursor.error(dir, `expected ASC or DESC, found '${truncate(dir.text, 20)}'`);
    direction = upper;
  }
  if (!cursor.done()) {
    const extra = cursor.next('the end');
    throw cursor.error(extra, `unexpected '${truncate(extra.text, 20)}'; order by one field: metrics.<key>, start_time, end_time or name`);
  }
  if (id.kind === 'metric') return { kind: 'metric', key: id.key, direction: direction ?? 'DESC' };
  if (id.kind === 'attribute' && id.attribute !== 'status') {
    return { kind: id.attribute, direction: direction ?? (id.attribute === 'name' ? 'ASC' : 'DESC') };
  }
  throw invalid(field, `${field}: runs can be ordered by metrics.<key>, start_time, end_time or name, not ${describeIdentifier(id)}`);
}

/** FNV-1a over the query's shape: a page token only continues the query that made it. */
function fingerprint(experimentIds: readonly string[], filter: readonly RunFilterClause[], orderBy: RunOrder): string {
  const text = JSON.stringify([experimentIds, filter, orderBy]);
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36);
}

function encodeToken(offset: number, print: string): string {
  return btoa(`${offset}:${print}`).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

function decodeToken(token: string, field: string): { offset: number; print: string } {
  const bad = (): WardenError => invalid(field, `${field} is not a token returned by this search; start again without it`);
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(token)) throw bad();
  let text: string;
  try {
    text = atob(token.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    throw bad();
  }
  const match = /^(\d{1,12}):([0-9a-z]+)$/.exec(text);
  if (match === null) throw bad();
  return { offset: Number(match[1]), print: match[2] as string };
}

/** Validates a whole search request; errors name `filter`, `order_by`, `limit` or `page_token`. */
export function parseRunSearch(input: RunSearchInput): RunSearchQuery {
  const experimentIds = [...new Set(input.experimentIds ?? [])].sort();
  experimentIds.forEach((id, i) => {
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw invalid(`experiment_ids[${i}]`, 'experiment ids are 1-64 letters, digits, _ or -');
  });
  const filter = parseRunFilter(input.filter);
  const orderBy = parseRunOrder(input.orderBy);
  const limit = input.limit ?? RUN_SEARCH_DEFAULT_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > RUN_SEARCH_MAX_LIMIT) {
    throw invalid('limit', `limit must be a whole number from 1 to ${RUN_SEARCH_MAX_LIMIT}`);
  }
  let offset = 0;
  if (input.pageToken !== undefined && input.pageToken !== '') {
    const token = decodeToken(input.pageToken, 'page_token');
    if (token.print !== fingerprint(experimentIds, filter, orderBy)) {
      throw invalid('page_token', 'page_token belongs to a different search (filter, order or experiments changed); start again without it');
    }
    offset = token.offset;
  }
  return { experimentIds, filter, orderBy, offset, limit };
}

/**
 * The token of the page after `query`, or undefined when `fetched` shows there is none.
 * Stores fetch `limit + 1` rows: the extra row only says that another page exists.
 */
export function nextPageToken(query: RunSearchQuery, fetched: number): string | undefined {
  if (fetched <= query.limit) return undefined;
  return encodeToken(query.offset + query.limit, fingerprint(query.experimentIds, query.filter, query.orderBy));
}

/** Offset tokens for plain lists (experiments, metric history). */
export function encodeOffsetToken(offset: number, scope: string): string {
  return encodeToken(offset, fingerprint([scope], [], DEFAULT_RUN_ORDER));
}

export function decodeOffsetToken(token: string | undefined, scope: string, field = 'page_token'): number {
  if (token === undefined || token === '') return 0;
  const decoded = decodeToken(token, field);
  if (decoded.print !== fingerprint([scope], [], DEFAULT_RUN_ORDER)) throw invalid(field, `${field} belongs to a different list; start again without it`);
  return decoded.offset;
}
