/**
 * Byte helpers: hex text, concatenation, comparison and strict UTF-8.
 *
 * Hex in the conformance kit is always lowercase, "0x" followed by pairs of
 * digits (schema.json `$defs/hex`); this module reads and writes exactly that.
 * @module bytes
 */

const HEX_PATTERN = /^0x(?:[0-9a-f]{2})*$/;
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const UTF8 = new TextEncoder();

/** Raised for text that is not "0x" followed by pairs of lowercase hex digits. */
export class BadHexError extends Error {}

/**
 * Read "0x..." hex into bytes.
 * @param {string} text
 * @returns {Uint8Array}
 */
export function fromHex(text) {
  if (typeof text !== 'string' || !HEX_PATTERN.test(text)) {
    throw new BadHexError(`not 0x followed by pairs of hex digits: ${quote(text)}`);
  }
  return Uint8Array.from(Buffer.from(text.slice(2), 'hex'));
}

/**
 * Write bytes as "0x..." lowercase hex.
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function toHex(bytes) {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
}

/**
 * Join byte strings.
 * @param {Uint8Array[]} parts
 * @returns {Uint8Array}
 */
export function concat(parts) {
  return Uint8Array.from(Buffer.concat(parts));
}

/**
 * Compare two byte strings as byte strings (lexicographically, shorter first on a tie).
 * @param {Uint8Array} left
 * @param {Uint8Array} right
 * @returns {number} negative, zero or positive
 */
export function compareBytes(left, right) {
  return Buffer.compare(left, right);
}

/**
 * Decode UTF-8, returning null when the bytes are not UTF-8.
 * @param {Uint8Array} bytes
 * @returns {string | null}
 */
export function decodeUtf8OrNull(bytes) {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * Encode a string as UTF-8.
 * @param {string} text
 * @returns {Uint8Array}
 */
export function encodeUtf8(text) {
  return UTF8.encode(text);
}

/**
 * Quote at most a few dozen characters of some input, for messages.
 * @param {unknown} value
 * @returns {string}
 */
export function quote(value) {
  const text = typeof value === 'string' ? value : String(JSON.stringify(value));
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);
}
