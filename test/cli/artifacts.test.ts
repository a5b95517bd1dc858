/**
 * `warden artifacts ls|get|put` and `warden gc` against a real server on a loopback port,
 * in-process through runCli.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { EXIT_CODES } from '../../src/cli/http-client.js';
import { newExperiment } from '../../src/domain/tracking/experiment.js';
import { newRun } from '../../src/domain/tracking/run.js';
import { randomIds } from '../../src/system/clock.js';
import { LocalArtifactStore } from '../../src/store/artifacts/local-artifact-store.js';
import { SqlTrackingStore } from '../../src/store/sql/sql-tracking-store.js';
import { bytesOf } from '../contract/artifact-store.contract.js';
import { corruptLocalBlob } from '../support/artifacts.js';
import { listenOnLoopback, runCliCaptured, type CliResult } from '../support/cli.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { STORE_KINDS, tempDir } from '../support/stores.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

for (const kind of STORE_KINDS) {
  describe(`warden artifacts on ${kind}`, () => {
    let platform: TestPlatform;
    let url: string;
    let tracking: SqlTrackingStore;
    let experimentId: string;
    const work = tempDir('warden-cli-artifacts-');

    const run = async (token: string, ...args: string[]): Promise<CliResult> => {
      return runCliCaptured(['--url', url, '--token', token, ...args]);
    };

    async function createRun(): Promise<string> {
      const experiment = { id: experimentId, name: 'x', description: '', tags: {}, createdAt: 0 };
      return (await tracking.createRun(newRun({}, experiment, randomIds.next(), Date.now()))).id;
    }

    before(async () => {
      platform = await openTestPlatform(kind, { WARDEN_ARTIFACT_GC_GRACE_MS: '0', WARDEN_SWEEP_INTERVAL_MS: String(24 * 3600 * 1000) });
      url = await listenOnLoopback(platform);
      tracking = new SqlTrackingStore(platform.database);
      const experiment = newExperiment({ name: `cli-${randomBytes(4).toString('hex')}` }, randomIds.next(), Date.now());
      await tracking.createExperiment(experiment);
      experimentId = experiment.id;
    });
    after(async () => {
      await platform.close();
      work.remove();
    });

    it('puts three files (one of several MB), lists them, and gets them back verified', async () => {
      const editor = await platform.token('editor');
      const viewer = await platform.token('viewer');
      const runId = await createRun();
      const files = {
        'report.json': Buffer.from(JSON.stringify({ f1: 0.91 })),
        'notes.txt': Buffer.from('three epochs\n'),
        'weights.bin': Buffer.from(bytesOf(5 * 1024 * 1024 + 7, 3)),
      };
      for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(work.dir, name), bytes);

      const put = await run(editor, '--json', 'artifacts', 'put', runId, path.join(work.dir, 'weights.bin'), '--name', 'model/weights.bin');
      assert.equal(put.code, 0, put.stderr);
      assert.equal(JSON.parse(put.stdout).sha256, sha256(files['weights.bin']));
      for (const name of ['report.json', 'notes.txt']) {
        const res = await run(editor, 'artifacts', 'put', runId, path.join(work.dir, name));
        assert.equal(res.code, 0, res.stderr);
        assert.match(res.stdout, new RegExp(sha256(files[name as keyof typeof files])));
      }

      const ls = await run(viewer, 'artifacts', 'ls', runId);
      assert.equal(ls.code, 0, ls.stderr);
      for (const name of ['model/weights.bin', 'report.json', 'notes.txt']) assert.ok(ls.stdout.includes(name), ls.stdout);
      const lsJson = await run(viewer, '--json', 'artifacts', 'ls', runId);
      assert.equal(JSON.parse(lsJson.stdout).artifacts.length, 3);

      const out = path.join(work.dir, 'downloaded.bin');
      const get = await run(viewer, 'artifacts', 'get', runId, 'model/weights.bin', '-o', out);
      assert.equal(get.code, 0, get.stderr);
      assert.match(get.stdout, /verified/);
      assert.equal(sha256(fs.readFileSync(out)), sha256(files['weights.bin']));

      const again = await run(viewer, 'artifacts', 'get', runId, 'model/weights.bin', '-o', out);
      assert.equal(again.code, EXIT_CODES.usage, 'an existing file is not overwritten without --force');
      const forced = await run(viewer, 'artifacts', 'get', runId, 'model/weights.bin', '-o', out, '--force');
      assert.equal(forced.code, 0, forced.stderr);

      const byId = JSON.parse(lsJson.stdout).artifacts.find((a: { name: string }) => a.name === 'notes.txt').id as string;
      const notesOut = path.join(work.dir, 'notes-copy.txt');
      assert.equal((await run(viewer, 'artifacts', 'get', runId, byId, '-o', notesOut)).code, 0);
      assert.equal(fs.readFileSync(notesOut, 'utf8'), 'three epochs\n');
    });

    it('refuses a hostile name and reports a tampered artifact without writing a file', async () => {
      const editor = await platform.token('editor');
      const runId = await createRun();
      const file = path.join(work.dir, 'payload.txt');
      fs.writeFileSync(file, `payload ${randomBytes(8).toString('hex')}`);
      const hostile = await run(editor, 'artifacts', 'put', runId, file, '--name', '../../etc/passwd');
      assert.equal(hostile.code, EXIT_CODES.usage);
      assert.match(hostile.stderr, /^error: INVALID_ARTIFACT_NAME: /);

      const put = await run(editor, '--json', 'artifacts', 'put', runId, file);
      assert.equal(put.code, 0, put.stderr);
      corruptLocalBlob(new LocalArtifactStore(platform.config.artifactsRoot), JSON.parse(put.stdout).sha256);
      const out = path.join(work.dir, 'tampered-out.txt');
      const get = await run(editor, 'artifacts', 'get', runId, 'payload.txt', '-o', out);
      assert.notEqual(get.code, 0);
      assert.match(get.stderr, /ARTIFACT_TAMPERED/);
      assert.equal(fs.existsSync(out), false);
      assert.deepEqual(fs.readdirSync(work.dir).filter((f) => f.endsWith('.part')), []);
    });

    it('gc removes the blobs of a deleted run (admin only)', async () => {
      const editor = await platform.token('editor');
      const runId = await createRun();
      const file = path.join(work.dir, 'orphan.bin');
      const bytes = Buffer.from(`orphan ${randomBytes(8).toString('hex')}`);
      fs.writeFileSync(file, bytes);
      assert.equal((await run(editor, 'artifacts', 'put', runId, file)).code, 0);
      const denied = await run(editor, 'gc');
      assert.equal(denied.code, EXIT_CODES.auth);
      await tracking.deleteRun(runId);
      const gc = await run(platform.adminToken, '--json', 'gc');
      assert.equal(gc.code, 0, gc.stderr);
      assert.ok(JSON.parse(gc.stdout).deleted.includes(sha256(bytes)));
      const human = await run(platform.adminToken, 'gc');
      assert.match(human.stdout, /^deleted 0 blob\(s\)/);
    });
  });
}
