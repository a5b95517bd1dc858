/**
 * Small synthetic spam/ham corpora for training tests (fast: a few hundred short texts),
 * and helpers to wait for jobs.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Job } from '../../src/domain/jobs.js';
import type { JobQueue } from '../../src/domain/ports/job-queue.js';
import type { SqlDialectName } from '../../src/store/sql/database.js';
import { dropRedisPrefix } from './redis.js';
import { TEST_REDIS_URL, openTestDatabase, uniqueName, type TestDatabase } from './stores.js';

const SPAM = ['free', 'winner', 'cash', 'prize', 'click', 'offer', 'viagra', 'loan', 'urgent', 'bitcoin', 'claim', 'discount'];
const HAM = ['meeting', 'lunch', 'report', 'project', 'schedule', 'family', 'review', 'notes', 'invoice', 'weekend', 'draft', 'team'];
const COMMON = ['the', 'you', 'today', 'please', 'your', 'this', 'we', 'and', 'now', 'about'];

/** A deterministic stream of numbers in [0, 1) (xorshift32): the same seed, the same stream. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
}

/** A deterministic corpus: `n` rows, about a third spam, with shared words and some label noise-free overlap. */
export function syntheticRows(n: number, seed = 1): Array<{ text: string; label: 0 | 1 }> {
  const rand = seededRandom(seed);
  const pickFrom = (words: readonly string[]) => words[Math.floor(rand() * words.length)]!;
  const rows: Array<{ text: string; label: 0 | 1 }> = [];
  for (let i = 0; i < n; i++) {
    const label: 0 | 1 = rand() < 0.35 ? 1 : 0;
    const words: string[] = [];
    const length = 6 + Math.floor(rand() * 8);
    for (let w = 0; w < length; w++) {
      const r = rand();
      // Mostly class words, some common words, a few words of the other class.
      words.push(r < 0.55 ? pickFrom(label ? SPAM : HAM) : r < 0.9 ? pickFrom(COMMON) : pickFrom(label ? HAM : SPAM));
    }
    rows.push({ text: `${words.join(' ')} #${i}`, label });
  }
  return rows;
}

/** Polls until the job is terminal (or throws after `timeoutMs`). */
export async function waitForJob(queue: JobQueue, id: string, timeoutMs = 60_000): Promise<Job> {
  return waitForJobWhere(queue, id, (job) => job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled', timeoutMs, 50);
}

/** Polls every `pollMs` until `done(job)` (or throws after `timeoutMs`, showing the job). */
export async function waitForJobWhere(queue: JobQueue, id: string, done: (job: Job) => boolean, timeoutMs: number, pollMs = 20): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await queue.get(id);
    if (done(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} not there in ${timeoutMs} ms: ${JSON.stringify(job)}`);
    await sleep(pollMs);
  }
}

/** A store (and, for BullMQ, a Redis prefix) for tests that start worker processes. */
export interface WorkerTestSetup {
  readonly db: TestDatabase;
  /** Env of both the test's platform and the workers'. */
  readonly env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** The in-process queue on a fresh store of `kind`. */
export async function localQueueSetup(kind: SqlDialectName): Promise<WorkerTestSetup> {
  const db = await openTestDatabase(kind);
  return { db, env: {}, cleanup: () => db.cleanup() };
}

/** BullMQ on Redis (a prefix of its own) with a fresh PostgreSQL store. */
export async function redisQueueSetup(prefixBase: string, env: Record<string, string> = {}): Promise<WorkerTestSetup> {
  const db = await openTestDatabase('postgres');
  const prefix = uniqueName(prefixBase);
  return {
    db,
    env: { WARDEN_QUEUE_URL: TEST_REDIS_URL, WARDEN_QUEUE_PREFIX: prefix, ...env },
    async cleanup() {
      await dropRedisPrefix(prefix);
      await db.cleanup();
    },
  };
}

/** A small, fast recipe section: 2^14 hashed features. */
export const SMALL_FEATURES = { dimsLog2: 14 };
