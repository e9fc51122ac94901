/**
 * Hashes from the `hashes` recipes of `wire-format.json`, state digests, and
 * the provenance content hash (RFC 8785 + SHA-256).
 *
 * A recipe lists `parts`: a `constant` given as `hex`, an input taken `raw`
 * (its bytes as they are: a fixed-size value's bytes, a byte string without
 * its count) or `encoded` (its canonical encoding); the hash of their
 * concatenation is the result.
 * @module hashes
 */

import canonicalize from 'canonicalize';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { concat, encodeUtf8, fromHex, toHex } from './bytes.mjs';
import { encode } from './encode.mjs';

const HASH_FUNCTIONS = { keccak256: keccak_256, sha256 };

/**
 * Compute a recipe's hash over named input values.
 * @param {import('./wire-format.mjs').WireFormat} wire
 * @param {string} recipeName
 * @param {Record<string, any>} inputs values as the decoder makes them
 * @returns {Uint8Array}
 */
export function computeRecipe(wire, recipeName, inputs) {
  const recipe = wire.recipe(recipeName);
  const hash = HASH_FUNCTIONS[/** @type {'keccak256' | 'sha256'} */ (recipe.hash)];
  if (hash === undefined) throw new Error(`hash function ${recipe.hash} is unknown`);
  const types = new Map(recipe.inputs.map((/** @type {any} */ input) => [input.name, input.type]));
  const parts = recipe.parts.map((/** @type {any} */ part) => {
    if (part.constant !== undefined) return fromHex(`0x${part.hex}`);
    if (part.raw !== undefined) return inputs[part.raw];
    if (part.encoded !== undefined) return encode(wire, types.get(part.encoded), inputs[part.encoded]);
    throw new Error(`recipe ${recipeName} has a part of no known form: ${JSON.stringify(part)}`);
  });
  return hash(concat(parts));
}

/**
 * The digest of an area's state, as "0x..." hex, by the area's digest recipe.
 * @param {import('./wire-format.mjs').WireFormat} wire
 * @param {string} areaName
 * @param {any} state the state value as the decoder makes it
 * @returns {string}
 */
export function stateDigest(wire, areaName, state) {
  const recipe = wire.recipe(wire.area(areaName).digest);
  if (recipe.inputs.length !== 1) throw new Error(`digest recipe ${recipe.name} takes ${recipe.inputs.length} inputs`);
  return toHex(computeRecipe(wire, recipe.name, { [recipe.inputs[0].name]: state }));
}

/**
 * RFC 8785 canonical UTF-8 bytes of a JSON value.
 * @param {any} value
 * @returns {Uint8Array}
 */
export function canonicalBytes(value) {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value has no canonical JSON form');
  return encodeUtf8(text);
}

/**
 * "sha256:..." of the canonical bytes of a JSON value.
 * @param {any} value
 * @returns {string}
 */
export function canonicalHash(value) {
  return `sha256:${toHex(sha256(canonicalBytes(value))).slice(2)}`;
}

/**
 * A vector's provenance content hash: the vector without `provenance.content_hash`, canonicalised and hashed.
 * @param {any} vector
 * @returns {string}
 */
export function contentHash(vector) {
  const { content_hash: _ignored, ...provenance } = vector.provenance;
  return canonicalHash({ ...vector, provenance });
}
