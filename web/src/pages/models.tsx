import { Badge, Section, Show, StageBadge, fmtAgo, fmtMetric } from '../components.js';
import { href, useApi, useRoute } from '../hooks.js';
import type { Deployment, Status, StatusModel } from '../types.js';
import type { MonitoringSummary } from './monitoring.js';

/** The metrics a security classifier is judged by, in the order the table shows them. */
export const KEY_METRICS = ['eval_accuracy', 'eval_f1', 'eval_precision', 'eval_recall'] as const;

/** Firing alerts of one model, when this server has alerting; the shape is read loosely since that API is newer than this page. */
function firingFor(alerts: unknown, model: string): number | undefined {
  const list = Array.isArray(alerts) ? alerts : typeof alerts === 'object' && alerts !== null && Array.isArray((alerts as { alerts?: unknown }).alerts) ? (alerts as { alerts: unknown[] }).alerts : undefined;
  if (list === undefined) return undefined;
  return list.filter((a) => {
    const alert = a as { model?: unknown; state?: unknown; status?: unknown };
    const state = alert.state ?? alert.status;
    return alert.model === model && (state === 'open' || state === 'firing');
  }).length;
}

/** The verdict of the model's newest finished campaign, when this server has the red team. */
function latestVerdict(campaigns: unknown, model: string): string | undefined {
  const list = typeof campaigns === 'object' && campaigns !== null ? (campaigns as { campaigns?: unknown }).campaigns : undefined;
  if (!Array.isArray(list)) return undefined;
  const found = list.find((c) => {
    const campaign = c as { model?: unknown; verdict?: unknown };
    return campaign.model === model && typeof campaign.verdict === 'string';
  }) as { verdict: string } | undefined;
  return found?.verdict;
}

const DRIFT_RANK: Record<string, number> = { drift: 3, warning: 2, stable: 1 };

/** The worst drift verdict over the model's live arms, from the monitor's latest snapshot; undefined before it saw the model. */
function DriftBadge({ summary, model }: { summary: MonitoringSummary | undefined; model: string }) {
  const entry = summary?.models.find((m) => m.model === model);
  if (summary === undefined) return null;
  if (entry === undefined || entry.arms.length === 0) return <span className="muted small" data-testid={`drift-health-${model}`}>drift: no live traffic seen yet</span>;
  const worst = [...entry.arms].sort((a, b) => (DRIFT_RANK[b.drift] ?? 0) - (DRIFT_RANK[a.drift] ?? 0))[0]!;
  const kind = worst.drift === 'drift' ? 'bad' : worst.drift === 'warning' ? 'warn' : worst.drift === 'stable' ? 'ok' : 'muted';
  // Two names fit the column; the rest are counted, all of them in the tooltip and on the monitoring page.
  const moved = worst.drifted.length === 0 ? 'see monitoring' : `${worst.drifted.slice(0, 2).join(', ')}${worst.drifted.length > 2 ? ` +${worst.drifted.length - 2}` : ''}`;
  const label = worst.drift === 'stable' ? 'no drift' : worst.drift === 'drift' ? `drifted: ${moved}` : worst.drift === 'warning' ? `drift warning: ${moved}` : `drift: ${worst.drift}`;
  return (
    <a href={href('monitoring', model)} data-testid={`drift-health-${model}`} title={worst.drifted.join(', ')}>
      <Badge kind={kind}>{label}</Badge>
    </a>
  );
}

