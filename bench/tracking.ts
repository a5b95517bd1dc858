/**
 * Tracking throughput on loopback: a real `warden server` child process per store
 * (SQLite file; PostgreSQL in a fresh schema), autocannon in this process, bounded runs.
 *
 *   npm run bench:tracking                          # both stores, 10 s per log-batch case
 *   npm run bench:tracking -- --store sqlite --duration 5 --runs 10000 --searches 100
 *
 * Prints, with the ratio to MLflow 2.9.2's req/s (bench/support/mlflow-reference.ts):
 * - log-batch throughput (req/s and metrics/s) with 100 metrics per request at c=1 and c=8;
 * - run search over 10,000 seeded runs: req/s and p50/p99 of a search returning 1,000 runs,
 *   filtered (a metric comparison and a param) and ordered by a metric, at c=1 and c=8.
 * Needs PostgreSQL for the postgres rows (WARDEN_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/test).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { openSqlDatabase } from '../src/store/sql/database.js';
import { call, startServer, type BenchServer as Server, type BenchStore } from './support/server.js';
import { printTable } from './support/report.js';
import { TARGET_RATIO, ratioToMlflow } from './support/mlflow-reference.js';

const { values: args } = parseArgs({
  options: {
    store: { type: 'string', multiple: true },
    duration: { type: 'string', default: '10' },
    runs: { type: 'string', default: '10000' },
    searches: { type: 'string', default: '100' },
  },
});
const STORES = (args.store ?? ['sqlite', 'postgres']) as BenchStore[];
const DURATION_S = Number(args.duration);
const SEED_RUNS = Number(args.runs);
const SEARCHES = Number(args.searches);
const METRICS_PER_REQUEST = 100;
const SEARCH_LIMIT = 1_000;

interface Row {
  store: string;
  case: string;
  connections: number;
  reqPerS: number;
  metricsPerS: number | undefined;
  p50: number;
  p99: number;
  requests: number;
  failures: number;
}

function row(store: string, name: string, connections: number, result: autocannon.Result, metricsPerRequest?: number): Row {
  const seconds = result.duration;
  const ok = result.requests.total - result.non2xx;
  return {
    store,
    case: name,
    connections,
    reqPerS: Math.round(ok / seconds),
    metricsPerS: metricsPerRequest === undefined ? undefined : Math.round((ok * metricsPerRequest) / seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    failures: result.non2xx + result.errors,
  };
}

/** Log-batch of 100 metrics (10 keys × 10 steps), each request on the next steps of a run. */
async function benchLogBatch(server: Server, store: string, connections: number): Promise<Row> {
  const runIds: string[] = [];
  for (let i = 0; i < connections; i += 1) {
    const run = await call<{ id: string }>(server, 'POST', '/runs', { experimentName: 'bench-log-batch', name: `c${connections}-${i}` });
    runIds.push(run.id);
  }
  const keys = Array.from({ length: 10 }, (_, k) => `metric_${k}`);
  let counter = 0;
  const nextBody = (): { path: string; body: string } => {
    const n = counter++;
    const runId = runIds[n % runIds.length] as string;
    const firstStep = Math.floor(n / runIds.length) * 10;
    const timestamp = Date.now();
    const metrics = [];
    for (let s = 0; s < 10; s += 1) for (const key of keys) metrics.push({ key, value: Math.random(), step: firstStep + s, timestamp });
    return { path: `/runs/${runId}/log-batch`, body: JSON.stringify({ metrics }) };
  };
  const first = nextBody();
  const result = await autocannon({
    url: server.url,
    connections,
    duration: DURATION_S,
    requests: [
      {
        method: 'POST',
        path: first.path,
        headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
        body: first.body,
        setupRequest: (request: autocannon.Request) => ({ ...request, ...nextBody() }),
      },
    ],
  });
  // Every accepted point must be stored: count them back.
  const ok = result.requests.total - result.non2xx;
  let stored = 0;
  for (const runId of runIds) {
    // A history page holds at most 25,000 points: follow the page tokens to count them all.
    let token: string | undefined;
    do {
      const page = await call<{ points: unknown[]; nextPageToken?: string }>(server, 'GET', `/runs/${runId}/metrics/metric_0?limit=25000${token === undefined ? '' : `&page_token=${encodeURIComponent(token)}`}`);
      stored += page.points.length;
      token = page.nextPageToken;
    } while (token !== undefined);
  }
  if (stored < ok * 10) throw new Error(`log-batch lost points: ${ok} requests accepted, ${stored / 10} stored`);
  return row(store, 'log-batch 100 metrics', connections, result, METRICS_PER_REQUEST);
}

