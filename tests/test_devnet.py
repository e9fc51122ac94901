"""The devnet demo (``plasma-spec devnet``): its outcome, its output, its files, its checks.

The demo runs in a temporary directory through :func:`reference.devnet.report.run_devnet`,
the function the CLI calls, and through the CLI module's own entry point.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main
from fixtures import BOB, DAVE, TOKEN_A, WATCHER
from reference.devnet.network import CASH_ENVIRONMENT
from reference.devnet.report import run_devnet
from reference.devnet.script import ATTACKED, HEALTHY
from reference.parties.board import BlockBoard
from reference.parties.coin_board import CoinBoard
from reference.parties.coin_operator import CoinOperator
from reference.parties.coin_wallet import CoinStatus, CoinWallet
from reference.parties.coin_watcher import CoinWatcher
from reference.parties.in_flight_watch import InFlightWatch
from reference.parties.operator import Operator
from reference.parties.wallet import Wallet
from reference.parties.watcher import Watcher
from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.presets import TINY
from spec.primitives import Uint64
from spec.settlement.state import ExitStatus


def run_quietly(directory: Path, seed: int = 0) -> tuple[bool, list[str]]:
    """Run the demo in ``directory``; return whether it passed and the lines it printed."""
    lines: list[str] = []
    result = run_devnet(directory, seed, lines.append)
    return result.passed, lines


def run_command(*arguments: str) -> int:
    """Run ``plasma-spec devnet`` with ``arguments`` through the command line; return the code."""
    return main(["devnet", *arguments])


def test_demo_meets_its_expectations_and_tells_the_story(tmp_path: Path) -> None:
    """Given an empty data directory.

    When the demo runs,
    Then every check passes, the steps are numbered with progress, and the
    output shows the three payments attacks and the watchers' answers: the
    invalid block alarm with its deadline, the challenge, and the forged exit
    paid nothing; the withheld block, whose payment the watcher exits in
    flight for Carol and Bob, who are paid; and the Cash story: histories
    checked, the griefing challenge answered, the stolen coin refused by the
    thief's own wallet, the thief's exit challenged and cancelled, and the
    rightful owner paid.
    """
    passed, lines = run_quietly(tmp_path)
    text = "\n".join(lines)
    assert passed
    assert lines[1].startswith("[ 1/32]") and any(line.startswith("[32/32]") for line in lines)
    assert "ATTACK: operator (env 0) commits block 12 paying mallory 1000 from nowhere" in text
    assert "! watcher of env 0: block 12 of environment 0 is invalid" in text
    assert "was refused (tx_input_not_unspent)" in text
    assert "! watcher of env 1: exit 0 of output 2:0:0 was challenged" in text
    assert "mallory 12:0:0: paid 0 of 1000" in text
    assert "ATTACK: operator-two (env 1) commits block 16 but withholds it" in text
    assert "! watcher of env 1: block 16 of environment 1 is withheld (not published)" in text
    assert "its in-flight exit 0 is started by carol" in text
    assert "! watcher of env 1: bob piggybacks its outputs [0] of in-flight exit 0" in text
    assert "in-flight exit 0 pays its outputs: bob" in text
    assert "carol's wallet checked coin 1's history (4 blocks, a proof each) and accepts it" in text
    assert "! coin watcher of carol: exit 0 of coin 1: the history challenge at block 1" in text
    assert "ATTACK: cash-operator (env 2) commits block 12: dave's coin 2 to mallory" in text
    assert "mallory's own wallet checked the coin's history: refused" in text
    assert "! coin watcher of dave: exit 1 of coin 2 by another owner challenged" in text
    assert "mallory finalizes her exit 1: cancelled" in text
    assert "! coin watcher of dave: exit 2 of coin 2 finalized: paid" in text
    assert lines[-1].startswith("Result: the demo's expectations hold (30 checks")
    assert "FAILED" not in text


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_demo_holds_whatever_the_amounts(tmp_path: Path, seed: int) -> None:
    """Given another seed, hence other amounts.

    When the demo runs,
    Then its expectations still hold.
    """
    assert run_quietly(tmp_path, seed)[0]


def test_parties_reopened_from_the_data_directory_are_where_the_demo_left_them(
    tmp_path: Path,
) -> None:
    """Given the data directory of a finished demo.

    When the settlement layer, the board, the watchers (env 1's with its
    in-flight duty for Bob), env 1's operator, Bob's wallet, the Cash operator,
    and Dave's coin wallet and watcher are reopened from their files,
    Then the watchers raise nothing new and still know blocks 12 (env 0) and 16
    (env 1) were bad, the forged exit stays paid nothing; Bob's wallet holds
    nothing in env 1 and no payment in flight, while env 1's operator, who
    withheld block 16, still counts Bob's output of it (paid in flight, which
    no child chain step records); the Cash operator holds no live coin, Dave's
    wallet still has coin 2's history (forgeries included) and his watcher
    raises nothing new.
    """
    assert run_quietly(tmp_path)[0]
    settlement = SettlementSimulator.open(Store(tmp_path / "settlement.sqlite"))
    board = BlockBoard(Store(tmp_path / "board.sqlite"))
    watcher = Watcher.open(Store(tmp_path / "watcher-0.sqlite"), settlement, board, WATCHER.address)
    operator = Operator.open(Store(tmp_path / "operator-1.sqlite"), settlement, board)
    bob = Wallet(Store(tmp_path / "wallet-bob.sqlite"), BOB.key, TINY.transaction_tree_depth)
    assert watcher.tick() == [] and watcher.first_bad_block == 12
    forged = settlement.get_exit(ATTACKED, Uint64(0))
    assert forged is not None and forged.status == ExitStatus.PROCESSED and forged.paid == 0
    assert settlement.get_open_exits(ATTACKED) == []
    owned = operator.ledger.get_outputs_of(BOB.address)
    assert bob.get_balance(HEALTHY, TOKEN_A) == 0 and bob.payments.list_entries(HEALTHY) == []
    assert [int(position.block_number) for position, _ in owned] == [16]
    store_one = Store(tmp_path / "watcher-1.sqlite")
    watcher_one = Watcher.open(store_one, settlement, board, WATCHER.address)
    InFlightWatch(watcher_one, [bob])
    assert watcher_one.tick() == [] and watcher_one.first_bad_block == 16
    coin_board = CoinBoard(board.store)
    cash_operator = CoinOperator.open(
        Store(tmp_path / "cash-operator.sqlite"), settlement, coin_board
    )
    assert cash_operator.ledger.coins == {} and cash_operator.follow_exits() == 0
    depth = int(TINY.coin_tree_depth)
    dave = CoinWallet(Store(tmp_path / "coin-wallet-dave.sqlite"), DAVE.key, depth)
    assert dave.list_coin_statuses(CASH_ENVIRONMENT) == [(2, CoinStatus.EXITED)]
    history = dave.get_history(CASH_ENVIRONMENT, 2)
    assert [int(r.block_number) for r in history if r.leaf is not None] == [2, 4, 12, 16]
    assert [int(r.block_number) for r in dave.list_intrusions(CASH_ENVIRONMENT, 2)] == [12, 16]
    store = Store(tmp_path / "coin-watcher-dave.sqlite")
    watcher_of_dave = CoinWatcher(store, dave, settlement, coin_board, CASH_ENVIRONMENT)
    assert watcher_of_dave.tick() == []


def test_command_exits_zero_and_refuses_a_used_data_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a data directory.

    When ``plasma-spec devnet --quiet --data DIR`` runs twice,
    Then the first run prints only the verdict and exits 0, and the second
    refuses the directory that already holds a devnet with exit status 2.
    """
    assert run_command("--quiet", "--data", str(tmp_path / "net")) == 0
    assert capsys.readouterr().out.startswith("Result: the demo's expectations hold")
    assert run_command("--quiet", "--data", str(tmp_path / "net")) == 2
    assert "already holds a devnet" in capsys.readouterr().err


