/**
 * Monitoring, red team and alerts: capabilities that newer Warden servers add. Each page asks
 * the server's OpenAPI document whether the route is there; without it the page says so, and
 * with it the page shows the server's answer as it comes (tables of whatever it holds), so it
 * lights up without a new dashboard build. No data is ever made up here.
 */
import { useEffect, useState } from 'react';
import { apiRoutes, post } from '../api.js';
import { ActionButton, JsonView, Section, Show, Unavailable } from '../components.js';
import { useApi, useCan, useRoute } from '../hooks.js';
import type { Status } from '../types.js';

function Checking() {
  return <p className="muted">Asking the server what it can do…</p>;
}

function Live({ path, refreshMs }: { path: string; refreshMs: number }) {
  const data = useApi<unknown>(path, refreshMs);
  return <Show loaded={data}>{(value) => <JsonView value={value} />}</Show>;
}

export function MonitoringPage() {
  const has = useRoute('GET /monitoring/{model}');
  const status = useApi<Status>(has ? '/models/status' : null);
  const [model, setModel] = useState<string | undefined>(undefined);
  const chosen = model ?? status.data?.models[0]?.name;
  return (
    <>
      <h1>Monitoring</h1>
      {has === undefined && <Checking />}
      {has === false && <Unavailable what="Live metrics against baseline bands, drift per descriptor, anomalies and resources" route="GET /monitoring/:model" />}
      {has === true && (
        <Section
          title="Live view"
          actions={
            <select aria-label="model" value={chosen ?? ''} onChange={(e) => setModel(e.target.value)}>
              {(status.data?.models ?? []).map((m) => (
                <option key={m.name}>{m.name}</option>
              ))}
            </select>
          }
        >
          {chosen === undefined ? <p className="muted">No models yet.</p> : <Live path={`/monitoring/${encodeURIComponent(chosen)}`} refreshMs={5_000} />}
        </Section>
      )}
    </>
  );
}

export function RedTeamPage() {
  const campaigns = useRoute('GET /redteam/campaigns');
  const vulnerabilities = useRoute('GET /redteam/vulnerabilities');
  return (
    <>
      <h1>Red team</h1>
      {campaigns === undefined && <Checking />}
      {campaigns === false && <Unavailable what="Attack campaigns, success rate per family and the vulnerability ledger" route="GET /redteam/campaigns" />}
      {campaigns === true && (
        <Section title="Campaigns">
          <Live path="/redteam/campaigns" refreshMs={5_000} />
        </Section>
      )}
      {campaigns === true && vulnerabilities === true && (
        <Section title="Vulnerability ledger">
          <Live path="/redteam/vulnerabilities" refreshMs={10_000} />
        </Section>
      )}
    </>
  );
}

/** The acknowledge route of this server's alerting, if it has one (its exact name is newer than this page). */
function useAcknowledgeRoute(): string | undefined {
  const [route, setRoute] = useState<string | undefined>(undefined);
  useEffect(() => {
    let live = true;
    apiRoutes().then(
      (routes) => {
        const found = [...routes].find((r) => /^POST \/alerts\/\{[^}]+\}\/(ack|acknowledge)$/.test(r));
        if (live) setRoute(found?.slice('POST '.length));
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  return route;
}

export function AlertsPage() {
  const has = useRoute('GET /alerts');
  const alerts = useApi<unknown>(has ? '/alerts' : null, 5_000);
  const acknowledge = useAcknowledgeRoute();
  const editor = useCan('editor');
  const list = Array.isArray(alerts.data) ? alerts.data : (alerts.data as { alerts?: unknown[] } | undefined)?.alerts;
  return (
    <>
      <h1>Alerts</h1>
      {has === undefined && <Checking />}
      {has === false && <Unavailable what="Alerts on performance drops, drift, anomalies, failures and red-team results, with acknowledge" route="GET /alerts" />}
      {has === true && (
        <Section title="Alerts">
          <Show loaded={alerts}>{(value) => <JsonView value={value} />}</Show>
          {editor && acknowledge !== undefined && list !== undefined && (
            <div className="toolbar">
              {list
                .map((a) => (a as { id?: unknown }).id)
                .filter((id): id is string => typeof id === 'string')
                .map((id) => (
                  <ActionButton key={id} label={`Acknowledge ${id.slice(0, 8)}`} confirm="Acknowledge this alert?" action={(reason) => post(acknowledge.replace(/\{[^}]+\}/, encodeURIComponent(id)), reason ? { reason } : {}).then(alerts.reload)} />
                ))}
            </div>
          )}
        </Section>
      )}
    </>
  );
}
