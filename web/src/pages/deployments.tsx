import { post } from '../api.js';
import { ActionButton, Badge, KeyValues, Section, Show, fmtDuration, fmtNum, fmtTime } from '../components.js';
import { href, useApi, useCan } from '../hooks.js';
import type { Deployment, Shadow } from '../types.js';

const ENDED = new Set(['failed', 'succeeded', 'rolled-back', 'aborted', 'concluded']);

function TrafficSplit({ deployment }: { deployment: Deployment }) {
  const { serving, mirror } = deployment.traffic;
  return (
    <div data-testid="traffic-split">
      <div className="split">
        {serving.map((arm) => (
          <div key={arm.arm} className={`split-arm split-${arm.arm}`} style={{ flexGrow: arm.percent }} title={`${arm.arm} v#${arm.version}: ${arm.percent} %`}>
            {arm.arm} #{arm.version} · {arm.percent} %
          </div>
        ))}
      </div>
      {mirror && (
        <p className="muted small">
          Shadow: #{mirror.version} gets a copy of {mirror.percent} % of requests and never answers.
        </p>
      )}
    </div>
  );
}

function Rollout({ deployment }: { deployment: Deployment }) {
  const steps = deployment.settings.steps;
  const stepped = deployment.strategy === 'canary' || deployment.strategy === 'linear';
  const bakeLeft = (deployment.stepStartedAt + deployment.settings.bakeMs - Date.now()) / 1000;
  return (
    <KeyValues
      entries={[
        ['strategy', deployment.strategy],
        ['state', <Badge key="s" kind={`dep-${deployment.state}`}>{deployment.state}</Badge>],
        ['candidate', `#${deployment.candidate}`],
        ['baseline', deployment.baseline === null ? 'none' : `#${deployment.baseline}`],
        ...(stepped
          ? ([
              ['step', `${deployment.stepIndex + 1} of ${steps.length} (${steps.map((s, i) => (i === deployment.stepIndex ? `[${s} %]` : `${s} %`)).join(' → ')})`],
              ['bake left', ENDED.has(deployment.state) ? '—' : deployment.waitingForTraffic ? 'waiting for traffic' : fmtDuration(Math.max(0, bakeLeft))],
              ['breaches in a row', `${deployment.consecutiveBreaches} of ${deployment.settings.guardrails.maxConsecutiveBreaches ?? '—'}`],
            ] as Array<[string, string]>)
          : []),
        ...(deployment.strategy === 'ab' ? ([['weights', `baseline ${deployment.settings.weights.baseline} % / candidate ${deployment.settings.weights.candidate} %`]] as Array<[string, string]>) : []),
        ['winner', deployment.winner ?? '—'],
        ['by', `${deployment.createdBy}${deployment.reason ? ` — ${deployment.reason}` : ''}`],
        ['started', fmtTime(deployment.createdAt)],
        ['ended', fmtTime(deployment.endedAt)],
      ]}
    />
  );
}

