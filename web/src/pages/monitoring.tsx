/**
 * Monitoring: what the `monitor-models` job last judged of a model, per version and arm — live
 * metrics with their intervals against the version's evaluation baseline and the drop line
 * the alert rules use, the label-free estimate (marked as one), drift per descriptor with the
 * sampled inputs behind it, the normalisation gap against its reference, the anomaly detectors
 * against their calibrated thresholds — with the processes' resources and the model's alerts. Re-read every few seconds; the snapshot
 * itself changes once per WARDEN_MONITOR_INTERVAL_MS.
 */
import { Fragment } from 'react';
import { Badge, KeyValues, Section, Show, Unavailable, fmtAgo, fmtMetric, fmtNum, fmtTime } from '../components.js';
import { href, useApi, useRoute } from '../hooks.js';
import type { AlertRule, Detector, DriftResult, MetricWindow, MonitoredArm, MonitoringSnapshot, ProcessResources, ProcessRow } from '../types.js';
import { AlertTable, useAcknowledgeRoute } from './capabilities.js';

const REFRESH_MS = 5_000;
const METRICS = ['accuracy', 'precision', 'recall', 'f1'] as const;
type MetricName = (typeof METRICS)[number];
const WINDOWS = [
  ['lastHour', 'last hour'],
  ['lastDay', 'last day'],
  ['lastLabelled', 'last N labelled'],
] as const;

/** `GET /monitoring`: one line per model and arm (the Models page reads it for its health column too). */
export interface MonitoringSummary {
  models: Array<{ model: string; evaluatedAt: number; arms: Array<{ version: number; arm: string; requestsLastHour: number; accuracy: number | null; performance: string; drift: string; drifted: string[]; anomalies: string[] }> }>;
  process: ProcessResources | null;
  processes: ProcessRow[];
}

const VERDICT_BADGE: Record<string, string> = {
  ok: 'ok',
  stable: 'ok',
  degraded: 'bad',
  drift: 'bad',
  warning: 'warn',
  'insufficient-data': 'muted',
  'no-baseline': 'muted',
  'no-reference-profile': 'muted',
  'no-reference': 'muted',
};

function Verdict({ value }: { value: string | undefined }) {
  if (value === undefined) return <span className="muted">—</span>;
  return <Badge kind={VERDICT_BADGE[value] ?? 'info'}>{value}</Badge>;
}

const pct = (value: number | null | undefined, digits = 1) => (value === null || value === undefined ? '—' : `${(100 * value).toFixed(digits)} %`);
const mib = (bytes: number) => `${fmtNum(bytes / 1024 / 1024, 1)} MiB`;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const numberOf = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** The drop rules in force (`accuracy-drop` …): where each metric's alert line sits below its baseline. */
function dropLine(rules: readonly AlertRule[] | undefined, metric: MetricName, baseline: number | null): { value: number; label: string } | null {
  if (baseline === null) return null;
  const rule = rules?.find((r) => r.id === `${metric}-drop` && r.enabled && r.condition.op === 'drop');
  if (rule === undefined || rule.condition.threshold === undefined) return null;
  const { threshold, relative } = rule.condition;
  return relative ? { value: baseline * (1 - threshold), label: `−${fmtNum(100 * threshold, 0)} %` } : { value: baseline - threshold, label: `−${fmtNum(threshold, 3)}` };
}

interface PlotRow {
  readonly label: string;
  readonly value: number | null;
  readonly lower: number | null;
  readonly upper: number | null;
  readonly support: number;
  readonly estimate: boolean;
  readonly degraded: boolean;
}

const PLOT_W = 460;
const LABEL_W = 118;
const RIGHT_W = 92;
const ROW_H = 26;
const TOP = 22;
const AXIS_H = 22;

/**
 * One metric as a forest plot: a row per window (point and interval), the estimate as a
 * hollow diamond, over the baseline band (from the alert's drop line up to the baseline).
 */
