/**
 * The benches' server harness: a real `warden server` child process on a free loopback
 * port, with its own temp WARDEN_HOME and either a SQLite file in it or a fresh
 * PostgreSQL schema (dropped again on stop). Workers are off and bootstrap is skipped,
 * so a bench measures the HTTP + store path alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const PG_URL = process.env.WARDEN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type BenchStore = 'sqlite' | 'postgres';

export interface BenchServer {
  url: string;
  token: string;
  /** What the server was given as WARDEN_STORE_URL. */
  storeUrl: string;
  /**
   * How to open the same database from the bench process:
   * `openSqlDatabase(database.url, { schema: database.schema })` (schema is PostgreSQL only).
   */
  database: { url: string; schema: string | undefined };
  stop(): Promise<void>;
}

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Runs one statement on its own connection (schema set-up and clean-up). */
export async function pgQuery(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Starts a server on `store` and resolves once /health answers (60 s at most). `label` names the temp home and schema; `env` overrides the defaults. */
export async function startServer(store: BenchStore, label: string, env: Record<string, string> = {}): Promise<BenchServer> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `warden-bench-${label}-`));
  const token = `bench-admin-${randomBytes(16).toString('hex')}`;
  let storeUrl = `sqlite:${path.join(home, 'warden.db')}`;
  let database: BenchServer['database'] = { url: storeUrl, schema: undefined };
  if (store === 'postgres') {
    const schema = `bench_${label}_${process.pid}_${randomBytes(3).toString('hex')}`;
    await pgQuery(`CREATE SCHEMA ${schema}`);
    storeUrl = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    database = { url: PG_URL, schema };
  }
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'server'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    // An explicit environment: the server under test inherits none of the bench's secrets.
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOST: '127.0.0.1',
      PORT: String(port),
      WARDEN_HOME: home,
      WARDEN_STORE_URL: storeUrl,
      WARDEN_ADMIN_TOKEN: token,
      WARDEN_LOG_LEVEL: 'warn',
      WARDEN_BOOTSTRAP: 'false',
      WARDEN_WORKER_CONCURRENCY: '0',
      ...env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the ${store} server exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the ${store} server did not answer /health within 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    token,
    storeUrl,
    database,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      if (database.schema !== undefined) await pgQuery(`DROP SCHEMA IF EXISTS ${database.schema} CASCADE`);
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

/** One authenticated JSON request; throws on a non-2xx answer. */
export async function call<T = unknown>(server: BenchServer, method: string, route: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${server.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route} → ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
