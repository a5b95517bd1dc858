/**
 * The other processes of one server that serve predictions, each with its own log buffer
 * (the API children of `warden server`, see startup/cluster-prediction-flush.ts).
 */
export interface SiblingPredictionFlush {
  /** Asks every other serving process to write what its log holds now (best effort, no answer). */
  request(): void;
  /** Calls `flush` whenever another process asks; returns the stopper. */
  serve(flush: () => Promise<void>): () => void;
}
