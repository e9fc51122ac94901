"""The ``plasma-spec`` command line.

Subcommands:

- ``plasma-spec invariants``: print the invariant catalog (``--json`` for JSON);
- the ones added by ``COMMAND_MODULES``: ``scenario`` (attack scenarios),
  ``prove`` (Z3 and CrossHair checks), ``fuzz`` (the stateful adversarial test),
  ``mutate`` (the mutation report), ``bench`` (reference against spec
  throughput), ``devnet`` (the reference node's parties on this machine),
  ``vectors`` (write the conformance suite) and ``conform`` (test an
  implementation through its adapter).

Exit statuses are those of :class:`cli.failures.ExitStatus` (0 done, 1 a check
failed, 2 a usage error, 3 the implementation under test failed, 4 a vector
is malformed); a user's mistake is one line on standard error, never a
traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import textwrap
from collections.abc import Sequence
from typing import Any

from cli.failures import ExitStatus, MalformedVectorError, UsageError
from spec import SPEC_VERSION
from spec.invariants.catalog import CATALOG
from spec.invariants.checks import describe_check
from spec.invariants.entry import Invariant

WIDTH = 88
"""Width of the text output."""

COMMAND_MODULES: tuple[str, ...] = (
    "cli.scenario",
    "cli.prove",
    "cli.fuzz",
    "cli.mutate",
    "cli.bench",
    "cli.devnet",
    "cli.vectors",
    "cli.conform",
)
"""Modules that each add one subcommand through ``register(commands)``.

A module's ``register`` adds a parser with ``commands.add_parser(...)`` and
sets ``run=`` (a function from the parsed arguments to an exit code) with
``set_defaults``.
"""


def wrap(text: str, first: str, rest: str) -> str:
    """Return ``text`` wrapped to WIDTH, never breaking a word at a hyphen."""
    return textwrap.fill(
        text, WIDTH, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False
    )


def get_scenario_count() -> int:
    """Return how many attack scenarios there are (the catalog's checks show the number)."""
    from adversary.payments.scenarios.framework import list_scenarios  # noqa: PLC0415 - only when shown

    return len(list_scenarios())


def describe_checks(invariant: Invariant, scenario_count: int) -> list[str]:
    """Return the checks of an invariant as lines of text, with the number of scenarios."""
    return [describe_check(check, scenario_count) for check in invariant.checks]


def format_invariant(invariant: Invariant, scenario_count: int) -> str:
    """Return the text form of one catalogued invariant."""
    scopes = ", ".join(scope.value for scope in invariant.scopes)
    lines = [f"{invariant.identifier}  {invariant.title}  [{invariant.layer.value}; {scopes}]"]
    for label, text in (
        ("Statement", invariant.statement),
        ("Rationale", invariant.rationale),
        ("Strengthening", invariant.strengthening),
    ):
        if text:
            lines.append(wrap(f"{label}: {text}", "  ", "    "))
    lines.append("  Checks:")
    lines.extend(
        wrap(check, "    - ", "      ") for check in describe_checks(invariant, scenario_count)
    )
    return "\n".join(lines)


def make_invariant_document(invariant: Invariant, scenario_count: int) -> dict[str, Any]:
    """Return the JSON form of one catalogued invariant (ids and enumerations as strings)."""
    return {
        "identifier": invariant.identifier.value,
        "title": invariant.title,
        "layer": invariant.layer.value,
        "scopes": [scope.value for scope in invariant.scopes],
        "statement": invariant.statement,
        "rationale": invariant.rationale,
        "strengthening": invariant.strengthening,
        "checks": describe_checks(invariant, scenario_count),
    }


def run_invariants(arguments: argparse.Namespace) -> int:
    """Print the invariant catalog as text or JSON."""
    count = get_scenario_count()
    if arguments.json:
        document = {
            "spec_version": SPEC_VERSION,
            "invariants": [make_invariant_document(invariant, count) for invariant in CATALOG],
        }
        print(json.dumps(document, indent=2))
    else:
        print(f"plasma-spec {SPEC_VERSION}: invariant catalog ({len(CATALOG)} invariants)\n")
        print("\n\n".join(format_invariant(invariant, count) for invariant in CATALOG))
    return 0


EXIT_STATUSES = """exit status:
  0  done, every check passed
  1  a check failed (a disagreement, a failing proof, scenario, replay or devnet check,
     a surviving mutant, a missed rejection reason)
  2  usage error: a bad argument, or an input or output path that cannot be used
  3  conform: the implementation under test hung, crashed or answered garbage
  4  conform: a vector given with --vectors is malformed (the message names its file)
  141  the reader closed the output pipe (as a shell reports a command ended by SIGPIPE)"""
"""The exit statuses, as ``plasma-spec --help`` shows them."""


def make_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``plasma-spec``."""
    parser = argparse.ArgumentParser(
        prog="plasma-spec",
        description="Executable specification of the Plasma protocol.",
        epilog=EXIT_STATUSES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"plasma-spec {SPEC_VERSION}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    invariants = commands.add_parser(
        "invariants",
        help="print the invariant catalog",
        description="Print every catalogued safety invariant: id, statement, rationale, checks.",
    )
    invariants.add_argument("--json", action="store_true", help="print JSON instead of text")
    invariants.set_defaults(run=run_invariants)
    for module_name in COMMAND_MODULES:
        module = importlib.import_module(module_name)
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    arguments = make_parser().parse_args(argv)
    prefix = f"plasma-spec {arguments.command}"
    try:
        code: int = arguments.run(arguments)
    except UsageError as error:
        print(f"{prefix}: error: {error}", file=sys.stderr)
        return ExitStatus.USAGE
    except MalformedVectorError as fault:
        print(f"{prefix}: malformed vector {fault}", file=sys.stderr)
        return ExitStatus.VECTOR
    except BrokenPipeError:
        # The reader (say, ``head``) closed the pipe: stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitStatus.PIPE_CLOSED
    return code


if __name__ == "__main__":
    sys.exit(main())
