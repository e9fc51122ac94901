"""The ``plasma-spec vectors`` subcommand: write the conformance vector suite of a preset.

``plasma-spec vectors --preset tiny --out DIR`` writes every vector (by area
and operation), an index, the schema, and a coverage report (also printed):
which rejection reasons, operations and spec lines the suite reaches. It
exits 1 when some rejection reason is reached by no vector, unless the only case
reaching it is omitted under the preset because its vector would be too large
(``block_too_large`` under ``full``: a block of 65,537 transactions).

``--out`` must be a new or empty directory, or, with ``--replace``, one that
holds a suite written before (its ``index.json``): the new suite then takes
its place whole, so no file of the old one is left behind. The suite is
written beside it first and moved into place at the end, so an interrupted
run leaves the old suite as it was. Anything else exits with 2 before any work.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from cli.failures import UsageError, require_directory_or_absent
from conformance.cases import list_cases
from conformance.suite import Suite, build_suite, write_suite
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
    parser.add_argument(
        "--replace",
        action="store_true",
        help="replace the vector suite already in --out (a directory holding index.json)",
    )
    parser.set_defaults(run=run_vectors)


def check_output_directory(directory: Path, replace: bool) -> None:
    """Refuse an output directory that would mix two suites or lose other files.

    Raises:
        UsageError: when it is a file, or a non-empty directory that is not a suite
            to replace.
    """
    require_directory_or_absent(directory, "--out")
    if not directory.exists() or not any(directory.iterdir()):
        return
    if not replace:
        raise UsageError(
            f"--out {directory} is not empty; give a new or empty directory, "
            "or --replace to replace the suite in it"
        )
    if not (directory / "index.json").is_file():
        raise UsageError(
            f"--out {directory} is not empty and holds no vector suite (no index.json); "
            "--replace only replaces a suite"
        )


def write_suite_in_place(suite: Suite, directory: Path) -> int:
    """Write the suite beside ``directory``, then move it into place; return the bytes written.

    Raises:
        UsageError: when the files cannot be written.
    """
    staging: Path | None = None
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
        size = write_suite(suite, staging)
        if directory.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{directory.name}-old-", dir=directory.parent))
            directory.rename(retired / directory.name)
            staging.rename(directory)
            shutil.rmtree(retired)
        else:
            staging.rename(directory)
    except OSError as error:
        if staging is not None and staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
        raise UsageError(
            f"cannot write the suite to {directory}: {error.strerror or error}"
        ) from None
    return size


def run_vectors(arguments: argparse.Namespace) -> int:
    """Write the suite; return 0 when every rejection reason is reached, else 1.

    Raises:
        UsageError: for an output directory that cannot take the suite.
    """
    start = time.monotonic()
    check_output_directory(arguments.out, arguments.replace)
    preset = PRESETS[arguments.preset]
    suite = build_suite(preset)
    size = write_suite_in_place(suite, arguments.out)
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
