"""``plasma-spec mutate``: the mutation report."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any

from adversary.mutants import MUTANTS
from adversary.mutation import MutantOutcome, MutationReport, run_mutation_analysis
from adversary.payments.machine import PROFILES
from cli.failures import UsageError, positive_int


def format_outcome(outcome: MutantOutcome) -> str:
    """Return one report row: verdict, mutant, and what caught it."""
    lines = [f"{outcome.verdict.upper():<10} {outcome.name}  ({outcome.wrong_rule})"]
    if outcome.machine_failure:
        lines.append(f"           stateful test: {outcome.machine_failure[:110]}")
    elif not outcome.error:
        lines.append("           stateful test: passed (did not notice)")
    if outcome.failed_scenarios:
        lines.append(f"           scenarios: {', '.join(outcome.failed_scenarios)}")
    if outcome.equivalent_because and not outcome.caught:
        lines.append(f"           equivalent: {outcome.equivalent_because}")
    if outcome.error:
        lines.append(f"           error: {outcome.error}")
    return "\n".join(lines)


def format_report(report: MutationReport) -> str:
    """Return the whole report as text."""
    rows = [format_outcome(outcome) for outcome in report.outcomes]
    caught = sum(outcome.caught for outcome in report.outcomes)
    rows.append(
        f"\n{caught}/{len(report.outcomes)} mutants caught; score {report.score:.0%} "
        f"(stateful test alone: {report.machine_score:.0%})"
    )
    return "\n".join(rows)


def run_mutate(arguments: argparse.Namespace) -> int:
    """Run the mutation analysis and print the report; non-zero if a mutant survived.

    Raises:
        UsageError: when ``--only`` names an unknown mutant.
    """
    if arguments.list:
        width = max(len(mutant.name) for mutant in MUTANTS)
        for mutant in MUTANTS:
            print(f"{mutant.name:<{width}} {mutant.wrong_rule}")
        return 0
    known = {mutant.name for mutant in MUTANTS}
    unknown = [name for name in arguments.only or () if name not in known]
    if unknown:
        raise UsageError(
            f"no mutant named {', '.join(repr(name[:60]) for name in unknown[:3])}; see --list"
        )
    names = arguments.only or None
    print(
        f"running {len(names or MUTANTS)} mutants, {arguments.jobs} at a time...", file=sys.stderr
    )
    report = run_mutation_analysis(names, arguments.profile, arguments.jobs)
    if arguments.json:
        document: dict[str, Any] = {
            "score": report.score,
            "machine_score": report.machine_score,
            "mutants": [{**asdict(o), "verdict": o.verdict} for o in report.outcomes],
        }
        print(json.dumps(document, indent=2))
    else:
        print(format_report(report))
    return 0 if report.passed else 1


def register(commands: Any) -> None:
    """Add ``plasma-spec mutate`` to the command line."""
    parser = commands.add_parser(
        "mutate",
        help="run the checks against deliberately wrong rules (mutation report)",
        description=(
            "Apply each mutant (a deliberately wrong rule) to the spec in its own process, "
            "run the attack scenarios and the stateful adversarial test against it, and "
            "report which mutants were caught. Exit status 1 if any survived unexplained, "
            "2 for an unknown mutant name or a bad --jobs."
        ),
    )
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these mutants")
    parser.add_argument(
        "--jobs", type=positive_int, default=2, help="mutants run at once (default 2)"
    )
    parser.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default="mutation",
        help="Hypothesis profile of the stateful test",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(run=run_mutate)
