/**
 * A labelled corpus that ships with the platform (e.g. the SpamAssassin public corpus
 * from its npm package), loaded by an adapter and versioned by the dataset service as
 * origin `builtin-corpus`. Nothing is downloaded at run time.
 */
export interface BuiltinCorpus {
  /** Short name, also the default dataset name (`spam-assassin`). */
  readonly name: string;
  /** One line for people: what the corpus is, its size and licence. */
  readonly description: string;
  /** The corpus rows, in a fixed order (the same package gives the same dataset digest). */
  load(): Promise<ReadonlyArray<{ readonly text: string; readonly label: 0 | 1 }>>;
}
