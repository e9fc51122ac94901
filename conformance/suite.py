"""The vector suite of one preset: every case and every scenario, organised by area and operation.

Layout under the output directory::

    <area>/<operation>/<case>.json   a case, filed under the operation of its last step
    <area>/scenarios/<name>.json     a trace recorded from the scenario library
    index.json                       every vector: path, capabilities, content hash
    coverage.json, coverage.txt      what the suite reaches (``conformance.coverage``)
    schema.json                      the JSON Schema every vector is valid against
    canonical-json.json              RFC 8785 examples for the provenance hash
                                     (``conformance.canonical``)
    wire-format.json                 every type, tag, hash and tree of the wire
                                     (``conformance.wire_format``)
"""

from __future__ import annotations

import json
import typing
from dataclasses import dataclass
from pathlib import Path

import jsonschema

from adversary.payments.scenarios.framework import list_scenarios
from conformance.areas import AREAS
from conformance.canonical import build_canonical_examples
from conformance.cases import list_cases
from conformance.coverage import Coverage, measure_spec_lines
from conformance.readable import JsonValue, read_hex
from conformance.recording import record_scenario
from conformance.schema import SCHEMA_PATH, validate_vector
from conformance.trace import Trace, make_vector
from conformance.wire_format import WIRE_FORMAT_FILE, build_wire_format
from spec.encoding import decode_as
from spec.errors import Rejected
from spec.presets import Preset

CANONICAL_EXAMPLES_FILE = "canonical-json.json"
"""The suite's file of canonical JSON examples (:func:`build_canonical_examples`)."""


@dataclass(frozen=True)
class Suite:
    """The vectors of one preset and what they cover."""

    vectors: dict[str, dict[str, JsonValue]]
    """Vector by relative path (``area/operation/name.json``)."""
    coverage: Coverage
    """Reasons, operations and spec lines the vectors reach."""


def list_traces(preset: Preset) -> list[tuple[str, Trace]]:
    """Return every trace of the suite with its relative path."""
    traces = []
    for case in list_cases(preset):
        trace = case.build(preset)
        operation = trace.steps[-1].name
        traces.append((f"{trace.area.name}/{operation}/{trace.name}.json", trace))
    for scenario in list_scenarios():
        for trace in record_scenario(scenario, preset):
            traces.append((f"{trace.area.name}/scenarios/{trace.name}.json", trace))
    return traces


def build_suite(preset: Preset) -> Suite:
    """Build every vector of ``preset`` and measure which spec lines building them ran."""
    with measure_spec_lines() as lines:
        vectors = {path: make_vector(trace) for path, trace in list_traces(preset)}
    return Suite(vectors, Coverage.of(vectors.values(), lines))


def write_suite(suite: Suite, directory: Path) -> int:
    """Write the suite's files under ``directory``; return the bytes written."""
    written = 0
    index = []
    for path, vector in sorted(suite.vectors.items()):
        validate_vector(vector)
        text = json.dumps(vector, indent=1) + "\n"
        written += write_file(directory / path, text)
        index.append(
            {
                "path": path,
                "area": vector["area"],
                "capabilities": vector["capabilities"],
                "steps": len(vector["steps"]),
                "content_hash": vector["provenance"]["content_hash"],
            }
        )
    written += write_file(directory / "index.json", json.dumps(index, indent=1) + "\n")
    written += write_file(directory / "coverage.json", json.dumps(suite.coverage.to_json()) + "\n")
    written += write_file(directory / "coverage.txt", suite.coverage.render())
    written += write_file(directory / "schema.json", SCHEMA_PATH.read_text())
    wire_format = json.dumps(build_wire_format(), indent=1) + "\n"
    written += write_file(directory / WIRE_FORMAT_FILE, wire_format)
    examples = build_canonical_examples()
    written += write_file(
        directory / CANONICAL_EXAMPLES_FILE,
        json.dumps(examples, indent=1, ensure_ascii=False) + "\n",
    )
    return written


def write_file(path: Path, text: str) -> int:
    """Write ``text`` to ``path`` (creating its directory); return its size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    path.write_bytes(data)
    return len(data)


MAX_VECTOR_BYTES = 256 * 1024 * 1024
"""Largest vector file read (256 MiB; the largest vector of the ``full`` suite is under 1 MiB)."""


class VectorFileError(ValueError):
    """A vector file is malformed: it is the vector's fault, not the implementation's."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        """The vector's file, relative to the directory given."""
        self.problem = problem
        """What is wrong with it, in one line."""


def load_vectors(directory: Path) -> list[tuple[str, dict[str, JsonValue]]]:
    """Return every vector under ``directory`` (or the one file ``directory``) with its path.

    Each is checked before any implementation sees it (:func:`check_vector`).

    Raises:
        VectorFileError: for the first file that cannot be read or is not a valid vector.
    """
    if directory.is_file():
        return [(directory.name, read_vector_file(directory, directory.name))]
    skipped = {
        "index.json",
        "coverage.json",
        "schema.json",
        CANONICAL_EXAMPLES_FILE,
        WIRE_FORMAT_FILE,
    }
    files = sorted(p for p in directory.rglob("*.json") if p.name not in skipped)
    return [
        (str(p.relative_to(directory)), read_vector_file(p, str(p.relative_to(directory))))
        for p in files
    ]


def read_vector_file(path: Path, name: str) -> dict[str, JsonValue]:
    """Read and check one vector file.

    Raises:
        VectorFileError: when it cannot be read or is not a valid vector.
    """
    try:
        with path.open("rb") as file:
            data = file.read(MAX_VECTOR_BYTES + 1)
    except OSError as error:
        raise VectorFileError(name, f"cannot read it: {error.strerror or error}") from None
    if len(data) > MAX_VECTOR_BYTES:
        raise VectorFileError(name, f"larger than {MAX_VECTOR_BYTES:,} bytes")
    try:
        vector = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise VectorFileError(name, "not UTF-8 text") from None
    except (ValueError, RecursionError) as error:
        raise VectorFileError(name, f"not JSON ({str(error)[:80]})") from None
    check_vector(name, vector)
    return typing.cast(dict[str, JsonValue], vector)


def check_vector(name: str, vector: JsonValue) -> None:
    """Check a vector against the schema, and its initial state against its digest.

    Raises:
        VectorFileError: naming the first problem.
    """
    try:
        validate_vector(vector)
    except jsonschema.ValidationError as error:
        where = "/".join(str(part) for part in error.absolute_path) or "the top level"
        raise VectorFileError(
            name, f"breaks the schema at {where}: {error.message[:120]}"
        ) from None
    area = AREAS[vector["area"]]
    initial = vector["initial_state"]
    try:
        state = decode_as(area.state_type, read_hex(initial["encoding"]))
    except Rejected as rejection:
        raise VectorFileError(
            name, f"its initial state does not decode ({rejection.reason.value})"
        ) from None
    if "0x" + bytes(area.digest(state)).hex() != initial["digest"]:
        raise VectorFileError(name, "its initial state's digest is not the state's")
