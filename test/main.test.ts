import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { ADMIN_TOKEN_FILE, createPlatform, migrateStore, startServer } from '../src/main.js';
import { tempDir } from './support/stores.js';
import { runCliCaptured } from './support/cli.js';
import { EXIT_CODES } from '../src/cli/http-client.js';

describe('composition root', () => {
  const home = tempDir('warden-main-');
  after(() => home.remove());
  const env = { WARDEN_HOME: home.dir, WARDEN_LOG_LEVEL: 'silent', WARDEN_BOOTSTRAP: 'false', WARDEN_WORKER_CONCURRENCY: '0', HOST: '127.0.0.1', PORT: '0' };

  it('first start: embedded SQLite under WARDEN_HOME, migrated, admin token generated into a 0600 file', async () => {
    const platform = await createPlatform(loadConfig(env));
    try {
      assert.equal(platform.database.dialect, 'sqlite');
      assert.ok(fs.existsSync(path.join(home.dir, 'warden.db')));
      assert.ok(platform.migrationsApplied.includes('0001-registry'));
      const token = platform.generatedAdminToken;
      assert.ok(token);
      const file = path.join(home.dir, ADMIN_TOKEN_FILE);
      assert.equal(fs.readFileSync(file, 'utf8').trim(), token);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.equal((await platform.services.auth.verify(token)).role, 'admin');
    } finally {
      await platform.close();
    }
  });

  it('later starts generate nothing and keep the first token working', async () => {
    const token = fs.readFileSync(path.join(home.dir, ADMIN_TOKEN_FILE), 'utf8').trim();
    const platform = await createPlatform(loadConfig(env));
    try {
      assert.equal(platform.generatedAdminToken, undefined);
      assert.deepEqual(platform.migrationsApplied, []);
      assert.equal((await platform.services.auth.verify(token)).role, 'admin');
    } finally {
      await platform.close();
    }
  });

  it('WARDEN_EXTERNAL_TRAINERS is a list of absolute executables; trainers inherit only PATH, LANG and LC_ALL', () => {
    const config = loadConfig({ ...env, WARDEN_EXTERNAL_TRAINERS: '/opt/t/train.py, /usr/bin/trainer:/opt/t/train.py', PATH: '/usr/bin', LANG: 'C.UTF-8', WARDEN_ADMIN_TOKEN: 'x'.repeat(20), HOME: '/root' });
    assert.deepEqual(config.externalTrainers, ['/opt/t/train.py', '/usr/bin/trainer']);
    assert.deepEqual(config.trainerEnv, { PATH: '/usr/bin', LANG: 'C.UTF-8' });
    assert.deepEqual(loadConfig(env).externalTrainers, []);
    for (const bad of ['train.py', './train.py', '/opt/../bin/sh', '/opt/t/']) {
      assert.throws(() => loadConfig({ ...env, WARDEN_EXTERNAL_TRAINERS: bad }), /WARDEN_EXTERNAL_TRAINERS/);
    }
  });

  it('warden db migrate reports nothing to apply on a current schema', async () => {
    const result = await migrateStore(loadConfig(env));
    assert.deepEqual(result.applied, []);
    assert.match(result.store, /^sqlite:/);
  });

  it('startServer listens, prints the URL, the docs URL and the token hint, and stops cleanly', async () => {
    const lines: string[] = [];
    const server = await startServer(loadConfig({ ...env, WARDEN_ADMIN_TOKEN: 'a-configured-admin-token-123456' }), (line) => lines.push(line));
    try {
      const res = await fetch(`${server.url}/health`);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { status: string }).status, 'ok');
      const tokens = await fetch(`${server.url}/tokens`, { headers: { authorization: 'Bearer a-configured-admin-token-123456' } });
      assert.equal(tokens.status, 200);
      assert.ok(lines.some((l) => l.includes(`listening on ${server.url}`)), lines.join('\n'));
      assert.ok(lines.some((l) => l.includes(`${server.url}/docs`)));
      assert.ok(lines.some((l) => l.includes('WARDEN_ADMIN_TOKEN')));
    } finally {
      await server.stop();
    }
    await assert.rejects(fetch(`${server.url}/health`));
  });

  it('the banner prints the CLI as `npx warden …`, and each printed command runs as printed', async () => {
    const bootHome = tempDir('warden-main-banner-');
    const lines: string[] = [];
    const config = loadConfig({ ...env, WARDEN_HOME: bootHome.dir, WARDEN_BOOTSTRAP: 'true', WARDEN_ADMIN_TOKEN: 'a-configured-admin-token-123456' });
    const server = await startServer(config, (line) => lines.push(line));
    try {
      const banner = lines.join('\n');
      const commands = [...banner.matchAll(/(?:^|[\s`(])((?:npx )?warden [a-z][^\n·)`]*)/g)].map((m) => m[1]!.trim());
      assert.ok(commands.length >= 3, banner);
      for (const command of commands) assert.match(command, /^npx warden /, `printed without npx: ${command}`);
      // Nothing trains here (no workers): cancel the sample jobs so that `jobs watch` ends.
      for (const job of server.platform.bootstrapJobs) await server.platform.services.jobs.cancel(job.id);
      for (const command of commands.filter((c) => !c.includes('<'))) {
        const args = command.split(' ').slice(2);
        const result = await runCliCaptured(['--url', server.url, '--token', 'a-configured-admin-token-123456', ...args]);
        const expected = args[0] === 'jobs' && args[1] === 'watch' ? EXIT_CODES.conflict : EXIT_CODES.ok;
        assert.equal(result.code, expected, `${command}: ${result.stderr}`);
      }
      assert.ok(commands.some((c) => /^npx warden jobs watch [0-9a-z-]+$/.test(c)), banner);
    } finally {
      await server.stop();
      bootHome.remove();
    }
  });
});
