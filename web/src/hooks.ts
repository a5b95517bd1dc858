import { createContext, useCallback, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import { apiRoutes, get } from './api.js';
import type { CurrentToken, Role } from './types.js';

export interface Session extends CurrentToken {
  signOut(): void;
}
export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('useSession outside a signed-in page');
  return session;
}

const RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };
/** Whether the signed-in role may do what needs `role` (the server checks again). */
export function useCan(role: Role): boolean {
  return RANK[useSession().role] >= RANK[role];
}

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
  readonly loading: boolean;
  reload(): void;
}

/** GETs `path` (null: nothing to load), again every `refreshMs` when given, and on reload(). */
export function useApi<T>(path: string | null, refreshMs?: number): Loaded<T> {
  const [state, setState] = useState<{ path: string | null; data?: T; error?: Error; loading: boolean }>({ path, loading: path !== null });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setState((s) => (s.path === path ? { ...s, loading: true } : { path, loading: true }));
    get<T>(path).then(
      (data) => live && setState({ path, data, loading: false }),
      (error: unknown) => live && setState({ path, error: error instanceof Error ? error : new Error(String(error)), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  useEffect(() => {
    if (refreshMs === undefined || path === null) return;
    const timer = window.setInterval(reload, refreshMs);
    return () => window.clearInterval(timer);
  }, [refreshMs, path, reload]);
  const current = state.path === path;
  return { data: current ? state.data : undefined, error: current ? state.error : undefined, loading: !current || state.loading, reload };
}

/** Whether this server has `METHOD /openapi/{path}` (undefined while asking). */
export function useRoute(route: string): boolean | undefined {
  const [has, setHas] = useState<boolean | undefined>(undefined);
  useEffect(() => {
    let live = true;
    apiRoutes().then(
      (routes) => live && setHas(routes.has(route)),
      () => live && setHas(false),
    );
    return () => {
      live = false;
    };
  }, [route]);
  return has;
}

function subscribeHash(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/** The page path from the URL fragment (`#/models/spam` → ['models', 'spam']) and its query. */
export function useHashRoute(): { parts: string[]; params: URLSearchParams } {
  const hash = useSyncExternalStore(subscribeHash, () => window.location.hash);
  const [path = '', search = ''] = hash.replace(/^#\/?/, '').split('?');
  return { parts: path.split('/').filter((p) => p !== '').map(decodeURIComponent), params: new URLSearchParams(search) };
}

export function href(...parts: Array<string | number>): string {
  return `#/${parts.map((p) => encodeURIComponent(String(p))).join('/')}`;
}
