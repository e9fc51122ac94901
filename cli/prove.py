"""``plasma-spec prove``: run every machine check and print one row per invariant.

Runs the checkers of ``proofs.runner`` (Z3 inductive proofs, bounded model
checks, negative controls, and any checker family added there), printing
progress on stderr. The report has one row per (invariant, method): the
invariant's id and shortened statement, the method (inductive, BMC with its
depth, CrossHair, property), the result and the time; then every negative
control; then the details of anything that failed. ``--json`` prints the
same as JSON (for the docs). The exit code is 1 when any check failed or
was inconclusive (``unknown`` counts as a failure), else 0.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from proofs.report import compute_source_digest, result_to_json
from proofs.results import CheckResult, Method, Outcome
from proofs.runner import run_all_checks, select_checkers
from spec import SPEC_VERSION
from spec.invariants.catalog import get_invariant
from spec.invariants.ids import InvariantId

STATEMENT_WIDTH = 44
"""Characters of an invariant's statement shown in a row."""

OUTCOME_RANK = {
    Outcome.PROVED: 0,
    Outcome.BOUNDED: 0,
    Outcome.CAUGHT: 0,
    Outcome.UNKNOWN: 1,
    Outcome.FAILED: 2,
}
"""How bad an outcome is when results are combined into one row."""


@dataclass(frozen=True)
class ReportRow:
    """One line of the report: an invariant checked by one method."""

    invariant: InvariantId
    """Catalog id."""
    statement: str
    """The catalog statement, shortened."""
    method: str
    """How it was checked, e.g. ``inductive`` or ``BMC depth 8``."""
    checks: int
    """Number of checks combined in the row."""
    outcome: str
    """Worst outcome of those checks."""
    seconds: float
    """Total time of those checks."""