def test_command_exits_one_when_the_watchers_are_asleep(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given watchers that never check anything.

    When the demo runs (in a temporary directory),
    Then nobody is warned, Mallory's forged exit drains the vault, the checks
    fail and the command exits 1: the checks can fail.
    """
    monkeypatch.setattr(Watcher, "tick", lambda self: [])
    assert run_command() == 1
    output = capsys.readouterr().out
    assert "[FAILED] the watcher of env 0 flagged block 12 as invalid" in output
    assert "[FAILED] withheld payment exited in flight: bob was paid" in output
    assert "mallory 12:0:0: paid" in output and "paid 0 of 1000" not in output


def test_command_exits_one_when_the_in_flight_duty_is_asleep(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given watchers that check blocks and exits but never act in the in-flight game.

    When the demo runs,
    Then the withheld block is still flagged, but nobody exits Carol's payment
    in flight: Bob is never paid, the withheld-block checks fail and the
    command exits 1 (the first two attacks' checks still pass).
    """
    monkeypatch.setattr(InFlightWatch, "tick", lambda self: [])
    assert run_command() == 1
    output = capsys.readouterr().out
    assert "[ok] the watcher of env 1 flagged block 16 as withheld, once" in output
    assert "[FAILED] withheld payment exited in flight: bob was paid" in output
    assert "[FAILED] carol's wallet started the in-flight exit" in output
    assert "[ok] the watcher of env 0 flagged block 12 as invalid" in output
    assert "[ok] env 1 was not affected: no block alarm" in output


def test_command_exits_one_when_the_coin_watchers_are_asleep(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given coin watchers that never act.

    When the demo runs,
    Then nobody answers the griefing challenge or challenges the thief: Mallory
    finalizes her exit of the stolen coin and is paid, Dave's exit is refused,
    the Cash checks fail and the command exits 1 (the payments checks still pass).
    """
    monkeypatch.setattr(CoinWatcher, "tick", lambda self: [])
    assert run_command() == 1
    output = capsys.readouterr().out
    assert "mallory finalizes her exit 1: paid" in output
    assert "dave's exit of coin 2 is refused (coin_already_exited)" in output
    assert "[FAILED] dave's watcher challenged mallory's exit" in output
    assert "[FAILED] carol's watcher answered mallory's griefing challenge" in output
    assert "[ok] the watcher of env 0 flagged block 12 as invalid" in output
    assert "[ok] the watcher won mallory's bond (50 native)" in output
