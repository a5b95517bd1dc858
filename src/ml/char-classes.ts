/**
 * Letters and digits by UTF-16 code unit, for the normaliser and the featuriser alike.
 * Surrogate halves count as letters, so astral letters and emoji stay inside their token.
 * Precomputed once for all 65,536 code units (a regex per character is too slow on the hot path).
 */
export const LETTER_OR_DIGIT: Uint8Array = (() => {
  const table = new Uint8Array(65536);
  const letterOrDigit = /[\p{L}\p{N}]/u;
  for (let c = 0; c < 65536; c++) {
    if (c >= 0xd800 && c <= 0xdfff) table[c] = 1;
    else if (c < 128) table[c] = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ? 1 : 0;
    else table[c] = letterOrDigit.test(String.fromCharCode(c)) ? 1 : 0;
  }
  return table;
})();
