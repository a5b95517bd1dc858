import { useState } from 'react';
import { post } from '../api.js';
import { ActionButton, Badge, KeyValues, Section, Show, fmtDuration, fmtMetric, fmtNum, fmtTime } from '../components.js';
import { href, useApi, useCan } from '../hooks.js';
import type { AbStatistics, Deployment, Shadow } from '../types.js';

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

type Check = NonNullable<Deployment['history'][number]['readings']>[number];

function ReadingRows({ readings }: { readings: readonly Check[] }) {
  return (
    <>
      {readings.map((r) => (
        <tr key={r.check}>
          <td>{r.check}</td>
          <td className="num">{fmtNum(r.candidate, 4)}</td>
          <td className="num">{fmtNum(r.baseline, 4)}</td>
          <td className="num">{fmtNum(r.limit, 4)}</td>
          <td className="num">{fmtNum(r.z, 1)}</td>
          <td>{r.breached ? <Badge kind="bad">breached</Badge> : <Badge kind="ok">ok</Badge>}</td>
        </tr>
      ))}
    </>
  );
}

/** The last check of each step the rollout reached (newest step first): what let it on, or held it back. */
function Readings({ deployment }: { deployment: Deployment }) {
  const checked = deployment.history.filter((h) => h.readings !== undefined && h.readings.length > 0);
  if (checked.length === 0) return <p className="muted">No check has read the arms yet{deployment.waitingForTraffic ? ': waiting for candidate traffic' : ''}.</p>;
  // An advance or the promotion records the new share; its readings are those of the step it ended.
  const planned = deployment.settings.steps;
  const judgedPercent = (h: (typeof checked)[number]) =>
    h.event === 'advanced' || h.event === 'promoted' ? (planned[planned.indexOf(h.candidatePercent) - 1] ?? h.candidatePercent) : h.candidatePercent;
  const lastPerStep = new Map<number, { entry: (typeof checked)[number]; percent: number }>();
  for (const h of checked) lastPerStep.set(judgedPercent(h), { entry: h, percent: judgedPercent(h) });
  const steps = [...lastPerStep.values()].sort((a, b) => b.entry.at - a.entry.at);
  return (
    <>
      <p className="muted small">Candidate arm against the baseline arm in the same window; the last check of each step, newest step first. A comparative check breaches only 1.645 standard errors (z) past its limit.</p>
      <table data-testid="guardrail-readings">
        <thead>
          <tr>
            <th>Check</th>
            <th className="num">Candidate</th>
            <th className="num">Baseline</th>
            <th className="num">Limit</th>
            <th className="num" title="Standard errors past the limit (comparative checks); a breach needs 1.645">z</th>
            <th>Result</th>
          </tr>
        </thead>
        {steps.map(({ entry, percent }) => (
          <tbody key={entry.at}>
            <tr className="step-row">
              <td colSpan={6}>
                <strong>{percent} % step</strong> <span className="muted small">checked {fmtTime(entry.at)} — {entry.event}</span>
              </td>
            </tr>
            <ReadingRows readings={entry.readings!} />
          </tbody>
        ))}
      </table>
    </>
  );
}

function fmtP(p: number | null): string {
  return p === null ? '= —' : p < 0.0001 ? '< 0.0001' : `= ${fmtNum(p, 4)}`;
}

const AB_VERDICT: Record<string, [string, string]> = {
  'insufficient-data': ['muted', 'not enough labels yet'],
  'candidate-better': ['ok', 'candidate significantly better'],
  'baseline-better': ['bad', 'baseline significantly better'],
  'no-significant-difference': ['info', 'no significant difference'],
};

