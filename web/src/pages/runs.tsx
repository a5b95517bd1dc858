import { useEffect, useMemo, useState } from 'react';
import { get } from '../api.js';
import { Badge, KeyValues, LineChart, Section, Show, fmtMetric, fmtNum, fmtTime, shortDigest, type Series } from '../components.js';
import { href, useApi } from '../hooks.js';
import type { Artifact, MetricPointT, Run } from '../types.js';

interface Experiment {
  id: string;
  name: string;
}

/** Every point of each metric of a run (one request per metric, in step order). */
function useHistories(run: Run | undefined): { histories: Map<string, MetricPointT[]>; error: Error | undefined } {
  const [state, setState] = useState<{ histories: Map<string, MetricPointT[]>; error: Error | undefined }>({ histories: new Map(), error: undefined });
  useEffect(() => {
    if (run === undefined) return;
    let live = true;
    const keys = Object.keys(run.metrics);
    Promise.all(keys.map((key) => get<{ points: MetricPointT[] }>(`/runs/${encodeURIComponent(run.id)}/metrics/${encodeURIComponent(key)}`).then((r) => [key, r.points] as const))).then(
      (pairs) => live && setState({ histories: new Map(pairs), error: undefined }),
      (error: unknown) => live && setState({ histories: new Map(), error: error as Error }),
    );
    return () => {
      live = false;
    };
  }, [run]);
  return state;
}

/** Curves grouped by what they measure, so a loss and an accuracy do not share one y axis. */
function curveGroups(histories: Map<string, MetricPointT[]>): Array<{ title: string; series: Series[] }> {
  const curves = [...histories].filter(([, points]) => new Set(points.map((p) => p.step)).size > 1);
  const groups = new Map<string, Series[]>();
  for (const [key, points] of curves) {
    const group = /loss/i.test(key) ? 'loss' : /time|seconds|throughput|per_s/i.test(key) ? 'speed' : 'quality';
    const list = groups.get(group) ?? [];
    list.push({ label: key, points: points.map((p) => [p.step, p.value] as const) });
    groups.set(group, list);
  }
  return [...groups].map(([title, series]) => ({ title, series }));
}

