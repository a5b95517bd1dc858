/**
 * The fresh → used lifecycle end to end on real adapters: data folders on disk, the
 * SQL dataset store (SQLite and PostgreSQL), the local artifact store, in-process events.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { STORE_KINDS } from '../support/stores.js';
import { createDatasetHarness, jsonl, settle, type DatasetHarness } from '../support/datasets.js';
import { WardenError } from '../../src/domain/errors.js';

const ls = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);

for (const kind of STORE_KINDS) {
  describe(`fresh data lifecycle on ${kind}`, () => {
    let h: DatasetHarness;
    let model = '';
    let counter = 0;
    const folder = (which: 'fresh' | 'used' | 'rejected') => path.join(h.dataDir, which, model);
    const eventsFor = () => h.received.filter((e) => e.model === model);

    before(async () => {
      h = await createDatasetHarness(kind);
    });
    after(async () => h.cleanup());
    // Each test works on a model folder of its own.
    const nextModel = () => {
      model = `model-${++counter}`;
      return model;
    };

    it('detects a new file once: versions it, emits one event, leaves it in fresh/', async () => {
      nextModel();
      const rows = [
        { text: 'cheap pills', label: 'spam' },
        { text: 'see you at lunch', label: 'ham' },
      ];
      h.dropFresh(model, 'a.jsonl', jsonl(rows));
      const report = await h.fresh.scanFresh();
      await settle();
      const scan = report.models.find((m) => m.model === model);
      assert.ok(scan);
      assert.equal(scan.announced, true);
      assert.equal(scan.dataset?.name, `${model}-fresh`);
      assert.equal(scan.dataset?.version, 1);
      assert.equal(scan.dataset?.origin, 'fresh-file');
      assert.deepEqual(
        scan.files.map((f) => [f.name, f.rows, f.isNew]),
        [['a.jsonl', 2, true]],
      );

      const events = eventsFor();
      assert.equal(events.length, 1);
      const event = events[0]!;
      assert.equal(event.type, 'fresh-data');
      assert.equal(event.datasetDigest, scan.dataset?.sha256);
      assert.equal(event.rows, 2);
      assert.equal(event.positives, 1);
      assert.deepEqual(
        event.files.map((f) => f.name),
        ['a.jsonl'],
      );
      assert.deepEqual(await h.service.readRows(`${model}-fresh`, 1), [
        { text: 'cheap pills', label: 1 },
        { text: 'see you at lunch', label: 0 },
      ]);
      assert.deepEqual(ls(folder('fresh')), ['a.jsonl'], 'nothing moves before a training succeeds');

      const again = await h.fresh.scanFresh();
      await settle();
      const rescan = again.models.find((m) => m.model === model);
      assert.equal(rescan?.announced, false);
      assert.deepEqual(
        rescan?.files.map((f) => [f.name, f.isNew]),
        [['a.jsonl', false]],
      );
      assert.equal(eventsFor().length, 1, 'an already versioned file is not announced again');
      // The waiting file is still covered by version 1: a subscriber that missed the event can act on it.
      assert.equal(rescan?.dataset?.version, 1);
      assert.equal((await h.service.list({ name: `${model}-fresh` })).length, 1);
    });

    it('markUsed moves the files to used/ after success; a failed job leaves them in fresh/ to ride with the next file', async () => {
      nextModel();
      h.dropFresh(model, 'a.jsonl', jsonl([{ text: 'first drop', label: 1 }]));
      await h.fresh.scanFresh();
      await settle();
      // The training on version 1 failed: nobody calls markUsed. A new file arrives.
      h.dropFresh(model, 'b.csv', 'text,label\n"second\ndrop",0\n');
      await h.fresh.scanFresh();
      await settle();
      const events = eventsFor();
      assert.equal(events.length, 2);
      assert.deepEqual(
        events[1]!.files.map((f) => f.name),
        ['a.jsonl', 'b.csv'],
      );
      assert.equal(events[1]!.datasetVersion, 2);
      assert.deepEqual(await h.service.readRows(`${model}-fresh`, 2), [
        { text: 'first drop', label: 1 },
        { text: 'second\ndrop', label: 0 },
      ]);
      assert.deepEqual(ls(folder('fresh')), ['a.jsonl', 'b.csv']);

      // The training on version 2 succeeded.
      const report = await h.fresh.markUsed(model, events[1]!.files);
      assert.deepEqual(report, {
        moved: [
          { file: 'a.jsonl', usedAs: 'a.jsonl' },
          { file: 'b.csv', usedAs: 'b.csv' },
        ],
        missing: [],
        changed: [],
      });
      assert.deepEqual(ls(folder('fresh')), []);
      assert.deepEqual(ls(folder('used')), ['a.jsonl', 'b.csv']);
      assert.equal(fs.readFileSync(path.join(folder('used'), 'b.csv'), 'utf8'), 'text,label\n"second\ndrop",0\n');

      // A late success of the version-1 job finds its file already moved.
      assert.deepEqual(await h.fresh.markUsed(model, events[0]!.files), { moved: [], missing: ['a.jsonl'], changed: [] });
      const rescan = await h.fresh.scanFresh();
      assert.deepEqual(rescan.models.find((m) => m.model === model)?.files, []);
      assert.equal(rescan.models.find((m) => m.model === model)?.dataset, undefined);
    });

    it('never overwrites in used/: a clash gets a numbered name', async () => {
      nextModel();
      fs.mkdirSync(folder('used'), { recursive: true });
      fs.writeFileSync(path.join(folder('used'), 'a.jsonl'), 'older file\n');
      fs.writeFileSync(path.join(folder('used'), 'a.1.jsonl'), 'older file 2\n');
      h.dropFresh(model, 'a.jsonl', jsonl([{ text: 'newer', label: 0 }]));
      await h.fresh.scanFresh();
      await settle();
      const report = await h.fresh.markUsed(model, eventsFor()[0]!.files);
      assert.deepEqual(report.moved, [{ file: 'a.jsonl', usedAs: 'a.2.jsonl' }]);
      assert.equal(fs.readFileSync(path.join(folder('used'), 'a.jsonl'), 'utf8'), 'older file\n');
      assert.equal(fs.readFileSync(path.join(folder('used'), 'a.1.jsonl'), 'utf8'), 'older file 2\n');
      assert.match(fs.readFileSync(path.join(folder('used'), 'a.2.jsonl'), 'utf8'), /newer/);
      assert.deepEqual(ls(folder('fresh')), []);
    });

    it('moves a file that fails validation to rejected/ with a reason file; nothing of it is versioned', async () => {
      nextModel();
      h.dropFresh(model, 'bad.jsonl', '{"text":"ok","label":1}\n{"text":"x","label":"maybe"}\nnot json\n');
      h.dropFresh(model, 'notes.txt', 'hello');
      const report = await h.fresh.scanFresh();
      await settle();
      const scan = report.models.find((m) => m.model === model)!;
      assert.equal(scan.announced, false);
      assert.deepEqual(scan.files, []);
      assert.deepEqual(
        scan.rejected.map((r) => [r.file, r.movedTo, r.code]),
        [
          ['bad.jsonl', 'bad.jsonl', 'DATASET_INVALID'],
          ['notes.txt', 'notes.txt', 'UNSUPPORTED_FORMAT'],
        ],
      );
      assert.deepEqual(ls(folder('fresh')), []);
      assert.deepEqual(ls(folder('rejected')), ['bad.jsonl', 'bad.jsonl.reason.json', 'notes.txt', 'notes.txt.reason.json']);
      const reason = JSON.parse(fs.readFileSync(path.join(folder('rejected'), 'bad.jsonl.reason.json'), 'utf8'));
      assert.equal(reason.code, 'DATASET_INVALID');
      assert.equal(reason.file, 'bad.jsonl');
      assert.equal(reason.model, model);
      assert.equal(reason.badRows, 2);
      assert.deepEqual(
        reason.problems.map((p: { line: number; field: string }) => [p.line, p.field]),
        [
          [2, 'label'],
          [3, 'row'],
        ],
      );
      assert.equal(eventsFor().length, 0);
      assert.deepEqual(await h.service.list({ name: `${model}-fresh` }), []);
      // The rejected file's good first row was not imported anywhere.
      await assert.rejects(h.service.latest(`${model}-fresh`), (e: unknown) => e instanceof WardenError && e.code === 'DATASET_NOT_FOUND');

      // A second bad file with the same name does not overwrite the first rejection.
      h.dropFresh(model, 'bad.jsonl', 'garbage\n');
      await h.fresh.scanFresh();
      assert.deepEqual(ls(folder('rejected')), [
        'bad.1.jsonl',
        'bad.1.jsonl.reason.json',
        'bad.jsonl',
        'bad.jsonl.reason.json',
        'notes.txt',
        'notes.txt.reason.json',
      ]);
    });

    it('versions the good files of a folder even when another file is rejected', async () => {
      nextModel();
      h.dropFresh(model, 'good.jsonl', jsonl([{ text: 'fine', label: 0 }]));
      h.dropFresh(model, 'bad.csv', 'text,label\nfine,7\n');
      const scan = (await h.fresh.scanFresh()).models.find((m) => m.model === model)!;
      await settle();
      assert.equal(scan.announced, true);
      assert.deepEqual(
        scan.files.map((f) => f.name),
        ['good.jsonl'],
      );
      assert.deepEqual(
        scan.rejected.map((r) => r.file),
        ['bad.csv'],
      );
      assert.deepEqual(
        eventsFor()[0]!.files.map((f) => f.name),
        ['good.jsonl'],
      );
    });

    it('skips dotfiles and partial files without touching them', async () => {
      nextModel();
      h.dropFresh(model, '.hidden.jsonl', jsonl([{ text: 'x', label: 1 }]));
      h.dropFresh(model, 'upload.jsonl.tmp', '{"text": "half');
      h.dropFresh(model, 'upload.csv.part', 'text,la');
      const scan = (await h.fresh.scanFresh()).models.find((m) => m.model === model)!;
      assert.deepEqual(scan.files, []);
      assert.deepEqual(scan.rejected, []);
      assert.deepEqual(ls(folder('fresh')), ['.hidden.jsonl', 'upload.csv.part', 'upload.jsonl.tmp']);
      assert.equal(eventsFor().length, 0);
    });

    it('does not announce the same content twice, even dropped again after it was used', async () => {
      nextModel();
      const content = jsonl([{ text: 'same content', label: 1 }]);
      h.dropFresh(model, 'a.jsonl', content);
      await h.fresh.scanFresh();
      await settle();
      await h.fresh.markUsed(model, eventsFor()[0]!.files);
      h.dropFresh(model, 'copy-of-a.jsonl', content);
      const scan = (await h.fresh.scanFresh()).models.find((m) => m.model === model)!;
      await settle();
      assert.equal(scan.announced, false);
      assert.equal(eventsFor().length, 1);
      // Its content is in version 1, but version 1's files are not all waiting: not "covered".
      assert.equal(scan.dataset, undefined);
    });

    it('leaves a file whose content changed after versioning in fresh/', async () => {
      nextModel();
      const file = h.dropFresh(model, 'a.jsonl', jsonl([{ text: 'v1', label: 1 }]));
      await h.fresh.scanFresh();
      await settle();
      const event = eventsFor()[0]!;
      fs.writeFileSync(file, jsonl([{ text: 'rewritten meanwhile', label: 0 }]));
      assert.deepEqual(await h.fresh.markUsed(model, event.files), { moved: [], missing: [], changed: ['a.jsonl'] });
      assert.deepEqual(ls(folder('fresh')), ['a.jsonl']);
      // Its new content is versioned by the next scan.
      const scan = (await h.fresh.scanFresh()).models.find((m) => m.model === model)!;
      await settle();
      assert.equal(scan.announced, true);
      assert.equal(eventsFor().length, 2);
    });

    it('markDatasetUsed moves the source files of a fresh version', async () => {
      nextModel();
      h.dropFresh(model, 'x.jsonl', jsonl([{ text: 'x', label: 1 }]));
      const scan = (await h.fresh.scanFresh()).models.find((m) => m.model === model)!;
      const report = await h.fresh.markDatasetUsed(scan.dataset!.name, scan.dataset!.version);
      assert.deepEqual(report.moved, [{ file: 'x.jsonl', usedAs: 'x.jsonl' }]);
      await assert.rejects(h.fresh.markDatasetUsed(scan.dataset!.name, 99), /DATASET_NOT_FOUND|no version/);
    });

    it('refuses paths as model or file names', async () => {
      for (const [m, file] of [
        ['../etc', 'a.jsonl'],
        ['ok', '../a.jsonl'],
        ['ok', 'a/b.jsonl'],
      ] as const) {
        await assert.rejects(h.fresh.markUsed(m, [{ name: file }]), (e: unknown) => e instanceof WardenError && e.code === 'VALIDATION_FAILED');
      }
    });

    it('ignores folders that are not model names', async () => {
      fs.mkdirSync(path.join(h.dataDir, 'fresh', 'Not A Model'), { recursive: true });
      const report = await h.fresh.scanFresh();
      assert.ok(report.ignoredFolders.includes('Not A Model'));
    });

    it('two processes scanning at once version and announce a file once', async () => {
      nextModel();
      h.dropFresh(model, 'race.jsonl', jsonl([{ text: 'race', label: 1 }]));
      const other = h.secondScanner();
      await Promise.all([h.fresh.scanFresh(), other.scanFresh()]);
      await settle();
      assert.equal(eventsFor().length + other.received.filter((e) => e.model === model).length, 1);
      assert.equal((await h.service.list({ name: `${model}-fresh` })).length, 1);
    });

    it('two processes marking the same file used leave exactly one copy in used/', async () => {
      nextModel();
      h.dropFresh(model, 'once.jsonl', jsonl([{ text: 'once', label: 1 }]));
      await h.fresh.scanFresh();
      await settle();
      const files = eventsFor()[0]!.files;
      const other = h.secondScanner();
      const [a, b] = await Promise.all([h.fresh.markUsed(model, files), other.markUsed(model, files)]);
      assert.equal(a.moved.length + b.moved.length, 1);
      assert.deepEqual([...a.missing, ...b.missing], ['once.jsonl']);
      assert.equal(ls(folder('used')).length, 1);
      assert.deepEqual(ls(folder('fresh')), []);
    });

    it('a subscriber that throws does not break the scan or other subscribers', async () => {
      nextModel();
      const unsubscribe = h.events.subscribe('fresh-data', () => {
        throw new Error('subscriber bug');
      });
      const unsubscribeAsync = h.events.subscribe('fresh-data', async () => {
        throw new Error('async subscriber bug');
      });
      try {
        h.dropFresh(model, 'a.jsonl', jsonl([{ text: 'x', label: 1 }]));
        const before = h.handlerErrors.length;
        const scan = (await h.fresh.scanFresh()).models.find((m) => m.model === model)!;
        await settle();
        assert.equal(scan.announced, true);
        assert.equal(eventsFor().length, 1);
        assert.equal(h.handlerErrors.length - before, 2);
      } finally {
        unsubscribe();
        unsubscribeAsync();
      }
    });
  });

  describe(`fresh files still being written on ${kind}`, () => {
    let h: DatasetHarness;
    before(async () => {
      h = await createDatasetHarness(kind, { quietPeriodMs: 60_000 });
    });
    after(async () => h.cleanup());

    it('takes a recent file only when two scans saw the same size and time; an old file at once', async () => {
      const file = h.dropFresh('writer', 'growing.jsonl', jsonl([{ text: 'part one', label: 1 }]));
      h.dropFresh('writer', 'old.jsonl', jsonl([{ text: 'old', label: 0 }]), 120_000);
      let scan = (await h.fresh.scanFresh()).models.find((m) => m.model === 'writer')!;
      assert.deepEqual(scan.pending, ['growing.jsonl']);
      assert.deepEqual(
        scan.files.map((f) => f.name),
        ['old.jsonl'],
      );
      // Still being appended to: size changes, so it stays pending.
      fs.appendFileSync(file, jsonl([{ text: 'part two', label: 0 }]));
      scan = (await h.fresh.scanFresh()).models.find((m) => m.model === 'writer')!;
      assert.deepEqual(scan.pending, ['growing.jsonl']);
      // Unchanged since the last scan: complete.
      scan = (await h.fresh.scanFresh()).models.find((m) => m.model === 'writer')!;
      await settle();
      assert.deepEqual(scan.pending, []);
      assert.deepEqual(
        scan.files.map((f) => [f.name, f.rows]),
        [
          ['growing.jsonl', 2],
          ['old.jsonl', 1],
        ],
      );
      assert.equal(h.received.length, 2);
    });
  });
}
