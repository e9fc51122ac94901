/**
 * A vector suite on disk: its documents (`wire-format.json`, `schema.json`,
 * `canonical-json.json`, `index.json`) and its vectors, one JSON file each in
 * `AREA/GROUP/NAME.json`.
 * @module suite
 */

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { WireFormat } from './wire-format.mjs';

/** The documents of one suite, and the paths of its vectors. */
export class Suite {
  /**
   * @param {string} directory
   */
  constructor(directory) {
    if (!existsSync(join(directory, 'wire-format.json'))) {
      throw new Error(`${directory} is not a vector suite: it has no wire-format.json`);
    }
    /** The suite's directory. */
    this.directory = directory;
    /** The wire format. */
    this.wire = WireFormat.load(join(directory, 'wire-format.json'));
    const ajv = new Ajv2020({ allErrors: false, strict: true });
    /** The schema validator for vectors. */
    this.validate = ajv.compile(readJson(join(directory, 'schema.json')));
    /** The RFC 8785 examples. */
    this.canonicalExamples = readJson(join(directory, 'canonical-json.json')).examples;
    /** @type {{path: string, content_hash: string}[] | null} the index, if the suite has one */
    this.index = existsSync(join(directory, 'index.json')) ? readJson(join(directory, 'index.json')) : null;
    /** Paths of the vectors relative to the suite, with "/" separators, sorted. */
    this.vectorPaths = findVectors(directory).sort();
  }

  /**
   * Read one vector.
   * @param {string} path relative to the suite
   * @returns {any}
   */
  readVector(path) {
    return readJson(join(this.directory, path));
  }
}

/**
 * @param {string} path
 * @returns {any}
 */
export function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/**
 * Every `.json` file below the suite's area directories.
 * @param {string} directory
 * @returns {string[]}
 */
function findVectors(directory) {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
    .map((entry) => relative(directory, join(entry.parentPath ?? entry.path, entry.name)).split(sep).join('/'))
    .filter((path) => path.includes('/'));
}
