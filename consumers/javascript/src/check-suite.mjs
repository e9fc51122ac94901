#!/usr/bin/env node
/**
 * `node check-suite.mjs SUITE_DIR`: check every vector of a suite and every
 * RFC 8785 example, print one line per failure and a summary, and exit 1 on
 * any failure (2 when the suite cannot be read).
 * @module check-suite
 */

import { canonicalBytes, canonicalHash } from './hashes.mjs';
import { Suite } from './suite.mjs';
import { Tally, checkVector } from './vector-checks.mjs';

/**
 * Check the RFC 8785 examples of canonical-json.json.
 * @param {Suite} suite
 * @param {Tally} tally
 * @returns {number} how many examples there were
 */
function checkCanonicalExamples(suite, tally) {
  for (const example of suite.canonicalExamples) {
    const where = `canonical-json.json example ${JSON.stringify(example.name)}`;
    const value = JSON.parse(example.input);
    tally.same(Buffer.from(canonicalBytes(value)).toString('utf8'), example.canonical, where, 'canonical text');
    tally.same(canonicalHash(value), example.sha256, where, 'sha256');
  }
  return suite.canonicalExamples.length;
}

/**
 * Check that index.json lists exactly the vectors found, with their content hashes.
 * @param {Suite} suite
 * @param {Tally} tally
 */
function checkIndex(suite, tally) {
  if (suite.index === null) return;
  const listed = new Map(suite.index.map((entry) => [entry.path, entry.content_hash]));
  tally.same([...listed.keys()].sort(), suite.vectorPaths, 'index.json', 'list of vectors');
  for (const path of suite.vectorPaths) {
    if (listed.has(path)) {
      tally.same(listed.get(path), suite.readVector(path).provenance.content_hash, `index.json ${path}`, 'content hash');
    }
  }
}

/**
 * @param {string[]} argv
 * @returns {number} exit status
 */
function main(argv) {
  if (argv.length !== 1 || argv[0].startsWith('-')) {
    console.error('usage: node check-suite.mjs SUITE_DIR');
    return 2;
  }
  let suite;
  try {
    suite = new Suite(argv[0]);
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  const started = performance.now();
  const tally = new Tally();
  const examples = checkCanonicalExamples(suite, tally);
  checkIndex(suite, tally);
  for (const path of suite.vectorPaths) {
    try {
      checkVector(suite, path, tally);
    } catch (error) {
      tally.check(false, path, () => `checker error: ${error instanceof Error ? error.stack : String(error)}`);
    }
  }
  for (const failure of tally.failures) console.log(`FAIL ${failure}`);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `checked ${tally.vectors} vectors, ${tally.steps} steps, ${examples} canonical-json examples: ` +
      `${tally.checks} checks, ${tally.failures.length} failures (${seconds} s)`,
  );
  return tally.failures.length === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