/** Seeds `count` runs straight into the store (4 params, 4 metrics with history, 2 tags each). */
async function seedRuns(server: Server, count: number): Promise<string> {
  const experiment = await call<{ id: string }>(server, 'POST', '/experiments', { name: 'bench-search' });
  const database = await openSqlDatabase(server.database.url, { schema: server.database.schema, poolSize: 2 });
  try {
    const db = database.db;
    const start = Date.now() - count * 1000;
    const chunk = 500;
    for (let offset = 0; offset < count; offset += chunk) {
      const ids = Array.from({ length: Math.min(chunk, count - offset) }, (_, i) => `seed${(offset + i).toString().padStart(7, '0')}${randomBytes(3).toString('hex')}`);
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('runs')
          .values(ids.map((id, i) => ({ id, experiment_id: experiment.id, name: `run-${offset + i}`, status: 'FINISHED', start_time: start + (offset + i) * 1000, end_time: start + (offset + i) * 1000 + 900, resource_usage: null })))
          .execute();
        await trx
          .insertInto('run_params')
          .values(
            ids.flatMap((id, i) => [
              { run_id: id, key: 'lr', value: (offset + i) % 2 === 0 ? '0.1' : '0.01' },
              { run_id: id, key: 'optimizer', value: (offset + i) % 3 === 0 ? 'sgd' : 'adam' },
              { run_id: id, key: 'epochs', value: String(3 + ((offset + i) % 5)) },
              { run_id: id, key: 'ngram', value: '1-3' },
            ]),
          )
          .execute();
        await trx
          .insertInto('run_tags')
          .values(ids.flatMap((id, i) => [{ run_id: id, key: 'team', value: (offset + i) % 2 === 0 ? 'mail' : 'web' }, { run_id: id, key: 'source', value: 'bench' }]))
          .execute();
        const latest = ids.flatMap((id, i) => {
          const f1 = ((offset + i) * 7919) % 10_000 / 10_000;
          return [
            { run_id: id, key: 'eval_f1', value: f1, step: 4, timestamp: start },
            { run_id: id, key: 'eval_accuracy', value: Math.min(1, f1 + 0.05), step: 4, timestamp: start },
            { run_id: id, key: 'eval_precision', value: f1 * 0.9, step: 4, timestamp: start },
            { run_id: id, key: 'loss', value: 1 - f1, step: 4, timestamp: start },
          ];
        });
        await trx.insertInto('run_latest_metrics').values(latest).execute();
        // A short history per metric (5 steps) so the history table has realistic size.
        const history = latest.flatMap((m) => Array.from({ length: 5 }, (_, step) => ({ ...m, step, value: m.value * (0.6 + step * 0.1) })));
        for (let h = 0; h < history.length; h += 4_000) await trx.insertInto('run_metrics').values(history.slice(h, h + 4_000)).execute();
      });
    }
  } finally {
    await database.close();
  }
  return experiment.id;
}

async function benchSearch(server: Server, store: string): Promise<Row[]> {
  const experimentId = await seedRuns(server, SEED_RUNS);
  const filter = "metrics.eval_f1 > 0.2 and params.lr = '0.1'";
  const query = new URLSearchParams({ experiment_id: experimentId, filter, order_by: 'metrics.eval_f1 DESC', limit: String(SEARCH_LIMIT) });
  const route = `/runs?${query.toString()}`;
  const check = await call<{ runs: Array<{ metrics: Record<string, { value: number }>; params: Record<string, string> }> }>(server, 'GET', route);
  if (check.runs.length !== SEARCH_LIMIT) throw new Error(`the search returned ${check.runs.length} runs, expected ${SEARCH_LIMIT}`);
  const f1 = check.runs.map((r) => r.metrics.eval_f1?.value ?? -1);
  if (!f1.every((v, i) => v > 0.2 && (i === 0 || v <= (f1[i - 1] as number))) || !check.runs.every((r) => r.params.lr === '0.1')) {
    throw new Error('the search returned runs out of order or not matching the filter');
  }
  const rows: Row[] = [];
  for (const connections of [1, 8]) {
    const result = await autocannon({
      url: server.url,
      connections,
      amount: SEARCHES,
      requests: [{ method: 'GET', path: route, headers: { authorization: `Bearer ${server.token}` } }],
    });
    rows.push(row(store, `run search ${SEARCH_LIMIT.toLocaleString('en')} of ${SEED_RUNS.toLocaleString('en')}`, connections, result));
  }
  return rows;
}

function print(rows: Row[]): void {
  const header = ['store', 'case', 'c', 'req/s', '× MLflow', 'metrics/s', 'p50 ms', 'p99 ms', 'requests', 'failed'];
  printTable(
    header,
    rows.map((r) => [
      r.store,
      r.case,
      String(r.connections),
      String(r.reqPerS),
      ratioToMlflow(r.case, r.connections, r.reqPerS),
      r.metricsPerS === undefined ? '' : String(r.metricsPerS),
      String(r.p50),
      String(r.p99),
      String(r.requests),
      String(r.failures),
    ]),
  );
  console.log(`\n× MLflow: req/s over MLflow 2.9.2's on this machine (bench/support/mlflow-reference.ts; — = no reference figure); the aim is ${TARGET_RATIO}×.`);
}

/** GET /health (no store, no auth): what this machine's HTTP path alone does right now, for scale. */
async function benchHealth(server: Server, store: string): Promise<Row> {
  const result = await autocannon({ url: `${server.url}/health`, connections: 1, duration: Math.min(3, DURATION_S) });
  return row(store, 'calibration: GET /health', 1, result);
}

const rows: Row[] = [];
console.log(`load average before: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);
for (const store of STORES) {
  const server = await startServer(store, 'tracking');
  try {
    rows.push(await benchHealth(server, store));
    for (const connections of [1, 8]) rows.push(await benchLogBatch(server, store, connections));
    rows.push(...(await benchSearch(server, store)));
  } finally {
    await server.stop();
  }
}
print(rows);
console.log(`load average after: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);
