/**
 * Non-cryptographic 32-bit hashing for feature hashing: FNV-1a over UTF-16 code
 * units, extended one code unit at a time (so n-grams never become substrings),
 * finished with murmur3's fmix32 avalanche so the low bits used as the bucket
 * index are well mixed even for 3-character inputs.
 */

/** FNV-1a 32-bit offset basis. */
export const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Extends an FNV-1a state by one UTF-16 code unit. */
export function fnvStep(state: number, codeUnit: number): number {
  return Math.imul(state ^ codeUnit, FNV_PRIME);
}

/**
 * murmur3 fmix32: full avalanche of a 32-bit state. Returns a SIGNED 32-bit integer
 * (V8 keeps int32 unboxed in hot loops; an unsigned result above 2^31 would be a heap number).
 */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Combines two 32-bit hashes order-sensitively (used for word bigrams). */
export function combineHashes(a: number, b: number): number {
  return fmix32(Math.imul(a ^ 0x9e3779b9, 0x01000193) ^ b);
}

/** Hash of a whole string (FNV-1a + fmix32), with an optional seed mixed into the offset; signed 32-bit. */
export function hashString(text: string, seed = 0): number {
  let h = (FNV_OFFSET ^ seed) | 0;
  for (let i = 0; i < text.length; i++) h = fnvStep(h, text.charCodeAt(i));
  return fmix32(h);
}

const encoder = new TextEncoder();
let scratch = new Uint8Array(4096);

/**
 * MurmurHash3 x86_32 of the UTF-8 bytes of `text`, keyed by `seed` (uint32); unsigned.
 * The reference algorithm, so other tools reproduce it (Python `mmh3.hash(text, seed,
 * signed=False)`): a split assignment written down in the docs can be checked outside Warden.
 */
export function murmur3Utf8(text: string, seed: number): number {
  // Every UTF-16 unit is at most 3 UTF-8 bytes.
  if (scratch.length < text.length * 3) scratch = new Uint8Array(Math.max(text.length * 3, scratch.length * 2));
  const length = encoder.encodeInto(text, scratch).written;
  const bytes = scratch;
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed | 0;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (length & 3) {
    case 3:
      k ^= bytes[blocks + 2]! << 16;
    // falls through
    case 2:
      k ^= bytes[blocks + 1]! << 8;
    // falls through
    case 1:
      k ^= bytes[blocks]!;
      k = Math.imul(k, c1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, c2);
      h ^= k;
  }
  h ^= length;
  return fmix32(h) >>> 0;
}
