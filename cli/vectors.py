"""The ``plasma-spec vectors`` subcommand: write the conformance vector suite of a preset.

``plasma-spec vectors --preset tiny --out DIR`` writes every vector (by area
and operation), an index, the schema, and a coverage report (also printed):
which rejection reasons, operations and spec lines the suite reaches. It
exits 1 when some rejection reason is reached by no vector, unless the only case
reaching it is omitted under the preset because its vector would be too large
(``block_too_large`` under ``full``: a block of 65,537 transactions).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from conformance.cases import list_cases
from conformance.suite import build_suite, write_suite
from spec.presets import PRESETS


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``vectors`` subcommand to ``commands``."""
    parser = commands.add_parser(
        "vectors",
        help="write the conformance vector suite",
        description="Write the conformance vectors of a preset, with their coverage report.",
    )
    parser.add_argument("--preset", choices=sorted(PRESETS), default="tiny")
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    parser.set_defaults(run=run_vectors)


def run_vectors(arguments: argparse.Namespace) -> int:
    """Write the suite; return 0 when every rejection reason is reached, else 1."""
    start = time.monotonic()
    preset = PRESETS[arguments.preset]
    suite = build_suite(preset)
    size = write_suite(suite, arguments.out)
    steps = sum(len(vector["steps"]) for vector in suite.vectors.values())
    print(suite.coverage.render(), end="")
    print(
        f"Wrote {len(suite.vectors)} vectors ({steps} steps, {size:,} bytes) to {arguments.out} "
        f"in {time.monotonic() - start:.1f} s"
    )
    omitted = {
        case.expected_reason.value: case.name
        for case in list_cases()
        if preset.name in case.omitted_presets and case.expected_reason is not None
    }
    for reason, name in sorted(omitted.items()):
        print(f"Omitted under {preset.name}: {reason} (case {name}, too large to ship)")
    unexplained = set(suite.coverage.missed_reasons()) - set(omitted)
    return 1 if unexplained else 0
