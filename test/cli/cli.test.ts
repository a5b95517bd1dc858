/**
 * The CLI against a real server on an ephemeral loopback port: a few runs of the
 * real `bin/warden.js` from another working directory, the rest in-process through
 * runCli (same code path after argument parsing) to keep the suite quick.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/index.js';
import { errorFromResponse, EXIT_CODES } from '../../src/cli/http-client.js';
import { listenOnLoopback, runCliCaptured, type CliResult } from '../support/cli.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { tempDir } from '../support/stores.js';

const BIN = fileURLToPath(new URL('../../bin/warden.js', import.meta.url));

/** Runs the real launcher in `cwd` (async, so the in-process server keeps serving). */
function spawnCli(args: string[], env: Record<string, string>, cwd: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '', WARDEN_LOG_LEVEL: 'silent', ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('warden CLI', () => {
  let platform: TestPlatform;
  let url: string;
  const cwd = tempDir('warden-cli-cwd-');

  const run = async (...args: string[]): Promise<CliResult> => {
    return runCliCaptured(['--url', url, ...args]);
  };
  const asAdmin = (...args: string[]) => run('--token', platform.adminToken, ...args);

  before(async () => {
    platform = await openTestPlatform('sqlite');
    url = await listenOnLoopback(platform);
  });
  after(async () => {
    await platform.close();
    cwd.remove();
  });

  it('bin/warden.js works from any directory: table, --json and exit codes', async () => {
    const env = { WARDEN_URL: url, WARDEN_TOKEN: platform.adminToken };
    const [created, listed, missing] = await Promise.all([
      spawnCli(['token', 'create', '--name', 'alice', '--role', 'editor'], env, cwd.dir),
      spawnCli(['--json', 'token', 'list'], env, cwd.dir),
      spawnCli(['token', 'revoke', 'no-such-token'], env, cwd.dir),
    ]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /│ name\s+│ alice/);
    assert.match(created.stdout, /│ role\s+│ editor/);
    assert.match(created.stdout, /token \(shown once, store it now\): wdn_/);

    assert.equal(listed.code, 0, listed.stderr);
    const tokens = JSON.parse(listed.stdout).tokens as Array<{ name: string; role: string }>;
    assert.ok(tokens.some((t) => t.name === 'admin' && t.role === 'admin'));

    assert.equal(missing.code, EXIT_CODES.notFound);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /^error: TOKEN_NOT_FOUND: no token with id "no-such-token"/);
    assert.equal(missing.stderr.trim().split('\n').length, 1, 'one line');
  });

  it('prints tables for people and pure JSON for scripts', async () => {
    const created = await asAdmin('--json', 'token', 'create', '--name', 'bob', '--role', 'viewer');
    assert.equal(created.code, 0, created.stderr);
    const issued = JSON.parse(created.stdout);
    assert.match(issued.token, /^wdn_/);
    assert.equal(issued.role, 'viewer');

    const table = await asAdmin('token', 'list');
    assert.equal(table.code, 0);
    const header = table.stdout.split('\n').find((line) => line.includes('name'));
    assert.ok(header && /id.*name.*role.*created.*last used.*revoked/.test(header), table.stdout);
    assert.match(table.stdout, /│ bob\s+│ viewer/);

    const revoked = await asAdmin('token', 'revoke', issued.id);
    assert.equal(revoked.code, 0);
    assert.match(revoked.stdout, new RegExp(`revoked token ${issued.id} \\(bob, viewer\\)`));
    const all = await asAdmin('--json', 'token', 'list', '--all');
    assert.ok(JSON.parse(all.stdout).tokens.some((t: { id: string; revokedAt: number | null }) => t.id === issued.id && t.revokedAt !== null));
  });

  it('exits 5 on auth failures, with a one-line message', async () => {
    const viewer = await platform.token('viewer');
    const forbidden = await run('--token', viewer, 'token', 'list');
    assert.equal(forbidden.code, EXIT_CODES.auth);
    assert.match(forbidden.stderr, /^error: FORBIDDEN: this action needs the admin role/);
    const anonymous = await run('--token', '', 'token', 'list');
    assert.equal(anonymous.code, EXIT_CODES.auth);
    assert.match(anonymous.stderr, /^error: UNAUTHENTICATED: .*\(set WARDEN_TOKEN or pass --token\)\n$/);
  });

  it('exits 2 on usage and validation errors', async () => {
    const missingOption = await asAdmin('token', 'create', '--name', 'x');
    assert.equal(missingOption.code, EXIT_CODES.usage);
    assert.match(missingOption.stderr, /--role/);
    const badChoice = await asAdmin('token', 'create', '--name', 'x', '--role', 'root');
    assert.equal(badChoice.code, EXIT_CODES.usage);
    const rejected = await asAdmin('token', 'create', '--name', 'has space', '--role', 'viewer');
    assert.equal(rejected.code, EXIT_CODES.usage);
    assert.match(rejected.stderr, /^error: VALIDATION_FAILED: token name must be/);
    const unknown = await asAdmin('frobnicate');
    assert.equal(unknown.code, EXIT_CODES.usage);
  });

  it('exits 1 with a hint when the server cannot be reached', async () => {
    const result = await runCli(['node', 'warden', '--url', 'http://127.0.0.1:9', '--token', 'x', 'token', 'list'], { stdout: () => {}, stderr: (t) => assert.match(t, /^error: cannot reach Warden at http:\/\/127\.0\.0\.1:9 .*warden server/) });
    assert.equal(result, EXIT_CODES.other);
  });

  it('maps conflicts to exit 4 and unknown answers by status', () => {
    assert.equal(errorFromResponse(409, { error: { code: 'MODEL_ALREADY_EXISTS', message: 'model "spam" already exists' } }).exitCode, EXIT_CODES.conflict);
    assert.equal(errorFromResponse(404, { error: { code: 'VERSION_NOT_FOUND', message: 'no version 9' } }).message, 'VERSION_NOT_FOUND: no version 9');
    assert.equal(errorFromResponse(502, '<html>').exitCode, EXIT_CODES.other);
    assert.equal(errorFromResponse(409, null).exitCode, EXIT_CODES.conflict);
  });

  it('warden db migrate applies migrations directly to the store, then reports it up to date', async () => {
    const home = tempDir('warden-cli-home-');
    try {
      const first = await spawnCli(['db', 'migrate'], { WARDEN_HOME: home.dir }, cwd.dir);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /applied 0001-registry/);
      const second = await spawnCli(['--json', 'db', 'migrate'], { WARDEN_HOME: home.dir }, cwd.dir);
      assert.equal(second.code, 0, second.stderr);
      assert.deepEqual(JSON.parse(second.stdout).applied, []);
    } finally {
      home.remove();
    }
  });
});
