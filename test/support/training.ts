/**
 * Small synthetic spam/ham corpora for training tests (fast: a few hundred short texts),
 * and helpers to wait for jobs.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Job } from '../../src/domain/jobs.js';
import type { JobQueue } from '../../src/domain/ports/job-queue.js';

const SPAM = ['free', 'winner', 'cash', 'prize', 'click', 'offer', 'viagra', 'loan', 'urgent', 'bitcoin', 'claim', 'discount'];
const HAM = ['meeting', 'lunch', 'report', 'project', 'schedule', 'family', 'review', 'notes', 'invoice', 'weekend', 'draft', 'team'];
const COMMON = ['the', 'you', 'today', 'please', 'your', 'this', 'we', 'and', 'now', 'about'];

/** A deterministic corpus: `n` rows, about a third spam, with shared words and some label noise-free overlap. */
export function syntheticRows(n: number, seed = 1): Array<{ text: string; label: 0 | 1 }> {
  let state = seed >>> 0 || 1;
  const rand = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
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
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await queue.get(id);
    if (job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled') return job;
    if (Date.now() > deadline) throw new Error(`job ${id} did not finish in ${timeoutMs} ms: ${JSON.stringify(job)}`);
    await sleep(50);
  }
}

/** A small, fast recipe section: 2^14 hashed features. */
export const SMALL_FEATURES = { dimsLog2: 14 };
