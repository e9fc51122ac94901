#!/usr/bin/env node
/**
 * A partial adapter speaking `plasma-spec/adapter/v1` (PROTOCOL.md) on JSON
 * lines: it implements the `codec` area only, driven by a copy of the suite's
 * `wire-format.json` (default: the one beside package.json; `--wire-format
 * PATH` to use another).
 *
 * Options: --wire-format PATH, --max-line-bytes N, --max-depth N, --max-digits N.
 * @module adapter
 */

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BadHexError, fromHex, quote, toHex } from './bytes.mjs';
import { CODEC_AREA, CodecArea } from './codec-area.mjs';
import { DecodingError } from './decode.mjs';
import { ViewRejection, ViewShapeError, operationFromView } from './from-view.mjs';
import { DEFAULT_LIMITS, ProtocolError, parseRequest, readLines } from './request-lines.mjs';
import { WireFormat } from './wire-format.mjs';

export const PROTOCOL = 'plasma-spec/adapter/v1';
export const ADAPTER_NAME = 'plasma-spec JavaScript consumer (codec only)';
/** What this adapter implements: the one place to change when it grows. */
export const CAPABILITIES = Object.freeze([CODEC_AREA]);
const KNOWN_AREAS = ['settlement', 'payments-chain', 'cash-chain', 'codec', 'consensus'];
const KNOWN_PRESETS = ['tiny', 'full'];
const DEFAULT_WIRE_FORMAT = fileURLToPath(new URL('../wire-format.json', import.meta.url));

/** The adapter's state between requests. */
export class Adapter {
  /** @param {WireFormat} wire */
  constructor(wire) {
    this.wire = wire;
    /** @type {CodecArea | null} */
    this.codec = null;
  }

  /**
   * Answer one parsed request.
   * @param {Record<string, any>} request
   * @returns {Record<string, any>}
   * @throws {ProtocolError}
   */
  answer(request) {
    switch (request.command) {
      case 'hello':
        return { ok: true, name: ADAPTER_NAME, protocol: PROTOCOL, capabilities: [...CAPABILITIES] };
      case 'reset':
        return this.reset(request);
      case 'apply':
        return this.apply(request);
      case 'dump':
        return { ok: true, state: toHex(this.current().dump()) };
      case 'bye':
        return { ok: true };
      default:
        throw new ProtocolError('unknown_command', `unknown command ${quote(request.command)}`);
    }
  }

  /**
   * @param {Record<string, any>} request
   * @returns {Record<string, any>}
   */
  reset(request) {
    // Each field in turn: its presence and type, then its value.
    const area = field(request, 'area', 'string');
    if (!KNOWN_AREAS.includes(area)) throw new ProtocolError('unknown_area', `no area ${quote(area)}`);
    if (!CAPABILITIES.includes(area)) throw new ProtocolError('unknown_area', `area ${quote(area)} is not implemented here`);
    const preset = field(request, 'preset', 'string');
    if (!KNOWN_PRESETS.includes(preset)) throw new ProtocolError('unknown_preset', `no preset ${quote(preset)}`);
    const state = hexField(request, 'state');
    try {
      this.codec = CodecArea.load(this.wire, state);
    } catch (error) {
      if (error instanceof DecodingError) throw new ProtocolError('invalid_state', `not a codec state: ${error.message}`);
      throw error;
    }
    return { ok: true, digest: this.codec.digest() };
  }

  /**
   * @param {Record<string, any>} request
   * @returns {Record<string, any>}
   */
  apply(request) {
    const operation = field(request, 'operation', 'object');
    field(operation, 'name', 'string');
    // The view is needed only when there are no bytes.
    if (!Object.hasOwn(operation, 'encoding') || (operation.encoding === null && !Object.hasOwn(operation, 'view'))) {
      throw new ProtocolError('bad_field', 'operation needs name, encoding and (without encoding) view');
    }
    const codec = this.current();
    const outcome =
      operation.encoding === null
        ? applyView(codec, operation)
        : codec.applyEncoded(hexField(operation, 'encoding'));
    return { ok: true, outcome: outcome.outcome, reason: outcome.reason, digest: codec.digest() };
  }

  /** @returns {CodecArea} */
  current() {
    if (this.codec === null) throw new ProtocolError('no_state', 'no state yet: send reset first');
    return this.codec;
  }
}

/**
 * Apply an operation given by its readable view (`encoding` null).
 * @param {CodecArea} codec
 * @param {Record<string, any>} operation
 * @returns {import('./codec-area.mjs').Outcome}
 */
function applyView(codec, operation) {
  let built;
  try {
    built = operationFromView(codec.wire, codec.area.operation_type, operation.name, operation.view);
  } catch (error) {
    if (error instanceof ViewRejection) return { outcome: 'rejected', reason: error.reason };
    if (error instanceof ViewShapeError) throw new ProtocolError('bad_operation', error.message);
    throw error;
  }
  return codec.applyDecoded(built);
}

/**
 * A request field of a JSON type, or bad_field.
 * @param {Record<string, any>} request
 * @param {string} name
 * @param {'string' | 'object'} type
 * @returns {any}
 */
function field(request, name, type) {
  const value = request[name];
  const isType = type === 'object' ? typeof value === 'object' && value !== null && !Array.isArray(value) : typeof value === type;
  if (!Object.hasOwn(request, name) || !isType) throw new ProtocolError('bad_field', `${name} must be a JSON ${type}`);
  return value;
}

/**
 * A hex field, or bad_field / bad_hex.
 * @param {Record<string, any>} request
 * @param {string} name
 * @returns {Uint8Array}
 */
function hexField(request, name) {
  const text = field(request, name, 'string');
  try {
    return fromHex(text);
  } catch (error) {
    if (error instanceof BadHexError) throw new ProtocolError('bad_hex', `${name}: ${error.message}`);
    throw error;
  }
}

/**
 * Serve requests from standard input until `bye` or the end of input.
 * @param {string[]} argv
 */
async function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      'wire-format': { type: 'string', default: DEFAULT_WIRE_FORMAT },
      'max-line-bytes': { type: 'string', default: String(DEFAULT_LIMITS.maxLineBytes) },
      'max-depth': { type: 'string', default: String(DEFAULT_LIMITS.maxDepth) },
      'max-digits': { type: 'string', default: String(DEFAULT_LIMITS.maxDigits) },
    },
  });
  const limits = {
    maxLineBytes: positive(values['max-line-bytes'], '--max-line-bytes'),
    maxDepth: positive(values['max-depth'], '--max-depth'),
    maxDigits: positive(values['max-digits'], '--max-digits'),
  };
  const adapter = new Adapter(WireFormat.load(String(values['wire-format'])));
  for await (const line of readLines(process.stdin, limits.maxLineBytes)) {
    let answer;
    let request = null;
    try {
      request = parseRequest(line, limits);
      answer = adapter.answer(request);
    } catch (error) {
      if (!(error instanceof ProtocolError)) console.error(error);
      answer = error instanceof ProtocolError
        ? { ok: false, error: error.code, message: error.message }
        : { ok: false, error: 'internal_error', message: String(error).slice(0, 120) };
    }
    process.stdout.write(`${JSON.stringify(answer)}\n`);
    if (request?.command === 'bye' && answer.ok) break;
  }
}

/**
 * @param {unknown} text
 * @param {string} option
 * @returns {number}
 */
function positive(text, option) {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) {
    console.error(`error: ${option} must be a positive integer, got ${quote(text)}`);
    process.exit(2);
  }
  return value;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  });
}
