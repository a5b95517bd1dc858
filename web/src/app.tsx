import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { ApiError, request, storeToken, storedToken, whenUnauthenticated } from './api.js';
import { ErrorBox } from './components.js';
import { SessionContext, href, useHashRoute, type Session } from './hooks.js';
import type { CurrentToken } from './types.js';
import { ModelsPage } from './pages/models.js';
import { ModelPage } from './pages/model.js';
import { RunsPage } from './pages/runs.js';
import { JobsPage } from './pages/jobs.js';
import { DeploymentsPage } from './pages/deployments.js';
import { AlertsPage, RedTeamPage } from './pages/capabilities.js';
import { MonitoringPage } from './pages/monitoring.js';

const NAV = [
  ['models', 'Models'],
  ['runs', 'Runs'],
  ['jobs', 'Jobs'],
  ['deployments', 'Deployments'],
  ['monitoring', 'Monitoring'],
  ['redteam', 'Red team'],
  ['alerts', 'Alerts'],
] as const;

function SignIn({ onSignedIn, initialError }: { onSignedIn: (token: string, who: CurrentToken) => void; initialError?: Error }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<Error | undefined>(initialError);
  const [busy, setBusy] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const value = token.trim();
    request<CurrentToken>('GET', '/tokens/current', undefined, value).then(
      (who) => onSignedIn(value, who),
      (e: unknown) => {
        setBusy(false);
        setError(e instanceof ApiError && e.status === 401 ? new Error('That token is not valid (revoked, mistyped, or from another Warden).') : (e as Error));
      },
    );
  };
  return (
    <main className="signin">
      <form onSubmit={submit} className="card">
        <h1>Warden</h1>
        <p className="muted">Sign in with an API token: the admin token printed when the server first started (also in <code>.warden/admin-token</code>), or one issued with <code>warden token create</code>.</p>
        <label>
          Token
          <input type="password" name="token" autoComplete="off" autoFocus value={token} onChange={(e) => setToken(e.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={busy || token.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <ErrorBox error={error} />
      </form>
    </main>
  );
}

function Page() {
  const { parts, params } = useHashRoute();
  const [section = 'models', id] = parts;
  switch (section) {
    case 'models':
      return id === undefined ? <ModelsPage /> : <ModelPage name={id} tab={parts[2] ?? 'versions'} params={params} />;
    case 'runs':
      return <RunsPage runId={id} params={params} />;
    case 'jobs':
      return <JobsPage jobId={id} />;
    case 'deployments':
      return <DeploymentsPage deploymentId={id} params={params} />;
    case 'monitoring':
      return <MonitoringPage model={id} />;
    case 'redteam':
      return <RedTeamPage />;
    case 'alerts':
      return <AlertsPage />;
    default:
      return <p>No page here. <a href={href('models')}>Models</a></p>;
  }
}

export function App() {
  const [who, setWho] = useState<CurrentToken | null>(null);
  const [checking, setChecking] = useState(() => storedToken() !== null);
  const [expired, setExpired] = useState<Error | undefined>(undefined);
  const { parts } = useHashRoute();

  useEffect(() => {
    whenUnauthenticated(() => {
      storeToken(null);
      setWho(null);
      setExpired(new Error('The server no longer accepts this token: sign in again.'));
    });
    if (storedToken() === null) return;
    request<CurrentToken>('GET', '/tokens/current').then(
      (current) => {
        setWho(current);
        setChecking(false);
      },
      () => setChecking(false),
    );
  }, []);

  const session = useMemo<Session | null>(
    () =>
      who === null
        ? null
        : {
            ...who,
            signOut: () => {
              storeToken(null);
              setWho(null);
              setExpired(undefined);
            },
          },
    [who],
  );

  if (checking) return <p className="muted pad">Loading…</p>;
  if (session === null) {
    return (
      <SignIn
        initialError={expired}
        onSignedIn={(token, current) => {
          storeToken(token);
          setExpired(undefined);
          setWho(current);
        }}
      />
    );
  }
  const active = parts[0] ?? 'models';
  return (
    <SessionContext.Provider value={session}>
      <div className="layout">
        <nav className="sidebar">
          <div className="brand">Warden</div>
          {NAV.map(([key, label]) => (
            <a key={key} href={href(key)} className={active === key ? 'active' : ''}>
              {label}
            </a>
          ))}
          <div className="who" data-testid="who">
            <span>{session.name}</span>
            <span className={`badge badge-role-${session.role}`}>{session.role}</span>
            <button type="button" onClick={session.signOut}>
              Sign out
            </button>
          </div>
        </nav>
        <main className="content">
          <Page />
        </main>
      </div>
    </SessionContext.Provider>
  );
}
