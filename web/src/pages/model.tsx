import { useEffect, useMemo, useState } from 'react';
import { get, post, query } from '../api.js';
import { ActionButton, Badge, ErrorBox, KeyValues, LineChart, Section, Show, StageBadge, fmtMetric, fmtNum, fmtShortTime, fmtTime, shortDigest, type Series } from '../components.js';
import { href, useApi, useCan, useRoute } from '../hooks.js';
import type { Comparison, Dataset, Lineage, Model, Transition, Version } from '../types.js';
import { KEY_METRICS } from './models.js';
import { LineageGraph, type TrainedOnVulnerabilities } from './lineage-graph.js';

const TABS = [
  ['versions', 'Versions'],
  ['lineage', 'Lineage'],
  ['performance', 'Performance'],
  ['history', 'Transitions'],
  ['compare', 'Compare'],
] as const;

/** Confusion counts and row counts: whole numbers, never shown as fractions. */
const COUNTS = /(^|_)(tp|fp|tn|fn|rows)$/;

interface RetrainAnswer {
  jobs: Array<{ id: string }>;
}

/**
 * Every dataset version the server knows, to name the digests a version was trained on;
 * undefined until known, so the graph never first draws bare digests and then renames them.
 * A failed lookup yields an empty list: the graph still draws, with digests.
 */
function useDatasets(): Dataset[] | undefined {
  const names = useApi<{ datasets: Array<{ name: string }> }>('/datasets');
  const [all, setAll] = useState<Dataset[] | undefined>(undefined);
  useEffect(() => {
    if (names.error !== undefined) setAll([]);
    if (names.data === undefined) return;
    let live = true;
    Promise.all(names.data.datasets.map((d) => get<{ versions: Dataset[] }>(`/datasets/${encodeURIComponent(d.name)}/versions`).then((r) => r.versions))
    ).then(
      (lists) => live && setAll(lists.flat()),
      () => live && setAll([]),
    );
    return () => {
      live = false;
    };
  }, [names.data, names.error]);
  return all;
}

/** The ledger's page size at most (the server's MAX_LIST_LIMIT). */
const LEDGER_PAGE = 500;

const NO_FINDINGS: ReadonlyMap<number, TrainedOnVulnerabilities> = new Map();

/**
 * Per version trained on red-team findings (a vulnerability corpus among its datasets): how
 * many and of which families, from every page of the ledger's `usedBy=model@version`. One page
 * of the whole ledger undercounted: its first 50 entries were all it held.
 */
function useTrainedOnVulnerabilities(model: string, versions: Version[], datasets: Dataset[] | undefined): ReadonlyMap<number, TrainedOnVulnerabilities> {
  const hasRedTeam = useRoute('GET /redteam/vulnerabilities');
  const trained = useMemo(() => {
    const corpora = new Set((datasets ?? []).filter((d) => d.origin === 'vulnerability-corpus').map((d) => d.sha256));
    return versions.filter((v) => v.datasetDigests.some((digest) => corpora.has(digest))).map((v) => v.number);
  }, [versions, datasets]);
  // Kept with what it was counted for (as useApi keeps its path): another model's counts never show.
  const key = `${model}@${trained.join(',')}`;
  const [found, setFound] = useState<{ key: string; counts: ReadonlyMap<number, TrainedOnVulnerabilities> }>({ key: '', counts: NO_FINDINGS });
  useEffect(() => {
    if (hasRedTeam !== true || trained.length === 0) return;
    let live = true;
    const usedBy = async (version: number): Promise<[number, TrainedOnVulnerabilities]> => {
      const families = new Set<string>();
      let count = 0;
      for (let before: string | undefined; ; ) {
        const page = await get<{ vulnerabilities: Array<{ id: string; family: string }> }>(
          `/redteam/vulnerabilities${query({ usedBy: `${model}@${version}`, limit: LEDGER_PAGE, before })}`,
        );
        count += page.vulnerabilities.length;
        for (const v of page.vulnerabilities) families.add(v.family);
        if (page.vulnerabilities.length < LEDGER_PAGE) return [version, { count, families: [...families].sort() }];
        before = page.vulnerabilities[page.vulnerabilities.length - 1]!.id;
      }
    };
    Promise.all(trained.map(usedBy)).then(
      // A version retrained later from such a corpus's recipe trained on its rows (the dataset edge
      // shows it) without claiming ledger entries: no empty "0 vulnerabilities" node for it.
      (entries) => live && setFound({ key, counts: new Map(entries.filter(([, used]) => used.count > 0)) }),
      () => live && setFound({ key, counts: NO_FINDINGS }),
    );
    return () => {
      live = false;
    };
  }, [hasRedTeam, model, trained, key]);
  return found.key === key ? found.counts : NO_FINDINGS;
}