function Readings({ deployment }: { deployment: Deployment }) {
  const latest = [...deployment.history].reverse().find((h) => h.readings !== undefined && h.readings.length > 0);
  if (latest === undefined) return <p className="muted">No check has read the arms yet{deployment.waitingForTraffic ? ': waiting for candidate traffic' : ''}.</p>;
  return (
    <>
      <p className="muted small">Latest check {fmtTime(latest.at)} — candidate arm against the baseline arm.</p>
      <table data-testid="guardrail-readings">
        <thead>
          <tr>
            <th>Check</th>
            <th className="num">Candidate</th>
            <th className="num">Baseline</th>
            <th className="num">Limit</th>
            <th>Result</th>
          </tr>
        </thead>
        <tbody>
          {latest.readings!.map((r) => (
            <tr key={r.check}>
              <td>{r.check}</td>
              <td className="num">{fmtNum(r.candidate, 4)}</td>
              <td className="num">{fmtNum(r.baseline, 4)}</td>
              <td className="num">{fmtNum(r.limit, 4)}</td>
              <td>{r.breached ? <Badge kind="bad">breached</Badge> : <Badge kind="ok">ok</Badge>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function ShadowDisagreements({ id }: { id: string }) {
  const shadow = useApi<Shadow>(`/deployments/${encodeURIComponent(id)}/shadow?limit=20`, 5_000);
  return (
    <Show loaded={shadow}>
      {(s) => (
        <>
          <p>
            {s.compared.toLocaleString('en')} requests compared, <strong>{s.disagreements.toLocaleString('en')}</strong> disagreements
            {s.compared > 0 ? ` (${fmtNum((100 * s.disagreements) / s.compared, 1)} %)` : ''}.
          </p>
          {s.examples.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th>When</th>
                  <th>Request</th>
                  <th>Live (label, p)</th>
                  <th>Shadow (label, p)</th>
                </tr>
              </thead>
              <tbody>
                {s.examples.map((e) => (
                  <tr key={e.id}>
                    <td>{fmtTime(e.at)}</td>
                    <td>
                      <code>{e.requestId}</code>
                    </td>
                    <td>
                      #{e.live.version}: {e.live.label} ({fmtNum(e.live.probability, 3)})
                    </td>
                    <td>
                      #{e.shadow.version}: {e.shadow.label} ({fmtNum(e.shadow.probability, 3)})
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </Show>
  );
}

function DeploymentDetail({ id }: { id: string }) {
  const deployment = useApi<Deployment>(`/deployments/${encodeURIComponent(id)}`, 2_000);
  const admin = useCan('admin');
  return (
    <>
      <h1>
        <a href={href('deployments')}>Deployments</a> / {deployment.data ? `${deployment.data.model} #${deployment.data.candidate}` : id}
      </h1>
      <Show loaded={deployment}>
        {(d) => {
          const act = (path: string, body: object) => post(path, body).then(deployment.reload);
          const running = !ENDED.has(d.state);
          return (
            <>
              {admin && (
                <div className="toolbar">
                  {running && d.state !== 'paused' && <ActionButton label="Pause" confirm="Pause the rollout?" action={(reason) => act(`/deployments/${d.id}/pause`, reason ? { reason } : {})} />}
                  {d.state === 'paused' && <ActionButton label="Resume" confirm="Resume the rollout?" action={(reason) => act(`/deployments/${d.id}/resume`, reason ? { reason } : {})} />}
                  {running && (d.strategy === 'ab' || d.strategy === 'shadow') && (
                    <ActionButton label="Conclude: candidate wins" confirm="Promote the candidate and end the test?" action={(reason) => act(`/deployments/${d.id}/conclude`, { winner: 'candidate', ...(reason ? { reason } : {}) })} />
                  )}
                  {running && <ActionButton label="Abort" danger confirm="Abort: all traffic back to the baseline?" action={(reason) => act(`/deployments/${d.id}/abort`, reason ? { reason } : {})} />}
                  <ActionButton label="Roll back" danger testId="deployment-rollback" confirm={`Give all of ${d.model}'s traffic back to the version its latest deployment replaced?`} action={(reason) => act('/models/rollback', { model: d.model, ...(reason ? { reason } : {}) })} />
                </div>
              )}
              <Section title="Traffic now">
                <TrafficSplit deployment={d} />
              </Section>
              <div className="grid2">
                <Section title="Rollout">
                  <Rollout deployment={d} />
                </Section>
                <Section title={d.strategy === 'ab' ? 'A/B statistics and guardrails' : 'Guardrail readings'}>
                  <Readings deployment={d} />
                </Section>
              </div>
              {d.strategy === 'shadow' && (
                <Section title="Shadow disagreements">
                  <ShadowDisagreements id={d.id} />
                </Section>
              )}
              <Section title="History">
                <table>
                  <thead>
                    <tr>
                      <th>When</th>
                      <th>Event</th>
                      <th>Actor</th>
                      <th className="num">Candidate %</th>
                      <th>Detail</th>
                    </tr>
                  </thead>
                  <tbody>
                    {[...d.history].reverse().map((h, i) => (
                      <tr key={`${h.at}-${i}`}>
                        <td>{fmtTime(h.at)}</td>
                        <td>{h.event}</td>
                        <td>{h.actor}</td>
                        <td className="num">{h.candidatePercent}</td>
                        <td className="reason">{h.detail}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </Section>
            </>
          );
        }}
      </Show>
    </>
  );
}

export function DeploymentsPage({ deploymentId, params }: { deploymentId: string | undefined; params: URLSearchParams }) {
  const model = params.get('model') ?? undefined;
  const list = useApi<{ deployments: Deployment[] }>(deploymentId === undefined ? `/deployments?limit=100${model ? `&model=${encodeURIComponent(model)}` : ''}` : null, 3_000);
  if (deploymentId !== undefined) return <DeploymentDetail id={deploymentId} />;
  return (
    <>
      <h1>Deployments</h1>
      <Section title="Newest deployments">
        <Show loaded={list}>
          {(l) =>
            l.deployments.length === 0 ? (
              <p className="muted">No deployments yet: promote a version from its model page, or POST /models/deploy.</p>
            ) : (
              <table data-testid="deployments-table">
                <thead>
                  <tr>
                    <th>Model</th>
                    <th>Strategy</th>
                    <th>State</th>
                    <th>Candidate</th>
                    <th>Baseline</th>
                    <th>Traffic</th>
                    <th>By</th>
                    <th>Started</th>
                  </tr>
                </thead>
                <tbody>
                  {l.deployments.map((d) => (
                    <tr key={d.id}>
                      <td>
                        <a href={href('deployments', d.id)}>{d.model}</a>
                      </td>
                      <td>{d.strategy}</td>
                      <td>
                        <Badge kind={`dep-${d.state}`}>{d.state}</Badge>
                      </td>
                      <td>#{d.candidate}</td>
                      <td>{d.baseline === null ? '—' : `#${d.baseline}`}</td>
                      <td>{d.traffic.serving.map((a) => `#${a.version} ${a.percent} %`).join(' · ')}</td>
                      <td>{d.createdBy}</td>
                      <td>{fmtTime(d.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Show>
      </Section>
    </>
  );
}
