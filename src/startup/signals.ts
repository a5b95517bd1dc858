/**
 * Graceful shutdown of a long-running process (`warden server`, `warden worker`): the one
 * place that listens to SIGINT/SIGTERM and exits.
 */

/**
 * Runs `shutdown` once, on SIGINT/SIGTERM (then exits 0, or 1 if it failed) or when the
 * returned function is called; the handlers are removed as soon as shutdown begins.
 */
export function stopOnSignals(print: (line: string) => void, announcement: string, shutdown: () => Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await shutdown();
    })();
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    print(`${signal}: ${announcement}`);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return stop;
}