function VersionsTab({ model, versions, reload }: { model: Model; versions: Version[]; reload: () => void }) {
  const admin = useCan('admin');
  const editor = useCan('editor');
  const metricKeys = KEY_METRICS.filter((k) => versions.some((v) => v.metrics[k] !== undefined));
  return (
    <Section title="Versions">
      <table data-testid="versions-table">
        <thead>
          <tr>
            <th>#</th>
            <th>Semver</th>
            <th>Stage</th>
            <th>Status</th>
            {metricKeys.map((k) => (
              <th key={k} className="num">
                {k.replace('eval_', '')}
              </th>
            ))}
            <th>Parent</th>
            <th>Retrains</th>
            <th>Artifact</th>
            <th>Run</th>
            <th>Created</th>
            {(admin || editor) && <th>Actions</th>}
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr key={v.number} data-testid={`version-row-${v.number}`}>
              <td>{v.number}</td>
              <td>
                <strong>{v.semver}</strong>
              </td>
              <td>
                <StageBadge stage={v.stage} />
              </td>
              <td>{v.status}</td>
              {metricKeys.map((k) => (
                <td key={k} className="num">
                  {fmtMetric(v.metrics[k])}
                </td>
              ))}
              <td>{v.parentVersion ?? '—'}</td>
              <td>{v.retrainingCount}</td>
              <td>
                <code title={v.artifactDigest ?? undefined}>{shortDigest(v.artifactDigest).slice(0, 8)}</code>
              </td>
              <td>{v.sourceRunId ? <a href={href('runs', v.sourceRunId)}>run</a> : '—'}</td>
              <td title={fmtTime(v.createdAt)}>{fmtShortTime(v.createdAt)}</td>
              {(admin || editor) && (
                <td>
                  <div className="actions">
                  {admin && v.stage !== 'Production' && v.status === 'READY' && (
                    <ActionButton
                      label="Promote"
                      testId={`promote-${v.number}`}
                      confirm={`Deploy ${v.semver} to Production (direct)?`}
                      action={(reason) => post('/models/deploy', { model: model.name, version: v.number, strategy: 'direct', ...(reason ? { reason } : {}) }).then(reload)}
                    />
                  )}
                  {editor && v.stage === 'None' && v.status === 'READY' && (
                    <ActionButton
                      label="To Staging"
                      confirm={`Move ${v.semver} to Staging?`}
                      action={(reason) => post(`/models/${encodeURIComponent(model.name)}/versions/${v.number}/stage`, { stage: 'Staging', ...(reason ? { reason } : {}) }).then(reload)}
                    />
                  )}
                  </div>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

function LineageTab({ model, versions, selected, select }: { model: Model; versions: Version[]; selected: number; select: (n: number) => void }) {
  const datasets = useDatasets();
  const vulnerabilities = useTrainedOnVulnerabilities(model.name, versions, datasets);
  const lineage = useApi<Lineage>(`/models/${encodeURIComponent(model.name)}/versions/${selected}/lineage`);
  return (
    <>
      <Section title="Lineage graph">
        {datasets === undefined ? <p className="muted">Loading…</p> : <LineageGraph versions={versions} datasets={datasets} vulnerabilities={vulnerabilities} selected={selected} onSelect={select} />}
      </Section>
      <Show loaded={lineage}>
        {(l) => (
          <Section title={`${l.version.semver}: ancestors and children`}>
            <div className="grid2" data-testid="lineage-detail">
              <KeyValues
                entries={[
                  ['version', `${l.version.semver} (#${l.version.number})`],
                  ['stage', <StageBadge key="s" stage={l.version.stage} />],
                  ['ancestors (nearest first)', l.ancestors.length === 0 ? 'none (a first version)' : l.ancestors.map((a) => a.semver).join(' ← ')],
                  ['children', l.children.length === 0 ? 'none' : l.children.map((c) => c.semver).join(', ')],
                  ['retraining count', l.retrainingCount],
                  ...Object.entries(l.resourceUsage).map(([k, v]): [string, string] => [k, fmtNum(v)]),
                ]}
              />
              <div>
                <h3>Production history</h3>
                {l.productionHistory.length === 0 ? (
                  <p className="muted">Never in Production.</p>
                ) : (
                  <table>
                    <thead>
                      <tr>
                        <th>Version</th>
                        <th>Entered</th>
                        <th>By</th>
                        <th>Left</th>
                        <th>To</th>
                      </tr>
                    </thead>
                    <tbody>
                      {l.productionHistory.map((d) => (
                        <tr key={`${d.version}-${d.enteredAt}`}>
                          <td>{d.semver}</td>
                          <td title={`${fmtTime(d.enteredAt)}: ${d.enteredReason}`}>{fmtShortTime(d.enteredAt)}</td>
                          <td>{d.enteredBy}</td>
                          <td title={d.exitedAt === null ? undefined : `${fmtTime(d.exitedAt)}: ${d.exitReason ?? ''}`}>{fmtShortTime(d.exitedAt)}</td>
                          <td>{d.exitedTo ?? '—'}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </div>
            </div>
            {/* Full width: seven columns do not fit the grid's half, where they pushed the card into a sideways scroll. */}
            <h3>Deployments</h3>
            {l.deploymentHistory.length === 0 ? (
              <p className="muted">No deployment of this version.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th>Strategy</th>
                    <th>As</th>
                    <th>State</th>
                    <th>Started</th>
                    <th>By</th>
                    <th>Ended</th>
                    <th>Outcome</th>
                  </tr>
                </thead>
                <tbody>
                  {l.deploymentHistory.map((d) => (
                    <tr key={d.deployment}>
                      <td title={d.deployment}>{d.strategy}</td>
                      <td>{d.role}</td>
                      <td>{d.state}</td>
                      <td>{fmtTime(d.startedAt)}</td>
                      <td>{d.startedBy}</td>
                      <td>{fmtTime(d.endedAt)}</td>
                      <td>{d.outcome}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Section>
        )}
      </Show>
    </>
  );
}

function PerformanceTab({ versions }: { versions: Version[] }) {
  const ordered = useMemo(() => [...versions].sort((a, b) => a.number - b.number), [versions]);
  const series = useMemo<Series[]>(
    () =>
      KEY_METRICS.filter((k) => ordered.some((v) => v.metrics[k] !== undefined)).map((k) => ({
        label: k.replace('eval_', ''),
        points: ordered.filter((v) => v.metrics[k] !== undefined).map((v) => [v.number, v.metrics[k]!] as const),
      })),
    [ordered],
  );
  return (
    <Section title="Held-out metrics across versions">
      <LineChart series={series} xLabel="version #" testId="performance-chart" />
      <table>
        <thead>
          <tr>
            <th>Version</th>
            <th>Stage</th>
            {series.map((s) => (
              <th key={s.label} className="num">
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {ordered.map((v) => (
            <tr key={v.number}>
              <td>{v.semver}</td>
              <td>
                <StageBadge stage={v.stage} />
              </td>
              {series.map((s) => (
                <td key={s.label} className="num">
                  {fmtMetric(v.metrics[`eval_${s.label}`])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

function HistoryTab({ model }: { model: Model }) {
  const history = useApi<{ transitions: Transition[] }>(`/models/${encodeURIComponent(model.name)}/history?limit=500`);
  return (
    <Section title="Stage transitions (append-only)">
      <Show loaded={history}>
        {(h) => (
          <table data-testid="history-table">
            <thead>
              <tr>
                <th>When</th>
                <th>Version</th>
                <th>From</th>
                <th>To</th>
                <th>Actor</th>
                <th>Reason</th>
              </tr>
            </thead>
            <tbody>
              {[...h.transitions].reverse().map((t) => (
                <tr key={t.id}>
                  <td>{fmtTime(t.at)}</td>
                  <td>{t.version}</td>
                  <td>
                    <StageBadge stage={t.from} />
                  </td>
                  <td>
                    <StageBadge stage={t.to} />
                  </td>
                  <td>{t.actor}</td>
                  <td className="reason">{t.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Show>
    </Section>
  );
}

function CompareTab({ model, versions }: { model: Model; versions: Version[] }) {
  const production = versions.find((v) => v.stage === 'Production');
  const newest = versions[0];
  const [a, setA] = useState(String(production?.number ?? versions[1]?.number ?? newest?.number ?? ''));
  const [b, setB] = useState(String(newest?.number !== production?.number ? newest?.number : (versions[1]?.number ?? newest?.number ?? '')));
  const path = a !== '' && b !== '' ? `/models/compare${query({ model: model.name, a, b, flips: 5 })}` : null;
  const comparison = useApi<Comparison>(path);
  const pick = (value: string, set: (v: string) => void, label: string) => (
    <label>
      {label}{' '}
      <select value={value} onChange={(e) => set(e.target.value)} aria-label={label}>
        {versions.map((v) => (
          <option key={v.number} value={v.number}>
            {v.semver} ({v.stage})
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <Section title="Compare two versions on the same rows">
      <div className="toolbar">
        {pick(a, setA, 'a')}
        {pick(b, setB, 'b')}
      </div>
      <Show loaded={comparison} pending="Scoring both versions on the rows they share (a few seconds the first time for a thousand mails)…">
        {(c) => (
          <div data-testid="comparison">
            <p>
              <strong>
                {c.a.semver} vs {c.b.semver}
              </strong>{' '}
              — relation: {c.relation}; rows: {c.rows.count.toLocaleString('en')} ({c.rows.source}
              {c.rows.dataset ? `, ${c.rows.dataset.name} v${c.rows.dataset.version}` : ''}
              {c.rows.excluded > 0 ? `, ${c.rows.excluded} excluded` : ''}); wins a {c.wins.a} · b {c.wins.b} · ties {c.wins.ties}
            </p>
            {c.note && <p className="muted">{c.note}</p>}
            <table>
              <thead>
                <tr>
                  <th>Metric</th>
                  <th className="num">a</th>
                  <th className="num">b</th>
                  <th className="num">Δ (b − a)</th>
                  <th>95 % CI of Δ</th>
                  <th>Winner</th>
                </tr>
              </thead>
              <tbody>
                {c.metrics.map((m) => (
                  <tr key={m.metric}>
                    <td>{m.metric}</td>
                    <td className="num">{COUNTS.test(m.metric) ? fmtNum(m.a) : fmtMetric(m.a, 4)}</td>
                    <td className="num">{COUNTS.test(m.metric) ? fmtNum(m.b) : fmtMetric(m.b, 4)}</td>
                    <td className={`num ${m.winner === 'b' ? 'good' : m.winner === 'a' ? 'bad' : ''}`}>{m.delta === null ? '—' : `${m.delta > 0 ? '+' : ''}${fmtNum(m.delta, 4)}`}</td>
                    <td>{m.ci ? `[${fmtNum(m.ci.lower, 4)}, ${fmtNum(m.ci.upper, 4)}]` : '—'}</td>
                    <td>{m.winner ?? (m.direction === 'none' ? 'n/a' : '—')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {c.paired && (
              <p>
                Paired on {c.paired.counts.rows.toLocaleString('en')} rows: both right {c.paired.counts.bothRight}, only a {c.paired.counts.onlyARight}, only b {c.paired.counts.onlyBRight}, both wrong {c.paired.counts.bothWrong}. McNemar ({c.paired.mcnemar.method}) p ={' '}
                <strong>{fmtNum(c.paired.mcnemar.pValue, 4)}</strong> {c.paired.mcnemar.pValue < 0.05 ? <Badge kind="info">significant at 5 %</Badge> : <Badge kind="muted">not significant</Badge>}
              </p>
            )}
            {c.flips && (
              <div className="grid2">
                {(['onlyARight', 'onlyBRight'] as const).map((side) => (
                  <div key={side}>
                    <h3>{side === 'onlyARight' ? `Only ${c.a.semver} right` : `Only ${c.b.semver} right`}</h3>
                    {c.flips![side].length === 0 ? (
                      <p className="muted">None.</p>
                    ) : (
                      <ul className="flips">
                        {c.flips![side].map((f) => (
                          <li key={f.row}>
                            <span className="muted">label {f.label}</span> “{f.text}” <span className="muted">(a {fmtNum(f.a.probability, 2)}, b {fmtNum(f.b.probability, 2)})</span>
                          </li>
                        ))}
                      </ul>
                    )}
                  </div>
                ))}
              </div>
            )}
          </div>
        )}
      </Show>
    </Section>
  );
}

export function ModelPage({ name, tab, params }: { name: string; tab: string; params: URLSearchParams }) {
  const model = useApi<Model>(`/models/${encodeURIComponent(name)}`);
  const versions = useApi<{ versions: Version[] }>(`/models/${encodeURIComponent(name)}/versions?limit=500`, 5_000);
  const admin = useCan('admin');
  const editor = useCan('editor');
  const [actionError, setActionError] = useState<Error | undefined>(undefined);
  const list = versions.data?.versions ?? [];
  const selected = Number(params.get('v') ?? list.find((v) => v.stage === 'Production')?.number ?? list[0]?.number ?? 1);
  return (
    <>
      <h1>
        <a href={href('models')}>Models</a> / {name}
      </h1>
      <Show loaded={model}>
        {(m) => (
          <>
            <div className="toolbar">
              <span className="muted grow">
                {m.task}
                {m.description ? ` — ${m.description}` : ''}
              </span>
              {editor && m.recipe !== null && (
                <button
                  type="button"
                  data-testid="retrain"
                  onClick={() => {
                    setActionError(undefined);
                    post<RetrainAnswer>('/models/retrain', { model: m.name }).then(
                      (answer) => {
                        const job = answer.jobs[0];
                        if (job) window.location.hash = href('jobs', job.id);
                      },
                      (e: unknown) => setActionError(e as Error),
                    );
                  }}
                >
                  Retrain
                </button>
              )}
              {admin && (
                <ActionButton
                  label="Roll back"
                  danger
                  testId="rollback"
                  confirm="Give all traffic back to the version the latest deployment replaced?"
                  action={(reason) => post('/models/rollback', { model: m.name, ...(reason ? { reason } : {}) }).then(versions.reload)}
                />
              )}
            </div>
            <ErrorBox error={actionError} />
            <nav className="tabs">
              {TABS.map(([key, label]) => (
                <a key={key} href={href('models', name, key)} className={tab === key ? 'active' : ''}>
                  {label}
                </a>
              ))}
            </nav>
            <Show loaded={versions}>
              {() => (
                <>
                  {tab === 'versions' && <VersionsTab model={m} versions={list} reload={versions.reload} />}
                  {tab === 'lineage' && <LineageTab model={m} versions={list} selected={selected} select={(n) => (window.location.hash = `${href('models', name, 'lineage')}?v=${n}`)} />}
                  {tab === 'performance' && <PerformanceTab versions={list} />}
                  {tab === 'history' && <HistoryTab model={m} />}
                  {tab === 'compare' && (list.length < 2 ? <p className="muted">One version only: nothing to compare yet.</p> : <CompareTab model={m} versions={list} />)}
                </>
              )}
            </Show>
          </>
        )}
      </Show>
    </>
  );
}