/** Both arms side by side and the tests on the chosen decision metric, re-read live (the verdict follows the sequential one). */
function AbView({ deployment }: { deployment: Deployment }) {
  const [metric, setMetric] = useState<AbStatistics['metric']>('accuracy');
  const stats = useApi<AbStatistics>(`/deployments/${encodeURIComponent(deployment.id)}/ab?metric=${metric}`, 3_000);
  const versionOf = { baseline: deployment.baseline, candidate: deployment.candidate };
  return (
    <Show loaded={stats}>
      {(s) => {
        const [kind, words] = AB_VERDICT[s.verdict] ?? ['info', s.verdict];
        const c = s.comparison;
        return (
          <div data-testid="ab-statistics">
            <div className="toolbar">
              <label>
                Decision metric{' '}
                <select aria-label="decision metric" value={metric} onChange={(e) => setMetric(e.target.value as AbStatistics['metric'])}>
                  <option>accuracy</option>
                  <option>precision</option>
                  <option>recall</option>
                </select>
              </label>
              <Badge kind={kind}>{words}</Badge>
              <span className="muted small">
                since {fmtTime(s.since)}; a verdict needs {fmtNum(s.minTrials)} labelled predictions per arm (the minLabelled guardrail)
              </span>
            </div>
            <table data-testid="ab-arms">
              <thead>
                <tr>
                  <th>Arm</th>
                  <th className="num">Requests</th>
                  <th className="num">Error rate</th>
                  <th className="num">p99 ms</th>
                  <th className="num">Positive rate</th>
                  <th className="num">Labelled</th>
                  <th className="num">Accuracy</th>
                  <th className="num">Precision</th>
                  <th className="num">Recall</th>
                </tr>
              </thead>
              <tbody>
                {(['baseline', 'candidate'] as const).map((name) => {
                  const a = s.arms[name];
                  return (
                    <tr key={name} data-testid={`ab-arm-${name}`}>
                      <td>
                        {name} #{versionOf[name] ?? '—'}
                      </td>
                      <td className="num">{fmtNum(a.requests)}</td>
                      <td className="num">{a.errorRate === null ? '—' : `${fmtNum(100 * a.errorRate, 2)} %`}</td>
                      <td className="num">{fmtNum(a.p99Ms, 1)}</td>
                      <td className="num">{a.positiveRate === null ? '—' : `${fmtNum(100 * a.positiveRate, 1)} %`}</td>
                      <td className="num">{fmtNum(a.labelled)}</td>
                      {(['accuracy', 'precision', 'recall'] as const).map((m) => (
                        <td key={m} className={`num${m === s.metric ? ' decision' : ''}`}>
                          {fmtMetric(a.metrics[m].value)} <span className="muted small">{a.metrics[m].successes}/{a.metrics[m].trials}</span>
                        </td>
                      ))}
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <p data-testid="ab-test">
              {c.difference === null ? (
                <span className="muted">No {s.metric} on one of the arms yet: the test needs feedback labels on both.</span>
              ) : (
                <>
                  {s.metric}: candidate − baseline = <strong>{c.difference >= 0 ? '+' : ''}{fmtNum(c.difference, 4)}</strong>
                  {c.interval && ` (${fmtNum(100 * c.interval.level, 0)} % interval ${fmtNum(c.interval.lower, 4)} to ${fmtNum(c.interval.upper, 4)}, Newcombe)`}; always-valid p{' '}
                  {fmtP(s.sequential.pValue)} (mixture SPRT, safe to watch live)
                  <strong>{s.sequential.significant ? ' — significant at 0.05' : ' — not significant at 0.05'}</strong>.{' '}
                  <span className="muted small">
                    Fixed-sample z test p {fmtP(c.pValue)}: valid only when read once, at a sample size chosen in advance.
                  </span>
                </>
              )}
            </p>
          </div>
        );
      }}
    </Show>
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
                    <>
                      <ActionButton label="Conclude: candidate wins" testId="conclude-candidate" confirm={`Promote #${d.candidate} and end the ${d.strategy === 'ab' ? 'A/B test' : 'shadow'}?`} action={(reason) => act(`/deployments/${d.id}/conclude`, { winner: 'candidate', ...(reason ? { reason } : {}) })} />
                      <ActionButton label="Conclude: baseline wins" testId="conclude-baseline" confirm={`Keep #${d.baseline ?? '—'} and end the ${d.strategy === 'ab' ? 'A/B test' : 'shadow'}?`} action={(reason) => act(`/deployments/${d.id}/conclude`, { winner: 'baseline', ...(reason ? { reason } : {}) })} />
                    </>
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
                <Section title={d.strategy === 'ab' ? 'Guardrails (errors and latency)' : 'Guardrail readings per step'}>
                  {d.strategy === 'shadow' ? <p className="muted">A shadow never answers, so no guardrail judges it: see its disagreements below.</p> : d.strategy === 'direct' || d.strategy === 'blue-green' ? <p className="muted">A {d.strategy} switch has no traffic steps, so no guardrail reads its arms.</p> : <Readings deployment={d} />}
                </Section>
              </div>
              {d.strategy === 'ab' && (
                <Section title="A/B statistics">
                  <AbView deployment={d} />
                </Section>
              )}
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
                        {d.waitingForTraffic && !ENDED.has(d.state) && <span className="muted"> waiting for traffic</span>}
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
