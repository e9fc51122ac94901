"""The vector suite of one preset: every case and every scenario, organised by area and operation.

Layout under the output directory::

    <area>/<operation>/<case>.json   a case, filed under the operation of its last step
    <area>/scenarios/<name>.json     a trace recorded from the scenario library
    index.json                       every vector: path, capabilities, content hash
    coverage.json, coverage.txt      what the suite reaches (``conformance.coverage``)
    schema.json                      the JSON Schema every vector is valid against
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from adversary.scenarios.framework import list_scenarios
from conformance.cases import list_cases
from conformance.coverage import Coverage, measure_spec_lines
from conformance.readable import JsonValue
from conformance.recording import record_scenario
from conformance.schema import SCHEMA_PATH, validate_vector
from conformance.trace import Trace, make_vector
from spec.presets import Preset


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
    return written


def write_file(path: Path, text: str) -> int:
    """Write ``text`` to ``path`` (creating its directory); return its size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    path.write_bytes(data)
    return len(data)


def load_vectors(directory: Path) -> list[tuple[str, dict[str, JsonValue]]]:
    """Return every vector under ``directory`` (or the one file ``directory``) with its path."""
    if directory.is_file():
        return [(directory.name, json.loads(directory.read_text()))]
    skipped = {"index.json", "coverage.json", "schema.json"}
    files = sorted(p for p in directory.rglob("*.json") if p.name not in skipped)
    return [(str(p.relative_to(directory)), json.loads(p.read_text())) for p in files]
