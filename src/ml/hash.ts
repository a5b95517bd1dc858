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
