import { useEffect, useRef, useState } from 'react';
import { followEvents, post } from '../api.js';
import { ActionButton, Badge, ErrorBox, JsonView, KeyValues, ProgressBar, Section, Show, fmtDuration, fmtNum, fmtTime } from '../components.js';
import { href, useApi, useCan } from '../hooks.js';
import type { Job, JobLogLine, JobProgress } from '../types.js';
import type { HousekeepingJobKind } from '../../../src/domain/jobs.js';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
const MAX_LOG_LINES = 2_000;

/**
 * A job as its event stream tells it: the snapshot, then each progress report, log line and
 * state change as it happens. The stream ends at a terminal state.
 */
function useLiveJob(jobId: string, initial?: Job): { job: Job | undefined; logs: JobLogLine[]; error: Error | undefined } {
  const [job, setJob] = useState<Job | undefined>(initial);
  const [logs, setLogs] = useState<JobLogLine[]>([]);
  const [error, setError] = useState<Error | undefined>(undefined);
  useEffect(() => {
    const abort = new AbortController();
    followEvents(
      `/jobs/${encodeURIComponent(jobId)}/events`,
      (event, data) => {
        if (event === 'snapshot') {
          const snapshot = data as { job: Job; logs: JobLogLine[] };
          setJob(snapshot.job);
          setLogs(snapshot.logs);
        } else if (event === 'state') {
          setJob((data as { job: Job }).job);
        } else if (event === 'progress') {
          const progress = (data as { progress: JobProgress }).progress;
          setJob((current) => (current === undefined ? current : { ...current, progress }));
        } else if (event === 'log') {
          const log = (data as { log: JobLogLine }).log;
          setLogs((current) => [...current, log].slice(-MAX_LOG_LINES));
        }
      },
      abort.signal,
    ).catch((e: unknown) => {
      if (!abort.signal.aborted) setError(e as Error);
    });
    return () => abort.abort();
  }, [jobId]);
  return { job, logs, error };
}

/** A handler names its unit as a rate (`docs/s`) or as the thing counted (`rows`). */
function rateUnit(unit: string | undefined): string {
  if (unit === undefined) return 'items/s';
  return unit.includes('/') ? unit : `${unit}/s`;
}

function Progress({ job }: { job: Job }) {
  const progress = job.progress;
  const fraction = job.state === 'succeeded' ? 1 : (progress?.fraction ?? 0);
  const done = TERMINAL.has(job.state);
  const detail = done
    ? [job.state === 'succeeded' ? 'done' : job.state, job.finishedAt !== null && job.startedAt !== null ? `in ${fmtDuration((job.finishedAt - job.startedAt) / 1000)}` : undefined]
    : [
    progress?.phase,
    progress?.epoch !== undefined && progress.totalEpochs !== undefined ? `epoch ${progress.epoch}/${progress.totalEpochs}` : undefined,
    progress?.step !== undefined && progress.totalSteps !== undefined ? `step ${progress.step}/${progress.totalSteps}` : undefined,
    progress?.throughput !== undefined ? `${fmtNum(progress.throughput, 1)} ${rateUnit(progress.throughputUnit)}` : undefined,
    progress?.etaSeconds !== undefined ? `ETA ${fmtDuration(progress.etaSeconds)}` : undefined,
  ];
  return (
    <div className="job-progress">
      <ProgressBar fraction={fraction} label={`job ${job.id} progress`} />
      <span className="muted small">{detail.filter(Boolean).join(' · ')}</span>
    </div>
  );
}

function StateBadge({ state }: { state: string }) {
  return <Badge kind={`job-${state}`}>{state}</Badge>;
}

/** A list row whose progress follows the job's event stream while it runs. */
function LiveRow({ job }: { job: Job }) {
  const live = useLiveJob(job.id, job);
  const current = live.job ?? job;
  return <JobRow job={current} />;
}

function JobRow({ job }: { job: Job }) {
  const model = typeof job.payload.model === 'string' ? job.payload.model : '';
  return (
    <tr data-testid={`job-row-${job.id}`}>
      <td>
        <a href={href('jobs', job.id)}>{job.id.slice(0, 12)}</a>
      </td>
      <td>{job.kind}</td>
      <td>{model}</td>
      <td>
        <StateBadge state={job.state} />
      </td>
      <td className="wide">
        <Progress job={job} />
      </td>
      <td>{fmtTime(job.createdAt)}</td>
    </tr>
  );
}

