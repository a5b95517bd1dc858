import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { STORE_KINDS } from '../support/stores.js';
import { openTestPlatform, type TestPlatform } from '../support/platform.js';
import { ORIGIN_SCHEMA_VALUES } from '../../src/api/routes/dataset-routes.js';
import { DATASET_ORIGINS } from '../../src/domain/datasets.js';
import type { FreshDataEvent } from '../../src/domain/ports/domain-events.js';

const JSONL = '{"text":"win money now","label":"spam"}\n{"text":"team lunch friday","label":"ham"}\n{"text":"verify your account","label":1}\n';

describe('dataset route schema', () => {
  it('lists the same origins as the domain', () => {
    assert.deepEqual([...ORIGIN_SCHEMA_VALUES], [...DATASET_ORIGINS]);
  });
});

for (const kind of STORE_KINDS) {
  describe(`dataset routes on ${kind}`, () => {
    let platform: TestPlatform;
    const received: FreshDataEvent[] = [];
    before(async () => {
      platform = await openTestPlatform(kind);
      platform.events.subscribe('fresh-data', (event) => {
        received.push(event);
      });
    });
    after(async () => platform.close());

    const upload = async (name: string, body: string, contentType = 'application/x-ndjson', role: 'editor' | 'viewer' = 'editor', extra = '') =>
      platform.app.inject({
        method: 'POST',
        url: `/datasets?name=${name}${extra}`,
        headers: { ...(await platform.auth(role)), 'content-type': contentType },
        payload: body,
      });

    it('uploads JSONL as version 1; the same content again answers 200 with the same version', async () => {
      const res = await upload('mail', JSONL, 'application/x-ndjson', 'editor', '&fileName=mail.jsonl&description=first');
      assert.equal(res.statusCode, 201, res.body);
      const body = res.json();
      assert.equal(body.created, true);
      assert.equal(body.dataset.name, 'mail');
      assert.equal(body.dataset.version, 1);
      assert.equal(body.dataset.rows, 3);
      assert.equal(body.dataset.positives, 2);
      assert.equal(body.dataset.origin, 'upload');
      assert.equal(body.dataset.description, 'first');
      assert.match(body.dataset.sha256, /^[0-9a-f]{64}$/);
      assert.deepEqual(body.dataset.sourceFiles, [{ name: 'mail.jsonl', sha256: body.dataset.sha256, rows: 3 }]);

      const again = await upload('mail', JSONL);
      assert.equal(again.statusCode, 200);
      assert.equal(again.json().created, false);
      assert.equal(again.json().dataset.id, body.dataset.id);
    });

    it('uploads CSV with quoted newlines as a new version', async () => {
      const res = await upload('mail', 'text,label\n"multi\nline, with comma",spam\nplain,ham\n', 'text/csv; charset=utf-8');
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().dataset.version, 2);
      const rows = await platform.app.inject({ method: 'GET', url: '/datasets/mail/versions/2/rows', headers: await platform.auth('viewer') });
      assert.equal(rows.statusCode, 200);
      assert.deepEqual(rows.json(), {
        total: 2,
        offset: 0,
        rows: [
          { text: 'multi\nline, with comma', label: 1 },
          { text: 'plain', label: 0 },
        ],
      });
      const page = await platform.app.inject({ method: 'GET', url: '/datasets/mail/versions/1/rows?offset=1&limit=1', headers: await platform.auth('viewer') });
      assert.deepEqual(page.json().rows, [{ text: 'team lunch friday', label: 0 }]);
    });

    it('refuses a file with bad rows with 400 and every bad line, importing nothing', async () => {
      const res = await upload('broken', 'text,label\nok,1\nbad,maybe\n,0\n', 'text/csv', 'editor', '&fileName=broken.csv');
      assert.equal(res.statusCode, 400);
      const error = res.json().error;
      assert.equal(error.code, 'DATASET_INVALID');
      assert.equal(error.field, 'label');
      assert.match(error.message, /broken\.csv: line 3, column 2 \(label\)/);
      assert.equal(error.details.badRows, 2);
      assert.equal(error.details.truncated, false);
      assert.deepEqual(
        error.details.problems.map((p: { file: string; line: number; field: string; column: number }) => [p.file, p.line, p.field, p.column]),
        [
          ['broken.csv', 3, 'label', 2],
          ['broken.csv', 4, 'text', 1],
        ],
      );
      const versions = await platform.app.inject({ method: 'GET', url: '/datasets/broken/versions', headers: await platform.auth('viewer') });
      assert.deepEqual(versions.json(), { versions: [] });
    });

    it('validates the request', async () => {
      const wrongType = await upload('mail', JSONL, 'application/json');
      assert.equal(wrongType.statusCode, 400);
      assert.equal(wrongType.json().error.field, 'headers.content-type');
      const badName = await upload('Bad%20Name', JSONL);
      assert.equal(badName.statusCode, 400);
      assert.equal(badName.json().error.field, 'query.name');
      const mismatch = await upload('mail', JSONL, 'application/x-ndjson', 'editor', '&format=csv');
      assert.equal(mismatch.json().error.field, 'query.format');
      const badVersion = await platform.app.inject({ method: 'GET', url: '/datasets/mail/versions/zero', headers: await platform.auth('viewer') });
      assert.equal(badVersion.statusCode, 400);
      const missing = await platform.app.inject({ method: 'GET', url: '/datasets/mail/versions/99', headers: await platform.auth('viewer') });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().error.code, 'DATASET_NOT_FOUND');
    });

    it('needs editor to upload, admin to scan, viewer to read', async () => {
      assert.equal((await upload('mail', JSONL, 'application/x-ndjson', 'viewer')).statusCode, 403);
      const anonymous = await platform.app.inject({ method: 'GET', url: '/datasets' });
      assert.equal(anonymous.statusCode, 401);
      const scan = await platform.app.inject({ method: 'POST', url: '/data/scan', headers: await platform.auth('editor') });
      assert.equal(scan.statusCode, 403);
    });

    it('lists names with their newest version and a name’s versions newest first', async () => {
      const list = await platform.app.inject({ method: 'GET', url: '/datasets', headers: await platform.auth('viewer') });
      assert.equal(list.statusCode, 200);
      const mail = list.json().datasets.find((d: { name: string }) => d.name === 'mail');
      assert.equal(mail.versions, 2);
      assert.equal(mail.latest.version, 2);
      const versions = await platform.app.inject({ method: 'GET', url: '/datasets/mail/versions', headers: await platform.auth('viewer') });
      assert.deepEqual(
        versions.json().versions.map((v: { version: number }) => v.version),
        [2, 1],
      );
      const one = await platform.app.inject({ method: 'GET', url: '/datasets/mail/versions/1', headers: await platform.auth('viewer') });
      assert.equal(one.statusCode, 200);
      assert.equal(one.json().rows, 3);
    });

    it('POST /data/scan versions fresh files, rejects bad ones, and publishes one fresh-data event', async () => {
      const fresh = path.join(platform.config.dataDir, 'fresh', 'spam-detector');
      fs.mkdirSync(fresh, { recursive: true });
      fs.writeFileSync(path.join(fresh, 'new.jsonl'), JSONL);
      fs.writeFileSync(path.join(fresh, 'bad.jsonl'), '{"text":"x"}\n');
      const past = new Date(Date.now() - 60_000);
      for (const file of ['new.jsonl', 'bad.jsonl']) fs.utimesSync(path.join(fresh, file), past, past);

      const res = await platform.app.inject({ method: 'POST', url: '/data/scan', headers: await platform.auth('admin') });
      assert.equal(res.statusCode, 200, res.body);
      const scan = res.json().models.find((m: { model: string }) => m.model === 'spam-detector');
      assert.equal(scan.announced, true);
      assert.equal(scan.dataset.name, 'spam-detector-fresh');
      assert.deepEqual(
        scan.files.map((f: { name: string }) => f.name),
        ['new.jsonl'],
      );
      assert.deepEqual(
        scan.rejected.map((r: { file: string; code: string }) => [r.file, r.code]),
        [['bad.jsonl', 'DATASET_INVALID']],
      );
      assert.ok(fs.existsSync(path.join(platform.config.dataDir, 'rejected', 'spam-detector', 'bad.jsonl.reason.json')));
      await platform.events.deliverPending();
      assert.equal(received.length, 1);
      assert.equal(received[0]!.datasetDigest, scan.dataset.sha256);

      const again = await platform.app.inject({ method: 'POST', url: '/data/scan', headers: await platform.auth('admin') });
      assert.equal(again.json().models.find((m: { model: string }) => m.model === 'spam-detector').announced, false);
      await platform.events.deliverPending();
      assert.equal(received.length, 1);
    });
  });
}
