"""The ``plasma-spec scenario`` subcommand: play a named attack scenario and show its timeline.

- ``plasma-spec scenario NAME``: print the scenario's description, timeline,
  expected outcome and who holds what; exit 0 when the spec met the
  expectation, 1 otherwise;
- ``plasma-spec scenario --list``: one line per scenario, name and summary;
- ``plasma-spec scenario --all``: play every scenario, one verdict per line;
  exit 0 when all pass.

An unknown name exits with 2.
"""

from __future__ import annotations

import argparse
import sys

from adversary.payments.scenarios.framework import (
    get_scenario,
    list_scenarios,
    play_scenario,
    run_all,
)
from adversary.payments.timeline import render_result


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``scenario`` subcommand to ``commands``."""
    parser = commands.add_parser(
        "scenario",
        help="play a named attack scenario and print its timeline",
        description=(
            "Play an attack scenario from the Plasma literature against the spec, print its "
            "timeline and check its expected outcome (exit 0 if met, 1 if not)."
        ),
    )
    parser.add_argument("name", nargs="?", help="scenario name (see --list)")
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--list", action="store_true", help="list every scenario and exit")
    choice.add_argument("--all", action="store_true", help="play every scenario, one line each")
    parser.set_defaults(run=run_scenario_command)


def run_scenario_command(arguments: argparse.Namespace) -> int:
    """Run the ``scenario`` subcommand; return the exit code."""
    if arguments.list:
        return print_list()
    if arguments.all:
        return print_all()
    if arguments.name is None:
        print("plasma-spec scenario: give a scenario NAME, --list or --all", file=sys.stderr)
        return 2
    try:
        scenario = get_scenario(arguments.name)
    except KeyError:
        print(
            f"plasma-spec scenario: unknown scenario {arguments.name!r}; see --list",
            file=sys.stderr,
        )
        return 2
    result = play_scenario(scenario)
    print(render_result(result), end="")
    return 0 if result.passed else 1


def print_list() -> int:
    """Print every scenario's name and summary."""
    scenarios = list_scenarios()
    width = max(len(s.name) for s in scenarios)
    for scenario in scenarios:
        print(f"{scenario.name:<{width}}  {scenario.summary}")
    return 0


def print_all() -> int:
    """Play every scenario and print one verdict per line; return 0 when all passed."""
    results = run_all()
    for result in results:
        print(f"{'PASS' if result.passed else 'FAIL'}  {result.name}")
        for difference in result.differences:
            print(f"      {difference}")
    failed = sum(not result.passed for result in results)
    print(f"{len(results) - failed} of {len(results)} scenarios passed")
    return 1 if failed else 0
