/**
 * The dashboard's only way to the server: same-origin fetches with the signed-in token. Errors
 * arrive as the API's `{error: {code, message, field?}}` and become ApiError with that message.
 */
const TOKEN_KEY = 'warden.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** Called when the server no longer accepts the token (revoked, expired): the app signs out. */
let onUnauthenticated: () => void = () => {};
export function whenUnauthenticated(handler: () => void): void {
  onUnauthenticated = handler;
}

function headers(token: string | null, json: boolean): HeadersInit {
  const out: Record<string, string> = { accept: 'application/json' };
  if (token !== null) out.authorization = `Bearer ${token}`;
  if (json) out['content-type'] = 'application/json';
  return out;
}

async function failure(response: Response): Promise<ApiError> {
  let code = `HTTP_${response.status}`;
  let message = response.statusText || `HTTP ${response.status}`;
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string; field?: string } };
    if (body.error?.code) code = body.error.code;
    if (body.error?.message) message = body.error.field ? `${body.error.message} (${body.error.field})` : body.error.message;
  } catch {
    // Not JSON (a proxy's page): the status line says enough.
  }
  return new ApiError(response.status, code, message);
}

export async function request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, token = storedToken()): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: headers(token, body !== undefined),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) {
    const error = await failure(response);
    if (error.status === 401 && token !== null) onUnauthenticated();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const get = <T>(path: string) => request<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}) => request<T>('POST', path, body);

/** `?a=1&b=x` from the defined entries, encoded. */
export function query(params: Record<string, string | number | boolean | undefined>): string {
  const entries = Object.entries(params).filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined);
  return entries.length === 0 ? '' : `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}`;
}

export type SseHandler = (event: string, data: unknown) => void;

/**
 * Follows a Server-Sent Events route with the bearer token (EventSource cannot send one):
 * reads the stream and hands each `event:`/`data:` pair on. Resolves when the server ends the
 * stream; `signal` stops it.
 */
export async function followEvents(path: string, onEvent: SseHandler, signal: AbortSignal): Promise<void> {
  const response = await fetch(path, { headers: { ...headers(storedToken(), false), accept: 'text/event-stream' }, signal });
  if (!response.ok || response.body === null) throw await failure(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue; // a comment: the heartbeat
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length > 0) onEvent(event, JSON.parse(data.join('\n')) as unknown);
    }
  }
}

/** The paths of the OpenAPI document (public), fetched once: which capabilities this server has. */
let routes: Promise<ReadonlySet<string>> | undefined;
export function apiRoutes(): Promise<ReadonlySet<string>> {
  routes ??= request<{ paths?: Record<string, Record<string, unknown>> }>('GET', '/docs/json', undefined, null)
    .then((doc) => {
      const out = new Set<string>();
      for (const [path, methods] of Object.entries(doc.paths ?? {})) for (const method of Object.keys(methods)) out.add(`${method.toUpperCase()} ${path}`);
      return out;
    })
    .catch((error: unknown) => {
      routes = undefined; // ask again next time
      throw error;
    });
  return routes;
}
