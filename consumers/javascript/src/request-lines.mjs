/**
 * Reading adapter requests: one JSON object per line (PROTOCOL.md, "Bad
 * requests"). Each line becomes either a request object or a protocol error
 * with its code; nothing here throws on bad input.
 *
 * Checks, in this order: `line_too_long` (while reading, without keeping the
 * line), `not_utf8`, `empty_line`, `too_deep` and `number_too_long` (a scan
 * before parsing), `not_json`, `not_an_object`, `duplicate_field`.
 * @module request-lines
 */

import { decodeUtf8OrNull } from './bytes.mjs';

/** The limits of PROTOCOL.md, with their defaults. */
export const DEFAULT_LIMITS = Object.freeze({ maxLineBytes: 64 * 1024 * 1024, maxDepth: 64, maxDigits: 100 });

/** A request the adapter refuses, with the protocol's error code. */
export class ProtocolError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    /** The protocol's error code. */
    this.code = code;
  }
}

/**
 * Split a byte stream into lines; a line longer than the limit is reported
 * as `null` and not kept.
 * @param {AsyncIterable<Buffer>} chunks
 * @param {number} maxLineBytes
 * @returns {AsyncGenerator<Buffer | null>}
 */
export async function* readLines(chunks, maxLineBytes) {
  /** @type {Buffer[]} */
  let pending = [];
  let pendingBytes = 0;
  let tooLong = false;
  for await (const chunk of chunks) {
    let start = 0;
    for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, end);
      yield tooLong || pendingBytes + piece.length > maxLineBytes ? null : Buffer.concat([...pending, piece]);
      pending = [];
      pendingBytes = 0;
      tooLong = false;
      start = end + 1;
    }
    const rest = chunk.subarray(start);
    if (!tooLong && pendingBytes + rest.length > maxLineBytes) {
      tooLong = true;
      pending = [];
    }
    if (!tooLong) pending.push(Buffer.from(rest));
    pendingBytes += rest.length;
  }
  if (tooLong) yield null;
  else if (pendingBytes > 0) yield Buffer.concat(pending);
}

/**
 * Turn one line (or null for a line too long) into a request object.
 * @param {Buffer | null} line
 * @param {typeof DEFAULT_LIMITS} limits
 * @returns {Record<string, any>}
 * @throws {ProtocolError}
 */
export function parseRequest(line, limits) {
  if (line === null) throw new ProtocolError('line_too_long', `line longer than ${limits.maxLineBytes} bytes`);
  const text = decodeUtf8OrNull(line);
  if (text === null) throw new ProtocolError('not_utf8', 'the line is not UTF-8');
  if (text.trim() === '') throw new ProtocolError('empty_line', 'the line holds nothing');
  scanLimits(text, limits);
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ProtocolError('not_json', `not one JSON value: ${error instanceof Error ? error.message : ''}`.slice(0, 120));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError('not_an_object', 'the JSON value is not an object');
  }
  const duplicate = findDuplicateField(text);
  if (duplicate !== null) throw new ProtocolError('duplicate_field', `field ${JSON.stringify(duplicate).slice(0, 40)} appears twice`);
  return value;
}

/**
 * Refuse nesting deeper than the limit and number literals with too many digits,
 * scanning outside strings without parsing.
 * @param {string} text
 * @param {typeof DEFAULT_LIMITS} limits
 */
function scanLimits(text, limits) {
  let depth = 0;
  let digits = 0;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index];
    if (character === '"') {
      index = endOfString(text, index);
    } else if (character === '[' || character === '{') {
      depth += 1;
      if (depth > limits.maxDepth) throw new ProtocolError('too_deep', `nested deeper than ${limits.maxDepth}`);
    } else if (character === ']' || character === '}') {
      depth -= 1;
    }
    digits = character >= '0' && character <= '9' ? digits + 1 : '.eE+-'.includes(character) && digits > 0 ? digits : 0;
    if (digits > limits.maxDigits) throw new ProtocolError('number_too_long', `a number has more than ${limits.maxDigits} digits`);
  }
}

/**
 * The index of the quote closing the string that opens at `start` (or the end of the text).
 * @param {string} text
 * @param {number} start
 * @returns {number}
 */
function endOfString(text, start) {
  let index = start + 1;
  while (index < text.length && text[index] !== '"') index += text[index] === '\\' ? 2 : 1;
  return index;
}

/**
 * The first field named twice in one object of a valid JSON text, or null.
 * @param {string} text
 * @returns {string | null}
 */
function findDuplicateField(text) {
  /** @type {{keys: Set<string> | null, expectingKey: boolean}[]} */
  const stack = [];
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index];
    const top = stack.at(-1);
    if (character === '"') {
      const end = endOfString(text, index);
      if (top?.keys && top.expectingKey) {
        const key = JSON.parse(text.slice(index, end + 1));
        if (top.keys.has(key)) return key;
        top.keys.add(key);
        top.expectingKey = false;
      }
      index = end;
    } else if (character === '{') {
      stack.push({ keys: new Set(), expectingKey: true });
    } else if (character === '[') {
      stack.push({ keys: null, expectingKey: false });
    } else if (character === ']' || character === '}') {
      stack.pop();
    } else if (character === ',' && top?.keys) {
      top.expectingKey = true;
    }
  }
  return null;
}
