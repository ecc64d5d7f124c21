// Encode a JavaScript string as windows-1251 bytes, without an npm package.
// Bytes 0x00-0x7F are ASCII; 0xC0-0xFF are А-я (U+0410-U+044F); 0x80-0xBF are listed below
// (0x98 has no character). A character with no windows-1251 byte is an error, never a "?".

const HIGH =
  "ЂЃ‚ѓ„…†‡€‰Љ‹ЊЌЋЏ" + // 0x80-0x8F
  "ђ‘’“”•–—\u0000™љ›њќћџ" + // 0x90-0x9F (0x98: none)
  "\u00A0ЎўЈ¤Ґ¦§Ё©Є«¬\u00AD®Ї" + // 0xA0-0xAF
  "°±Ііґµ¶·ё№є»јЅѕї"; // 0xB0-0xBF

const BYTE_OF = new Map();
for (let i = 0; i < HIGH.length; i++) {
  if (i !== 0x18) BYTE_OF.set(HIGH.codePointAt(i), 0x80 + i);
}
for (let code = 0x0410; code <= 0x044f; code++) BYTE_OF.set(code, 0xc0 + code - 0x0410);

/** The windows-1251 bytes of `text`; throws on a character windows-1251 does not have. */
export function encodeWindows1251(text) {
  const out = Buffer.alloc(text.length);
  let n = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0);
    const byte = code < 0x80 ? code : BYTE_OF.get(code);
    if (byte === undefined) {
      const hex = code.toString(16).toUpperCase().padStart(4, "0");
      throw new RangeError(`U+${hex} (${ch}) has no windows-1251 byte (at character ${n})`);
    }
    out[n++] = byte;
  }
  return out.subarray(0, n);
}
