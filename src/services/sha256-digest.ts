import { createHash } from 'node:crypto';
import type { DigestFactory } from '../domain/datasets.js';

/** sha256 over UTF-8, lower-case hex: the digest dataset identities are computed with. */
export const sha256Digest: DigestFactory = () => {
  const hash = createHash('sha256');
  return {
    update: (chunk) => {
      hash.update(chunk, 'utf8');
    },
    digest: () => hash.digest('hex'),
  };
};
