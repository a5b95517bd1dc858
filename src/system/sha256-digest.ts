import { createHash } from 'node:crypto';
import type { Sha256Digest } from '../domain/artifacts.js';
import type { DigestFactory } from '../domain/datasets.js';

/** sha256 of bytes, or of a string's UTF-8, in the stored spelling (domain/artifacts.ts `Sha256Digest`). */
export function sha256Hex(data: Uint8Array | string): Sha256Digest {
  return createHash('sha256').update(data).digest('hex') as Sha256Digest;
}

/** sha256 over UTF-8, lower-case hex: the digest dataset identities are computed with. */
export const sha256Digest: DigestFactory = () => {
  const hash = createHash('sha256');
  return {
    update: (chunk) => {
      hash.update(chunk, 'utf8');
    },
    digest: () => hash.digest('hex') as Sha256Digest,
  };
};