def shorten(text: str, width: int = STATEMENT_WIDTH) -> str:
    """Return ``text`` cut to ``width`` characters, marking a cut with an ellipsis."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def get_statement(identifier: InvariantId) -> str:
    """Return the shortened title and statement of a catalogued invariant."""
    invariant = get_invariant(identifier)
    return shorten(f"{invariant.title}: {invariant.statement}")


def describe_method(result: CheckResult) -> str:
    """Return the method column of a result."""
    if result.method == Method.BMC:
        return f"BMC depth {result.depth}"
    names = {Method.INDUCTIVE: "inductive", Method.CROSSHAIR: "CrossHair"}
    return names.get(result.method, result.method.value)


def combine_outcomes(results: Sequence[CheckResult]) -> Outcome:
    """Return the worst outcome of some results."""
    return max((result.outcome for result in results), key=lambda outcome: OUTCOME_RANK[outcome])


def make_rows(results: Sequence[CheckResult]) -> list[ReportRow]:
    """Return one row per (invariant, method) of the checks that are not negative controls."""
    groups: dict[tuple[InvariantId, str], list[CheckResult]] = {}
    for result in results:
        if result.method == Method.NEGATIVE_CONTROL:
            continue
        for identifier in result.invariants:
            groups.setdefault((identifier, describe_method(result)), []).append(result)
    rows = [
        ReportRow(
            invariant=identifier,
            statement=get_statement(identifier),
            method=method,
            checks=len(group),
            outcome=combine_outcomes(group).value,
            seconds=sum(result.seconds for result in group),
        )
        for (identifier, method), group in groups.items()
    ]
    return sorted(rows, key=lambda row: (row.invariant, row.method))


def format_row(row: ReportRow) -> str:
    """Return one report row as text."""
    method = f"{row.method} ({row.checks})"
    return (
        f"{row.invariant:<7} {row.statement:<{STATEMENT_WIDTH}}  {method:<18} "
        f"{row.outcome:<8} {row.seconds:7.2f}s"
    )


def format_control(result: CheckResult) -> str:
    """Return one negative control as text."""
    shown = "caught" if result.outcome == Outcome.CAUGHT else result.outcome.value.upper()
    invariants = ",".join(result.invariants)
    return f"{invariants:<7} {result.name:<62} {shown:<8} {result.seconds:7.2f}s"


def format_report(results: Sequence[CheckResult]) -> str:
    """Return the text report: rows per invariant, controls, then details of failures."""
    controls = [r for r in results if r.method == Method.NEGATIVE_CONTROL]
    failures = [r for r in results if not r.passed]
    lines = [
        f"plasma-spec {SPEC_VERSION}: {len(results)} checks, {len(failures)} failed",
        "",
        f"{'ID':<7} {'Statement':<{STATEMENT_WIDTH}}  {'Method (checks)':<18} {'Result':<8} "
        f"{'Time':>8}",
        *(format_row(row) for row in make_rows(results)),
        "",
        f"Negative controls ({len(controls)}; each must be caught):",
        *(format_control(result) for result in controls),
    ]
    for result in failures:
        lines.extend(["", f"FAILED {result.name} ({result.outcome.value}):", result.detail])
    return "\n".join(lines)


def make_document(results: Sequence[CheckResult], families: Sequence[str] = ()) -> dict[str, Any]:
    """Return the JSON report: summary, rows, controls and every result.

    ``families`` gives each result's checker family, in order; with them the
    report also carries the source digest (``proofs.report``), so that it can
    stand in for the same checks on the same code.
    """
    tagged = (
        {"source_digest": compute_source_digest(), "families": sorted(set(families))}
        if families
        else {}
    )
    return {
        "spec_version": SPEC_VERSION,
        **tagged,
        "passed": all(result.passed for result in results),
        "checks": len(results),
        "failed": sum(not result.passed for result in results),
        "rows": [dataclasses.asdict(row) for row in make_rows(results)],
        "controls": [
            dataclasses.asdict(result)
            for result in results
            if result.method == Method.NEGATIVE_CONTROL
        ],
        "results": [
            result_to_json(result, family)
            for result, family in zip(results, families or [""] * len(results), strict=True)
        ],
    }


def report_progress(result: CheckResult) -> None:
    """Print one finished check on stderr."""
    print(f"  {result.outcome.value:<8} {result.seconds:6.2f}s  {result.name}", file=sys.stderr)


def report_checker(label: str) -> None:
    """Print the start of a checker family on stderr."""
    print(f"{label}...", file=sys.stderr)


def run_prove(arguments: argparse.Namespace) -> int:
    """Run every check, print the report; return 1 if anything failed or was unknown."""
    checkers = select_checkers(arguments.only) if arguments.only else None
    families: list[str] = []
    current = [""]

    def on_checker(label: str) -> None:
        current[0] = label
        report_checker(label)

    def on_result(result: CheckResult) -> None:
        families.append(current[0])
        report_progress(result)

    results = run_all_checks(on_result=on_result, on_checker=on_checker, checkers=checkers)
    if arguments.json:
        print(json.dumps(make_document(results, families), indent=2))
    else:
        print(format_report(results))
    return 0 if results and all(result.passed for result in results) else 1


def register(commands: Any) -> None:
    """Add the ``prove`` subcommand to the ``plasma-spec`` parser's subcommands."""
    prove = commands.add_parser(
        "prove",
        help="run the Z3 proofs, bounded checks, CrossHair checks and negative controls",
        description=(
            "Run every machine check of the invariant catalog and print one row per "
            "invariant and method, then the negative controls. Exit code 1 on any failure "
            "or inconclusive (unknown) check."
        ),
    )
    prove.add_argument("--json", action="store_true", help="print JSON instead of text")
    prove.add_argument(
        "--only",
        action="append",
        metavar="PREFIX",
        help="run only the checker families whose name starts with PREFIX (any case), "
        "e.g. 'z3' or 'crosshair'; repeatable",
    )
    prove.set_defaults(run=run_prove)
