/**
 * Artifact routes end to end on each store. The traversal suite throws the MLflow
 * path-traversal CVE patterns at every artifact route and proves each is refused and
 * that nothing outside the artifact root was read or written; the tamper suite changes
 * a stored byte and proves the download is refused; the GC suite proves exactly the
 * orphans go.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { SqlTrackingStore } from '../../src/store/sql/sql-tracking-store.js';
import { LocalArtifactStore } from '../../src/store/artifacts/local-artifact-store.js';
import { newExperiment } from '../../src/domain/tracking/experiment.js';
import { newRun } from '../../src/domain/tracking/run.js';
import { randomIds } from '../../src/system/clock.js';
import { STORE_KINDS } from '../support/stores.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { HOSTILE_NAMES } from '../support/hostile-names.js';
import { corruptLocalBlob } from '../support/artifacts.js';
import { bytesOf } from '../contract/artifact-store.contract.js';

const MiB = 1024 * 1024;
const BENIGN_ONCE_DECODED = new Set(['100%41', 'a%2fb']);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Every file under `dir` with size, mtime and content hash: a before/after snapshot. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const file = path.join(dir, entry);
    const stat = fs.lstatSync(file);
    const content = stat.isFile() ? sha256(fs.readFileSync(file)) : stat.isSymbolicLink() ? 'link' : 'dir';
    out.set(entry, `${stat.size}:${stat.mtimeMs}:${content}`);
  }
  return out;
}

/** What exists (size, mtime) at each path a traversal could reach from the root. */
function traversalTargets(root: string, names: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of names) {
    for (const candidate of [name, decodeURIComponentSafe(name), decodeURIComponentSafe(decodeURIComponentSafe(name))]) {
      for (const base of [root, path.join(root, 'blobs'), path.join(root, 'tmp')]) {
        if (candidate.includes('\u0000')) continue;
        const target = path.resolve(base, candidate.replace(/\\/g, '/'));
        const stat = fs.existsSync(target) ? fs.lstatSync(target) : undefined;
        // Directories like /tmp change under other processes; what matters is files appearing or changing.
        out.set(target, stat ? (stat.isDirectory() ? 'dir' : `${stat.size}:${stat.mtimeMs}`) : 'absent');
      }
    }
  }
  return out;
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

