/**
 * The suite's `wire-format.json`, loaded and indexed.
 *
 * A type expression is either a type name (a key of `types`) or an object with
 * one of the keys `list`, `set`, `optional` (an inner expression), `tuple` (a
 * list of expressions) or `map` (`{key, value}`). `resolve` turns either into
 * a description with a `kind` that the encoding rules know.
 * @module wire-format
 */

import { readFileSync } from 'node:fs';

export const WIRE_FORMAT = 'plasma-spec/wire-format/v1';
const COMPOSITE_KINDS = ['list', 'set', 'optional', 'tuple', 'map'];

/** The wire format document with look-ups by type, area, codec name and hash recipe. */
export class WireFormat {
  /**
   * @param {any} document the parsed wire-format.json
   */
  constructor(document) {
    if (document.format !== WIRE_FORMAT) {
      throw new Error(`wire format is ${JSON.stringify(document.format)}, expected ${WIRE_FORMAT}`);
    }
    /** The whole document. */
    this.document = document;
    /** Width in bytes of every count (lists, maps, sets, bytes, text). */
    this.countBytes = document.count_type.bytes;
    /** Integers at most this many bytes wide are viewed as JSON numbers. */
    this.viewNumberBytes = document.view_number_bytes;
    /** @type {Map<string, any>} */
    this.areas = new Map(document.areas.map((area) => [area.name, area]));
    /** @type {Map<string, any>} */
    this.recipes = new Map(document.hashes.map((recipe) => [recipe.name, recipe]));
    /** The decoding reasons, in the document's order. */
    this.decodingReasons = document.decoding_errors.map((entry) => entry.reason);
  }

  /**
   * Load a wire-format.json file.
   * @param {string} path
   * @returns {WireFormat}
   */
  static load(path) {
    return new WireFormat(JSON.parse(readFileSync(path, 'utf8')));
  }

  /**
   * The description of a type expression: a named type's entry, or the composite itself.
   * @param {string | object} expression
   * @returns {any} an object with a `kind`
   */
  resolve(expression) {
    if (typeof expression === 'string') {
      const named = this.document.types[expression];
      if (named === undefined) throw new Error(`wire-format.json names no type ${expression}`);
      return named;
    }
    const keys = Object.keys(expression);
    if (keys.length !== 1 || !COMPOSITE_KINDS.includes(keys[0])) {
      throw new Error(`not a type expression: ${JSON.stringify(expression)}`);
    }
    return { kind: keys[0], of: expression[keys[0]] };
  }

  /**
   * The area's entry (state_type, operation_type, digest recipe name).
   * @param {string} name
   * @returns {any}
   */
  area(name) {
    const area = this.areas.get(name);
    if (area === undefined) throw new Error(`wire-format.json names no area ${name}`);
    return area;
  }

  /**
   * The type a codec step's type name stands for, or undefined outside the list.
   * @param {string} name
   * @returns {string | undefined}
   */
  codecType(name) {
    return Object.hasOwn(this.document.codec_types, name)
      ? this.document.codec_types[name]
      : undefined;
  }

  /**
   * A hash recipe by its name.
   * @param {string} name
   * @returns {any}
   */
  recipe(name) {
    const recipe = this.recipes.get(name);
    if (recipe === undefined) throw new Error(`wire-format.json has no hash named ${name}`);
    return recipe;
  }
}

/**
 * The name a readable view gives a type: without any package prefix ("Block" for payments.Block).
 * @param {string} typeName
 * @returns {string}
 */
export function shortName(typeName) {
  return typeName.slice(typeName.lastIndexOf('.') + 1);
}
