/**
 * Text encodings: the red-team encoding attacks hide a payload in them and the normaliser
 * reads them back. Byte-based ones work on the UTF-8 bytes. Pure: TextEncoder and btoa are
 * the only platform calls (both standard).
 */
const utf8 = new TextEncoder();
const HEX_BYTES = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
/** String.fromCharCode takes its arguments on the stack: convert long texts in slices. */
const CHAR_CODE_CHUNK = 8192;

/** The string of these UTF-16 code units (or Latin-1 bytes). `apply` with a typed array is ~7× faster than spreading it. */
function fromCharCodes(codes: Uint8Array | Uint16Array): string {
  let out = '';
  for (let i = 0; i < codes.length; i += CHAR_CODE_CHUNK) {
    out += String.fromCharCode.apply(null, codes.subarray(i, i + CHAR_CODE_CHUNK) as unknown as number[]);
  }
  return out;
}

/** Standard base64 (RFC 4648, padded) of the UTF-8 bytes. */
export function toBase64(text: string): string {
  return btoa(fromCharCodes(utf8.encode(text)));
}

/** Lower-case hex of the UTF-8 bytes, two digits a byte, no separators. */
export function toHex(text: string): string {
  let out = '';
  for (const byte of utf8.encode(text)) out += HEX_BYTES[byte]!;
  return out;
}

/** ROT13 of the ASCII letters; everything else unchanged. Its own inverse. */
export function rot13(text: string): string {
  const codes = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 65 && c <= 90) codes[i] = ((c - 65 + 13) % 26) + 65;
    else if (c >= 97 && c <= 122) codes[i] = ((c - 97 + 13) % 26) + 97;
    else codes[i] = c;
  }
  return fromCharCodes(codes);
}

/** `text` backwards, character by character (a surrogate pair stays a pair). */
export function reverseText(text: string): string {
  const n = text.length;
  // A word: concatenation beats allocating a buffer.
  if (n <= 32) {
    let out = '';
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < n && text.charCodeAt(i + 1) >= 0xdc00 && text.charCodeAt(i + 1) <= 0xdfff;
      out = (pair ? text.slice(i, ++i + 1) : text[i]!) + out;
    }
    return out;
  }
  const codes = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const low = i + 1 < n ? text.charCodeAt(i + 1) : 0;
    if (c >= 0xd800 && c <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
      codes[n - 2 - i] = c;
      codes[n - 1 - i] = low;
      i++;
    } else {
      codes[n - 1 - i] = c;
    }
  }
  return fromCharCodes(codes);
}