function MetricPlot({ metric, rows, baseline, drop }: { metric: MetricName; rows: readonly PlotRow[]; baseline: number | null; drop: { value: number; label: string } | null }) {
  const values = rows.flatMap((r) => [r.lower, r.value, r.upper]).filter((v): v is number => v !== null);
  if (baseline !== null) values.push(baseline);
  if (drop !== null) values.push(drop.value);
  const lo = Math.max(0, Math.floor((Math.min(1, ...values) - 0.02) * 20) / 20);
  const hi = 1;
  const height = TOP + rows.length * ROW_H + AXIS_H;
  const plotRight = PLOT_W - RIGHT_W;
  const x = (v: number) => LABEL_W + ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * (plotRight - LABEL_W);
  const ticks = Array.from({ length: 5 }, (_, i) => lo + ((hi - lo) * i) / 4);
  const bottom = TOP + rows.length * ROW_H;
  return (
    <figure className="metric-plot" data-testid={`metric-plot-${metric}`}>
      <figcaption>
        <strong>{metric}</strong>
        <span className="muted small">
          {baseline === null ? ' no baseline (the version recorded no eval metric)' : ` baseline ${fmtMetric(baseline)}${drop ? `, alert below ${fmtMetric(drop.value)} (${drop.label})` : ''}`}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${PLOT_W} ${height}`} width="100%" role="img" aria-label={`${metric} per window against its baseline`}>
        {baseline !== null && drop !== null && <rect className="band" x={x(drop.value)} y={TOP - 6} width={Math.max(0, x(baseline) - x(drop.value))} height={bottom - TOP + 6} />}
        {ticks.map((t) => (
          <g key={t}>
            <line className="grid" x1={x(t)} x2={x(t)} y1={TOP - 6} y2={bottom} />
            <text className="tick" x={x(t)} y={bottom + 14} textAnchor="middle">
              {t.toFixed(2)}
            </text>
          </g>
        ))}
        {drop !== null && (
          <g>
            <line className="drop-line" x1={x(drop.value)} x2={x(drop.value)} y1={TOP - 10} y2={bottom} />
            <text className="line-label drop" x={x(drop.value)} y={TOP - 12} textAnchor="end">
              alert {drop.label}
            </text>
          </g>
        )}
        {baseline !== null && (
          <g>
            <line className="baseline-line" x1={x(baseline)} x2={x(baseline)} y1={TOP - 10} y2={bottom} />
            <text className="line-label" x={x(baseline) + 3} y={TOP - 12}>
              baseline
            </text>
          </g>
        )}
        {rows.map((row, i) => {
          const y = TOP + i * ROW_H + ROW_H / 2;
          const kind = row.estimate ? 'estimate' : row.degraded ? 'degraded' : 'measured';
          return (
            <g key={row.label} className={`row row-${kind}`}>
              <text className="row-label" x={LABEL_W - 8} y={y + 4} textAnchor="end">
                {row.label}
              </text>
              {row.value === null ? (
                <text className="row-empty" x={LABEL_W + 4} y={y + 4}>
                  no labelled predictions
                </text>
              ) : (
                <>
                  {row.lower !== null && row.upper !== null && <line className="whisker" x1={x(row.lower)} x2={x(row.upper)} y1={y} y2={y} />}
                  {row.estimate ? <path className="point" d={`M ${x(row.value)} ${y - 6} l 6 6 l -6 6 l -6 -6 z`} /> : <circle className="point" cx={x(row.value)} cy={y} r={5} />}
                </>
              )}
              <text className="row-value" x={plotRight + 8} y={y + 4}>
                {row.value === null ? '—' : fmtMetric(row.value)} <tspan className="muted">n={fmtNum(row.support)}</tspan>
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

/** The window's name; the last-N window is named as the server does (`last 500 labelled`). */
const windowLabel = (arm: MonitoredArm, key: (typeof WINDOWS)[number][0], label: string) => (key === 'lastLabelled' && /labelled/.test(arm.performance.judgedWindow) ? arm.performance.judgedWindow : label);

function windowRows(arm: MonitoredArm, metric: MetricName): PlotRow[] {
  const { windows, estimate } = arm.performance;
  const rows: PlotRow[] = WINDOWS.map(([key, label]) => {
    const w: MetricWindow = windows[key];
    const m = w.metrics[metric];
    return { label: windowLabel(arm, key, label), value: m.value, lower: m.lower, upper: m.upper, support: m.support, estimate: false, degraded: w.degraded.includes(metric) };
  });
  const e = estimate.metrics[metric];
  rows.push({ label: 'estimate (CBPE)', value: e.value, lower: e.lower, upper: e.upper, support: e.support, estimate: true, degraded: false });
  return rows;
}

function Performance({ arm, rules }: { arm: MonitoredArm; rules: readonly AlertRule[] | undefined }) {
  const { baseline, windows, judgedWindow, estimate } = arm.performance;
  return (
    <>
      <p className="muted small">
        Points are live metrics from feedback labels with their {pct(windows.lastHour.level, 0)} Wilson intervals; the shaded band runs from the alert rule's drop line up to the version's evaluation
        baseline. Alerts judge the <strong>{judgedWindow}</strong> window. The hollow diamond is an <strong>estimate</strong> without labels ({estimate.method}, {estimate.window}, {fmtNum(estimate.rows)} rows): {estimate.note}
      </p>
      <div className="plots">
        {METRICS.map((metric) => {
          const base = baseline?.[metric] ?? null;
          return <MetricPlot key={metric} metric={metric} rows={windowRows(arm, metric)} baseline={base} drop={dropLine(rules, metric, base)} />;
        })}
      </div>
      <table data-testid="performance-table">
        <thead>
          <tr>
            <th>Window</th>
            <th className="num">Labelled</th>
            {METRICS.map((m) => (
              <th key={m} className="num">
                {m}
              </th>
            ))}
            <th>Verdict</th>
          </tr>
        </thead>
        <tbody>
          <tr className="baseline-row">
            <td>baseline (evaluation)</td>
            <td />
            {METRICS.map((m) => (
              <td key={m} className="num">
                {fmtMetric(baseline?.[m])}
              </td>
            ))}
            <td />
          </tr>
          {WINDOWS.map(([key, label]) => {
            const w = windows[key];
            return (
              <tr key={key}>
                <td>{windowLabel(arm, key, label)}</td>
                <td className="num">{fmtNum(w.labelled)}</td>
                {METRICS.map((m) => (
                  <td key={m} className={`num${w.degraded.includes(m) ? ' bad' : ''}`}>
                    {fmtMetric(w.metrics[m].value)} <span className="muted small">{w.metrics[m].lower === null ? '' : `[${fmtMetric(w.metrics[m].lower)}, ${fmtMetric(w.metrics[m].upper)}]`}</span>
                  </td>
                ))}
                <td>
                  <Verdict value={w.verdict} />
                </td>
              </tr>
            );
          })}
          <tr className="estimate-row">
            <td>
              {estimate.window} <Badge kind="info">estimate</Badge>
            </td>
            <td className="num">{fmtNum(estimate.rows)}</td>
            {METRICS.map((m) => (
              <td key={m} className="num">
                ≈{fmtMetric(estimate.metrics[m].value)}
              </td>
            ))}
            <td className="muted small">not alerted on</td>
          </tr>
        </tbody>
      </table>
    </>
  );
}

/** Reference against live share of the bins that moved most: grey the reference, blue live. */
function MovedBins({ bins }: { bins: DriftResult['movedBins'] }) {
  // Bins whose share moved by less than half a point say nothing: a stable descriptor lists its bins anyway.
  const shown = bins.filter((b) => Math.abs(b.liveShare - b.referenceShare) >= 0.005).slice(0, 6);
  if (shown.length === 0) return <span className="muted">{bins.length === 0 ? '—' : 'none moved'}</span>;
  const top = Math.max(...shown.flatMap((b) => [b.referenceShare, b.liveShare]), 0.01);
  const w = 14;
  const gap = 8;
  const h = 38;
  // The last bin's upper edge is a sentinel far past any value (1e4, 1e6…): say "≥ lower" instead.
  const range = (b: DriftResult['movedBins'][number]) => (b.upper >= 100 * Math.max(1, Math.abs(b.lower)) ? `≥ ${fmtNum(b.lower, 2)}` : `[${fmtNum(b.lower, 2)}, ${fmtNum(b.upper, 2)})`);
  const first = shown[0]!;
  return (
    <div className="moved-bins">
      <svg width={shown.length * (2 * w + gap)} height={h} role="img" aria-label="moved bins: reference and live share">
        {shown.map((b, i) => {
          const x0 = i * (2 * w + gap);
          const ref = (b.referenceShare / top) * (h - 2);
          const live = (b.liveShare / top) * (h - 2);
          return (
            <g key={i}>
              <title>{`${range(b)}: reference ${pct(b.referenceShare)} → live ${pct(b.liveShare)}`}</title>
              <rect className="bin-ref" x={x0} y={h - ref} width={w} height={ref} />
              <rect className="bin-live" x={x0 + w} y={h - live} width={w} height={live} />
            </g>
          );
        })}
      </svg>
      <span className="small muted">
        {range(first)} {pct(first.referenceShare)} → {pct(first.liveShare)}
      </span>
    </div>
  );
}

function TestCell({ test }: { test: unknown }) {
  if (!isObject(test)) return <span className="muted">—</span>;
  const p = numberOf(test.pValue);
  const alpha = numberOf(test.alpha);
  return (
    <span>
      {typeof test.name === 'string' ? test.name : 'test'} {fmtNum(numberOf(test.statistic), 3)}
      <br />
      <span className={`small ${p !== undefined && alpha !== undefined && p < alpha ? 'bad' : 'muted'}`}>
        p {p === undefined ? '—' : p < 0.0001 ? '< 0.0001' : fmtNum(p, 4)}
        {alpha === undefined ? '' : ` (α ${fmtNum(alpha, 4)})`}
      </span>
    </span>
  );
}

function effect(effects: unknown, key: string, digits = 3): string {
  return isObject(effects) ? fmtNum(numberOf(effects[key]), digits) : '—';
}

function Drift({ drift }: { drift: MonitoredArm['drift'] }) {
  if (drift.status !== 'evaluated') return <p className="muted">{drift.message ?? drift.status}</p>;
  const results = [...(drift.results ?? [])].sort((a, b) => rank(b.verdict) - rank(a.verdict));
  return (
    <>
      <p>
        <Verdict value={drift.verdict} /> over the {drift.window ?? 'last hour'}: {drift.drifted?.length ? <strong>drifted: {drift.drifted.join(', ')}</strong> : 'nothing drifted'}
        {drift.warnings?.length ? `; warnings: ${drift.warnings.join(', ')}` : ''}
        <span className="muted small">
          {' '}
          — no verdict under {fmtNum(drift.minRows)} live rows; PSI warns at 0.1, drifts at 0.2. Moved bins: reference <span className="key-ref">grey</span>, live <span className="key-live">blue</span>.
        </span>
      </p>
      <table data-testid="drift-table">
        <thead>
          <tr>
            <th>Descriptor</th>
            <th>Verdict</th>
            <th className="num">Rows (ref / live)</th>
            <th>Test</th>
            <th className="num">PSI</th>
            <th className="num">JS</th>
            <th className="num">Wasserstein</th>
            <th className="num">KS</th>
            <th>Moved bins</th>
          </tr>
        </thead>
        <tbody>
          {results.map((r) => (
            <Fragment key={r.name}>
              <tr data-testid={`drift-${r.name}`} className={r.examples.length > 0 ? 'has-examples' : ''}>
                <td>
                  <code>{r.name}</code>
                </td>
                <td>
                  <Verdict value={r.verdict} />
                  {r.decidedBy ? <div className="small muted">by {r.decidedBy}</div> : null}
                </td>
                <td className="num">
                  {fmtNum(r.referenceRows)} / {fmtNum(r.liveRows)}
                </td>
                <td>
                  <TestCell test={r.test} />
                </td>
                <td className="num">{effect(r.effects, 'psi')}</td>
                <td className="num">{effect(r.effects, 'jsDistance')}</td>
                <td className="num">{effect(r.effects, 'wasserstein')}</td>
                <td className="num">{effect(r.effects, 'ksDistance')}</td>
                <td>
                  <MovedBins bins={r.movedBins} />
                </td>
              </tr>
              {r.examples.length > 0 && (
                <tr className="examples-row" data-testid={`drift-examples-${r.name}`}>
                  <td colSpan={9}>
                    <span className="small muted">sampled live inputs from the range that gained most:</span>
                    {r.examples.map((text, i) => (
                      // Shown as text (React escapes it): a sampled mail may hold markup.
                      <code key={i} className="example" title={text}>
                        {text}
                      </code>
                    ))}
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
    </>
  );
}

/**
 * The normalisation gap of the last hour: how many described inputs got another verdict read
 * raw (evasion-undoing steps off) than normalised, against the same share on the version's
 * held-out rows. A jump means inputs crafted to be read differently before and after the normaliser.
 */
function NormalizationGap({ gap }: { gap: MonitoredArm['normalizationGap'] }) {
  if (gap === undefined) return null;
  return (
    <>
      <p className="muted small">
        <strong>Normalisation gap</strong>: described inputs whose raw text (the evasion-undoing normalisation steps off) got another verdict than the normalised text, against the same share on the
        version's held-out rows; the verdict is the <code>normalizationFlip</code> row's.
      </p>
      <table data-testid="normalization-gap">
        <thead>
          <tr>
            <th>Window</th>
            <th>Verdict</th>
            <th className="num">Flipped / described</th>
            <th className="num">Live share</th>
            <th className="num">Reference share (held-out rows)</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>{gap.window}</td>
            <td>
              <Verdict value={gap.verdict} />
            </td>
            <td className="num">
              {fmtNum(gap.flipped)} / {fmtNum(gap.described)}
            </td>
            <td className="num">{pct(gap.share, 2)}</td>
            <td className="num">{gap.reference === null ? <span className="muted small">not profiled (retrain for one)</span> : pct(gap.reference, 2)}</td>
          </tr>
        </tbody>
      </table>
    </>
  );
}

function rank(verdict: string): number {
  return { drift: 3, warning: 2, stable: 1 }[verdict] ?? 0;
}

function Gauge({ detector }: { detector: Detector }) {
  if (detector.statistic === undefined || detector.threshold === undefined || detector.threshold <= 0) return <span className="muted">not calibrated yet</span>;
  const share = Math.min(1, Math.max(0, detector.statistic / detector.threshold));
  return (
    <span className="gauge" title={`CUSUM ${fmtNum(detector.statistic, 3)} of threshold ${fmtNum(detector.threshold, 3)}`}>
      <span className={`gauge-fill${detector.alarm ? ' alarm' : ''}`} style={{ width: `${Math.round(share * 100)}%` }} />
      <span className="gauge-text">
        {fmtNum(detector.statistic, 2)} / {fmtNum(detector.threshold, 2)}
      </span>
    </span>
  );
}

function Anomalies({ anomalies }: { anomalies: MonitoredArm['anomalies'] }) {
  const warming = anomalies.readingsCollected < anomalies.warmupReadings;
  return (
    <>
      <p className="muted small">
        {anomalies.readingTaken ? 'This tick took a reading.' : 'This tick took no reading (too soon after the last, or under 20 answers in the interval).'} {fmtNum(anomalies.readingsCollected)} {anomalies.readingsCollected === 1 ? 'reading' : 'readings'} collected;{' '}
        {warming ? `the first ${anomalies.warmupReadings} are the quiet baseline the detectors calibrate on` : `detectors calibrated: ${anomalies.calibrated}`}, each to{' '}
        {fmtNum(anomalies.targetFalseAlarmRate * 2000, 0)} false alarm in 2,000 readings.
      </p>
      {anomalies.detectors.length === 0 ? (
        <p className="muted">No detector to show yet: each starts once the first {fmtNum(anomalies.warmupReadings)} readings are in ({fmtNum(anomalies.readingsCollected)} so far).</p>
      ) : (
        <table data-testid="anomaly-table">
          <thead>
            <tr>
              <th>Detector</th>
              <th className="num">Reading</th>
              <th className="num">z</th>
              <th>CUSUM against its threshold</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {anomalies.detectors.map((d) => (
              <tr key={d.name}>
                <td>
                  <code>{d.name}</code>
                </td>
                <td className="num">{fmtNum(d.reading, 3)}</td>
                <td className="num">{fmtNum(d.zScore, 2)}</td>
                <td>
                  <Gauge detector={d} />
                </td>
                <td>{d.alarm ? <Badge kind="bad">alarm {d.alarm}</Badge> : d.threshold === undefined ? <Badge kind="muted">warming up</Badge> : <Badge kind="ok">quiet</Badge>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function ArmView({ arm, rules }: { arm: MonitoredArm; rules: readonly AlertRule[] | undefined }) {
  const training = Object.entries(arm.resources.training);
  const failures = Object.entries(arm.errors.lastDay.byCode);
  return (
    <section className="card arm" data-testid={`arm-${arm.arm}-${arm.version}`}>
      <header className="card-head">
        <h2>
          {arm.semver ?? `#${arm.version}`} <span className="muted">#{arm.version}</span> · {arm.arm} arm {arm.stage && <Badge kind={`stage-${arm.stage}`}>{arm.stage}</Badge>}
        </h2>
        <span className="muted small">
          {fmtNum(arm.requests.lastHour)} requests last hour · {fmtNum(arm.requests.lastDay)} last day · errors {pct(arm.errors.lastDay.rate, 2)}
          {failures.length > 0 ? ` (${failures.map(([code, n]) => `${code} ${n}`).join(', ')})` : ''}
        </span>
      </header>
      <h3>Live performance</h3>
      <Performance arm={arm} rules={rules} />
      <h3>Drift</h3>
      <Drift drift={arm.drift} />
      <NormalizationGap gap={arm.normalizationGap} />
      <h3>Anomalies</h3>
      <Anomalies anomalies={arm.anomalies} />
      {training.length > 0 && (
        <>
          <h3>Training resources of this version</h3>
          <KeyValues entries={training.map(([k, v]) => [k, /bytes/i.test(k) ? mib(v) : fmtNum(v, 2)])} />
        </>
      )}
    </section>
  );
}

