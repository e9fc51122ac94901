/**
 * The decoder: canonical bytes to values, driven by `wire-format.json`.
 *
 * Values: uint -> BigInt; bool -> boolean; fixed_bytes and bytes ->
 * Uint8Array; text -> string; enum -> the member entry of the document;
 * struct -> an object with one property per field; union -> `{variant, value}`
 * (variant is the full type name); list, tuple, set -> arrays; map -> an array
 * of `[key, value]` pairs; optional -> null or the value.
 *
 * Errors follow `decoding_errors` and `decoding_order`: the bytes are read once,
 * front to back, and the first error met is reported.
 * @module decode
 */

import { compareBytes, decodeUtf8OrNull } from './bytes.mjs';

/** A decoding failure carrying one of the document's `encoding_*` reason codes. */
export class DecodingError extends Error {
  /**
   * @param {string} reason
   * @param {number} offset where the reader was
   * @param {string} detail
   */
  constructor(reason, offset, detail) {
    super(`${reason} at byte ${offset}: ${detail}`);
    /** The reason code. */
    this.reason = reason;
    /** The byte offset at which the error was met. */
    this.offset = offset;
  }
}

/** A cursor over the bytes being decoded. */
class Reader {
  /** @param {Uint8Array} bytes */
  constructor(bytes) {
    this.bytes = bytes;
    this.position = 0;
  }

  /** @returns {number} bytes not yet read */
  get left() {
    return this.bytes.length - this.position;
  }

  /**
   * Take the next `length` bytes.
   * @param {number} length
   * @param {string} what
   * @returns {Uint8Array}
   */
  take(length, what) {
    if (length > this.left) {
      throw new DecodingError('encoding_truncated', this.position, `${what} needs ${length} bytes, ${this.left} left`);
    }
    const taken = this.bytes.subarray(this.position, this.position + length);
    this.position += length;
    return taken;
  }
}

/**
 * Decode a whole byte string as one value of a type; bytes left over are an error.
 * @param {import('./wire-format.mjs').WireFormat} wire
 * @param {string | object} expression
 * @param {Uint8Array} bytes
 * @returns {any}
 * @throws {DecodingError}
 */
export function decode(wire, expression, bytes) {
  const reader = new Reader(bytes);
  const value = readValue(wire, expression, reader);
  if (reader.left > 0) {
    throw new DecodingError('encoding_trailing_bytes', reader.position, `${reader.left} bytes after the value`);
  }
  return value;
}

/**
 * @param {import('./wire-format.mjs').WireFormat} wire
 * @param {string | object} expression
 * @param {Reader} reader
 * @returns {any}
 */
function readValue(wire, expression, reader) {
  const type = wire.resolve(expression);
  switch (type.kind) {
    case 'uint':
      return readUint(reader, type.bytes);
    case 'bool':
      return readFlag(reader, 'bool') === 1;
    case 'fixed_bytes':
      return reader.take(type.length, 'fixed bytes').slice();
    case 'bytes':
      return reader.take(readCount(wire, reader), 'bytes').slice();
    case 'text':
      return readText(wire, reader);
    case 'enum':
      return readTagged(reader, type.members, 'enum').member;
    case 'struct':
      return Object.fromEntries(type.fields.map((field) => [field.name, readValue(wire, field.type, reader)]));
    case 'union': {
      const variant = readTagged(reader, type.variants, 'union').member;
      return { variant: variant.type, value: readValue(wire, variant.type, reader) };
    }
    case 'list':
      return readItems(wire, reader, () => readValue(wire, type.of, reader));
    case 'tuple':
      return type.of.map((/** @type {any} */ element) => readValue(wire, element, reader));
    case 'set':
      return readSorted(wire, reader, type.of, null);
    case 'map':
      return readSorted(wire, reader, type.of.key, type.of.value);
    case 'optional':
      return readFlag(reader, 'optional') === 1 ? readValue(wire, type.of, reader) : null;
    default:
      throw new Error(`unknown kind of type ${type.kind}`);
  }
}

/**
 * @param {Reader} reader
 * @param {number} width
 * @returns {bigint}
 */
function readUint(reader, width) {
  let value = 0n;
  for (const byte of reader.take(width, `a ${width}-byte integer`)) value = (value << 8n) | BigInt(byte);
  return value;
}

/**
 * Read a count; one larger than the bytes left after it is reported at once.
 * @param {import('./wire-format.mjs').WireFormat} wire
 * @param {Reader} reader
 * @returns {number}
 */
function readCount(wire, reader) {
  const count = Number(readUint(reader, wire.countBytes));
  if (count > reader.left) {
    throw new DecodingError('encoding_truncated', reader.position, `count ${count} exceeds the ${reader.left} bytes left`);
  }
  return count;
}

/**
 * @param {Reader} reader
 * @param {string} what
 * @returns {number} 0 or 1
 */
function readFlag(reader, what) {
  const offset = reader.position;
  const flag = reader.take(1, `${what} flag`)[0];
  if (flag !== 0 && flag !== 1) throw new DecodingError('encoding_invalid_flag', offset, `${what} flag ${flag}`);
  return flag;
}

/**
 * @param {Reader} reader
 * @param {any[]} choices entries with a `tag`
 * @param {string} what
 * @returns {{member: any}}
 */
function readTagged(reader, choices, what) {
  const offset = reader.position;
  const tag = reader.take(1, `${what} tag`)[0];
  const member = choices.find((choice) => choice.tag === tag);
  if (member === undefined) throw new DecodingError('encoding_invalid_tag', offset, `${what} tag ${tag}`);
  return { member };
}

/**
 * @param {import('./wire-format.mjs').WireFormat} wire
 * @param {Reader} reader
 * @returns {string}
 */
function readText(wire, reader) {
  const offset = reader.position;
  const text = decodeUtf8OrNull(reader.take(readCount(wire, reader), 'text'));
  if (text === null) throw new DecodingError('encoding_invalid_text', offset, 'text is not UTF-8');
  return text;
}

/**
 * @param {import('./wire-format.mjs').WireFormat} wire
 * @param {Reader} reader
 * @param {() => any} readItem
 * @returns {any[]}
 */
function readItems(wire, reader, readItem) {
  const count = readCount(wire, reader);
  const items = [];
  for (let index = 0; index < count; index += 1) items.push(readItem());
  return items;
}

/**
 * Read a set (valueType null) or a map; each key must encode strictly after the one before.
 * @param {import('./wire-format.mjs').WireFormat} wire
 * @param {Reader} reader
 * @param {string | object} keyType
 * @param {string | object | null} valueType
 * @returns {any[]}
 */
function readSorted(wire, reader, keyType, valueType) {
  /** @type {Uint8Array | null} */
  let previous = null;
  return readItems(wire, reader, () => {
    const start = reader.position;
    const key = readValue(wire, keyType, reader);
    const encoded = reader.bytes.subarray(start, reader.position);
    if (previous !== null && compareBytes(encoded, previous) <= 0) {
      throw new DecodingError('encoding_unsorted_keys', start, 'key not after the one before it');
    }
    previous = encoded;
    return valueType === null ? key : [key, readValue(wire, valueType, reader)];
  });
}
