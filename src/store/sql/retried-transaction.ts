import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely, Transaction } from 'kysely';
import { isWardenError } from '../../domain/errors.js';
import type { DatabaseSchema } from './schema.js';
import { isRetryableConflict } from './sql-errors.js';

/** Attempts in all when the caller does not say (first try included). */
export const DEFAULT_TRANSACTION_ATTEMPTS = 6;

export interface RetryOptions {
  /** Attempts in all, the first included; default {@link DEFAULT_TRANSACTION_ATTEMPTS}. */
  readonly attempts?: number;
  /**
   * Driver errors that also mean "run it again from the start" for this transaction, besides
   * serialization failures, deadlocks and SQLite busy errors (e.g. a unique violation when
   * the transaction computes a next number that a concurrent one took first).
   */
  readonly alsoRetry?: (error: unknown) => boolean;
}

/**
 * Runs `fn` in one transaction, and runs the whole transaction again (a fresh snapshot,
 * nothing of the failed attempt kept) when it lost a race: PostgreSQL serialization
 * failures and deadlocks, SQLite busy and stale-snapshot errors, and whatever `alsoRetry`
 * names. A domain error (a decision `fn` made) is never retried. After the last attempt
 * the driver error is thrown as is, for the store to translate into its domain error.
 */
export async function withRetriedTransaction<T>(
  db: Kysely<DatabaseSchema>,
  fn: (trx: Transaction<DatabaseSchema>) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? DEFAULT_TRANSACTION_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(fn);
    } catch (error) {
      const retryable = !isWardenError(error) && (isRetryableConflict(error) || options.alsoRetry?.(error) === true);
      if (!retryable || attempt >= attempts) throw error;
      // Jittered and growing, so retried transactions do not collide again in lockstep.
      await sleep(Math.random() * 5 * attempt);
    }
  }
}
