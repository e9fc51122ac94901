"""The ``plasma-spec devnet`` subcommand: run the reference node's parties in a local demo.

``plasma-spec devnet [--data DIR] [--seed N] [--quiet]`` starts, on this
machine, the settlement simulator, two payments environments with their
operators, a watcher per environment and four wallets (Mallory is the
attacker), and a Plasma Cash environment with its operator, coin wallets and
coin watchers, each party with its own SQLite file in the data directory; it
makes deposits, payments and coin transfers, then plays four attacks (an
invalid block paying Mallory from nowhere, an exit of an output she already
spent, a withheld block whose payment the watcher exits in flight, and a
forged transfer of Dave's coin to her), and prints step by step what every
party does, a summary of balances and the checks of the outcome
(``reference.devnet.script``, ``reference.devnet.report`` and their
withheld-block and Cash counterparts).

``plasma-spec devnet --finality`` runs the committee-finality devnet instead
(``reference.finality.devnet``): a payments environment certified by a
committee of four replica processes on loopback TCP, one byzantine (it
equivocates), one killed and restarted mid-run, the committed blocks relayed
to the settlement simulator as certified blocks, and the checks of the
outcome (agreement, one vote per view, the restarted replica rejoining, the
certified chain accepted in order, the equivocations refused).

Exit status: 0 when the demo's expectations hold, 1 when one does not, 2
when the data directory already holds a devnet.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from cli.failures import UsageError, non_negative_int, require_directory_or_absent
from reference.devnet.report import format_verdict, run_devnet
from reference.devnet.script import Say
from reference.finality.devnet import run_finality_devnet


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``devnet`` subcommand to ``commands``."""
    parser = commands.add_parser(
        "devnet",
        help="run a local devnet: payments and Cash environments, attacks; --finality: a committee",
        description=(
            "Run the reference node's parties on this machine (settlement layer, two payments "
            "operators and watchers, four wallets, a Plasma Cash operator with coin wallets and "
            "coin watchers), play deposits, payments, coin transfers and three attacks, "
            "and check that the watchers answer them and honest users keep their funds "
            "(exit 0 if so, 1 if not). With --finality, run the committee-finality devnet "
            "instead: four replica processes, one byzantine and one killed and restarted, "
            "whose committed blocks are relayed to the settlement layer."
        ),
    )
    parser.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help="keep the parties' SQLite files in DIR (default: a temporary directory)",
    )
    parser.add_argument(
        "--seed",
        type=non_negative_int,
        default=0,
        help="seed of the amounts, or of the roots with --finality (default 0)",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the verdict")
    parser.add_argument(
        "--finality",
        action="store_true",
        help=(
            "run the committee-finality devnet instead: four replica processes (one byzantine, "
            "one killed and restarted) certifying blocks relayed to the settlement layer"
        ),
    )
    parser.set_defaults(run=run_devnet_command)


def run_devnet_command(arguments: argparse.Namespace) -> int:
    """Run the ``devnet`` subcommand; return the exit code.

    Raises:
        UsageError: when ``--data`` is a file, already holds a devnet, or cannot be created.
    """
    say: Say = ignore if arguments.quiet else print
    run = run_finality_devnet if arguments.finality else run_devnet
    if arguments.data is None:
        with tempfile.TemporaryDirectory(prefix="plasma-devnet-") as directory:
            result = run(Path(directory), arguments.seed, say)
    else:
        require_directory_or_absent(arguments.data, "--data")
        if arguments.data.exists() and any(arguments.data.glob("*.sqlite")):
            raise UsageError(f"--data {arguments.data} already holds a devnet")
        try:
            arguments.data.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise UsageError(f"--data {arguments.data}: {error.strerror or error}") from None
        result = run(arguments.data, arguments.seed, say)
    if arguments.quiet:
        print(format_verdict(result))
    return 0 if result.passed else 1


def ignore(line: str) -> None:
    """Drop a line (``--quiet``)."""
