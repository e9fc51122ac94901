/**
 * The `codec` area's state machine, from CONSUMING.md and `wire-format.json`.
 *
 * The state is a byte string: the canonical bytes of the last value decoded,
 * empty at first. It is loaded and dumped as the area's state type (`bytes`:
 * a count, then the bytes) and digested by the area's recipe (the domain tag,
 * then the bytes without the count). A step `Decode(type_name, data)` decodes
 * `data` as the type `codec_types` gives for the name; if that works, the
 * re-encoding becomes the state.
 * @module codec-area
 */

import { DecodingError, decode } from './decode.mjs';
import { encode } from './encode.mjs';
import { stateDigest } from './hashes.mjs';

export const CODEC_AREA = 'codec';
export const UNKNOWN_TYPE_REASON = 'codec_unknown_type';

/**
 * @typedef {{outcome: 'accepted' | 'rejected', reason: string | null}} Outcome
 */

/** One codec-area state and the steps that change it. */
export class CodecArea {
  /**
   * @param {import('./wire-format.mjs').WireFormat} wire
   * @param {Uint8Array} [state] the initial state's bytes (without count)
   */
  constructor(wire, state = new Uint8Array(0)) {
    this.wire = wire;
    this.area = wire.area(CODEC_AREA);
    /** The canonical bytes of the last value decoded. */
    this.state = state;
  }

  /**
   * A codec area loaded from the state's canonical encoding.
   * @param {import('./wire-format.mjs').WireFormat} wire
   * @param {Uint8Array} encoding
   * @returns {CodecArea}
   * @throws {DecodingError} when the bytes are not a state
   */
  static load(wire, encoding) {
    return new CodecArea(wire, decode(wire, wire.area(CODEC_AREA).state_type, encoding));
  }

  /** @returns {Uint8Array} the state's canonical encoding */
  dump() {
    return encode(this.wire, this.area.state_type, this.state);
  }

  /** @returns {string} the state digest as "0x..." hex */
  digest() {
    return stateDigest(this.wire, CODEC_AREA, this.state);
  }

  /**
   * Apply an operation given as its canonical bytes (the area's operation type).
   * @param {Uint8Array} encoding
   * @returns {Outcome}
   */
  applyEncoded(encoding) {
    return rejectOnDecodingError(() => this.applyDecoded(decode(this.wire, this.area.operation_type, encoding)));
  }

  /**
   * Apply a decoded operation: `{type_name, data}`.
   * @param {{type_name: string, data: Uint8Array}} operation
   * @returns {Outcome}
   */
  applyDecoded(operation) {
    const type = this.wire.codecType(operation.type_name);
    if (type === undefined) return { outcome: 'rejected', reason: UNKNOWN_TYPE_REASON };
    return rejectOnDecodingError(() => {
      this.state = encode(this.wire, type, decode(this.wire, type, operation.data));
      return { outcome: 'accepted', reason: null };
    });
  }
}

/**
 * Run a step; a decoding error is the step's rejection with its reason.
 * @param {() => Outcome} step
 * @returns {Outcome}
 */
function rejectOnDecodingError(step) {
  try {
    return step();
  } catch (error) {
    if (error instanceof DecodingError) return { outcome: 'rejected', reason: error.reason };
    throw error;
  }
}
