/**
 * External trainers run a program as the server's user, so they are an operator's and an
 * admin's decision: off unless WARDEN_EXTERNAL_TRAINERS allowlists the executable, set or
 * changed only by an admin (at the route and in the service), validated when stored, and
 * run with a minimal environment in a working folder of their own. Through the real
 * platform (SQLite, real queue, a real trainer process).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { tempDir } from '../support/stores.js';
import { syntheticRows, waitForJob } from '../support/training.js';

type Json = Record<string, unknown>;

/** A trainer that reports its environment and working folder on stderr (job log lines), then succeeds. */
const ENV_DUMP_TRAINER = `#!/bin/sh
env | while IFS= read -r line; do echo "ENV $line" >&2; done
echo "CWD $(pwd)" >&2
out="$(dirname "$1")/output"
mkdir -p "$out"
echo model > "$out/model.txt"
echo '{"type":"final","metrics":{"eval_accuracy":0.5}}'
`;

describe('external trainers: allowlisted, admin-only, minimal environment', () => {
  const scripts = tempDir('warden-trainers-');
  const trainer = path.join(scripts.dir, 'env-dump.sh');
  fs.writeFileSync(trainer, ENV_DUMP_TRAINER, { mode: 0o755 });
  const secret = 'secret-admin-token-must-not-leak-0123456789';
  const saved = { token: process.env.WARDEN_ADMIN_TOKEN, store: process.env.WARDEN_STORE_URL };
  let p: TestPlatform;
  let disabled: TestPlatform;
  let admin: { authorization: string };
  let editor: { authorization: string };

  const recipe = (command: string[]) => ({ family: 'external', command, hyperParameters: {}, dataset: { datasets: ['synth'] } });

  before(async () => {
    // The server's own environment holds secrets: the child must not inherit them.
    process.env.WARDEN_ADMIN_TOKEN = secret;
    process.env.WARDEN_STORE_URL = 'postgres://warden:hunter2@db.internal:5432/warden';
    p = await openTestPlatform('sqlite', { WARDEN_WORKER_CONCURRENCY: '1', WARDEN_EXTERNAL_TRAINERS: trainer, PATH: '/usr/bin:/bin' });
    disabled = await openTestPlatform('sqlite');
    [admin, editor] = await Promise.all([p.auth('admin'), p.auth('editor')]);
    await p.services.datasets.registerRows(syntheticRows(60), { name: 'synth', origin: 'upload' });
  });
  after(async () => {
    await p.close();
    await disabled.close();
    scripts.remove();
    for (const [key, value] of [['WARDEN_ADMIN_TOKEN', saved.token], ['WARDEN_STORE_URL', saved.store]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  async function call(platform: TestPlatform, method: 'GET' | 'POST' | 'PATCH', url: string, headers: { authorization: string }, payload?: unknown) {
    const res = await platform.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as Json }) });
    return { status: res.statusCode, body: res.json() as Json };
  }
  const error = (body: Json) => body.error as { code: string; field?: string; message: string };

  it('disabled unless configured: 400 naming recipe.command that says how to enable them', async () => {
    const res = await call(disabled, 'POST', '/jobs/train', await disabled.auth('admin'), { model: 'x', recipe: recipe(['/bin/sh', '-c', 'id']) });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(error(res.body).field, 'recipe.command');
    assert.match(error(res.body).message, /WARDEN_EXTERNAL_TRAINERS/);
    assert.equal((await disabled.services.jobs.list({ limit: 10 })).items.length, 0);
  });

  it('a command whose program is not on the allowlist is refused, even for an admin', async () => {
    for (const command of [['/bin/sh', '-c', 'id'], ['env-dump.sh'], [`${scripts.dir}/../${path.basename(scripts.dir)}/env-dump.sh`]]) {
      const res = await call(p, 'POST', '/jobs/train', admin, { model: 'x', recipe: recipe(command) });
      assert.equal(res.status, 400, `${command.join(' ')}: ${JSON.stringify(res.body)}`);
      assert.equal(error(res.body).field, 'recipe.command');
    }
  });

  it('an editor may not set an external recipe by any route, nor through the service', async () => {
    const train = await call(p, 'POST', '/jobs/train', editor, { model: 'ed', recipe: recipe([trainer]) });
    assert.equal(train.status, 403, JSON.stringify(train.body));
    assert.equal(error(train.body).code, 'FORBIDDEN');
    assert.equal(error(train.body).field, 'recipe.command');
    const create = await call(p, 'POST', '/models', editor, { name: 'ed', task: 'spam', recipe: recipe([trainer]) });
    assert.equal(create.status, 403, JSON.stringify(create.body));
    assert.equal(error(create.body).field, 'recipe.command');

    // The stored form: an editor PATCHes a model's recipe so that an admin's retrain runs it.
    const made = await call(p, 'POST', '/models', editor, { name: 'victim', task: 'spam', recipe: { family: 'lr', dataset: { datasets: ['synth'] } } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const patch = await call(p, 'PATCH', '/models/victim', editor, { recipe: recipe([trainer]) });
    assert.equal(patch.status, 403, JSON.stringify(patch.body));
    assert.equal(error(patch.body).field, 'recipe.command');
    await assert.rejects(
      p.services.registry.updateModel('victim', { recipe: recipe([trainer]) }, { name: 'sneaky', role: 'editor' }),
      (e: Error & { code?: string }) => e.code === 'FORBIDDEN',
    );
    assert.equal(((await p.services.registry.getModel('victim')).recipe as Json).family, 'lr');
    assert.equal((await p.services.jobs.list({ limit: 50 })).items.length, 0);
  });

  it('recipes are validated when stored: a bad recipe is a 400 at PATCH time, not at the next retrain', async () => {
    await call(p, 'POST', '/models', editor, { name: 'checked', task: 'spam' });
    const bad = await call(p, 'PATCH', '/models/checked', editor, { recipe: { family: 'lr', hyperParameters: { bogus: 1 }, dataset: { datasets: ['synth'] } } });
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.equal(error(bad.body).field, 'recipe.hyperParameters.bogus');
    const noData = await call(p, 'POST', '/models', editor, { name: 'checked2', task: 'spam', recipe: { family: 'nb' } });
    assert.equal(noData.status, 400, JSON.stringify(noData.body));
    assert.equal(error(noData.body).field, 'recipe.dataset');
  });

  it('an admin-set trainer runs with a minimal environment in its own folder, removed after; the job names who started it and who wrote the recipe', async () => {
    const res = await call(p, 'POST', '/jobs/train', admin, { model: 'ext', task: 'spam', recipe: recipe([trainer]) });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const job = await waitForJob(p.services.jobs, String(res.body.id));
    assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
    const lines = (await p.services.jobs.logs(job.id)).map((l) => l.line);
    const env = new Map(
      lines
        .map((l) => /stderr: ENV ([^=]+)=(.*)$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1]!, m[2]!]),
    );
    assert.ok(env.size > 0, lines.join('\n'));
    assert.ok(!lines.some((l) => l.includes(secret) || l.includes('hunter2')), lines.join('\n'));
    assert.deepEqual([...env.keys()].filter((k) => k.startsWith('WARDEN')), []);
    assert.equal(env.get('PATH'), '/usr/bin:/bin');
    const cwd = /stderr: CWD (.*)$/.exec(lines.find((l) => l.includes('stderr: CWD ')) ?? '')?.[1];
    assert.ok(cwd !== undefined && path.isAbsolute(cwd), lines.join('\n'));
    assert.ok(env.get('HOME')?.startsWith(cwd), `HOME ${env.get('HOME')} is not under ${cwd}`);
    assert.ok(env.get('TMPDIR')?.startsWith(cwd), `TMPDIR ${env.get('TMPDIR')} is not under ${cwd}`);
    const allowed = new Set(['PATH', 'LANG', 'LC_ALL', 'HOME', 'TMPDIR', 'PWD', 'SHLVL', 'OLDPWD', '_']);
    assert.deepEqual([...env.keys()].filter((k) => !allowed.has(k)), []);
    assert.equal(fs.existsSync(cwd), false, 'the working folder is removed after the job');

    const shown = await call(p, 'GET', `/jobs/${job.id}`, admin);
    const payload = shown.body.payload as Json;
    assert.equal(payload.startedBy, 'admin');
    assert.equal(payload.recipeAuthor, 'admin');

    // An editor may retrain the admin's recipe unchanged; the job says whose recipe it runs.
    const retrain = await call(p, 'POST', '/models/retrain', editor, { model: 'ext' });
    assert.equal(retrain.status, 202, JSON.stringify(retrain.body));
    const retrainId = String((retrain.body.jobs as Json[])[0]?.id);
    const again = ((await call(p, 'GET', `/jobs/${retrainId}`, editor)).body.payload as Json);
    assert.equal(again.startedBy, 'test-editor');
    assert.equal(again.recipeAuthor, 'admin');
    await waitForJob(p.services.jobs, retrainId);
    assert.equal((await p.services.registry.getModel('ext')).tags['warden.recipe_author'], 'admin');
    // The versions keep it too, after the job records are gone.
    const v2 = await p.services.registry.getVersion('ext', 2);
    assert.deepEqual([v2.tags['warden.started_by'], v2.tags['warden.recipe_author']], ['test-editor', 'admin']);
  });
});