for (const kind of STORE_KINDS) {
  describe(`artifact routes on ${kind}`, () => {
    let platform: TestPlatform;
    let tracking: SqlTrackingStore;
    let experimentId: string;
    let root: string;
    let sentinelDir: string;
    let secret: string;
    let passwd: string;
    let headers: Record<'viewer' | 'editor' | 'admin', { authorization: string }>;

    async function createRun(): Promise<string> {
      const experiment = { id: experimentId, name: 'x', description: '', tags: {}, createdAt: 0 };
      return (await tracking.createRun(newRun({}, experiment, randomIds.next(), Date.now()))).id;
    }

    function upload(runId: string, name: string, body: Uint8Array, extra: Record<string, string> = {}, role: 'editor' | 'admin' | 'viewer' = 'editor') {
      return platform.app.inject({
        method: 'POST',
        url: `/runs/${runId}/artifacts?name=${encodeURIComponent(name)}`,
        headers: { ...headers[role], 'content-type': 'application/octet-stream', ...extra },
        payload: Buffer.from(body),
      });
    }

    function assertNoLeak(body: string, context: string): void {
      assert.equal(body.includes(secret), false, `${context}: the sentinel secret leaked`);
      if (passwd.length > 0) assert.equal(body.includes(passwd.split('\n')[0] as string), false, `${context}: /etc/passwd leaked`);
    }

    before(async () => {
      platform = await openTestPlatform(kind, {
        // No grace, so a gc right after a delete is measurable; no periodic sweep, which without
        // grace could race an upload between storing its blob and recording it.
        WARDEN_ARTIFACT_GC_GRACE_MS: '0',
        WARDEN_SWEEP_INTERVAL_MS: String(24 * 3600 * 1000),
        WARDEN_MAX_ARTIFACT_BYTES: String(12 * MiB),
        WARDEN_BODY_LIMIT_BYTES: String(64 * 1024), // far below the artifacts: uploads must not be held to it
      });
      root = platform.config.artifactsRoot;
      tracking = new SqlTrackingStore(platform.database);
      const experiment = newExperiment({ name: `artifacts-${randomBytes(4).toString('hex')}` }, randomIds.next(), Date.now());
      await tracking.createExperiment(experiment);
      experimentId = experiment.id;
      headers = { viewer: await platform.auth('viewer'), editor: await platform.auth('editor'), admin: await platform.auth('admin') };
      sentinelDir = path.join(path.dirname(root), 'sentinel');
      fs.mkdirSync(sentinelDir, { recursive: true });
      secret = `SENTINEL-${randomBytes(16).toString('hex')}`;
      fs.writeFileSync(path.join(sentinelDir, 'secret.txt'), secret);
      passwd = fs.existsSync('/etc/passwd') ? fs.readFileSync('/etc/passwd', 'utf8') : '';
    });
    after(async () => platform.close());

    it('round-trips three artifacts, one of several MB, with length and sha256 headers', async () => {
      const runId = await createRun();
      const files = [
        { name: 'metrics/summary.json', bytes: Buffer.from(JSON.stringify({ f1: 0.93, accuracy: 0.95 })), mediaType: 'application/json' },
        { name: 'notes.txt', bytes: Buffer.from('trained on spam-assassin, 3 epochs\n'), mediaType: 'text/plain' },
        { name: 'model/weights.bin', bytes: Buffer.from(bytesOf(6 * MiB + 123, 99)), mediaType: 'application/octet-stream' },
      ];
      const ids: string[] = [];
      for (const file of files) {
        const res = await upload(runId, file.name, file.bytes, { 'x-content-sha256': sha256(file.bytes) });
        assert.equal(res.statusCode, 201, res.body);
        const body = res.json();
        assert.equal(body.name, file.name);
        assert.equal(body.size, file.bytes.length);
        assert.equal(body.sha256, sha256(file.bytes));
        assert.equal(body.mediaType, file.mediaType);
        ids.push(body.id);
      }
      const list = await platform.app.inject({ method: 'GET', url: `/runs/${runId}/artifacts`, headers: headers.viewer });
      assert.equal(list.statusCode, 200);
      assert.deepEqual(
        list.json().artifacts.map((a: { name: string }) => a.name),
        ['metrics/summary.json', 'model/weights.bin', 'notes.txt'],
      );
      for (const [i, file] of files.entries()) {
        const res = await platform.app.inject({ method: 'GET', url: `/runs/${runId}/artifacts/${ids[i]}`, headers: headers.viewer });
        assert.equal(res.statusCode, 200);
        assert.equal(res.headers['content-length'], String(file.bytes.length));
        assert.equal(res.headers['x-content-sha256'], sha256(file.bytes));
        assert.equal(res.headers.digest, `sha-256=${createHash('sha256').update(file.bytes).digest('base64')}`);
        assert.equal(res.headers['x-content-type-options'], 'nosniff');
        assert.match(String(res.headers['content-disposition']), /^attachment; /);
        assert.equal(String(res.headers['content-type']).split(';')[0], file.mediaType);
        assert.deepEqual(res.rawPayload, file.bytes);
        const byDigest = await platform.app.inject({ method: 'GET', url: `/artifacts/${sha256(file.bytes)}`, headers: headers.viewer });
        assert.equal(byDigest.statusCode, 200);
        assert.deepEqual(byDigest.rawPayload, file.bytes);
      }
    });

    it('refuses an upload over the artifact limit and leaves nothing behind', async () => {
      const runId = await createRun();
      const before = snapshot(root);
      const bytes = bytesOf(12 * MiB + 1, 5);
      const res = await upload(runId, 'too-big.bin', bytes);
      assert.equal(res.statusCode, 413, res.body);
      assert.equal(res.json().error.code, 'PAYLOAD_TOO_LARGE');
      const after = snapshot(root);
      assert.deepEqual([...after.keys()].filter((k) => !before.has(k) && !k.endsWith('tmp')), []);
      assert.equal(fs.existsSync(new LocalArtifactStore(root).blobPath(sha256(bytes))), false);
      const list = await platform.app.inject({ method: 'GET', url: `/runs/${runId}/artifacts`, headers: headers.viewer });
      assert.deepEqual(list.json().artifacts, []);
    });

    it('answers every traversal pattern with 400 and touches nothing outside the artifact root', async () => {
      const runId = await createRun();
      const good = await upload(runId, 'ok.txt', Buffer.from('fine'));
      assert.equal(good.statusCode, 201);
      const goodId = good.json().id as string;
      const goodDigest = good.json().sha256 as string;

      const sentinelBefore = snapshot(sentinelDir);
      const rootBefore = snapshot(root);
      const homeBefore = snapshot(path.dirname(root));
      const targetsBefore = traversalTargets(root, HOSTILE_NAMES);
      const checked: string[] = [];

      const expectRefused = (res: { statusCode: number; body: string; json: () => { error?: unknown } }, allowed: readonly number[], context: string) => {
        assert.ok(allowed.includes(res.statusCode), `${context}: status ${res.statusCode} ${res.body.slice(0, 200)}`);
        assert.equal(res.json().error !== undefined, true, `${context}: error shape`);
        assertNoLeak(res.body, context);
        checked.push(context);
      };

      for (const name of HOSTILE_NAMES) {
        const label = JSON.stringify(name.slice(0, 40));
        const marker = Buffer.from(`HOSTILE-UPLOAD-${randomBytes(8).toString('hex')}`);
        // 1. the name in the query, percent-encoded as a client library would send it
        const encoded = await upload(runId, name, marker);
        expectRefused(encoded, [400], `upload name ${label}`);
        if (name.length > 0) assert.equal(encoded.json().error.code, 'INVALID_ARTIFACT_NAME', `upload name ${label}`);
        // 2. the name in the query as typed, unencoded (where a URL can carry it at all)
        // (control characters cannot be sent raw in a URL; names whose one decoding by the query
        // parser is an ordinary name are skipped: '100%41' is '100A')
        // eslint-disable-next-line no-control-regex
        if (!/[\u0000-\u0020\u007f#]/.test(name) && name.length > 0 && !/[^\u0000-\u007f]/.test(name) && !BENIGN_ONCE_DECODED.has(name)) {
          const raw = await platform.app.inject({
            method: 'POST',
            url: `/runs/${runId}/artifacts?name=${name}`,
            headers: { ...headers.editor, 'content-type': 'application/octet-stream' },
            payload: marker,
          });
          expectRefused(raw, [400], `upload raw name ${label}`);
        }
        // 3. as every path parameter, one encoded segment and as raw segments
        const segmentForms = [encodeURIComponent(name), name.split('/').map(encodeURIComponent).join('/')];
        for (const segment of segmentForms) {
          const requests = [
            { method: 'GET' as const, url: `/runs/${segment}/artifacts`, role: 'viewer' as const },
            { method: 'POST' as const, url: `/runs/${segment}/artifacts?name=x.bin`, role: 'editor' as const },
            { method: 'GET' as const, url: `/runs/${segment}/artifacts/${goodId}`, role: 'viewer' as const },
            { method: 'DELETE' as const, url: `/runs/${segment}/artifacts/${goodId}`, role: 'admin' as const },
            { method: 'GET' as const, url: `/runs/${runId}/artifacts/${segment}`, role: 'viewer' as const },
            { method: 'DELETE' as const, url: `/runs/${runId}/artifacts/${segment}`, role: 'admin' as const },
            { method: 'GET' as const, url: `/artifacts/${segment}`, role: 'viewer' as const },
            { method: 'POST' as const, url: `/runs/${segment}/artifacts/${goodId}/register`, role: 'editor' as const, json: true },
            { method: 'POST' as const, url: `/runs/${runId}/artifacts/${segment}/register`, role: 'editor' as const, json: true },
          ];
          for (const request of requests) {
            const json = 'json' in request;
            const res = await platform.app.inject({
              method: request.method,
              url: request.url,
              headers: { ...headers[request.role], ...(request.method === 'POST' ? { 'content-type': json ? 'application/json' : 'application/octet-stream' } : {}) },
              ...(request.method === 'POST' ? { payload: json ? JSON.stringify({ model: 'traversal-model' }) : marker } : {}),
            });
            const context = `${request.method} ${request.url.slice(0, 80)}`;
            if (new URL(request.url, 'http://warden.invalid').pathname === '/' && res.statusCode === 200) {
              // URL normalisation resolves `/artifacts/..` to `/` before any route sees it: the
              // request reaches the dashboard's page (when built), not an artifact route.
              assert.match(String(res.headers['content-type']), /^text\/html/, context);
              assertNoLeak(res.body, context);
              checked.push(context);
              continue;
            }
            expectRefused(res, [400, 404], context);
          }
        }
        // 4. the name smuggled into the digest header of an otherwise fine upload
        const viaHeader = await upload(runId, `fine-${randomBytes(4).toString('hex')}.bin`, marker, { 'x-content-sha256': name.replace(/[^\u0020-\u007e]/g, '') || '..' });
        expectRefused(viaHeader, [400], `digest header ${label}`);
      }

      // The run's good artifact is untouched; the store holds exactly what it held.
      const list = await platform.app.inject({ method: 'GET', url: `/runs/${runId}/artifacts`, headers: headers.viewer });
      assert.deepEqual(list.json().artifacts.map((a: { id: string }) => a.id), [goodId]);
      const download = await platform.app.inject({ method: 'GET', url: `/artifacts/${goodDigest}`, headers: headers.viewer });
      assert.equal(download.body, 'fine');

      assert.deepEqual(snapshot(sentinelDir), sentinelBefore, 'the sentinel folder next to the root changed');
      assert.deepEqual(snapshot(root), rootBefore, 'the artifact root changed: a refused request wrote a file');
      assert.deepEqual(snapshot(path.dirname(root)), homeBefore, 'WARDEN_HOME changed');
      assert.deepEqual(traversalTargets(root, HOSTILE_NAMES), targetsBefore, 'a file at a traversal target appeared or changed');
      assert.ok(checked.length > HOSTILE_NAMES.length * 18, `only ${checked.length} requests checked`);
    });

    it('refuses a tampered blob with ARTIFACT_TAMPERED and never serves its bytes', async () => {
      const runId = await createRun();
      const original = Buffer.from(`model-bytes ${randomBytes(32).toString('hex')} `.repeat(2000));
      const res = await upload(runId, 'model.json', original);
      assert.equal(res.statusCode, 201);
      const { id, sha256: digest } = res.json();
      corruptLocalBlob(new LocalArtifactStore(root), digest);
      const fragment = original.subarray(0, 40).toString();
      for (const url of [`/runs/${runId}/artifacts/${id}`, `/artifacts/${digest}`]) {
        const download = await platform.app.inject({ method: 'GET', url, headers: headers.viewer });
        assert.equal(download.statusCode, 422, download.body);
        assert.equal(download.json().error.code, 'ARTIFACT_TAMPERED');
        assert.match(download.json().error.message, /no longer matches its sha256/);
        assert.equal(download.body.includes(fragment), false, 'tampered bytes were served');
        assert.equal(download.headers['x-content-sha256'], undefined);
      }
      await assert.rejects(platform.services.artifacts.loadModelArtifact(digest), { code: 'ARTIFACT_TAMPERED' });
    });

    it('a blob replaced by a directory is ARTIFACT_TAMPERED, a missing blob with a record ARTIFACT_BLOB_MISSING: 422, never 500 or 404', async () => {
      const runId = await createRun();
      const res = await upload(runId, 'model.bin', Buffer.from(`bytes ${randomBytes(16).toString('hex')}`));
      assert.equal(res.statusCode, 201);
      const { id, sha256: digest } = res.json();
      const file = new LocalArtifactStore(root).blobPath(digest);
      const register = () =>
        platform.app.inject({ method: 'POST', url: `/runs/${runId}/artifacts/${id}/register`, headers: headers.editor, payload: { model: `blob-${randomBytes(3).toString('hex')}` } });
      const cases = [
        { broken: 'a directory', code: 'ARTIFACT_TAMPERED', breakIt: () => (fs.rmSync(file), fs.mkdirSync(file)), message: /not a regular file/ },
        { broken: 'missing', code: 'ARTIFACT_BLOB_MISSING', breakIt: () => fs.rmdirSync(file), message: /missing from the artifact store/ },
      ];
      for (const { broken, code, breakIt, message } of cases) {
        breakIt();
        for (const answer of [
          await platform.app.inject({ method: 'GET', url: `/runs/${runId}/artifacts/${id}`, headers: headers.viewer }),
          await platform.app.inject({ method: 'GET', url: `/artifacts/${digest}`, headers: headers.viewer }),
          await register(),
        ]) {
          assert.equal(answer.statusCode, 422, `${broken}: ${answer.body}`);
          assert.equal(answer.json().error.code, code, broken);
          assert.match(answer.json().error.message, message);
        }
        await assert.rejects(platform.services.artifacts.loadModelArtifact(digest), { code }, broken);
      }
    });

    it('enforces roles: viewer reads, editor writes, admin deletes and collects', async () => {
      const runId = await createRun();
      const asViewer = await upload(runId, 'v.txt', Buffer.from('v'), {}, 'viewer');
      assert.equal(asViewer.statusCode, 403);
      const asEditor = await upload(runId, 'e.txt', Buffer.from('e'));
      assert.equal(asEditor.statusCode, 201);
      const id = asEditor.json().id;
      const deleteAsEditor = await platform.app.inject({ method: 'DELETE', url: `/runs/${runId}/artifacts/${id}`, headers: headers.editor });
      assert.equal(deleteAsEditor.statusCode, 403);
      const gcAsEditor = await platform.app.inject({ method: 'POST', url: '/admin/gc', headers: headers.editor });
      assert.equal(gcAsEditor.statusCode, 403);
      for (const url of [`/runs/${runId}/artifacts`, `/runs/${runId}/artifacts/${id}`, '/admin/gc']) {
        const anonymous = await platform.app.inject({ method: url === '/admin/gc' ? 'POST' : 'GET', url });
        assert.equal(anonymous.statusCode, 401, url);
      }
      const deleted = await platform.app.inject({ method: 'DELETE', url: `/runs/${runId}/artifacts/${id}`, headers: headers.admin });
      assert.equal(deleted.statusCode, 200);
      assert.equal(deleted.json().id, id);
    });

    it('answers clear errors: unknown run, duplicate name, wrong content type, digest mismatch', async () => {
      const runId = await createRun();
      const missing = await upload('no-such-run', 'a.txt', Buffer.from('a'));
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().error.code, 'RUN_NOT_FOUND');
      assert.equal((await upload(runId, 'a.txt', Buffer.from('a'))).statusCode, 201);
      const duplicate = await upload(runId, 'a.txt', Buffer.from('b'));
      assert.equal(duplicate.statusCode, 409);
      assert.equal(duplicate.json().error.code, 'ARTIFACT_ALREADY_EXISTS');
      const json = await platform.app.inject({
        method: 'POST',
        url: `/runs/${runId}/artifacts?name=b.json`,
        headers: { ...headers.editor, 'content-type': 'application/json' },
        payload: '{"a":1}',
      });
      assert.equal(json.statusCode, 400);
      assert.equal(json.json().error.field, 'headers.content-type');
      const mismatch = await upload(runId, 'c.txt', Buffer.from('c'), { 'x-content-sha256': sha256(Buffer.from('not c')) });
      assert.equal(mismatch.statusCode, 400);
      assert.equal(mismatch.json().error.field, 'sha256');
      const noName = await platform.app.inject({
        method: 'POST',
        url: `/runs/${runId}/artifacts`,
        headers: { ...headers.editor, 'content-type': 'application/octet-stream' },
        payload: 'x',
      });
      assert.equal(noName.statusCode, 400);
      assert.equal(noName.json().error.field, 'query.name');
      const unknownDigest = await platform.app.inject({ method: 'GET', url: `/artifacts/${sha256(Buffer.from('never stored'))}`, headers: headers.viewer });
      assert.equal(unknownDigest.statusCode, 404);
    });

    it('registers a model version from a run artifact, storing its digest; loading verifies it', async () => {
      const runId = await createRun();
      const model = `from-artifact-${randomBytes(3).toString('hex')}`;
      await platform.services.registry.createModel({ name: model, task: 'spam' }, { name: 'test' });
      const bytes = Buffer.from(JSON.stringify({ weights: [0.1, 0.2, 0.3], nonce: randomBytes(8).toString('hex') }));
      const uploaded = await upload(runId, 'model/bundle.json', bytes);
      assert.equal(uploaded.statusCode, 201);
      const { id, sha256: digest } = uploaded.json();
      const asViewer = await platform.app.inject({ method: 'POST', url: `/runs/${runId}/artifacts/${id}/register`, headers: headers.viewer, payload: { model } });
      assert.equal(asViewer.statusCode, 403);
      const res = await platform.app.inject({
        method: 'POST',
        url: `/runs/${runId}/artifacts/${id}/register`,
        headers: headers.editor,
        payload: { model, metrics: { eval_accuracy: 0.5 } },
      });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().artifactDigest, digest);
      assert.equal(res.json().sourceRunId, runId);
      const version = await platform.services.registry.getVersion(model, res.json().version);
      assert.equal(version.artifactDigest, digest);
      assert.equal(version.sourceRunId, runId);
      assert.deepEqual(Buffer.from(await platform.services.artifacts.loadModelArtifact(version.artifactDigest)), bytes);
      // The version keeps the blob alive after its run's artifact record is deleted.
      assert.equal((await platform.app.inject({ method: 'DELETE', url: `/runs/${runId}/artifacts/${id}`, headers: headers.admin })).statusCode, 200);
      await platform.app.inject({ method: 'POST', url: '/admin/gc', headers: headers.admin });
      assert.deepEqual(Buffer.from(await platform.services.artifacts.loadModelArtifact(digest)), bytes);
      const missing = await platform.app.inject({ method: 'POST', url: `/runs/${runId}/artifacts/nope/register`, headers: headers.editor, payload: { model } });
      assert.equal(missing.statusCode, 404);
      corruptLocalBlob(new LocalArtifactStore(root), digest);
      await assert.rejects(platform.services.artifacts.loadModelArtifact(digest), { code: 'ARTIFACT_TAMPERED' });
    });

    it('a version registered with a sha256:-prefixed digest keeps its blob through gc and loads', async () => {
      const runId = await createRun();
      const model = `prefixed-${randomBytes(3).toString('hex')}`;
      await platform.services.registry.createModel({ name: model, task: 'spam' }, { name: 'test' });
      const bytes = Buffer.from(`weights ${randomBytes(16).toString('hex')}`);
      const uploaded = await upload(runId, 'weights.bin', bytes);
      assert.equal(uploaded.statusCode, 201, uploaded.body);
      const digest: string = uploaded.json().sha256;
      const registered = await platform.app.inject({
        method: 'POST',
        url: `/models/${model}/versions`,
        headers: headers.editor,
        payload: { artifactDigest: `sha256:${digest}`, sourceRunId: runId, datasetDigests: [`sha256:${sha256(Buffer.from('rows'))}`] },
      });
      assert.equal(registered.statusCode, 201, registered.body);
      // Only the version references the blob now.
      assert.equal((await platform.app.inject({ method: 'DELETE', url: `/runs/${runId}/artifacts/${uploaded.json().id}`, headers: headers.admin })).statusCode, 200);
      const gc = await platform.app.inject({ method: 'POST', url: '/admin/gc', headers: headers.admin });
      assert.equal(gc.statusCode, 200, gc.body);
      assert.equal(gc.json().deleted.includes(digest), false, 'gc deleted the blob of a registered version');
      assert.equal(await new LocalArtifactStore(root).has(digest), true);
      // Stored canonical, whatever spelling the request used.
      assert.equal(registered.json().version.artifactDigest, digest);
      assert.deepEqual(registered.json().version.datasetDigests, [sha256(Buffer.from('rows'))]);
      const version = await platform.services.registry.getVersion(model, registered.json().version.number);
      assert.deepEqual(Buffer.from(await platform.services.artifacts.loadModelArtifact(version.artifactDigest)), bytes);
      // The prefixed spelling names the same blob everywhere a digest is taken.
      assert.deepEqual(Buffer.from(await platform.services.artifacts.loadModelArtifact(`sha256:${digest}`)), bytes);
      const byDigest = await platform.app.inject({ method: 'GET', url: `/artifacts/sha256:${digest}`, headers: headers.viewer });
      assert.equal(byDigest.statusCode, 200, byDigest.body);
    });

    it('deleting a model frees the blob only its versions used, at the next gc', async () => {
      const runId = await createRun();
      const model = `doomed-model-${randomBytes(3).toString('hex')}`;
      await platform.services.registry.createModel({ name: model, task: 'spam' }, { name: 'test' });
      const bytes = Buffer.from(`weights ${randomBytes(16).toString('hex')}`);
      const uploaded = await upload(runId, 'weights.json', bytes);
      const { id, sha256: digest } = uploaded.json();
      const registered = await platform.app.inject({ method: 'POST', url: `/runs/${runId}/artifacts/${id}/register`, headers: headers.editor, payload: { model, metrics: { eval_accuracy: 0.5 } } });
      assert.equal(registered.statusCode, 201, registered.body);
      assert.equal((await platform.app.inject({ method: 'DELETE', url: `/runs/${runId}/artifacts/${id}`, headers: headers.admin })).statusCode, 200);
      const store = new LocalArtifactStore(root);
      const kept = await platform.app.inject({ method: 'POST', url: '/admin/gc', headers: headers.admin });
      assert.equal(kept.json().deleted.includes(digest), false, 'the version still references it');
      const deleted = await platform.app.inject({ method: 'DELETE', url: `/models/${model}`, headers: headers.admin });
      assert.equal(deleted.statusCode, 204, deleted.body);
      const gc = await platform.app.inject({ method: 'POST', url: '/admin/gc', headers: headers.admin });
      assert.ok(gc.json().deleted.includes(digest), gc.body);
      assert.equal(await store.has(digest), false);
    });

    it('GC removes exactly the orphaned blobs: shared and model-version blobs stay', async () => {
      // Start from no orphans, so "exactly" below is measurable.
      assert.equal((await platform.app.inject({ method: 'POST', url: '/admin/gc', headers: headers.admin })).statusCode, 200);
      const runA = await createRun();
      const runB = await createRun();
      const blobs = {
        onlyA: Buffer.from(`only in run A ${randomBytes(8).toString('hex')}`),
        alsoOnlyA: Buffer.from(`also only in run A ${randomBytes(8).toString('hex')}`),
        shared: Buffer.from(`shared by A and B ${randomBytes(8).toString('hex')}`),
        model: Buffer.from(`registered as a model ${randomBytes(8).toString('hex')}`),
        onlyB: Buffer.from(`only in run B ${randomBytes(8).toString('hex')}`),
      };
      for (const [name, bytes] of Object.entries(blobs)) {
        if (name !== 'onlyB') assert.equal((await upload(runA, `${name}.bin`, bytes)).statusCode, 201);
      }
      assert.equal((await upload(runB, 'shared.bin', blobs.shared)).statusCode, 201);
      assert.equal((await upload(runB, 'onlyB.bin', blobs.onlyB)).statusCode, 201);
      // A model version registered from run A's artifact carries its digest.
      const now = Date.now();
      const modelId = randomIds.next();
      await platform.database.db
        .insertInto('registered_models')
        .values({ id: modelId, name: `gc-${modelId}`, task: 'spam', description: '', tags: '{}', policy: '{}', recipe: null, latest_version: 1, created_at: now, updated_at: now })
        .execute();
      await platform.database.db
        .insertInto('model_versions')
        .values({
          id: randomIds.next(), model_id: modelId, number: 1, semver: 'v1.0', major: 1, minor: 0, stage: 'None', status: 'READY', description: '',
          metrics: '{}', tags: '{}', parent_version_id: null, retraining_count: 0, dataset_digests: '[]', resource_usage: '{}',
          recipe_fingerprint: null, source_run_id: runA, artifact_digest: sha256(blobs.model), created_at: now, updated_at: now,
        })
        .execute();

      const store = new LocalArtifactStore(root);
      const idle = await platform.app.inject({ method: 'POST', url: '/admin/gc', headers: headers.admin });
      assert.deepEqual(idle.json().deleted, [], 'nothing is orphaned while run A exists');

      assert.equal(await tracking.deleteRun(runA), true);
      const gc = await platform.app.inject({ method: 'POST', url: '/admin/gc', headers: headers.admin });
      assert.equal(gc.statusCode, 200);
      assert.deepEqual([...gc.json().deleted].sort(), [sha256(blobs.onlyA), sha256(blobs.alsoOnlyA)].sort());
      assert.equal(gc.json().bytesFreed, blobs.onlyA.length + blobs.alsoOnlyA.length);
      for (const kept of [blobs.shared, blobs.model, blobs.onlyB]) assert.equal(await store.has(sha256(kept)), true);
      for (const gone of [blobs.onlyA, blobs.alsoOnlyA]) assert.equal(await store.has(sha256(gone)), false);

      // The model still loads, verified, and is still downloadable by digest.
      assert.deepEqual(Buffer.from(await platform.services.artifacts.loadModelArtifact(sha256(blobs.model))), blobs.model);
      const byDigest = await platform.app.inject({ method: 'GET', url: `/artifacts/${sha256(blobs.model)}`, headers: headers.viewer });
      assert.equal(byDigest.statusCode, 200);
      const again = await platform.app.inject({ method: 'POST', url: '/admin/gc', headers: headers.admin });
      assert.deepEqual(again.json().deleted, []);
    });

    it('streams over a real socket: chunked upload beyond the JSON body limit, streamed download', async () => {
      const address = await platform.app.listen({ host: '127.0.0.1', port: 0 });
      try {
        const port = (platform.app.server.address() as AddressInfo).port;
        assert.ok(address);
        const runId = await createRun();
        const chunk = Buffer.from(bytesOf(256 * 1024, 7));
        const chunks = 20; // 5 MiB, sent with chunked transfer encoding (no content-length)
        const hash = createHash('sha256');
        const uploaded = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = http.request(
            {
              host: '127.0.0.1',
              port,
              method: 'POST',
              path: `/runs/${runId}/artifacts?name=${encodeURIComponent('big/stream.bin')}`,
              headers: { ...headers.editor, 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
            },
            (res) => {
              let body = '';
              res.on('data', (d: Buffer) => (body += d.toString()));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
            },
          );
          req.on('error', reject);
          let sent = 0;
          const pump = () => {
            while (sent < chunks) {
              hash.update(chunk);
              sent++;
              if (!req.write(chunk)) return void req.once('drain', pump);
            }
            req.end();
          };
          pump();
        });
        assert.equal(uploaded.status, 201, uploaded.body);
        const artifact = JSON.parse(uploaded.body || '{}');
        assert.equal(artifact.size, chunks * chunk.length);
        assert.equal(artifact.sha256, hash.digest('hex'));

        const download = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; digest: string; size: number }>((resolve, reject) => {
          http
            .get({ host: '127.0.0.1', port, path: `/runs/${runId}/artifacts/${artifact.id}`, headers: headers.viewer }, (res) => {
              const h = createHash('sha256');
              let size = 0;
              res.on('data', (d: Buffer) => {
                h.update(d);
                size += d.length;
              });
              res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, digest: h.digest('hex'), size }));
            })
            .on('error', reject);
        });
        assert.equal(download.status, 200);
        assert.equal(download.headers['content-length'], String(chunks * chunk.length));
        assert.equal(download.headers['x-content-sha256'], artifact.sha256);
        assert.equal(download.size, chunks * chunk.length);
        assert.equal(download.digest, artifact.sha256);

        // Over the artifact limit on a real socket: a 413 arrives, and the connection is closed.
        const tooBig = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = http.request(
            {
              host: '127.0.0.1',
              port,
              method: 'POST',
              path: `/runs/${runId}/artifacts?name=huge.bin`,
              headers: { ...headers.editor, 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
            },
            (res) => {
              let body = '';
              res.on('data', (d: Buffer) => (body += d.toString()));
              res.on('end', () => {
                resolve({ status: res.statusCode ?? 0, body });
                req.destroy();
              });
            },
          );
          req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error)));
          const big = Buffer.alloc(1024 * 1024, 1);
          let sent = 0;
          const pump = () => {
            while (sent < 64 && !req.destroyed) {
              sent++;
              if (!req.write(big)) return void req.once('drain', pump);
            }
            if (!req.destroyed) req.end();
          };
          pump();
        });
        assert.equal(tooBig.status, 413, tooBig.body);
        assert.equal(JSON.parse(tooBig.body || '{}').error?.code, 'PAYLOAD_TOO_LARGE');
      } finally {
        // Listening ends here: this is the last test, and after() closes the app.
      }
    });
  });
}

