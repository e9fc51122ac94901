"""The ``plasma-spec`` command line.

Subcommands:

- ``plasma-spec invariants``: print the invariant catalog (``--json`` for JSON);
- the ones added by ``COMMAND_MODULES``: ``scenario`` (attack scenarios),
  ``prove`` (Z3 and CrossHair checks), ``fuzz`` (the stateful adversarial test),
  ``mutate`` (the mutation report), ``bench`` (reference against spec
  throughput), ``devnet`` (the reference node's parties on this machine),
  ``vectors`` (write the conformance suite) and ``conform`` (test an
  implementation through its adapter).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import os
import sys
import textwrap
from collections.abc import Sequence

from spec import SPEC_VERSION
from spec.invariants.catalog import CATALOG, Invariant

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


def format_invariant(invariant: Invariant) -> str:
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
    lines.extend(wrap(check, "    - ", "      ") for check in invariant.checks)
    return "\n".join(lines)


def run_invariants(arguments: argparse.Namespace) -> int:
    """Print the invariant catalog as text or JSON."""
    if arguments.json:
        document = {
            "spec_version": SPEC_VERSION,
            "invariants": [dataclasses.asdict(invariant) for invariant in CATALOG],
        }
        print(json.dumps(document, indent=2))
    else:
        print(f"plasma-spec {SPEC_VERSION}: invariant catalog ({len(CATALOG)} invariants)\n")
        print("\n\n".join(format_invariant(invariant) for invariant in CATALOG))
    return 0


def make_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``plasma-spec``."""
    parser = argparse.ArgumentParser(
        prog="plasma-spec",
        description="Executable specification of the Plasma protocol.",
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
    try:
        code: int = arguments.run(arguments)
    except BrokenPipeError:
        # The reader (say, ``head``) closed the pipe: stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
