/** A small synthetic spam/ham corpus, generated from a seed, for the trainer tests. */
import { createRng } from '../../src/ml/random.js';

const SPAM = ['free', 'money', 'winner', 'click', 'offer', 'cash', 'prize', 'viagra', 'cheap', 'urgent', 'bonus', 'credit'];
const HAM = ['meeting', 'project', 'lunch', 'report', 'schedule', 'review', 'family', 'weekend', 'code', 'patch', 'thanks', 'notes'];
const SHARED = ['the', 'a', 'to', 'and', 'you', 'your', 'for', 'today', 'please', 'this', 'we', 'now'];

export interface ToyCorpus {
  texts: string[];
  labels: number[];
}

/** `n` texts, about `spamShare` of them spam; each has 6–14 words, 40 % from its class vocabulary. */
export function toyCorpus(n: number, seed: number, spamShare = 0.4): ToyCorpus {
  const rng = createRng(seed);
  const texts: string[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const spam = rng.next() < spamShare;
    const vocab = spam ? SPAM : HAM;
    const words: string[] = [];
    const len = 6 + rng.nextInt(9);
    for (let w = 0; w < len; w++) words.push(rng.next() < 0.4 ? vocab[rng.nextInt(vocab.length)]! : SHARED[rng.nextInt(SHARED.length)]!);
    texts.push(words.join(' '));
    labels.push(spam ? 1 : 0);
  }
  return { texts, labels };
}
