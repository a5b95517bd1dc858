import { useEffect, useRef, useState, type ReactNode } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Loaded } from './hooks.js';

export function fmtTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/** `MM-DD HH:MM` (UTC, as fmtTime), for tables short of room; the full time belongs in the cell's title. */
export function fmtShortTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '—' : fmtTime(ms).slice(5, 16);
}

export function fmtAgo(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const s = Math.round((Date.now() - ms) / 1000);
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** A count or a measurement: integers as they are (1,234), others to `digits` decimals. */
export function fmtNum(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (Number.isInteger(value)) return value.toLocaleString('en');
  return value.toFixed(digits);
}

/** A metric such as accuracy: a fraction always to `digits` decimals (1.000, not 1), anything larger as fmtNum. */
export function fmtMetric(value: number | null | undefined, digits = 3): string {
  if (value !== null && value !== undefined && Math.abs(value) <= 1) return value.toFixed(digits);
  return fmtNum(value, digits);
}

export function fmtDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** `text` cut to at most `maxChars` characters, ending in '…' when cut, so a reader sees something was left out. */
export function clipText(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}

export function shortDigest(digest: string | null | undefined): string {
  if (!digest) return '—';
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

export function Badge({ kind, children }: { kind: string; children: ReactNode }) {
  return <span className={`badge badge-${kind.toLowerCase()}`}>{children}</span>;
}

export function StageBadge({ stage }: { stage: string }) {
  return <Badge kind={`stage-${stage}`}>{stage}</Badge>;
}

export function ProgressBar({ fraction, label }: { fraction: number; label?: string }) {
  const percent = Math.round(Math.max(0, Math.min(1, fraction)) * 100);
  return (
    <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-label={label ?? 'progress'}>
      {/* Dark figure on the track, the same figure in white clipped to the fill: readable at 5 % as at 95 %. */}
      <span className="progress-text">{percent} %</span>
      {percent > 0 && (
        <div className="progress-fill" style={{ width: `${percent}%` }}>
          <span className="progress-text on-fill" style={{ width: `${10000 / percent}%` }} aria-hidden="true">
            {percent} %
          </span>
        </div>
      )}
    </div>
  );
}

export function ErrorBox({ error }: { error: Error | undefined }) {
  if (error === undefined) return null;
  return (
    <div className="error" role="alert">
      {error.message}
    </div>
  );
}

/** Renders `children(data)` once loaded; the error or a loading line (`pending`, when the wait deserves words) until then. */
export function Show<T>({ loaded, children, pending = 'Loading…' }: { loaded: Loaded<T>; children: (data: T) => ReactNode; pending?: string }) {
  if (loaded.data !== undefined) return <>{children(loaded.data)}</>;
  if (loaded.error !== undefined) return <ErrorBox error={loaded.error} />;
  return (
    <p className="muted" role="status">
      {pending}
    </p>
  );
}

export function Unavailable({ what, route }: { what: string; route: string }) {
  return (
    <div className="unavailable" data-testid="unavailable">
      <strong>Not available in this version of Warden.</strong> {what} needs <code>{route}</code>, which this server does not have
      yet. This page shows real data as soon as the server does.
    </div>
  );
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="card">
      <header className="card-head">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

export function KeyValues({ entries }: { entries: Array<[string, ReactNode]> }) {
  if (entries.length === 0) return <p className="muted">None.</p>;
  return (
    <dl className="kv">
      {entries.map(([key, value]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A button that asks to confirm (with a reason, when the route records one), then runs `action(reason)`; the API's refusal is shown in the dialog. */
export function ActionButton({ label, confirm, action, danger, testId, askReason = true }: { label: string; confirm: string; action: (reason: string) => Promise<unknown>; danger?: boolean; testId?: string; askReason?: boolean }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>(undefined);
  if (!open) {
    return (
      <button type="button" className={danger ? 'danger' : 'primary'} data-testid={testId} onClick={() => setOpen(true)}>
        {label}
      </button>
    );
  }
  return (
    <div className="modal-backdrop">
    <form
      className="confirm modal"
      role="dialog"
      aria-label={confirm}
      onSubmit={(event) => {
        event.preventDefault();
        setBusy(true);
        setError(undefined);
        action(reason).then(
          () => {
            setBusy(false);
            setOpen(false);
            setReason('');
          },
          (e: unknown) => {
            setBusy(false);
            setError(e instanceof Error ? e : new Error(String(e)));
          },
        );
      }}
    >
      <strong>{confirm}</strong>
      {askReason && <input aria-label="reason" placeholder="reason (recorded)" autoFocus value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />}
      <div className="modal-buttons">
        <button type="button" onClick={() => setOpen(false)} disabled={busy}>
          Cancel
        </button>
        <button type="submit" className={danger ? 'danger' : 'primary'} disabled={busy} data-testid={testId === undefined ? undefined : `${testId}-confirm`}>
          {busy ? '…' : 'Confirm'}
        </button>
      </div>
      <ErrorBox error={error} />
    </form>
    </div>
  );
}

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

export interface Series {
  readonly label: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

/**
 * Lines over a shared x axis (steps, version numbers) drawn by uPlot. Series need not share x
 * values: they are merged onto the union of xs with gaps where a series has no point.
 */
export function LineChart({ series, xLabel, height = 220, testId }: { series: readonly Series[]; xLabel: string; height?: number; testId?: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current;
    if (element === null || series.length === 0) return;
    const xs = [...new Set(series.flatMap((s) => s.points.map(([x]) => x)))].sort((a, b) => a - b);
    const columns = series.map((s) => {
      const byX = new Map(s.points.map(([x, y]) => [x, y]));
      return xs.map((x) => byX.get(x) ?? null);
    });
    const width = Math.max(300, element.clientWidth);
    const plot = new uPlot(
      {
        width,
        height,
        scales: { x: { time: false } },
        // Steps and version numbers are whole: ticks only at whole numbers.
        axes: [{ label: xLabel, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000], values: (_u, splits) => splits.map((v) => String(v)) }, {}],
        legend: { live: false },
        series: [{ label: xLabel }, ...series.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length], width: 2, spanGaps: true, points: { show: xs.length < 40 } }))],
      },
      [xs, ...columns] as uPlot.AlignedData,
      element,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(300, element.clientWidth), height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [series, xLabel, height]);
  if (series.length === 0) return <p className="muted">No points yet.</p>;
  return <div className="chart" ref={host} data-testid={testId} />;
}

/** Any JSON as tables and lists: the capability pages show what a newer server answers, whatever its shape. */
export function JsonView({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span className="muted">—</span>;
  if (typeof value !== 'object') return <span>{typeof value === 'number' ? fmtNum(value) : String(value)}</span>;
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="muted">none</span>;
    const rows = value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v));
    if (rows.length === value.length) {
      const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))].slice(0, 12);
      return (
        <table>
          <thead>
            <tr>
              {keys.map((k) => (
                <th key={k}>{k}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => (
              <tr key={i}>
                {keys.map((k) => (
                  <td key={k}>
                    <JsonView value={row[k]} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      );
    }
    return <span>{value.map((v) => JSON.stringify(v)).join(', ')}</span>;
  }
  return <KeyValues entries={Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, <JsonView key={k} value={v} />])} />;
}
