/**
 * Long CPU work in ml/ is written as generators that yield after each slice of work, so the
 * caller decides what happens between slices: nothing (scripts, tests) or a turn of its
 * event loop (a job whose heartbeats and a process's HTTP requests must keep going).
 */

/** Runs `steps` to its end at once and returns its result. */
export function runToEnd<T>(steps: Generator<unknown, T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
  }
}

/** Runs `steps` to its end, awaiting `yieldTurn` after each slice; stops with `signal`'s reason once it is aborted. */
export async function runInTurns<T>(steps: Generator<unknown, T>, signal: AbortSignal, yieldTurn: () => Promise<void>): Promise<T> {
  for (;;) {
    signal.throwIfAborted();
    const next = steps.next();
    if (next.done === true) return next.value;
    await yieldTurn();
  }
}
