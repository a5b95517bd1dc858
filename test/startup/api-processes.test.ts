/**
 * `warden server` with WARDEN_API_PROCESSES=2 as a real process tree (a primary running the
 * worker and scheduler, two API children sharing one port, one SQLite file in WAL mode):
 * both children answer on the port, a job enqueued through one child streams its progress
 * through the other, feedback through one for the other's answer is recorded at once, /metrics
 * through either covers both, a killed child is replaced, SIGTERM
 * stops them all.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SMALL_FEATURES, syntheticRows } from '../support/training.js';
import { jsonl } from '../support/datasets.js';
import { tempDir } from '../support/stores.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TOKEN = 'cluster-test-admin-token-0123456789';

interface Health {
  status: string;
  apiProcesses: { answeredBy: number; running: number; wanted: number };
}

/** One keep-alive connection: every request of a client goes to the same API process. */
function client(port: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const request = (method: string, route: string, body?: string, contentType = 'application/json') =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, method, path: route, agent, headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': contentType } : {}) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return {
    agent,
    request,
    async health(): Promise<Health> {
      return JSON.parse((await request('GET', '/health')).text) as Health;
    },
    close: () => agent.destroy(),
  };
}

/** Uploads a small synthetic dataset named after `model` and queues its training through `c`; returns the job id. */
async function queueTraining(c: ReturnType<typeof client>, model: string): Promise<string> {
  const upload = await c.request('POST', `/datasets?name=${model}-rows`, jsonl(syntheticRows(300)), 'application/x-ndjson');
  assert.equal(upload.status, 201, upload.text);
  const queued = await c.request(
    'POST',
    '/jobs/train',
    JSON.stringify({ model, family: 'lr', dataset: { datasets: [`${model}-rows`] }, recipe: { featurizer: SMALL_FEATURES, hyperParameters: { epochs: 3 } }, task: 'spam' }),
  );
  assert.equal(queued.status, 202, queued.text);
  return (JSON.parse(queued.text) as { id: string }).id;
}

