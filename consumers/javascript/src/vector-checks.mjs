/**
 * The checks run on one vector (see README.md for the list).
 * @module vector-checks
 */

import { fromHex, toHex } from './bytes.mjs';
import { CODEC_AREA, CodecArea } from './codec-area.mjs';
import { DecodingError, decode } from './decode.mjs';
import { encode } from './encode.mjs';
import { ViewRejection, ViewShapeError, operationFromView } from './from-view.mjs';
import { contentHash, stateDigest } from './hashes.mjs';
import { firstDifference, operationView, view } from './views.mjs';

const UNDECODABLE = 'undecodable';

/** Counts and failures gathered while checking. */
export class Tally {
  constructor() {
    this.vectors = 0;
    this.steps = 0;
    this.checks = 0;
    /** @type {string[]} */
    this.failures = [];
  }

  /**
   * Record one check.
   * @param {boolean} passed
   * @param {string} where
   * @param {() => string} what why it failed
   * @returns {boolean} passed
   */
  check(passed, where, what) {
    this.checks += 1;
    if (!passed) this.failures.push(`${where}: ${what()}`);
    return passed;
  }

  /**
   * Record a check of two JSON values.
   * @param {any} actual
   * @param {any} expected
   * @param {string} where
   * @param {string} what
   * @returns {boolean}
   */
  same(actual, expected, where, what) {
    const difference = firstDifference(actual, expected);
    return this.check(difference === null, where, () => `${what} differs at ${difference}`);
  }
}

/**
 * Check one vector of a suite.
 * @param {import('./suite.mjs').Suite} suite
 * @param {string} path the vector's path in the suite
 * @param {Tally} tally
 */
export function checkVector(suite, path, tally) {
  const wire = suite.wire;
  const vector = suite.readVector(path);
  tally.vectors += 1;
  if (!tally.check(suite.validate(vector) === true, path, () => `schema: ${describeSchemaErrors(suite.validate.errors)}`)) return;
  tally.same(contentHash(vector), vector.provenance.content_hash, path, 'provenance content hash');
  tally.same(vector.provenance.spec_version, wire.document.spec_version, path, 'spec version');
  const area = wire.area(vector.area);
  const where = `${path} initial state`;
  let state;
  try {
    state = decode(wire, area.state_type, fromHex(vector.initial_state.encoding));
  } catch (error) {
    tally.check(false, where, () => `does not decode as ${area.state_type}: ${message(error)}`);
    return;
  }
  tally.same(toHex(encode(wire, area.state_type, state)), vector.initial_state.encoding, where, 're-encoding');
  tally.same(stateDigest(wire, vector.area, state), vector.initial_state.digest, where, 'digest');
  tally.same(view(wire, area.state_type, state), vector.initial_state.view, where, 'readable view');
  const codec = vector.area === CODEC_AREA ? new CodecArea(wire, state) : null;
  vector.steps.forEach((/** @type {any} */ step, /** @type {number} */ index) => {
    tally.steps += 1;
    checkStep(suite, `${path} step ${index}`, vector.area, step, codec, tally);
  });
}

/**
 * Decode a step's operation; for the codec area, also run it and compare what follows.
 * @param {import('./suite.mjs').Suite} suite
 * @param {string} where
 * @param {string} areaName
 * @param {any} step
 * @param {CodecArea | null} codec
 * @param {Tally} tally
 */
function checkStep(suite, where, areaName, step, codec, tally) {
  const wire = suite.wire;
  const { operation, expected } = step;
  const operationType = wire.area(areaName).operation_type;
  const built = operation.encoding === null
    ? buildFromView(wire, operationType, where, step, tally)
    : decodeOperation(wire, operationType, where, step, tally);
  if (built === undefined) return;
  const readable = operationView(wire, operationType, built);
  tally.same(readable.name, operation.name, where, 'operation name');
  tally.same(readable.view, operation.view, where, 'operation view');
  if (codec !== null) {
    runCodecStep(codec, where, expected, tally, () => codec.applyDecoded(built));
  } else if (String(expected.reason).startsWith('encoding_')) {
    tally.check(false, where, () => `the operation was read, but the vector expects ${expected.reason}`);
  }
}

/**
 * Decode a step's operation bytes and check they re-encode; undefined when they do not decode.
 * @param {import('./wire-format.mjs').WireFormat} wire
 * @param {string} operationType
 * @param {string} where
 * @param {any} step
 * @param {Tally} tally
 * @returns {any}
 */
function decodeOperation(wire, operationType, where, step, tally) {
  const { operation, expected } = step;
  let decoded;
  try {
    decoded = decode(wire, operationType, fromHex(operation.encoding));
  } catch (error) {
    if (!(error instanceof DecodingError)) throw error;
    tally.same(error.reason, expected.reason, where, `decoding error (${error.message})`);
    tally.same(operation.name, UNDECODABLE, where, 'operation name of undecodable bytes');
    return undefined;
  }
  tally.same(toHex(encode(wire, operationType, decoded)), operation.encoding, where, 'operation re-encoding');
  return decoded;
}

/**
 * Build a step's operation from its readable view; undefined when the view is refused.
 * @param {import('./wire-format.mjs').WireFormat} wire
 * @param {string} operationType
 * @param {string} where
 * @param {any} step
 * @param {Tally} tally
 * @returns {any}
 */
function buildFromView(wire, operationType, where, step, tally) {
  const { operation, expected } = step;
  try {
    return operationFromView(wire, operationType, operation.name, operation.view);
  } catch (error) {
    if (error instanceof ViewRejection) {
      tally.same(error.reason, expected.reason, where, `rejection of the readable view (${error.message})`);
    } else if (error instanceof ViewShapeError) {
      tally.check(false, where, () => `the readable view does not build: ${error.message}`);
    } else {
      throw error;
    }
    return undefined;
  }
}

/**
 * Apply a codec step and compare outcome, reason, digest and post state.
 * @param {CodecArea} codec
 * @param {string} where
 * @param {any} expected
 * @param {Tally} tally
 * @param {() => import('./codec-area.mjs').Outcome} apply
 */
function runCodecStep(codec, where, expected, tally, apply) {
  const outcome = apply();
  tally.same(outcome.outcome, expected.outcome, where, 'outcome');
  tally.same(outcome.reason, expected.reason, where, 'reason');
  tally.same(codec.digest(), expected.digest, where, 'digest');
  tally.same(view(codec.wire, codec.area.state_type, codec.state), expected.post_state, where, 'post state');
}

/**
 * @param {any} errors
 * @returns {string}
 */
function describeSchemaErrors(errors) {
  return (errors ?? []).map((/** @type {any} */ error) => `${error.instancePath || '/'} ${error.message}`).join('; ');
}

/**
 * @param {unknown} error
 * @returns {string}
 */
function message(error) {
  return error instanceof Error ? error.message : String(error);
}
