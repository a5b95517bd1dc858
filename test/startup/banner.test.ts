import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { serverBanner, type ServerBannerFacts } from '../../src/startup/banner.js';
import { CLI_COMMAND } from '../../src/cli/command-name.js';

const home = path.join('/srv', 'warden-home');
const tokenFile = path.join(home, 'admin-token');

function facts(over: Partial<ServerBannerFacts> = {}): ServerBannerFacts {
  return {
    url: 'http://127.0.0.1:7070',
    version: '9.8.7',
    config: { home, adminToken: undefined, queueUrl: 'redis://cache:6379', apiProcesses: 2 },
    storeDialect: 'postgres',
    migrationsApplied: [],
    generatedAdminToken: undefined,
    bootstrapJobs: [],
    dashboard: false,
    ...over,
  };
}

describe('serverBanner', () => {
  it('says where it listens, with which store and queue, the docs and the CLI', () => {
    const lines = serverBanner(facts());
    assert.deepEqual(lines.slice(0, 3), [
      'Warden 9.8.7 listening on http://127.0.0.1:7070 (store: postgres, queue: redis, 2 API processes)',
      'API docs: http://127.0.0.1:7070/docs',
      `CLI (in this checkout): ${CLI_COMMAND} --help`,
    ]);
    assert.ok(!lines.some((l) => l.startsWith('Migrations applied')), 'no migrations line when none ran');
  });

  it('points at the dashboard when it is built, and says nothing of it otherwise', () => {
    assert.equal(serverBanner(facts({ dashboard: true }))[1], 'Dashboard: http://127.0.0.1:7070/ (sign in with a token: the admin token below)');
    assert.ok(!serverBanner(facts()).some((l) => l.startsWith('Dashboard')));
  });

  it('lists the migrations this start applied', () => {
    assert.ok(serverBanner(facts({ migrationsApplied: ['001_init', '002_jobs'] })).includes('Migrations applied: 001_init, 002_jobs'));
  });

  it('shows a generated admin token once, with its file and how to use it', () => {
    const lines = serverBanner(facts({ generatedAdminToken: 'wdn_generated' }));
    const at = lines.indexOf(`Admin token (shown once; saved to ${tokenFile}, mode 0600):`);
    assert.ok(at > 0, lines.join('\n'));
    assert.deepEqual(lines.slice(at + 1, at + 3), ['  wdn_generated', `Use it:  export WARDEN_TOKEN=$(cat ${tokenFile})`]);
  });

  it('never prints a configured admin token, only where it comes from', () => {
    const lines = serverBanner(facts({ config: { home, adminToken: 'a-configured-admin-token-123456', queueUrl: 'local:', apiProcesses: 1 } }));
    assert.ok(lines.includes('Admin token: the value of WARDEN_ADMIN_TOKEN'));
    assert.ok(!lines.join('\n').includes('a-configured-admin-token-123456'));
    assert.match(lines[0]!, /queue: local, 1 API process\)$/);
  });

  it('on a later start points at the token file', () => {
    const lines = serverBanner(facts());
    assert.ok(lines.includes(`Admin token: in ${tokenFile} (written at first start)`));
    assert.ok(lines.includes(`Use it:  export WARDEN_TOKEN=$(cat ${tokenFile})`));
  });

  it('names each sample model training job with the command that follows it', () => {
    const lines = serverBanner(facts({ bootstrapJobs: [{ id: 'job-1', payload: { model: 'spam-detector' } }, { id: 'job-2', payload: { model: 'spam-detector-nb' } }] }));
    assert.ok(lines.includes('Sample models spam-detector, spam-detector-nb: training on the SpamAssassin corpus and short everyday messages in the background (first start).'));
    assert.ok(lines.includes(`  spam-detector: job job-1 → ${CLI_COMMAND} jobs watch job-1`));
    assert.ok(lines.includes(`  spam-detector-nb: job job-2 → ${CLI_COMMAND} jobs watch job-2`));
    assert.equal(lines.at(-1), `  Models and stages when done: http://127.0.0.1:7070/models/status · ${CLI_COMMAND} status`);
  });
});