function JobDetail({ jobId }: { jobId: string }) {
  const { job, logs, error } = useLiveJob(jobId);
  const editor = useCan('editor');
  const bottom = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = bottom.current;
    if (element !== null) element.scrollTop = element.scrollHeight;
  }, [logs]);
  return (
    <>
      <h1>
        <a href={href('jobs')}>Jobs</a> / {jobId.slice(0, 12)}
      </h1>
      <ErrorBox error={error} />
      {job === undefined ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          <Section
            title={`${job.kind} ${typeof job.payload.model === 'string' ? job.payload.model : ''}`}
            actions={
              editor && !TERMINAL.has(job.state) && !job.cancelRequested ? (
                <ActionButton label="Cancel job" danger askReason={false} testId="cancel-job" confirm="Cancel this job?" action={() => post(`/jobs/${encodeURIComponent(job.id)}/cancel`)} />
              ) : undefined
            }
          >
            <div data-testid="job-detail" data-state={job.state}>
              <Progress job={job} />
              <KeyValues
                entries={[
                  ['state', <StateBadge key="s" state={job.state} />],
                  ['attempts', `${job.attempts} of ${job.maxAttempts}`],
                  ['message', job.progress?.message ?? '—'],
                  ['created', fmtTime(job.createdAt)],
                  ['started', fmtTime(job.startedAt)],
                  ['finished', fmtTime(job.finishedAt)],
                  ['worker', job.workerId ?? '—'],
                  ...(job.cancelRequested ? ([['cancel', 'requested']] as Array<[string, string]>) : []),
                  ...(job.error ? ([['error', `${job.error.code}: ${job.error.message}`]] as Array<[string, string]>) : []),
                ]}
              />
            </div>
          </Section>
          {job.result !== null && job.result !== undefined && (
            <Section title="Result">
              <JsonView value={job.result} />
              {typeof (job.result as { model?: unknown }).model === 'string' && (
                <p>
                  <a href={href('models', (job.result as { model: string }).model)}>Open the model</a>
                </p>
              )}
            </Section>
          )}
          <Section title="Log">
            <div className="log" ref={bottom} data-testid="job-log">
              {logs.length === 0 ? (
                <span className="muted">No lines yet.</span>
              ) : (
                logs.map((line) => (
                  <div key={line.seq}>
                    <span className="muted">{fmtTime(line.at).slice(11)}</span> {line.line}
                  </div>
                ))
              )}
            </div>
          </Section>
        </>
      )}
    </>
  );
}

/**
 * Housekeeping the scheduler runs on its own (every few seconds to minutes): hidden by default
 * so the work people asked for is not buried under ticks. The classification is the domain's
 * (HOUSEKEEPING_JOB_KINDS, which `warden jobs list` uses too; the dashboard imports types only):
 * each value must match it and every kind must be here, or `tsc -p web` fails.
 */
const HOUSEKEEPING = {
  train: false,
  retrain: false,
  evaluate: false,
  redteam: false,
  backfill: false,
  'notify-webhook': true,
  'sweep-artifacts': true,
  'scan-fresh-data': true,
  'cleanup-events': true,
  'cleanup-predictions': true,
  'check-deployments': true,
  'monitor-models': true,
  'retraining-schedules': true,
} as const satisfies { readonly [K in Job['kind']]: K extends HousekeepingJobKind ? true : false };

/**
 * The kinds people ask for, as the server's filter: the newest 200 jobs of a busy cluster are
 * mostly ticks (check-deployments every few seconds), and filtering them out here once left a
 * day-old training off the page.
 */
const REQUESTED_KINDS_QUERY = (Object.keys(HOUSEKEEPING) as Array<Job['kind']>)
  .filter((kind) => !HOUSEKEEPING[kind])
  .map((kind) => `kind=${kind}`)
  .join('&');

export function JobsPage({ jobId }: { jobId: string | undefined }) {
  const [showAll, setShowAll] = useState(false);
  const jobs = useApi<{ jobs: Job[] }>(jobId === undefined ? `/jobs?limit=200${showAll ? '' : `&${REQUESTED_KINDS_QUERY}`}` : null, 3_000);
  if (jobId !== undefined) return <JobDetail jobId={jobId} />;
  return (
    <>
      <h1>Jobs</h1>
      <Section
        title="Newest jobs"
        actions={
          <label className="small">
            <input type="checkbox" checked={showAll} onChange={(e) => setShowAll(e.target.checked)} /> show scheduled housekeeping
          </label>
        }
      >
        <Show loaded={jobs}>
          {(all) => {
            const shown = all.jobs;
            return shown.length === 0 ? (
              <p className="muted">No jobs yet{showAll ? '' : ' (besides scheduled housekeeping)'}.</p>
            ) : (
              <table data-testid="jobs-table">
                <thead>
                  <tr>
                    <th>Job</th>
                    <th>Kind</th>
                    <th>Model</th>
                    <th>State</th>
                    <th>Progress</th>
                    <th>Created</th>
                  </tr>
                </thead>
                <tbody>{shown.map((job) => (TERMINAL.has(job.state) ? <JobRow key={job.id} job={job} /> : <LiveRow key={job.id} job={job} />))}</tbody>
              </table>
            );
          }}
        </Show>
      </Section>
    </>
  );
}
