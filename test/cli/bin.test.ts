/**
 * The `warden` bin and `npm start` as the README's set-up leaves them: run from a compiled
 * build in a temp folder without src/ (test/support/build.ts), so no TypeScript loader
 * can be involved. Covers the launcher itself, the commands the server banner prints, and
 * the CLI from another working directory against an in-process server.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { EXIT_CODES } from '../../src/cli/http-client.js';
import { packageVersion } from '../../src/version.js';
import { builtCheckout, REPO_ROOT, type BuiltCheckout } from '../support/build.js';
import { listenOnLoopback, type CliResult } from '../support/cli.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { tempDir } from '../support/stores.js';

/** Runs `command args` in `cwd` with a minimal environment plus `env` (async, so an in-process server keeps serving). */
function run(command: string, args: string[], env: Record<string, string>, cwd: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', WARDEN_LOG_LEVEL: 'silent', ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('warden bin and npm start, compiled', () => {
  let build: BuiltCheckout;
  // npx links the checkout's own bin into its cache: keep that cache in the test's temp folder, offline.
  const npmCache = tempDir('warden-npm-cache-');
  const npmEnv = { npm_config_cache: npmCache.dir, npm_config_offline: 'true', npm_config_update_notifier: 'false' };

  before(async () => {
    build = await builtCheckout();
  });
  after(() => {
    build?.remove();
    npmCache.remove();
  });

  it('`warden --version` prints the package version, through the bin and through npx', async () => {
    const direct = await run(process.execPath, [build.bin, '--version'], {}, build.root);
    assert.equal(direct.code, 0, direct.stderr);
    assert.equal(direct.stdout, `${packageVersion()}\n`);
    const npx = await run('npx', ['warden', '--version'], npmEnv, build.root);
    assert.equal(npx.code, 0, npx.stderr);
    assert.equal(npx.stdout, `${packageVersion()}\n`);
  });

  it('without dist/ the bin says how to build; with sources newer than dist/ it warns and runs the old build', async () => {
    const tree = tempDir('warden-nodist-');
    try {
      for (const file of ['bin/warden.js', 'scripts/dist-state.mjs']) {
        fs.mkdirSync(path.join(tree.dir, path.dirname(file)), { recursive: true });
        fs.copyFileSync(path.join(REPO_ROOT, file), path.join(tree.dir, file));
      }
      const bin = path.join(tree.dir, 'bin', 'warden.js');
      const missing = await run(process.execPath, [bin, '--help'], {}, tree.dir);
      assert.equal(missing.code, EXIT_CODES.usage);
      assert.equal(missing.stdout, '');
      assert.match(missing.stderr, /^warden: .*dist\/cli\/index\.js is missing: run npm ci \(or npm run build\) in /);

      fs.mkdirSync(path.join(tree.dir, 'dist', 'cli'), { recursive: true });
      fs.writeFileSync(path.join(tree.dir, 'dist', 'cli', 'index.js'), "export async function runCli() { process.stdout.write('old build\\n'); return 0; }\n");
      const past = new Date(Date.now() - 60_000);
      fs.utimesSync(path.join(tree.dir, 'dist', 'cli', 'index.js'), past, past);
      fs.mkdirSync(path.join(tree.dir, 'src'));
      fs.writeFileSync(path.join(tree.dir, 'src', 'edited.ts'), 'export {};\n');
      const stale = await run(process.execPath, [bin, 'status'], {}, tree.dir);
      assert.equal(stale.code, 0, stale.stderr);
      assert.equal(stale.stdout, 'old build\n');
      assert.match(stale.stderr, /^warden: src\/ changed after dist\/ was built, running the old build: run npm run build in /);
    } finally {
      tree.remove();
    }
  });

  it('`npm start` on an empty home answers /health, and the commands its banner prints work as printed', async () => {
    const home = tempDir('warden-start-home-');
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const url = `http://127.0.0.1:${port}`;
    // Its own process group: npm runs a shell that runs node, and all of them must stop.
    const child = spawn('npm', ['start', '--silent'], {
      cwd: build.root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...npmEnv, PORT: String(port), WARDEN_HOME: home.dir, WARDEN_LOG_LEVEL: 'silent', WARDEN_WORKER_CONCURRENCY: '0' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      let health: { version?: string } | undefined;
      const deadline = Date.now() + 120_000;
      while (health === undefined) {
        assert.equal(child.exitCode, null, `npm start exited: ${stderr}`);
        assert.ok(Date.now() < deadline, `no /health within 120 s: ${stdout}${stderr}`);
        health = await fetch(`${url}/health`).then((res) => (res.ok ? (res.json() as Promise<{ version: string }>) : undefined), () => undefined);
        if (health === undefined) await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(health.version, packageVersion());
      // The banner is printed right after listen; wait for its last bootstrap line.
      while (!/warden status/.test(stdout)) await new Promise((r) => setTimeout(r, 20));

      const commands = [...stdout.matchAll(/(?:^|[\s`(])((?:npx )?warden [a-z-][^\n·)`]*)/g)].map((m) => m[1]!.trim());
      assert.ok(commands.some((c) => /^npx warden jobs watch \S+$/.test(c)), stdout);
      assert.ok(commands.includes('npx warden status'), stdout);
      for (const command of commands) assert.match(command, /^npx warden /, `printed without npx: ${command}`);

      const token = fs.readFileSync(path.join(home.dir, 'admin-token'), 'utf8').trim();
      const status = await run('npx', ['warden', 'status'], { ...npmEnv, WARDEN_URL: url, WARDEN_TOKEN: token }, build.root);
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /spam-detector/);
    } finally {
      if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
      await exited;
      home.remove();
    }
  });

  describe('against an in-process server', () => {
    let platform: TestPlatform;
    let url: string;
    const cwd = tempDir('warden-cli-cwd-');
    const cli = (args: string[], env: Record<string, string>) => run(process.execPath, [build.bin, ...args], env, cwd.dir);

    before(async () => {
      platform = await openTestPlatform('sqlite');
      url = await listenOnLoopback(platform);
    });
    after(async () => {
      await platform.close();
      cwd.remove();
    });

    it('works from any directory: table, --json and exit codes', async () => {
      const env = { WARDEN_URL: url, WARDEN_TOKEN: platform.adminToken };
      const [created, listed, missing] = await Promise.all([
        cli(['token', 'create', '--name', 'alice', '--role', 'editor'], env),
        cli(['--json', 'token', 'list'], env),
        cli(['token', 'revoke', 'no-such-token'], env),
      ]);
      assert.equal(created.code, 0, created.stderr);
      assert.match(created.stdout, /^name:\s+alice$/m);
      assert.match(created.stdout, /^role:\s+editor$/m);
      assert.match(created.stdout, /token \(shown once, store it now\): wdn_/);

      assert.equal(listed.code, 0, listed.stderr);
      const tokens = JSON.parse(listed.stdout).tokens as Array<{ name: string; role: string }>;
      assert.ok(tokens.some((t) => t.name === 'admin' && t.role === 'admin'));

      assert.equal(missing.code, EXIT_CODES.notFound);
      assert.equal(missing.stdout, '');
      assert.match(missing.stderr, /^error: TOKEN_NOT_FOUND: no token with id "no-such-token"/);
      assert.equal(missing.stderr.trim().split('\n').length, 1, 'one line');
    });

    it('warden db migrate applies migrations directly to the store, then reports it up to date', async () => {
      const home = tempDir('warden-cli-home-');
      try {
        const first = await cli(['db', 'migrate'], { WARDEN_HOME: home.dir });
        assert.equal(first.code, 0, first.stderr);
        assert.match(first.stdout, /applied 0001-registry/);
        const second = await cli(['--json', 'db', 'migrate'], { WARDEN_HOME: home.dir });
        assert.equal(second.code, 0, second.stderr);
        assert.deepEqual(JSON.parse(second.stdout).applied, []);
      } finally {
        home.remove();
      }
    });
  });
});