function Health({ model, inFlight, alerts, campaigns, monitoring, hasAlerts, hasRedTeam, hasMonitoring }: { model: StatusModel; inFlight: Deployment | undefined; alerts: unknown; campaigns: unknown; monitoring: MonitoringSummary | undefined; hasAlerts: boolean | undefined; hasRedTeam: boolean | undefined; hasMonitoring: boolean | undefined }) {
  const verdict = latestVerdict(campaigns, model.name);
  const firing = hasAlerts ? firingFor(alerts, model.name) : undefined;
  const missing = [hasAlerts === false && 'alerts', hasMonitoring === false && 'drift', hasRedTeam === false && 'red team'].filter(Boolean).join(', ');
  return (
    <div className="health">
      {model.flags.includes('no-production') && <Badge kind="warn">no Production</Badge>}
      {model.flags.includes('redteam-failed') && <Badge kind="bad">red team: evaded</Badge>}
      {hasRedTeam && !model.flags.includes('redteam-failed') && verdict !== undefined && <Badge kind={verdict === 'evaded' ? 'bad' : verdict === 'held' ? 'ok' : 'muted'}>red team: {verdict}</Badge>}
      {inFlight !== undefined && (
        <a href={href('deployments', inFlight.id)}>
          <Badge kind="info">
            {inFlight.strategy} {inFlight.state}
          </Badge>
        </a>
      )}
      {hasMonitoring && <DriftBadge summary={monitoring} model={model.name} />}
      {firing !== undefined && (firing > 0 ? <Badge kind="bad">{firing} open alert{firing > 1 ? 's' : ''}</Badge> : <Badge kind="ok">no open alerts</Badge>)}
      {missing !== '' && (
        <span className="muted small" title="These capabilities are not in this version of Warden">
          {missing}: not in this version
        </span>
      )}
    </div>
  );
}

export function ModelsPage() {
  const status = useApi<Status>('/models/status', 10_000);
  const deployments = useApi<{ deployments: Deployment[] }>('/deployments?inFlight=true', 10_000);
  const hasAlerts = useRoute('GET /alerts');
  const hasRedTeam = useRoute('GET /redteam/campaigns');
  const hasMonitoring = useRoute('GET /monitoring/{model}');
  const alerts = useApi<unknown>(hasAlerts ? '/alerts' : null, 30_000);
  const campaigns = useApi<unknown>(hasRedTeam ? '/redteam/campaigns' : null, 30_000);
  const monitoring = useApi<MonitoringSummary>(hasMonitoring ? '/monitoring' : null, 30_000);
  return (
    <>
      <h1>Models</h1>
      <Section title="Every model at a glance">
        <Show loaded={status}>
          {(data) =>
            data.models.length === 0 ? (
              <p className="muted">No models yet. Train one with <code>warden train</code> or POST /jobs/train.</p>
            ) : (
              <table className="models" data-testid="models-table">
                <thead>
                  <tr>
                    <th>Model</th>
                    <th>Task</th>
                    <th>Production</th>
                    <th>Versions</th>
                    {KEY_METRICS.map((m) => (
                      <th key={m} className="num">
                        {m.replace('eval_', '')}
                      </th>
                    ))}
                    <th>Last trained</th>
                    <th>Health</th>
                  </tr>
                </thead>
                <tbody>
                  {data.models.map((model) => {
                    const production = model.versions.find((v) => v.stage === 'Production');
                    const shown = production ?? model.versions[0];
                    const lastTrained = Math.max(...model.versions.map((v) => v.createdAt));
                    const stages = new Map<string, number>();
                    for (const v of model.versions) stages.set(v.stage, (stages.get(v.stage) ?? 0) + 1);
                    return (
                      <tr key={model.name}>
                        <td>
                          <a href={href('models', model.name)}>{model.name}</a>
                        </td>
                        <td>{model.task}</td>
                        <td>{model.production ? <strong>{model.production.semver}</strong> : <span className="muted">none</span>}</td>
                        <td>
                          {[...stages].map(([stage, count]) => (
                            <span key={stage} className="stage-count">
                              <StageBadge stage={stage} /> {count > 1 ? `×${count}` : ''}
                            </span>
                          ))}
                        </td>
                        {KEY_METRICS.map((m) => (
                          <td key={m} className="num" title={shown ? `${shown.semver} (${shown.stage})` : undefined}>
                            {fmtMetric(shown?.metrics[m])}
                          </td>
                        ))}
                        <td>{model.versions.length > 0 ? fmtAgo(lastTrained) : '—'}</td>
                        <td>
                          <Health
                            model={model}
                            inFlight={deployments.data?.deployments.find((d) => d.model === model.name)}
                            alerts={alerts.data}
                            campaigns={campaigns.data}
                            monitoring={monitoring.data}
                            hasAlerts={hasAlerts}
                            hasRedTeam={hasRedTeam}
                            hasMonitoring={hasMonitoring}
                          />
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )
          }
        </Show>
        <p className="muted small">Metrics are those of the Production version (or the newest version when none is in Production), on its held-out rows.</p>
      </Section>
    </>
  );
}
