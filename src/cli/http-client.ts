/**
 * The CLI's only way to the platform: JSON over HTTP to WARDEN_URL with WARDEN_TOKEN.
 * An error answer becomes a CliError whose message is one clear line
 * (`VERSION_NOT_FOUND: model "spam" has no version 7`) and whose exit code says
 * what kind of failure it was.
 */
import { ERROR_CATALOG, type ErrorKind } from '../domain/errors.js';
import { CLI_COMMAND } from './command-name.js';

/** Exit codes: 2 usage/validation, 3 not found, 4 conflict, 5 auth, 1 anything else. */
export const EXIT_CODES = { ok: 0, other: 1, usage: 2, notFound: 3, conflict: 4, auth: 5 } as const;

const EXIT_CODE_BY_KIND: Record<ErrorKind, number> = {
  invalid: EXIT_CODES.usage,
  unauthenticated: EXIT_CODES.auth,
  forbidden: EXIT_CODES.auth,
  not_found: EXIT_CODES.notFound,
  conflict: EXIT_CODES.conflict,
  too_large: EXIT_CODES.usage,
  integrity: EXIT_CODES.other,
  unavailable: EXIT_CODES.other,
  internal: EXIT_CODES.other,
};

function exitCodeForStatus(status: number): number {
  if (status === 400 || status === 413) return EXIT_CODES.usage;
  if (status === 401 || status === 403) return EXIT_CODES.auth;
  if (status === 404) return EXIT_CODES.notFound;
  if (status === 409) return EXIT_CODES.conflict;
  return EXIT_CODES.other;
}

/** A failure the CLI reports as `error: <message>` and exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_CODES.other,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Maps an error answer (`{"error":{code,message,field?}}` or anything else) to a CliError. */
export function errorFromResponse(status: number, body: unknown): CliError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (error && typeof error.code === 'string' && typeof error.message === 'string') {
    const kind = (ERROR_CATALOG as Record<string, { kind: ErrorKind } | undefined>)[error.code]?.kind;
    const exitCode = kind ? EXIT_CODE_BY_KIND[kind] : exitCodeForStatus(status);
    let message = `${error.code}: ${error.message}`;
    if (status === 401) message += ' (set WARDEN_TOKEN or pass --token)';
    return new CliError(message, exitCode, error.code);
  }
  return new CliError(`the server answered HTTP ${status} without an error body`, exitCodeForStatus(status));
}

/** CliError code of a request that never reached the server (callers may retry). */
export const UNREACHABLE = 'UNREACHABLE';

export type QueryValue = string | number | boolean | undefined | readonly string[];

export interface RequestOptions {
  readonly body?: unknown;
  readonly query?: Readonly<Record<string, QueryValue>>;
}

export interface SendOptions {
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: RequestOptions['query'];
  /** A JSON text or a streamed upload. */
  readonly body?: string | ReadableStream<Uint8Array>;
  readonly signal?: AbortSignal;
  /** Return a non-2xx Response instead of throwing (for callers that read error details). */
  readonly acceptErrors?: boolean;
}

/**
 * The JSON body of an answer (undefined when empty or not JSON). With `throwOnError`
 * (the default), a non-2xx answer becomes the CliError its error body describes.
 */
export async function readJsonBody(response: Response, throwOnError = true): Promise<unknown> {
  const text = await response.text();
  let body: unknown = undefined;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  if (throwOnError && !response.ok) throw errorFromResponse(response.status, body);
  return body;
}

export class HttpClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  get<T>(path: string, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, { body });
  }

  put<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }

  patch<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body });
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  /** Sends one request; resolves with the parsed JSON body of a 2xx answer, throws CliError otherwise. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.send(method, path, {
      headers,
      ...(options.query ? { query: options.query } : {}),
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    return (await readJsonBody(response)) as T;
  }

  /**
   * The one place a request leaves the CLI: URL, bearer token, and a CliError (code
   * UNREACHABLE) when the server cannot be reached. A non-2xx answer throws the server's
   * error unless `acceptErrors` is set; streaming callers read the Response themselves.
   */
  async send(method: string, path: string, options: SendOptions = {}): Promise<Response> {
    const url = new URL(path.replace(/^\//, ''), this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) url.searchParams.append(key, String(item));
      else url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { ...options.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: options.body }),
        // A streamed request body needs half-duplex in Node's fetch.
        ...(typeof options.body === 'object' ? { duplex: 'half' } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      } as RequestInit);
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        `cannot reach Warden at ${this.baseUrl} (${cause?.code ?? cause?.message ?? (error as Error).message}); start it with \`npm start\` (or \`${CLI_COMMAND} server\`) or set WARDEN_URL`,
        EXIT_CODES.other,
        UNREACHABLE,
      );
    }
    if (!response.ok && !options.acceptErrors) throw errorFromResponse(response.status, await readJsonBody(response, false));
    return response;
  }
}
