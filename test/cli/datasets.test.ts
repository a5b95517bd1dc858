/**
 * `warden datasets …` and `warden data scan` against a real server on a loopback port,
 * in-process through runCli.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { EXIT_CODES } from '../../src/cli/http-client.js';
import { listenOnLoopback, runCliCaptured, type CliResult } from '../support/cli.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { STORE_KINDS, tempDir } from '../support/stores.js';

for (const kind of STORE_KINDS) {
  describe(`warden datasets on ${kind}`, () => {
    let platform: TestPlatform;
    let url: string;
    const work = tempDir('warden-cli-datasets-');

    const run = async (role: 'viewer' | 'editor' | 'admin', ...args: string[]): Promise<CliResult> => {
      const token = await platform.token(role);
      return runCliCaptured(['--url', url, '--token', token, ...args]);
    };

    before(async () => {
      platform = await openTestPlatform(kind);
      url = await listenOnLoopback(platform);
    });
    after(async () => {
      await platform.close();
      work.remove();
    });

    it('imports a CSV file, lists it, shows it, prints its rows', async () => {
      const file = path.join(work.dir, 'phish.csv');
      fs.writeFileSync(file, 'text,label\n"Your account is locked,\nclick here",malicious\nSee you tomorrow,benign\n');
      const imported = await run('editor', 'datasets', 'import', file, '--name', 'phish', '--description', 'first batch');
      assert.equal(imported.code, EXIT_CODES.ok, imported.stderr);
      assert.match(imported.stdout, /^phish v1 created: 2 rows, 50\.0 % positive, sha256 [0-9a-f]{64}/);

      const again = await run('editor', '--json', 'datasets', 'import', file, '--name', 'phish');
      assert.equal(again.code, EXIT_CODES.ok);
      assert.equal(JSON.parse(again.stdout).created, false);

      const list = await run('viewer', 'datasets', 'list');
      assert.equal(list.code, EXIT_CODES.ok);
      assert.match(list.stdout, /phish/);
      const json = JSON.parse((await run('viewer', '--json', 'datasets', 'list')).stdout);
      assert.equal(json.datasets.find((d: { name: string }) => d.name === 'phish').latest.rows, 2);

      const versions = await run('viewer', 'datasets', 'show', 'phish');
      assert.match(versions.stdout, /v1/);
      const shown = await run('viewer', 'datasets', 'show', 'phish', 'v1');
      assert.match(shown.stdout, /first batch/);
      assert.match(shown.stdout, /phish\.csv \(2 rows\)/);

      const rows = JSON.parse((await run('viewer', '--json', 'datasets', 'rows', 'phish', '1')).stdout);
      assert.deepEqual(rows.rows, [
        { text: 'Your account is locked,\nclick here', label: 1 },
        { text: 'See you tomorrow', label: 0 },
      ]);
    });

    it('prints every bad row of a refused file with its line and exits with the usage code', async () => {
      const file = path.join(work.dir, 'bad.jsonl');
      fs.writeFileSync(file, '{"text":"ok","label":1}\n{"text":"x","label":"maybe"}\n{"label":0}\n');
      const result = await run('editor', 'datasets', 'import', file, '--name', 'bad');
      assert.equal(result.code, EXIT_CODES.usage);
      assert.match(result.stderr, /DATASET_INVALID: bad\.jsonl: line 2 \(label\)/);
      assert.match(result.stderr, /bad\.jsonl:2 label: label "maybe" is not one of/);
      assert.match(result.stderr, /bad\.jsonl:3 text: text is missing/);
      const missing = await run('viewer', 'datasets', 'show', 'bad');
      assert.equal(missing.code, EXIT_CODES.notFound);
    });

    it('refuses files it cannot read or whose format it cannot tell', async () => {
      assert.equal((await run('editor', 'datasets', 'import', path.join(work.dir, 'none.csv'), '--name', 'x')).code, EXIT_CODES.usage);
      const txt = path.join(work.dir, 'rows.txt');
      fs.writeFileSync(txt, 'x');
      const result = await run('editor', 'datasets', 'import', txt, '--name', 'x');
      assert.equal(result.code, EXIT_CODES.usage);
      assert.match(result.stderr, /--format/);
    });

    it('data scan versions fresh files and reports rejections', async () => {
      const fresh = path.join(platform.config.dataDir, 'fresh', 'phishing-detector');
      fs.mkdirSync(fresh, { recursive: true });
      const past = new Date(Date.now() - 60_000);
      fs.writeFileSync(path.join(fresh, 'drop.jsonl'), '{"text":"reset your password here","label":"malicious"}\n');
      fs.writeFileSync(path.join(fresh, 'oops.csv'), 'wrong,header\n1,2\n');
      for (const name of ['drop.jsonl', 'oops.csv']) fs.utimesSync(path.join(fresh, name), past, past);
      const result = await run('admin', 'data', 'scan');
      assert.equal(result.code, EXIT_CODES.ok, result.stderr);
      assert.match(result.stdout, /phishing-detector: 1 file\(s\) waiting/);
      assert.match(result.stdout, /new version phishing-detector-fresh v1 \(1 rows\)/);
      assert.match(result.stdout, /rejected oops\.csv → rejected\/phishing-detector\/oops\.csv/);
      assert.equal((await run('editor', 'data', 'scan')).code, EXIT_CODES.auth);
    });
  });
}
