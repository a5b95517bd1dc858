/**
 * The CLI against a real server on an ephemeral loopback port, in-process through runCli
 * (the same code path as the bin after argument parsing; the bin itself, compiled, is
 * tested in bin.test.ts).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../src/cli/index.js';
import { errorFromResponse, EXIT_CODES } from '../../src/cli/http-client.js';
import { listenOnLoopback, runCliCaptured, type CliResult } from '../support/cli.js';
import { packageVersion } from '../../src/version.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';

describe('warden CLI', () => {
  let platform: TestPlatform;
  let url: string;

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
  });

  it('--version and -V print the package version and exit 0, without a server or token', async () => {
    for (const flag of ['--version', '-V']) {
      const result = await runCliCaptured([flag]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `${packageVersion()}\n`);
    }
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
});
