/**
 * The CLI's only way to the platform: JSON over HTTP to WARDEN_URL with WARDEN_TOKEN.
 * An error answer becomes a CliError whose message is one clear line
 * (`VERSION_NOT_FOUND: model "spam" has no version 7`) and whose exit code says
 * what kind of failure it was.
 */
import { ERROR_CATALOG, type ErrorKind } from '../domain/errors.js';

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

export type QueryValue = string | number | boolean | undefined | readonly string[];

export interface RequestOptions {
  readonly body?: unknown;
  readonly query?: Readonly<Record<string, QueryValue>>;
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
    const url = new URL(path.replace(/^\//, ''), this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) url.searchParams.append(key, String(item));
      else url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        `cannot reach Warden at ${this.baseUrl} (${cause?.code ?? cause?.message ?? (error as Error).message}); start it with \`warden server\` or set WARDEN_URL`,
        EXIT_CODES.other,
      );
    }
    const text = await response.text();
    let body: unknown = undefined;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
    }
    if (!response.ok) throw errorFromResponse(response.status, body);
    return body as T;
  }
}
