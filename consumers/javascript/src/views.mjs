/**
 * Readable views, by the `readable_views` rules of `wire-format.json`, and a
 * structural comparison of two views that names the first place they differ.
 * @module views
 */

import { toHex } from './bytes.mjs';
import { shortName } from './wire-format.mjs';

/**
 * The readable view of a value of a type.
 * @param {import('./wire-format.mjs').WireFormat} wire
 * @param {string | object} expression
 * @param {any} value
 * @returns {any}
 */
export function view(wire, expression, value) {
  const type = wire.resolve(expression);
  switch (type.kind) {
    case 'uint':
      return type.bytes <= wire.viewNumberBytes ? Number(value) : value.toString();
    case 'bool':
    case 'text':
      return value;
    case 'fixed_bytes':
    case 'bytes':
      return toHex(value);
    case 'enum':
      return value.view;
    case 'struct':
      return Object.fromEntries(type.fields.map((field) => [field.name, view(wire, field.type, value[field.name])]));
    case 'union':
      return { variant: shortName(value.variant), value: view(wire, value.variant, value.value) };
    case 'list':
    case 'set':
      return value.map((/** @type {any} */ item) => view(wire, type.of, item));
    case 'tuple':
      return type.of.map((/** @type {any} */ element, /** @type {number} */ index) => view(wire, element, value[index]));
    case 'map':
      return value.map(([key, item]) => [view(wire, type.of.key, key), view(wire, type.of.value, item)]);
    case 'optional':
      return value === null ? null : view(wire, type.of, value);
    default:
      throw new Error(`unknown kind of type ${type.kind}`);
  }
}

/**
 * The name and view a vector gives an operation of an area's operation type:
 * for a union, its variant's name (no package prefix) and the variant's view.
 * @param {import('./wire-format.mjs').WireFormat} wire
 * @param {string} operationType
 * @param {any} value
 * @returns {{name: string, view: any}}
 */
export function operationView(wire, operationType, value) {
  if (wire.resolve(operationType).kind === 'union') {
    return { name: shortName(value.variant), view: view(wire, value.variant, value.value) };
  }
  return { name: shortName(operationType), view: view(wire, operationType, value) };
}

/**
 * The first place two JSON values differ, or null when they are equal.
 * @param {any} actual
 * @param {any} expected
 * @param {string} [path]
 * @returns {string | null}
 */
export function firstDifference(actual, expected, path = '$') {
  if (Array.isArray(actual) && Array.isArray(expected)) {
    if (actual.length !== expected.length) return `${path}: ${actual.length} items, expected ${expected.length}`;
    for (let index = 0; index < actual.length; index += 1) {
      const found = firstDifference(actual[index], expected[index], `${path}[${index}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (isObject(actual) && isObject(expected)) {
    const keys = new Set([...Object.keys(actual), ...Object.keys(expected)]);
    for (const key of keys) {
      if (!Object.hasOwn(actual, key)) return `${path}.${key}: missing, expected ${short(expected[key])}`;
      if (!Object.hasOwn(expected, key)) return `${path}.${key}: ${short(actual[key])} not expected`;
      const found = firstDifference(actual[key], expected[key], `${path}.${key}`);
      if (found !== null) return found;
    }
    return null;
  }
  return Object.is(actual, expected) ? null : `${path}: ${short(actual)}, expected ${short(expected)}`;
}

/**
 * @param {any} value
 * @returns {boolean}
 */
function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * @param {any} value
 * @returns {string}
 */
function short(value) {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}
