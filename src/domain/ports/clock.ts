/** Time and identity sources, injected so domain and services stay deterministic under test. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export interface IdGenerator {
  /** A new unique, URL-safe identifier. */
  next(): string;
}
