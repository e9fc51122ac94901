"""The ``plasma-spec devnet`` subcommand: run the reference node's parties in a local demo.

``plasma-spec devnet [--data DIR] [--seed N] [--quiet]`` starts, on this
machine, the settlement simulator, two environments with their operators, a
watcher per environment and four wallets (Mallory is the attacker), each with
its own SQLite file in the data directory; it makes deposits and payments,
then plays two attacks (an invalid block paying Mallory from nowhere, and an
exit of an output she already spent), and prints step by step what every
party does, a summary of balances and the checks of the outcome
(``reference.devnet_script``, ``reference.devnet_report``).

Exit status: 0 when the demo's expectations hold, 1 when one does not, 2
when the data directory already holds a devnet.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from reference.devnet_report import format_verdict, run_devnet
from reference.devnet_script import Say


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``devnet`` subcommand to ``commands``."""
    parser = commands.add_parser(
        "devnet",
        help="run a local devnet: two environments, an invalid block, watchers, exits",
        description=(
            "Run the reference node's parties on this machine (settlement layer, two "
            "operators, two watchers, four wallets), play deposits, payments and two attacks, "
            "and check that the watchers answer them and honest users keep their funds "
            "(exit 0 if so, 1 if not)."
        ),
    )
    parser.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help="keep the parties' SQLite files in DIR (default: a temporary directory)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the amounts (default 0)")
    parser.add_argument("--quiet", action="store_true", help="print only the verdict")
    parser.set_defaults(run=run_devnet_command)


def run_devnet_command(arguments: argparse.Namespace) -> int:
    """Run the ``devnet`` subcommand; return the exit code."""
    say: Say = ignore if arguments.quiet else print
    if arguments.data is None:
        with tempfile.TemporaryDirectory(prefix="plasma-devnet-") as directory:
            result = run_devnet(Path(directory), arguments.seed, say)
    else:
        if arguments.data.exists() and any(arguments.data.glob("*.sqlite")):
            print(f"plasma-spec devnet: {arguments.data} already holds a devnet", file=sys.stderr)
            return 2
        result = run_devnet(arguments.data, arguments.seed, say)
    if arguments.quiet:
        print(format_verdict(result))
    return 0 if result.passed else 1


def ignore(line: str) -> None:
    """Drop a line (``--quiet``)."""
