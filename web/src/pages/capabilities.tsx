/**
 * Red team and alerts: capabilities that newer Warden servers add. Each page asks the server's
 * OpenAPI document whether the route is there; without it the page says so, and with it the
 * page shows the server's answer as it comes (tables of whatever it holds), so it lights up
 * without a new dashboard build. No data is ever made up here.
 */
import { useEffect, useState } from 'react';
import { apiRoutes, post } from '../api.js';
import { ActionButton, Badge, JsonView, Section, Show, Unavailable, clipText, fmtNum, fmtTime } from '../components.js';
import { href, useApi, useCan, useRoute } from '../hooks.js';

function Checking() {
  return <p className="muted">Asking the server what it can do…</p>;
}

/**
 * The red team's and alerting's answers, read loosely: those APIs are newer than some servers
 * this page meets, so each field is checked before it is shown and anything unexpected falls
 * back to the generic view.
 */
type Loose = Record<string, unknown>;
const isObject = (value: unknown): value is Loose => typeof value === 'object' && value !== null && !Array.isArray(value);
const listOf = (value: unknown, key: string): Loose[] | undefined => {
  const list = Array.isArray(value) ? value : isObject(value) ? value[key] : undefined;
  return Array.isArray(list) && list.every(isObject) ? list : undefined;
};
const text = (value: unknown): string => (value === null || value === undefined ? '—' : String(value));
const rate = (value: unknown): string => (typeof value === 'number' ? `${fmtNum(100 * value, 1)} %` : '—');
const when = (value: unknown): string => (typeof value === 'number' ? fmtTime(value) : '—');

function RateBar({ value }: { value: unknown }) {
  if (typeof value !== 'number') return <span className="muted">—</span>;
  return (
    <span className="ratebar-cell">
      <span className="ratebar" aria-hidden="true">
        <span className="ratebar-fill" style={{ width: `${Math.round(Math.min(1, Math.max(0, value)) * 100)}%` }} />
      </span>
      <span className="ratebar-text">{rate(value)}</span>
    </span>
  );
}