function ResourceCells({ r }: { r: ProcessResources }) {
  return (
    <>
      <td className="num">{fmtNum(r.cpuCores, 2)}</td>
      <td className="num">{mib(r.rssBytes)}</td>
      <td className="num">
        {mib(r.heapUsedBytes)} <span className="muted small">of {mib(r.heapTotalBytes)}</span>
      </td>
      <td className="num">
        {fmtNum(r.eventLoopLagMs.mean, 1)} / {fmtNum(r.eventLoopLagMs.p99, 1)} / {fmtNum(r.eventLoopLagMs.max, 1)}
      </td>
      <td>{r.gpu === null ? <span className="muted">none</span> : `${fmtNum(r.gpu.utilizationPct, 0)} %, ${fmtNum(r.gpu.memoryMb, 0)} MB`}</td>
    </>
  );
}

function Resources({ process, processes }: { process: ProcessResources | null; processes: readonly ProcessRow[] | undefined }) {
  const head = (
    <>
      <th className="num">CPU (cores)</th>
      <th className="num">RSS</th>
      <th className="num">Heap used</th>
      <th className="num">Event-loop lag ms mean / p99 / max</th>
      <th>GPU</th>
    </>
  );
  if (processes !== undefined && processes.length > 0) {
    return (
      <table data-testid="processes-table" className="resources">
        <thead>
          <tr>
            <th>Process</th>
            <th>Roles</th>
            <th>Started</th>
            {head}
          </tr>
        </thead>
        <tbody>
          {processes.map((p) => (
            <tr key={p.id}>
              <td>
                {p.host}:{p.pid} {p.self && <Badge kind="info">answering</Badge>}
              </td>
              <td>{p.roles.join(', ')}</td>
              <td>{fmtAgo(p.startedAt)}</td>
              <ResourceCells r={p.resources} />
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  if (process === null) return <p className="muted">This server does not measure its process.</p>;
  return (
    <>
      <p className="muted small">The process that answered this page (pid {process.pid}); this server lists no other processes.</p>
      <table data-testid="processes-table" className="resources">
        <thead>
          <tr>
            <th>Process</th>
            {head}
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>pid {process.pid}</td>
            <ResourceCells r={process} />
          </tr>
        </tbody>
      </table>
    </>
  );
}

function ModelAlerts({ model }: { model: string }) {
  const alerts = useApi<unknown>(`/alerts?model=${encodeURIComponent(model)}&limit=20`, REFRESH_MS);
  const acknowledge = useAcknowledgeRoute();
  return <Show loaded={alerts}>{(data) => <AlertTable data={data} acknowledge={acknowledge} reload={alerts.reload} />}</Show>;
}

function ModelMonitoring({ model, hasAlerts }: { model: string; hasAlerts: boolean | undefined }) {
  const snapshot = useApi<MonitoringSnapshot>(`/monitoring/${encodeURIComponent(model)}`, REFRESH_MS);
  const rules = useApi<{ rules: AlertRule[] }>(hasAlerts ? '/alerts/rules' : null);
  return (
    <Show loaded={snapshot}>
      {(s) => (
        <div data-testid="model-monitoring">
          <p className="muted snapshot-line">
            <strong>{model}</strong> evaluated {fmtTime(s.evaluatedAt)} ({fmtAgo(s.evaluatedAt)}) from {fmtNum(s.rowsRead)} predictions of the last day{s.truncated ? ' (cut at WARDEN_MONITOR_MAX_ROWS)' : ''}; this page re-reads it every{' '}
            {REFRESH_MS / 1000} s.
          </p>
          {s.arms.length === 0 ? (
            <Section title="Versions and arms">
              <p className="muted">No version of {model} answered a request in the last day: live metrics, drift and anomalies need its predictions (and feedback labels for the metrics).</p>
            </Section>
          ) : (
            s.arms.map((arm) => <ArmView key={`${arm.arm}-${arm.version}`} arm={arm} rules={rules.data?.rules} />)
          )}
          {hasAlerts && (
            <Section title={`Alerts for ${model}`}>
              <ModelAlerts model={model} />
            </Section>
          )}
          <Section title="Resources">
            <Resources process={s.process} processes={s.processes} />
          </Section>
        </div>
      )}
    </Show>
  );
}

function Overview({ summary, chosen }: { summary: MonitoringSummary; chosen: string | undefined }) {
  return (
    <table data-testid="monitoring-summary" className="wrap-head">
      <thead>
        <tr>
          <th>Model</th>
          <th>Evaluated</th>
          <th>Version / arm</th>
          <th className="num">Requests last hour</th>
          <th className="num">Accuracy (last N labelled)</th>
          <th>Performance</th>
          <th>Drift</th>
          <th>Detectors in alarm</th>
        </tr>
      </thead>
      <tbody>
        {summary.models.flatMap((m) =>
          m.arms.length === 0 ? (
            <tr key={m.model} className={m.model === chosen ? 'selected' : ''}>
              <td>
                <a href={href('monitoring', m.model)}>{m.model}</a>
              </td>
              <td>{fmtAgo(m.evaluatedAt)}</td>
              <td colSpan={6} className="muted">
                no request in the last day
              </td>
            </tr>
          ) : m.arms.map((a, i) => (
            <tr key={`${m.model}-${a.arm}-${a.version}`} className={m.model === chosen ? 'selected' : ''}>
              <td>{i === 0 && <a href={href('monitoring', m.model)}>{m.model}</a>}</td>
              <td>{i === 0 && fmtAgo(m.evaluatedAt)}</td>
              <td>
                #{a.version} {a.arm}
              </td>
              <td className="num">{fmtNum(a.requestsLastHour)}</td>
              <td className="num">{fmtMetric(a.accuracy)}</td>
              <td>
                <Verdict value={a.performance} />
              </td>
              <td className="wrap">
                <Verdict value={a.drift} /> {a.drifted.length > 0 && <span className="small">{a.drifted.join(', ')}</span>}
              </td>
              <td className="wrap">{a.anomalies.length === 0 ? <span className="muted">none</span> : a.anomalies.join(', ')}</td>
            </tr>
          )),
        )}
      </tbody>
    </table>
  );
}

export function MonitoringPage({ model }: { model: string | undefined }) {
  const has = useRoute('GET /monitoring/{model}');
  const hasAlerts = useRoute('GET /alerts');
  // Only models the monitor-models job has evaluated have a snapshot (another would be a 404).
  const summary = useApi<MonitoringSummary>(has ? '/monitoring' : null, REFRESH_MS);
  const evaluated = (summary.data?.models ?? []).map((m) => m.model);
  const chosen = model !== undefined && evaluated.includes(model) ? model : evaluated[0];
  return (
    <>
      <h1>Monitoring{chosen !== undefined && ` / ${chosen}`}</h1>
      {has === undefined && <p className="muted">Asking the server what it can do…</p>}
      {has === false && <Unavailable what="Live metrics against baseline bands, drift per descriptor, anomalies and resources" route="GET /monitoring/:model" />}
      {has === true && (
        <Show loaded={summary}>
          {(s) =>
            s.models.length === 0 ? (
              <Section title="Models">
                <p className="muted">No model has been evaluated yet: the monitor-models job looks at each model's predictions every WARDEN_MONITOR_INTERVAL_MS (default 60 s).</p>
                <Resources process={s.process} processes={s.processes} />
              </Section>
            ) : (
              <>
                <Section title="Every monitored model">
                  <Overview summary={s} chosen={chosen} />
                  {model !== undefined && model !== chosen && <p className="muted">{model} has not been evaluated yet; showing {chosen}.</p>}
                </Section>
                {chosen !== undefined && <ModelMonitoring model={chosen} hasAlerts={hasAlerts} />}
              </>
            )
          }
        </Show>
      )}
    </>
  );
}
