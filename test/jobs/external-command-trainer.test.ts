/**
 * External programs behind the Trainer port: a real child process (test/fixtures/external-trainer.mjs)
 * run by the process runner; its protocol lines become the port's progress, metrics and log
 * lines, its output files and the index are stored, and a failing program rejects.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ExternalCommandTrainer } from '../../src/jobs/external-command-trainer.js';
import { ProcessExternalTrainerRunner } from '../../src/jobs/external-trainer-runner.js';
import { parseRecipe } from '../../src/domain/recipes.js';
import type { MetricPoint, TrainerArtifact, TrainerProgress, TrainerRequest } from '../../src/domain/ports/trainer.js';
import { sha256Hex } from '../../src/system/sha256-digest.js';
import { syntheticRows } from '../support/training.js';
import { tempDir } from '../support/stores.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/external-trainer.mjs', import.meta.url));
const rows = syntheticRows(120);
const splits = { train: rows.slice(0, 80), validation: rows.slice(80, 100), test: rows.slice(100) };

function setUp(mode: string) {
  const tmp = tempDir('warden-ext-trainer-');
  const trainer = new ExternalCommandTrainer(new ProcessExternalTrainerRunner({ allowlist: [process.execPath], env: { PATH: process.env.PATH ?? '' }, tmpRoot: tmp.dir }));
  const seen = { progress: [] as TrainerProgress[], metrics: [] as MetricPoint[], log: [] as string[] };
  const req: TrainerRequest = {
    model: 'ext',
    recipe: parseRecipe({ family: 'external', command: [process.execPath, FIXTURE], hyperParameters: { mode, epochs: 3 }, dataset: { datasets: ['synth'] } }),
    splits,
    datasetDigest: null,
    jobId: 'job-1',
    runId: 'run-1',
    signal: new AbortController().signal,
    onProgress: (p) => seen.progress.push(p),
    onMetrics: async (points) => {
      seen.metrics.push(...points);
    },
    log: (line) => seen.log.push(line),
    milestone: () => assert.fail('an external trainer has no milestones of its own'),
  };
  return { trainer, req, seen, tmp };
}

describe('ExternalCommandTrainer', () => {
  it('runs only external recipes', () => {
    assert.deepEqual([...setUp('ok').trainer.families], ['external']);
  });

  it('turns the program’s lines into progress, metrics and log lines, and returns its final metrics as reported', async () => {
    const { trainer, req, seen, tmp } = setUp('malformed');
    const trained = await trainer.train(req);
    try {
      assert.equal(trained.metricsSource, 'reported');
      assert.equal(trained.model, null, 'Warden cannot run it');
      assert.equal(trained.metrics.eval_rows, splits.test.length);
      assert.deepEqual(seen.progress[0], { part: 'training', within: 0, phase: 'training', message: `running ${process.execPath}` });
      assert.ok(seen.progress.every((p) => p.part === 'training'));
      assert.deepEqual(seen.progress.filter((p) => p.phase === 'training' && p.epoch !== undefined).map((p) => [p.epoch, p.totalEpochs]), [[1, 3], [2, 3], [3, 3]]);
      assert.deepEqual(seen.metrics.map((m) => [m.key, m.step]), [['loss', 1], ['loss', 2], ['loss', 3]]);
      assert.ok(seen.log.includes('[trainer] stderr: warming up (stderr is logged)'), seen.log.join('\n'));
      assert.equal(seen.log.filter((l) => l.includes('malformed line ignored')).length, 4, seen.log.join('\n'));
    } finally {
      await trained.release();
    }
    assert.deepEqual(fs.readdirSync(tmp.dir), [], 'release removes the working folder');
    tmp.remove();
  });

  it('stores each output file, then the index naming them by digest; the index is the version’s artifact', async () => {
    const { trainer, req, tmp } = setUp('ok');
    const trained = await trainer.train(req);
    const stored = new Map<string, { artifact: TrainerArtifact; bytes: Buffer }>();
    const digest = await trained.storeArtifacts(async (artifact) => {
      const chunks: Uint8Array[] = [];
      for await (const chunk of artifact.open()) chunks.push(chunk);
      const bytes = Buffer.concat(chunks);
      stored.set(artifact.name, { artifact, bytes });
      return sha256Hex(bytes);
    });
    await trained.release();
    tmp.remove();
    assert.deepEqual([...stored.keys()].sort(), ['external-model.json', 'output/model.json', 'output/tokenizer/vocab.txt']);
    const index = stored.get('external-model.json')!;
    assert.equal(digest, sha256Hex(index.bytes));
    assert.equal(index.artifact.mediaType, 'application/json');
    const parsed = JSON.parse(index.bytes.toString('utf8')) as { format: string; command: string[]; files: Array<{ name: string; sha256: string; size: number }> };
    assert.equal(parsed.format, 'warden-external-model');
    assert.deepEqual(parsed.command, [process.execPath, FIXTURE]);
    for (const file of parsed.files) {
      const output = stored.get(`output/${file.name}`)!;
      assert.equal(file.sha256, sha256Hex(output.bytes));
      assert.equal(file.size, output.bytes.length);
    }
  });

  it('rejects naming recipe.command when the program exits non-zero, and cleans up', async () => {
    const { trainer, req, tmp } = setUp('fail');
    await assert.rejects(trainer.train(req), (error: unknown) => error instanceof Error && /exited with 3/.test(error.message) && (error as { field?: string }).field === 'recipe.command');
    assert.deepEqual(fs.readdirSync(tmp.dir), []);
    tmp.remove();
  });
});
