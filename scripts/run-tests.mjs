#!/usr/bin/env node
// The whole test suite: checks that PostgreSQL and Redis answer (the store and queue
// suites run on them, never skipped), then runs every test file with node's runner.
import { spawn } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';

const services = [
  {
    name: 'PostgreSQL',
    url: process.env.WARDEN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    start: "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
  },
  {
    name: 'Redis',
    url: process.env.WARDEN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    start: 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no',
  },
];

function reachable(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) }, () => {
      socket.end();
      resolve(true);
    });
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(false));
  });
}

for (const service of services) {
  if (!(await reachable(service.url))) {
    console.error(`${service.name} is not reachable at ${service.url}; the store and queue tests need it.`);
    console.error(`Start it with:  ${service.start}`);
    console.error('(or point WARDEN_TEST_PG_URL / WARDEN_TEST_REDIS_URL at a running server)');
    process.exit(1);
  }
}

function testFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

const requested = process.argv.slice(2);
const files = requested.length > 0 ? requested : testFiles('test').sort();
if (files.length === 0) {
  console.error('no test files found under test/');
  process.exit(1);
}
// The dashboard's browser tests drive Debian's Chromium: say how to get it before the suite
// runs, as for the services, rather than after minutes of other tests.
const CHROMIUM = '/usr/bin/chromium';
if (files.some((file) => file.split(path.sep).includes('web')) && !fs.existsSync(CHROMIUM)) {
  console.error(`${CHROMIUM} is missing; the dashboard's browser tests (test/web/) need it.`);
  console.error('Install it with:  apt-get install -y chromium   (.ci/run does this)');
  process.exit(1);
}
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files],
  { stdio: 'inherit', env: { ...process.env, WARDEN_LOG_LEVEL: process.env.WARDEN_LOG_LEVEL ?? 'silent' } },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
