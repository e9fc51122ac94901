/**
 * The encoder: values (as the decoder makes them) to canonical bytes.
 *
 * Maps and sets are written in increasing order of their keys' encodings
 * whatever order they are given in; a repeated key is refused.
 * @module encode
 */

import { compareBytes, concat, encodeUtf8 } from './bytes.mjs';

/**
 * Encode one value of a type.
 * @param {import('./wire-format.mjs').WireFormat} wire
 * @param {string | object} expression
 * @param {any} value
 * @returns {Uint8Array}
 */
export function encode(wire, expression, value) {
  /** @type {Uint8Array[]} */
  const parts = [];
  writeValue(wire, expression, value, parts);
  return concat(parts);
}

/**
 * @param {import('./wire-format.mjs').WireFormat} wire
 * @param {string | object} expression
 * @param {any} value
 * @param {Uint8Array[]} parts
 */
function writeValue(wire, expression, value, parts) {
  const type = wire.resolve(expression);
  switch (type.kind) {
    case 'uint':
      parts.push(uintBytes(BigInt(value), type.bytes));
      return;
    case 'bool':
      parts.push(Uint8Array.of(value ? 1 : 0));
      return;
    case 'fixed_bytes':
      if (value.length !== type.length) throw new RangeError(`expected ${type.length} bytes, got ${value.length}`);
      parts.push(value);
      return;
    case 'bytes':
      parts.push(uintBytes(BigInt(value.length), wire.countBytes), value);
      return;
    case 'text': {
      const utf8 = encodeUtf8(value);
      parts.push(uintBytes(BigInt(utf8.length), wire.countBytes), utf8);
      return;
    }
    case 'enum':
      parts.push(Uint8Array.of(tagOf(type.members, (member) => member.name === value.name)));
      return;
    case 'struct':
      for (const field of type.fields) writeValue(wire, field.type, value[field.name], parts);
      return;
    case 'union':
      parts.push(Uint8Array.of(tagOf(type.variants, (variant) => variant.type === value.variant)));
      writeValue(wire, value.variant, value.value, parts);
      return;
    case 'list':
      parts.push(uintBytes(BigInt(value.length), wire.countBytes));
      for (const item of value) writeValue(wire, type.of, item, parts);
      return;
    case 'tuple':
      type.of.forEach((/** @type {any} */ element, /** @type {number} */ index) => writeValue(wire, element, value[index], parts));
      return;
    case 'set':
      writeSorted(wire, value.map((/** @type {any} */ member) => encode(wire, type.of, member)), parts);
      return;
    case 'map':
      writeSorted(
        wire,
        value.map(([key, item]) => concat([encode(wire, type.of.key, key), encode(wire, type.of.value, item)])),
        parts,
        value.map(([key]) => encode(wire, type.of.key, key)),
      );
      return;
    case 'optional':
      if (value === null) {
        parts.push(Uint8Array.of(0));
      } else {
        parts.push(Uint8Array.of(1));
        writeValue(wire, type.of, value, parts);
      }
      return;
    default:
      throw new Error(`unknown kind of type ${type.kind}`);
  }
}

/**
 * A big-endian unsigned integer of a fixed width.
 * @param {bigint} value
 * @param {number} width
 * @returns {Uint8Array}
 */
export function uintBytes(value, width) {
  if (value < 0n || value >> BigInt(8 * width) !== 0n) throw new RangeError(`${value} does not fit in ${width} bytes`);
  const bytes = new Uint8Array(width);
  let rest = value;
  for (let index = width - 1; index >= 0; index -= 1) {
    bytes[index] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return bytes;
}

/**
 * @param {any[]} choices
 * @param {(choice: any) => boolean} matches
 * @returns {number}
 */
function tagOf(choices, matches) {
  const choice = choices.find(matches);
  if (choice === undefined) throw new RangeError('value names no member or variant of its type');
  return choice.tag;
}

/**
 * Write a count, then the entries sorted by key encoding (keys default to the entries).
 * @param {import('./wire-format.mjs').WireFormat} wire
 * @param {Uint8Array[]} entries
 * @param {Uint8Array[]} parts
 * @param {Uint8Array[]} [keys]
 */
function writeSorted(wire, entries, parts, keys = entries) {
  const order = entries.map((_, index) => index).sort((left, right) => compareBytes(keys[left], keys[right]));
  order.forEach((index, position) => {
    if (position > 0 && compareBytes(keys[order[position - 1]], keys[index]) === 0) {
      throw new RangeError('a key appears twice');
    }
  });
  parts.push(uintBytes(BigInt(entries.length), wire.countBytes));
  for (const index of order) parts.push(entries[index]);
}