/** Reads the job's SSE stream on this client's connection until the job ends; returns the event names in order. */
function streamJob(port: number, agent: http.Agent, jobId: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: `/jobs/${jobId}/events`, agent, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`events: ${res.statusCode}`));
      const events: string[] = [];
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const name = /^event: (.+)$/m.exec(buffer.slice(0, end))?.[1];
          if (name !== undefined) events.push(name);
          buffer = buffer.slice(end + 2);
        }
      });
      res.on('end', () => resolve(events));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('warden server with 2 API processes (SQLite, local queue)', () => {
  const home = tempDir('warden-api-processes-');
  let server: ChildProcess;
  let port = 0;
  let output = '';
  const clients: Array<ReturnType<typeof client>> = [];

  before(async () => {
    server = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/index.ts'), 'server'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        WARDEN_HOME: home.dir,
        HOST: '127.0.0.1',
        PORT: '0',
        WARDEN_API_PROCESSES: '2',
        WARDEN_ADMIN_TOKEN: TOKEN,
        WARDEN_BOOTSTRAP: 'false',
        WARDEN_WORKER_CONCURRENCY: '1',
        WARDEN_LOG_FORMAT: 'json',
        WARDEN_LOG_LEVEL: 'info',
      },
    });
    server.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    server.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const listening = await new Promise<string>((resolve, reject) => {
      const onData = () => {
        const match = /listening on http:\/\/127\.0\.0\.1:(\d+) \(.*2 API processes\)/.exec(output);
        if (match) resolve(match[1]!);
      };
      server.stdout!.on('data', onData);
      server.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
    });
    port = Number(listening);
  });

  after(async () => {
    for (const c of clients) c.close();
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGKILL');
      await new Promise((resolve) => server.once('exit', resolve));
    }
    home.remove();
  });

  /** Opens connections until one lands on each API process; returns them by process (1-based). */
  async function onePerProcess(): Promise<Map<number, ReturnType<typeof client>>> {
    const found = new Map<number, ReturnType<typeof client>>();
    for (let i = 0; i < 20 && found.size < 2; i++) {
      const c = client(port);
      clients.push(c);
      const health = await c.health();
      if (found.has(health.apiProcesses.answeredBy)) c.close();
      else found.set(health.apiProcesses.answeredBy, c);
    }
    return found;
  }

  it('both API processes answer on the one port, and /health says 2 of 2 run', async () => {
    const byProcess = await onePerProcess();
    assert.deepEqual([...byProcess.keys()].sort(), [1, 2]);
    for (const c of byProcess.values()) assert.deepEqual((await c.health()).apiProcesses.running, 2);
  });

  it('a job enqueued through one API process streams its progress, logs and end through the other', async () => {
    const byProcess = await onePerProcess();
    const [first, second] = [byProcess.get(1)!, byProcess.get(2)!];
    const jobId = await queueTraining(first, 'cluster-spam');
    const events = await streamJob(port, second.agent, jobId);
    assert.equal(events[0], 'snapshot');
    // Live, not read back by the subscription's 1 s store poll: the job's every phase and epoch arrive.
    assert.ok(events.filter((e) => e === 'progress').length >= 3, events.join(','));
    assert.ok(events.includes('log'), events.join(','));
    const job = JSON.parse((await second.request('GET', `/jobs/${jobId}`)).text) as { state: string };
    assert.equal(job.state, 'succeeded');
    assert.equal(events[events.length - 1], 'state');
  });

  it('feedback through one API process for an answer the other gave a moment ago is recorded at once: the other is asked to flush', async () => {
    const byProcess = await onePerProcess();
    const [first, second] = [byProcess.get(1)!, byProcess.get(2)!];
    const jobId = await queueTraining(first, 'cluster-feedback');
    for (let state = ''; state !== 'succeeded'; await new Promise((resolve) => setTimeout(resolve, 200))) {
      state = (JSON.parse((await first.request('GET', `/jobs/${jobId}`)).text) as { state: string }).state;
      assert.ok(state !== 'failed' && state !== 'cancelled', state);
    }
    // Untimed first round: a process starts its SQLite writer thread at its first write.
    for (let i = 0; i < 4; i++) {
      const answer = await first.request('POST', '/predict/cluster-feedback', JSON.stringify({ text: `free money prize ${i}` }));
      assert.equal(answer.status, 200, answer.text);
      const id = (JSON.parse(answer.text) as { requestId: string }).requestId;
      const started = performance.now();
      const feedback = await second.request('POST', '/feedback', JSON.stringify({ requestId: id, label: 1 }));
      const took = performance.now() - started;
      assert.equal(feedback.status, 200, feedback.text);
      assert.equal((JSON.parse(feedback.text) as { recorded: number }).recorded, 1, feedback.text);
      // The first process's own timer writes every second (WARDEN_PREDICTION_LOG_FLUSH_MS): asked, it writes at once.
      if (i > 0) assert.ok(took < 500, `recorded after ${took.toFixed(0)} ms`);
    }
  });

  it('GET /metrics through either API process answers with both processes\' metrics, aggregated by the primary', async () => {
    const byProcess = await onePerProcess();
    for (const c of byProcess.values()) assert.equal((await c.request('POST', '/predict/nobody', JSON.stringify({ text: 'hello' }))).status, 404);
    for (const [index, c] of byProcess) {
      const scraped = await c.request('GET', '/metrics');
      assert.equal(scraped.status, 200, scraped.text);
      assert.match(scraped.text, /warden_predict_errors_total\{model="\(other\)",code="MODEL_NOT_FOUND"\} 2/, `scraped through API process ${index}`);
      assert.match(scraped.text, /process_cpu_user_seconds_total/);
    }
  });

  it('the API processes inherit none of the primary\'s secrets: no admin token, store or home in their environment', async () => {
    const fs = await import('node:fs/promises');
    const pids = await childPids(server.pid!);
    assert.equal(pids.length, 2);
    for (const pid of pids) {
      const names = (await fs.readFile(`/proc/${pid}/environ`, 'utf8')).split('\0').filter(Boolean).map((entry) => entry.split('=')[0]);
      assert.ok(names.includes('PATH'), `pid ${pid}: ${names.join(',')}`);
      for (const secret of ['WARDEN_ADMIN_TOKEN', 'WARDEN_HOME', 'WARDEN_API_PROCESSES']) assert.ok(!names.includes(secret), `pid ${pid} inherited ${secret}`);
    }
  });

  it('a killed API process is logged and replaced; the port keeps answering', async () => {
    const pids = await childPids(server.pid!);
    assert.equal(pids.length, 2, `children: ${pids.join(',')}`);
    process.kill(pids[0]!, 'SIGKILL');
    const deadline = Date.now() + 60_000;
    for (;;) {
      const now = await childPids(server.pid!);
      if (now.length === 2 && !now.includes(pids[0]!) && /API process \d \(pid \d+\) exited with SIGKILL; starting a new one/.test(output)) {
        const c = client(port);
        clients.push(c);
        const health = await waitFor(async () => {
          const h = await c.health();
          return h.apiProcesses.running === 2 ? h : undefined;
        }, deadline);
        assert.equal(health.status, 'ok');
        break;
      }
      if (Date.now() > deadline) throw new Error(`not replaced:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  it('SIGTERM stops the children and the primary, exit code 0', async () => {
    const pids = await childPids(server.pid!);
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `API process ${pid} still running`);
  });
});

/**
 * The pids of a server's API processes (Linux /proc): its children running api-child, not the
 * other programs it may run for a moment (the GPU probe, a trainer).
 */
async function childPids(pid: number): Promise<number[]> {
  const fs = await import('node:fs/promises');
  const tasks = await fs.readdir(`/proc/${pid}/task`);
  const children: number[] = [];
  for (const task of tasks) {
    const text = await fs.readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
    children.push(...text.split(/\s+/).filter(Boolean).map(Number));
  }
  const commands = await Promise.all(children.map((child) => fs.readFile(`/proc/${child}/cmdline`, 'utf8').catch(() => '')));
  return children.filter((_, i) => /api-child\.(ts|js)/.test(commands[i]!));
}

async function waitFor<T>(probe: () => Promise<T | undefined>, deadline: number): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
