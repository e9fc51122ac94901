/**
 * Building a value from its readable view (capability `readable-arguments`):
 * the inverse of `views.mjs`. CONSUMING.md step 5.1: an integer out of its
 * type's range or a byte string of the wrong length is the step's rejection
 * (`integer_overflow`, `integer_underflow`, `bytes_wrong_length`); a view of
 * the wrong shape is a bad operation.
 * @module from-view
 */

import { BadHexError, fromHex } from './bytes.mjs';
import { shortName } from './wire-format.mjs';

/** A view that is well formed but out of its type's range: the step's rejection. */
export class ViewRejection extends Error {
  /**
   * @param {string} reason
   * @param {string} detail
   */
  constructor(reason, detail) {
    super(`${reason}: ${detail}`);
    /** The rejection reason code. */
    this.reason = reason;
  }
}

/** A view that does not have the shape of its type. */
export class ViewShapeError extends Error {}

/**
 * Build the value of a type from its view.
 * @param {import('./wire-format.mjs').WireFormat} wire
 * @param {string | object} expression
 * @param {any} readable
 * @returns {any}
 * @throws {ViewRejection | ViewShapeError}
 */
export function fromView(wire, expression, readable) {
  const type = wire.resolve(expression);
  switch (type.kind) {
    case 'uint':
      return readInteger(readable, type.bytes);
    case 'bool':
      return expect(readable, typeof readable === 'boolean', 'a boolean');
    case 'text':
      return expect(readable, typeof readable === 'string', 'a string');
    case 'fixed_bytes': {
      const bytes = readBytes(readable);
      if (bytes.length !== type.length) throw new ViewRejection('bytes_wrong_length', `${bytes.length} bytes, not ${type.length}`);
      return bytes;
    }
    case 'bytes':
      return readBytes(readable);
    case 'enum': {
      const member = type.members.find((/** @type {any} */ choice) => choice.view === readable);
      expect(readable, member !== undefined, 'a member of the enum');
      return member;
    }
    case 'struct':
      expect(readable, isObject(readable), 'an object');
      return Object.fromEntries(type.fields.map((field) => [field.name, fromView(wire, field.type, readable[field.name])]));
    case 'union': {
      expect(readable, isObject(readable), 'an object');
      const variant = type.variants.find((/** @type {any} */ choice) => shortName(choice.type) === readable.variant);
      expect(variant, variant !== undefined, 'a variant');
      return { variant: variant.type, value: fromView(wire, variant.type, readable.value) };
    }
    case 'list':
    case 'set':
      return expectArray(readable).map((item) => fromView(wire, type.of, item));
    case 'tuple':
      expect(readable, expectArray(readable).length === type.of.length, `${type.of.length} elements`);
      return type.of.map((/** @type {any} */ element, /** @type {number} */ index) => fromView(wire, element, readable[index]));
    case 'map':
      return expectArray(readable).map((pair) => {
        expect(pair, Array.isArray(pair) && pair.length === 2, 'a [key, value] pair');
        return [fromView(wire, type.of.key, pair[0]), fromView(wire, type.of.value, pair[1])];
      });
    case 'optional':
      return readable === null ? null : fromView(wire, type.of, readable);
    default:
      throw new Error(`unknown kind of type ${type.kind}`);
  }
}

/**
 * Build an operation of an area's operation type from its name and view.
 * @param {import('./wire-format.mjs').WireFormat} wire
 * @param {string} operationType
 * @param {string} name
 * @param {any} readable
 * @returns {any}
 */
export function operationFromView(wire, operationType, name, readable) {
  const type = wire.resolve(operationType);
  if (type.kind !== 'union') {
    expect(name, name === shortName(operationType), `the operation ${shortName(operationType)}`);
    return fromView(wire, operationType, readable);
  }
  return fromView(wire, operationType, { variant: name, value: readable });
}

/**
 * @param {any} readable a JSON number or a decimal string
 * @param {number} width in bytes
 * @returns {bigint}
 */
function readInteger(readable, width) {
  const integral = (typeof readable === 'number' && Number.isSafeInteger(readable)) || (typeof readable === 'string' && /^-?[0-9]+$/.test(readable));
  expect(readable, integral, 'an integer');
  const value = BigInt(readable);
  if (value < 0n) throw new ViewRejection('integer_underflow', `${value} is negative`);
  if (value >> BigInt(8 * width) !== 0n) throw new ViewRejection('integer_overflow', `${value} does not fit in ${width} bytes`);
  return value;
}

/**
 * @param {any} readable
 * @returns {Uint8Array}
 */
function readBytes(readable) {
  try {
    return fromHex(readable);
  } catch (error) {
    if (error instanceof BadHexError) throw new ViewShapeError(error.message);
    throw error;
  }
}

/**
 * @param {any} readable
 * @returns {any[]}
 */
function expectArray(readable) {
  return expect(readable, Array.isArray(readable), 'an array');
}

/**
 * Return the value when the condition holds, else raise a shape error.
 * @param {any} value
 * @param {boolean} holds
 * @param {string} what
 * @returns {any}
 */
function expect(value, holds, what) {
  if (!holds) throw new ViewShapeError(`expected ${what}, got ${String(JSON.stringify(value)).slice(0, 40)}`);
  return value;
}

/**
 * @param {any} value
 * @returns {boolean}
 */
function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
