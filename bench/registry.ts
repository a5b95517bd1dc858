/**
 * Registry throughput on loopback: a real `warden server` child process per store
 * (SQLite file, PostgreSQL fresh schema), autocannon in this process, bounded runs.
 *
 *   npm run bench:registry                      # both stores, 5 s per case
 *   npm run bench:registry -- --store sqlite --duration 3
 *
 * Prints req/s, p50/p99 latency and the ratio to MLflow 2.9.2 (bench/support/mlflow-reference.ts)
 * for get model, create version, transition stage and search versions at c=1 and c=8, then
 * create-version throughput on a fresh model vs. one that already has 5,000 versions. Needs PostgreSQL for the postgres rows
 * (WARDEN_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/test).
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { call, startServer, type BenchServer as Server, type BenchStore } from './support/server.js';
import { printTable } from './support/report.js';
import { TARGET_RATIO, ratioToMlflow } from './support/mlflow-reference.js';

const { values: args } = parseArgs({
  options: {
    store: { type: 'string', multiple: true },
    duration: { type: 'string', default: '5' },
    seed: { type: 'string', default: '5000' },
  },
});
const STORES = (args.store ?? ['sqlite', 'postgres']) as BenchStore[];
const DURATION_S = Number(args.duration);
const SEED_VERSIONS = Number(args.seed);
const STAGE_VERSIONS = 64;

interface Row {
  store: string;
  case: string;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
}

const VERSION_BODY = JSON.stringify({ metrics: { eval_accuracy: 0.5, eval_f1: 0.42 }, tags: { bench: 'yes' }, recipeFingerprint: 'bench-recipe' });

interface Load {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  /** Per-request path/body, for requests that must differ (stage moves). */
  next?: () => { path: string; body: string };
}

async function load(server: Server, spec: Load, connections: number, limit: { duration?: number; amount?: number }) {
  const headers = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
  const result = await autocannon({
    url: server.url,
    connections,
    ...(limit.amount !== undefined ? { amount: limit.amount } : { duration: limit.duration ?? DURATION_S }),
    requests: [
      {
        method: spec.method,
        path: spec.path,
        headers,
        ...(spec.body !== undefined ? { body: spec.body } : {}),
        ...(spec.next
          ? {
              setupRequest: (request: autocannon.Request) => {
                const next = spec.next!();
                return { ...request, path: next.path, body: next.body };
              },
            }
          : {}),
      },
    ],
  });
  return result;
}

function row(store: string, name: string, connections: number, result: autocannon.Result): Row {
  return {
    store,
    case: name,
    connections,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

async function benchStore(store: BenchStore): Promise<Row[]> {
  const server = await startServer(store, 'registry');
  const rows: Row[] = [];
  try {
    const model = (name: string) => call(server, 'POST', '/models', { name, task: 'spam', description: 'bench' });
    await model('bench-get');
    await call(server, 'POST', '/models/bench-get/versions', JSON.parse(VERSION_BODY));
    await model('bench-create');
    await model('bench-stage');
    for (let i = 0; i < STAGE_VERSIONS; i++) await call(server, 'POST', '/models/bench-stage/versions', JSON.parse(VERSION_BODY));

    for (const connections of [1, 8]) {
      const get = await load(server, { method: 'GET', path: '/models/bench-get' }, connections, {});
      rows.push(row(store, 'get model', connections, get));

      const create = await load(server, { method: 'POST', path: '/models/bench-create/versions', body: VERSION_BODY }, connections, {});
      rows.push(row(store, 'create version', connections, create));

      // Round-robin promotions: each request moves the next version to Production, archiving the previous one.
      let counter = 0;
      const stage = await load(
        server,
        {
          method: 'POST',
          path: '/models/bench-stage/versions/1/stage',
          next: () => {
            counter++;
            return {
              path: `/models/bench-stage/versions/${(counter % STAGE_VERSIONS) + 1}/stage`,
              body: JSON.stringify({ stage: 'Production', reason: 'bench' }),
            };
          },
        },
        connections,
        {},
      );
      rows.push(row(store, 'transition stage', connections, stage));

      const search = await load(
        server,
        { method: 'GET', path: `/models/bench-create/versions?stage=Staging&metric=${encodeURIComponent('eval_accuracy>0.4')}&tag=bench%3Dyes&limit=20` },
        connections,
        {},
      );
      rows.push(row(store, 'search versions', connections, search));
    }

    // Does registering stay flat as a model accumulates versions?
    await model('bench-fresh');
    const fresh = await load(server, { method: 'POST', path: '/models/bench-fresh/versions', body: VERSION_BODY }, 1, {});
    rows.push(row(store, 'create version, model with 0 versions', 1, fresh));
    await model('bench-full');
    const seeded = await load(server, { method: 'POST', path: '/models/bench-full/versions', body: VERSION_BODY }, 8, { amount: SEED_VERSIONS });
    if (seeded.non2xx > 0 || seeded.errors > 0) throw new Error(`seeding ${SEED_VERSIONS} versions failed: ${seeded.non2xx} non-2xx, ${seeded.errors} errors`);
    const full = await load(server, { method: 'POST', path: '/models/bench-full/versions', body: VERSION_BODY }, 1, {});
    rows.push(row(store, `create version, model with ${SEED_VERSIONS} versions`, 1, full));
  } finally {
    await server.stop();
  }
  return rows;
}

function printRows(rows: Row[]): void {
  const header = ['store', 'case', 'c', 'req/s', '× MLflow', 'p50 ms', 'p99 ms', 'requests', 'non-2xx', 'errors'];
  printTable(
    header,
    rows.map((r) => [r.store, r.case, String(r.connections), String(r.rps), ratioToMlflow(r.case, r.connections, r.rps), String(r.p50), String(r.p99), String(r.requests), String(r.non2xx), String(r.errors)]),
  );
  console.log(`\n× MLflow: req/s over MLflow 2.9.2's on this machine (bench/support/mlflow-reference.ts; — = no reference figure); the aim is ${TARGET_RATIO}×.`);
}

const loadAverage = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');

const rows: Row[] = [];
console.log(`Warden registry bench: ${DURATION_S} s per case, loopback, ${os.cpus().length} CPUs, node ${process.version}, load average ${loadAverage()}`);
for (const store of STORES) {
  console.log(`… ${store}`);
  rows.push(...(await benchStore(store)));
}
printRows(rows);
console.log(`load average after: ${loadAverage()}`);
const bad = rows.filter((r) => r.non2xx > 0 || r.errors > 0);
if (bad.length > 0) {
  console.error(`\nwarning: ${bad.length} case(s) had non-2xx answers or socket errors (see the table)`);
  process.exitCode = 1;
}