function RunDetail({ runId }: { runId: string }) {
  const run = useApi<Run>(`/runs/${encodeURIComponent(runId)}`, 5_000);
  const artifacts = useApi<{ artifacts: Artifact[] }>(`/runs/${encodeURIComponent(runId)}/artifacts`);
  const { histories, error } = useHistories(run.data);
  const groups = useMemo(() => curveGroups(histories), [histories]);
  return (
    <>
      <h1>
        <a href={href('runs')}>Runs</a> / {run.data?.name ?? runId}
      </h1>
      <Show loaded={run}>
        {(r) => (
          <>
            <Section title="Run">
              <KeyValues
                entries={[
                  ['id', <code key="id">{r.id}</code>],
                  ['status', <Badge key="s" kind={`run-${r.status}`}>{r.status}</Badge>],
                  ['started', fmtTime(r.startTime)],
                  ['ended', fmtTime(r.endTime)],
                  ...(r.resourceUsage
                    ? ([
                        ['cpu seconds', fmtNum(r.resourceUsage.cpuSeconds, 2)],
                        ['wall seconds', fmtNum(r.resourceUsage.wallSeconds, 2)],
                        ['peak memory', `${fmtNum(r.resourceUsage.peakRssBytes / 1024 / 1024, 1)} MiB`],
                      ] as Array<[string, string]>)
                    : []),
                ]}
              />
            </Section>
            <Section title="Metric curves per step">
              {error && <p className="error">{error.message}</p>}
              {groups.length === 0 ? <p className="muted">No metric was logged at more than one step.</p> : groups.map((g) => (
                <div key={g.title}>
                  <h3>{g.title}</h3>
                  <LineChart series={g.series} xLabel="step" testId={`curve-${g.title}`} />
                </div>
              ))}
            </Section>
            <div className="grid2">
              <Section title="Final metrics">
                <KeyValues entries={Object.entries(r.metrics).sort(([a], [b]) => a.localeCompare(b)).map(([k, p]) => [k, fmtNum(p.value, 4)])} />
              </Section>
              <Section title="Params">
                <KeyValues entries={Object.entries(r.params).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v])} />
              </Section>
            </div>
            <Section title="Artifacts">
              <Show loaded={artifacts}>
                {(a) =>
                  a.artifacts.length === 0 ? (
                    <p className="muted">No artifacts.</p>
                  ) : (
                    <table data-testid="artifacts-table">
                      <thead>
                        <tr>
                          <th>Name</th>
                          <th>Media type</th>
                          <th className="num">Bytes</th>
                          <th>sha256</th>
                          <th>Created</th>
                        </tr>
                      </thead>
                      <tbody>
                        {a.artifacts.map((artifact) => (
                          <tr key={artifact.id}>
                            <td>{artifact.name}</td>
                            <td>{artifact.mediaType}</td>
                            <td className="num">{artifact.size.toLocaleString('en')}</td>
                            <td>
                              <code title={artifact.sha256}>{shortDigest(artifact.sha256)}…</code>
                            </td>
                            <td>{fmtTime(artifact.createdAt)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  )
                }
              </Show>
            </Section>
            {Object.keys(r.tags).length > 0 && (
              <Section title="Tags">
                <KeyValues entries={Object.entries(r.tags).map(([k, v]) => [k, v])} />
              </Section>
            )}
          </>
        )}
      </Show>
    </>
  );
}

export function RunsPage({ runId, params }: { runId: string | undefined; params: URLSearchParams }) {
  const experiment = params.get('experiment') ?? undefined;
  const runs = useApi<{ runs: Run[] }>(runId === undefined ? `/runs?limit=100${experiment ? `&experiment_id=${encodeURIComponent(experiment)}` : ''}` : null, 10_000);
  const experiments = useApi<{ experiments: Experiment[] }>(runId === undefined ? '/experiments' : null);
  if (runId !== undefined) return <RunDetail runId={runId} />;
  const names = new Map((experiments.data?.experiments ?? []).map((e) => [e.id, e.name]));
  return (
    <>
      <h1>Runs</h1>
      <Section title="Newest runs">
        <div className="toolbar">
          <span>Experiment:</span>
          <a href={href('runs')} className={experiment === undefined ? 'active' : ''}>
            all
          </a>
          {(experiments.data?.experiments ?? []).map((e) => (
            <a key={e.id} href={`${href('runs')}?experiment=${encodeURIComponent(e.id)}`} className={experiment === e.id ? 'active' : ''}>
              {e.name}
            </a>
          ))}
        </div>
        <Show loaded={runs}>
          {(r) =>
            r.runs.length === 0 ? (
              <p className="muted">No runs yet.</p>
            ) : (
              <table data-testid="runs-table">
                <thead>
                  <tr>
                    <th>Run</th>
                    <th>Experiment</th>
                    <th>Status</th>
                    <th>Started</th>
                    <th className="num">accuracy</th>
                    <th className="num">f1</th>
                  </tr>
                </thead>
                <tbody>
                  {r.runs.map((run) => (
                    <tr key={run.id}>
                      <td>
                        <a href={href('runs', run.id)}>{run.name || run.id}</a>
                      </td>
                      <td>{names.get(run.experimentId) ?? run.experimentId}</td>
                      <td>
                        <Badge kind={`run-${run.status}`}>{run.status}</Badge>
                      </td>
                      <td>{fmtTime(run.startTime)}</td>
                      <td className="num">{fmtMetric(run.metrics.eval_accuracy?.value)}</td>
                      <td className="num">{fmtMetric(run.metrics.eval_f1?.value)}</td>
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
