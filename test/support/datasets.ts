/**
 * A DatasetService and its FreshDataService over real adapters (SQL store of the given kind,
 * local artifact folder, file reader, data folders in a temporary directory) for service and scanner tests.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SqlDialectName } from '../../src/store/sql/database.js';
import { SqlDatasetStore } from '../../src/store/sql/sql-dataset-store.js';
import { LocalArtifactStore } from '../../src/store/artifacts/local-artifact-store.js';
import { FileDatasetReader } from '../../src/store/datasets/file-dataset-reader.js';
import { FsFreshDataSource } from '../../src/store/datasets/fs-fresh-data-source.js';
import { DatasetService, type BuiltinCorpus } from '../../src/services/dataset-service.js';
import { FreshDataService } from '../../src/services/fresh-data-service.js';
import { InProcessDomainEvents } from '../../src/system/in-process-domain-events.js';
import type { DomainEvent, FreshDataEvent } from '../../src/domain/ports/domain-events.js';
import { randomIds } from '../../src/system/clock.js';
import { openTestDatabase, tempDir, type TestDatabase } from './stores.js';

export interface DatasetHarness {
  readonly service: DatasetService;
  /** The fresh-data scanner, versioning through `service`. */
  readonly fresh: FreshDataService;
  readonly store: SqlDatasetStore;
  readonly artifacts: LocalArtifactStore;
  readonly events: InProcessDomainEvents;
  /** Every fresh-data event published, in order. */
  readonly received: FreshDataEvent[];
  readonly handlerErrors: unknown[];
  readonly dataDir: string;
  readonly home: string;
  readonly database: TestDatabase;
  /** Another scanner (and dataset service) on the same database, artifacts and data folders (a second process). */
  secondScanner(options?: { quietPeriodMs?: number }): FreshDataService & { readonly received: FreshDataEvent[] };
  /** Writes `fresh/<model>/<name>`; returns its path. */
  dropFresh(model: string, name: string, content: string | Buffer, ageMs?: number): string;
  cleanup(): Promise<void>;
}

export interface HarnessOptions {
  readonly quietPeriodMs?: number;
  readonly maxDatasetBytes?: number;
  readonly corpora?: readonly BuiltinCorpus[];
  /** Wall-clock offset added to Date.now() by the harness clock, in ms. */
  readonly clockOffsetMs?: number;
}

/** Lines of a JSONL dataset file from rows. */
export function jsonl(rows: ReadonlyArray<{ text: string; label: unknown }>): string {
  return rows.map((row) => JSON.stringify(row)).join('\n') + '\n';
}

export async function createDatasetHarness(kind: SqlDialectName, options: HarnessOptions = {}): Promise<DatasetHarness> {
  const database = await openTestDatabase(kind);
  const temp = tempDir('warden-datasets-');
  const dataDir = path.join(temp.dir, 'data');
  const store = new SqlDatasetStore(database.database);
  const artifacts = new LocalArtifactStore(path.join(temp.dir, 'artifacts'));
  const reader = new FileDatasetReader();
  const clock = { now: () => Date.now() + (options.clockOffsetMs ?? 0) };
  const build = (quietPeriodMs: number | undefined, received: FreshDataEvent[], handlerErrors: unknown[]) => {
    const events = new InProcessDomainEvents((error) => handlerErrors.push(error));
    events.subscribe('fresh-data', (event) => {
      received.push(event);
    });
    const service = new DatasetService({
      store,
      artifacts,
      reader,
      clock,
      ids: randomIds,
      maxDatasetBytes: options.maxDatasetBytes ?? 64 * 1024 * 1024,
      ...(options.corpora ? { corpora: options.corpora } : {}),
    });
    const fresh = new FreshDataService({ datasets: service, store, fresh: new FsFreshDataSource(dataDir, reader), events, clock, quietPeriodMs: quietPeriodMs ?? 0 });
    return { events, service, fresh };
  };
  const received: FreshDataEvent[] = [];
  const handlerErrors: unknown[] = [];
  const { events, service, fresh } = build(options.quietPeriodMs, received, handlerErrors);
  return {
    service,
    fresh,
    store,
    artifacts,
    events,
    received,
    handlerErrors,
    dataDir,
    home: temp.dir,
    database,
    secondScanner(second = {}) {
      const secondReceived: FreshDataEvent[] = [];
      const built = build(second.quietPeriodMs ?? options.quietPeriodMs, secondReceived, handlerErrors);
      return Object.assign(built.fresh, { received: secondReceived });
    },
    dropFresh(model, name, content, ageMs = 0) {
      const folder = path.join(dataDir, 'fresh', model);
      fs.mkdirSync(folder, { recursive: true });
      const file = path.join(folder, name);
      fs.writeFileSync(file, content);
      if (ageMs > 0) {
        const then = new Date(Date.now() - ageMs);
        fs.utimesSync(file, then, then);
      }
      return file;
    },
    async cleanup() {
      await database.cleanup();
      temp.remove();
    },
  };
}

/** Lets queued microtasks (event delivery) run. */
export async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

export type { DomainEvent };
