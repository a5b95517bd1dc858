/**
 * `warden predict` and `warden feedback` against a real server (ephemeral port) whose model
 * has trained versions: live by default, pinned with --version, many texts with --file.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { listenOnLoopback, runCliCaptured } from '../support/cli.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { ROOT, trainServingVersions } from '../support/serving.js';
import { until } from '../support/wait.js';
import { tempDir } from '../support/stores.js';

describe('warden predict / feedback', () => {
  let platform: TestPlatform;
  let url: string;
  const files = tempDir('warden-cli-predict-');
  const run = (...args: string[]) => runCliCaptured(['--url', url, '--token', platform.adminToken, ...args]);

  before(async () => {
    platform = await openTestPlatform('sqlite', { WARDEN_WORKER_CONCURRENCY: '1' });
    await trainServingVersions(platform, 'cli-mail', [2, 4]);
    await platform.services.registry.deploy('cli-mail', 1, ROOT);
    await until(async () => (await platform.services.serving.predict('cli-mail', { requestId: 'warm', texts: ['x'], batch: false }).then(() => true, () => false)), 'cli-mail to be live', { timeoutMs: 10_000 });
    url = await listenOnLoopback(platform);
  });
  after(async () => {
    await platform.close();
    files.remove();
  });

  it('prints label, probability, version and id per text, from the live version', async () => {
    const result = await run('predict', 'cli-mail', 'free cash prize winner click', 'project meeting notes');
    assert.equal(result.code, 0, result.stderr);
    const rows = result.stdout.split('\n').map((line) => line.split('│').map((c) => c.trim()).filter((c) => c !== '')).filter((cells) => cells.length === 5);
    assert.deepEqual(rows[0], ['label', 'probability', 'version', 'id', 'text']);
    assert.deepEqual(rows.slice(1).map(([label, , version, , text]) => [label, version, text]), [
      ['1', 'v1.0 (1)', 'free cash prize winner click'],
      ['0', 'v1.0 (1)', 'project meeting notes'],
    ]);
    assert.ok(rows.slice(1).every((r) => /^0\.\d{4}$/.test(r[1] ?? '')), JSON.stringify(rows));
    assert.doesNotMatch(result.stdout, /not the live version/);
  });

  it('shows a long text cut to 50 characters, ending in … where it was cut', async () => {
    const long = 'project meeting notes for the quarterly planning review next week';
    const result = await run('predict', 'cli-mail', long);
    assert.equal(result.code, 0, result.stderr);
    // The text column's cells, joined across the lines the table wraps them onto.
    const textCell = result.stdout
      .split('\n')
      .map((line) => line.split('│').map((c) => c.trim()))
      .filter((cells) => cells.length === 7 && cells[1] !== 'label')
      .map((cells) => cells[5])
      .join(' ')
      .trim();
    assert.equal(textCell, 'project meeting notes for the quarterly planning…');
  });

  it('--file sends every non-empty line, in batches, answers in order', async () => {
    const file = path.join(files.dir, 'texts.txt');
    const texts = Array.from({ length: 70 }, (_, i) => (i % 2 === 0 ? `free cash prize winner ${i}` : `project meeting notes ${i}`));
    fs.writeFileSync(file, `${texts.join('\n')}\n\n`);
    const result = await run('--json', 'predict', 'cli-mail', '--file', file);
    assert.equal(result.code, 0, result.stderr);
    const body = JSON.parse(result.stdout) as { live: boolean; predictions: Array<{ id: string; text: string; version: number; label: number }> };
    assert.equal(body.live, true);
    assert.deepEqual(body.predictions.map((p) => p.text), texts);
    assert.ok(body.predictions.every((p) => p.version === 1));
    assert.equal(new Set(body.predictions.map((p) => p.id)).size, 70, 'every input has its own id across the two batches');
  });

  it('--pinned pins a version and says when it is not the live one', async () => {
    const result = await run('predict', 'cli-mail', '--pinned', '2', 'free cash prize winner');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /v2\.0 \(2\)/);
    assert.match(result.stdout, /not the live version/);
  });

  it('feedback attaches a label by the printed id; bad input and unknown models exit with their codes', async () => {
    const predicted = JSON.parse((await run('--json', 'predict', 'cli-mail', 'free cash prize')).stdout) as { predictions: Array<{ id: string }> };
    const id = predicted.predictions[0]?.id ?? '';
    const fed = await run('feedback', id, '0');
    assert.equal(fed.code, 0, fed.stderr);
    assert.match(fed.stdout, new RegExp(`${id}: recorded \\(cli-mail v1\\)`));
    assert.equal((await platform.services.serving.recentPredictions('cli-mail', 200)).find((p) => p.id === id)?.feedbackLabel, 0);

    assert.equal((await run('feedback', id, '7')).code, 2);
    assert.equal((await run('feedback', 'no-such-id', '1')).code, 3);
    assert.equal((await run('predict', 'cli-mail')).code, 2, 'no text');
    assert.equal((await run('predict', 'cli-mail', '--file', path.join(files.dir, 'missing.txt'))).code, 2);
    assert.equal((await run('predict', 'nobody', 'text')).code, 3);
    await platform.services.registry.createModel({ name: 'cli-idle', task: 'spam' }, ROOT);
    const idle = await run('predict', 'cli-idle', 'text');
    assert.equal(idle.code, 4);
    assert.match(idle.stderr, /MODEL_NOT_LIVE/);
  });
});