function Campaigns({ data }: { data: unknown }) {
  const campaigns = listOf(data, 'campaigns');
  if (campaigns === undefined) return <JsonView value={data} />;
  if (campaigns.length === 0) return <p className="muted">No campaigns yet: start one with <code>warden redteam run</code> or POST /redteam/campaigns.</p>;
  return (
    <>
      <table data-testid="campaigns-table">
        <thead>
          <tr>
            <th>Started</th>
            <th>Model</th>
            <th>State</th>
            <th>Verdict</th>
            <th>Attack success rate</th>
            <th className="num">Accuracy under attack</th>
            <th className="num">New vulnerabilities</th>
            <th>Job</th>
          </tr>
        </thead>
        <tbody>
          {campaigns.map((c) => {
            const results = isObject(c.results) ? c.results : undefined;
            const overall = results && isObject(results.overall) ? results.overall : undefined;
            const findings = isObject(c.findings) ? c.findings : undefined;
            return (
              <tr key={text(c.id)}>
                <td>{when(c.createdAt)}</td>
                <td>
                  {text(c.model)} {text(c.semver)}
                </td>
                <td>
                  <Badge kind={`job-${text(c.state)}`}>{text(c.state)}</Badge>
                </td>
                <td>{c.verdict === 'evaded' ? <Badge kind="bad">evaded</Badge> : c.verdict === 'held' ? <Badge kind="ok">held</Badge> : text(c.verdict)}</td>
                <td>
                  <RateBar value={overall?.attackSuccessRate} />
                </td>
                <td className="num">{rate(overall?.accuracyUnderAttack)}</td>
                <td className="num">{text(findings?.new)}</td>
                <td>{typeof c.jobId === 'string' ? <a href={href('jobs', c.jobId)}>job</a> : '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <FamilyRates campaign={campaigns.find((c) => isObject(c.results))} />
    </>
  );
}

function FamilyRates({ campaign }: { campaign: Loose | undefined }) {
  const results = campaign && isObject(campaign.results) ? campaign.results : undefined;
  const families = results ? listOf(results.perFamily, 'perFamily') : undefined;
  if (campaign === undefined || families === undefined) return null;
  return (
    <>
      <h3>
        Success rate per family — newest finished campaign ({text(campaign.model)} {text(campaign.semver)})
      </h3>
      <table data-testid="family-rates">
        <thead>
          <tr>
            <th>Family</th>
            <th>Attack success rate</th>
            <th className="num">Successes</th>
            <th className="num">Failures</th>
            <th className="num">Skipped</th>
            <th className="num">Queries</th>
          </tr>
        </thead>
        <tbody>
          {families.map((f) => (
            <tr key={text(f.family)}>
              <td>{text(f.family)}</td>
              <td>
                <RateBar value={f.attackSuccessRate} />
              </td>
              <td className="num">{text(f.successes)}</td>
              <td className="num">{text(f.failures)}</td>
              <td className="num">{text(f.skipped)}</td>
              <td className="num">{text(f.queries)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** Ledger rows shown: enough to read, not a page of thousands. */
const LEDGER_ROWS = 50;

function Ledger({ data }: { data: unknown }) {
  const entries = listOf(data, 'vulnerabilities');
  if (entries === undefined) return <JsonView value={data} />;
  if (entries.length === 0) return <p className="muted">The ledger is empty: no attack has evaded a model yet.</p>;
  return (
    <>
    <p className="muted small">
      {entries.length > LEDGER_ROWS ? `The newest ${LEDGER_ROWS} of ${entries.length} entries.` : `${entries.length} entries.`} Hover a text for the original it came from.
    </p>
    <table data-testid="vulnerability-ledger">
      <thead>
        <tr>
          <th>Found</th>
          <th>Family / attack</th>
          <th>Model</th>
          <th>Adversarial text</th>
          <th className="num">Score</th>
          <th className="num">Evades</th>
          <th>State</th>
        </tr>
      </thead>
      <tbody>
        {entries.slice(0, LEDGER_ROWS).map((v) => (
          <tr key={text(v.id)}>
            <td>{when(v.createdAt)}</td>
            <td>
              {text(v.family)} / {text(v.attack)}
            </td>
            <td>
              {text(v.model)} #{text(v.version)}
            </td>
            <td className="reason" title={typeof v.original === 'string' ? `original: ${v.original}` : undefined}>
              {clipText(text(v.adversarial), 140)}
            </td>
            <td className="num">{typeof v.score === 'number' ? fmtNum(v.score, 3) : '—'}</td>
            <td className="num">{Array.isArray(v.evades) ? v.evades.length : '—'}</td>
            <td>{text(v.state)}</td>
          </tr>
        ))}
      </tbody>
    </table>
    </>
  );
}

export function RedTeamPage() {
  const hasCampaigns = useRoute('GET /redteam/campaigns');
  const hasLedger = useRoute('GET /redteam/vulnerabilities');
  const campaigns = useApi<unknown>(hasCampaigns ? '/redteam/campaigns' : null, 5_000);
  const ledger = useApi<unknown>(hasLedger ? '/redteam/vulnerabilities' : null, 10_000);
  return (
    <>
      <h1>Red team</h1>
      {hasCampaigns === undefined && <Checking />}
      {hasCampaigns === false && <Unavailable what="Attack campaigns, success rate per family and the vulnerability ledger" route="GET /redteam/campaigns" />}
      {hasCampaigns === true && (
        <Section title="Campaigns">
          <Show loaded={campaigns}>{(data) => <Campaigns data={data} />}</Show>
        </Section>
      )}
      {hasCampaigns === true && hasLedger === true && (
        <Section title="Vulnerability ledger">
          <Show loaded={ledger}>{(data) => <Ledger data={data} />}</Show>
        </Section>
      )}
    </>
  );
}

/** The acknowledge route of this server's alerting, if it has one. */
export function useAcknowledgeRoute(): string | undefined {
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

const SEVERITY_BADGE: Record<string, string> = { critical: 'bad', warning: 'warn', info: 'info' };

export function AlertTable({ data, acknowledge, reload }: { data: unknown; acknowledge: string | undefined; reload: () => void }) {
  const editor = useCan('editor');
  const alerts = listOf(data, 'alerts');
  if (alerts === undefined) return <JsonView value={data} />;
  if (alerts.length === 0) return <p className="muted">No alerts: nothing has breached a rule.</p>;
  return (
    <table data-testid="alerts-table">
      <thead>
        <tr>
          <th>Fired</th>
          <th>Severity</th>
          <th>State</th>
          <th>Model</th>
          <th>Summary</th>
          <th className="num">Value</th>
          <th className="num">Baseline</th>
          <th>Acknowledged</th>
          {editor && acknowledge !== undefined && <th />}
        </tr>
      </thead>
      <tbody>
        {alerts.map((a) => {
          const id = text(a.id);
          const open = a.state === 'open' || a.state === 'firing';
          return (
            <tr key={id}>
              <td>{when(a.firedAt)}</td>
              <td>
                <Badge kind={SEVERITY_BADGE[text(a.severity)] ?? 'muted'}>{text(a.severity)}</Badge>
              </td>
              <td>{open ? <Badge kind="bad">{text(a.state)}</Badge> : <Badge kind="ok">{text(a.state)}</Badge>}</td>
              <td>
                {text(a.model)}
                {typeof a.version === 'number' ? ` #${a.version}` : ''}
              </td>
              <td className="reason">{text(a.summary)}</td>
              <td className="num">{typeof a.value === 'number' ? fmtNum(a.value, 4) : '—'}</td>
              <td className="num">{typeof a.baseline === 'number' ? fmtNum(a.baseline, 4) : '—'}</td>
              <td>
                {typeof a.ackedBy === 'string' ? (
                  <>
                    {a.ackedBy}
                    <div className="small muted">{when(a.ackedAt)}</div>
                  </>
                ) : (
                  '—'
                )}
              </td>
              {editor && acknowledge !== undefined && (
                <td>
                  {open && typeof a.ackedBy !== 'string' && (
                    <ActionButton label="Acknowledge" askReason={false} confirm={`Acknowledge “${clipText(text(a.summary), 80)}”? It records who saw it, and when.`} action={() => post(acknowledge.replace(/\{[^}]+\}/, encodeURIComponent(id)), {}).then(reload)} />
                  )}
                </td>
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function AlertsPage() {
  const has = useRoute('GET /alerts');
  const alerts = useApi<unknown>(has ? '/alerts' : null, 5_000);
  const acknowledge = useAcknowledgeRoute();
  return (
    <>
      <h1>Alerts</h1>
      {has === undefined && <Checking />}
      {has === false && <Unavailable what="Alerts on performance drops, drift, anomalies, failures and red-team results, with acknowledge" route="GET /alerts" />}
      {has === true && (
        <Section title="Alerts, newest fired first">
          <Show loaded={alerts}>{(data) => <AlertTable data={data} acknowledge={acknowledge} reload={alerts.reload} />}</Show>
        </Section>
      )}
    </>
  );
}