for (const kind of STORE_KINDS) {
  describe(`periodic artifact sweep on ${kind}`, () => {
    let platform: TestPlatform;
    before(async () => {
      // A short grace period, not none: the sweep runs every 100 ms and must not catch an
      // upload between storing its blob and recording it (which took over 300 ms on a loaded
      // 2-CPU machine, and the kept blob was swept).
      platform = await openTestPlatform(kind, { WARDEN_ARTIFACT_GC_GRACE_MS: '2000', WARDEN_SWEEP_INTERVAL_MS: '100', WARDEN_ROLES: 'api,worker,scheduler', WARDEN_WORKER_CONCURRENCY: '1' });
    });
    after(async () => platform.close());

    it('removes a deleted artifact’s blob without anyone calling gc, and keeps the rest', async () => {
      const tracking = new SqlTrackingStore(platform.database);
      const experiment = newExperiment({ name: `sweep-${randomBytes(4).toString('hex')}` }, randomIds.next(), Date.now());
      await tracking.createExperiment(experiment);
      const runId = (await tracking.createRun(newRun({}, experiment, randomIds.next(), Date.now()))).id;
      const editor = await platform.auth('editor');
      const post = (name: string, body: string) =>
        platform.app.inject({ method: 'POST', url: `/runs/${runId}/artifacts?name=${name}`, headers: { ...editor, 'content-type': 'application/octet-stream' }, payload: body });
      const doomed = await post('doomed.txt', `doomed ${randomBytes(8).toString('hex')}`);
      const kept = await post('kept.txt', `kept ${randomBytes(8).toString('hex')}`);
      assert.equal(doomed.statusCode, 201);
      assert.equal(kept.statusCode, 201);
      const store = new LocalArtifactStore(platform.config.artifactsRoot);
      const removed = await platform.app.inject({ method: 'DELETE', url: `/runs/${runId}/artifacts/${doomed.json().id}`, headers: await platform.auth('admin') });
      assert.equal(removed.statusCode, 200);
      const deadline = Date.now() + 15_000;
      while ((await store.has(doomed.json().sha256)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(await store.has(doomed.json().sha256), false, 'the periodic sweep did not remove the orphan within 15 s');
      assert.equal(await store.has(kept.json().sha256), true);
    });
  });
}
