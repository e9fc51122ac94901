"""The Plasma Cash adversary: the ground truth, the honest wallet, the game, and a spec gap.

The scenarios (``tests/test_scenarios.py``), the Cash machine
(``tests/test_stateful.py``) and the mutation report (``tests/test_mutation.py``)
exercise these parts end to end; the tests here pin down the pieces they
rest on: how a coin's valid history is judged, which challenge an honest
owner picks for each kind of bad exit, that a recorded Cash trace replays,
and the gap the adversary found (an exit with a history from before the mint).
"""

from __future__ import annotations

import pytest

from adversary.cash import wallet
from adversary.cash.ledger import CashLedger
from adversary.cash.machine import replay_cash_trace
from adversary.trace import Step, Trace
from fixtures import ALICE, BOB, CAROL, DAVE, MALLORY, OPERATOR
from fixtures.cash import make_cash_world
from spec.environments.cash.challenges import (
    ChallengeCoinDoubleSpend,
    ChallengeCoinHistory,
    ChallengeCoinSpent,
)
from spec.environments.cash.exits import FinalizeCoinExit
from spec.environments.cash.records import CoinExit, CoinExitStatus
from spec.errors import Rejected, RejectionReason
from spec.primitives import Uint64


def make_ledger() -> tuple[CashLedger, int]:
    """Return a ledger with one Cash environment run by the operator, and its id."""
    ledger = CashLedger(make_cash_world())
    return ledger, ledger.register(OPERATOR)


def open_exit(ledger: CashLedger, env: int, exit_id: int) -> CoinExit:
    """Return an exit of the environment."""
    return ledger.records(env).exits[Uint64(exit_id)]


def test_history_keeps_first_valid_spends_and_sets_the_rest_aside() -> None:
    """Given a coin paid on, a forged leaf and a double spend, When its history is computed.

    Then only the mint and each first valid spend count; the owner is the last one's.
    """
    ledger, env = make_ledger()
    coin = ledger.deposit(env, ALICE.address, 100)
    to_bob = ledger.commit(env, [ledger.sign(env, coin, coin, ALICE, BOB.address)])
    forged = ledger.commit(env, [ledger.sign(env, coin, to_bob, MALLORY, MALLORY.address)])
    again = ledger.commit(env, [ledger.sign(env, coin, coin, ALICE, CAROL.address)])
    to_carol = ledger.commit(env, [ledger.sign(env, coin, to_bob, BOB, CAROL.address)])
    history = ledger.history(env, coin)
    assert history.blocks == (coin, to_bob, to_carol)
    assert [block for block, _ in history.invalid] == [forged, again]
    assert history.owner == CAROL.address
    assert history.owners == (ALICE.address, BOB.address, CAROL.address)


def test_wallet_picks_the_challenge_that_refutes_each_bad_exit() -> None:
    """Given three bad exits of one coin, When its owner looks, Then each gets its own challenge.

    A spent leaf gets the later spend, a double spend of the parent gets the
    first spend, a forged history gets an invalid-history challenge; the
    owner's own exit gets none.
    """
    ledger, env = make_ledger()
    coin = ledger.deposit(env, MALLORY.address, 100)
    to_bob = ledger.commit(env, [ledger.sign(env, coin, coin, MALLORY, BOB.address)])
    again = ledger.commit(env, [ledger.sign(env, coin, coin, MALLORY, MALLORY.address)])
    forged = ledger.commit(env, [ledger.sign(env, coin, to_bob, MALLORY, MALLORY.address)])
    onward = ledger.commit(env, [ledger.sign(env, coin, forged, MALLORY, MALLORY.address)])
    exits = [
        (coin, None, ChallengeCoinSpent),
        (again, coin, ChallengeCoinDoubleSpend),
        (onward, forged, ChallengeCoinHistory),
    ]
    for exit_id, (exiting, parent, expected) in enumerate(exits):
        ledger.apply(
            wallet.build_exit(
                ledger, env, coin, MALLORY.address, exiting_block=exiting, parent_block=parent
            )
        )
        found = wallet.choose_challenge(
            ledger, env, exit_id, open_exit(ledger, env, exit_id), BOB.address
        )
        assert isinstance(found, expected)
        assert found is not None
        ledger.apply(found)
        if expected is ChallengeCoinHistory:
            ledger.advance(100)
            ledger.apply(FinalizeCoinExit(Uint64(env), Uint64(exit_id)))
        assert open_exit(ledger, env, exit_id).status == CoinExitStatus.CANCELLED
    ledger.apply(wallet.make_honest_exit(ledger, env, coin))
    honest = open_exit(ledger, env, len(exits))
    assert honest.owner == BOB.address
    assert wallet.choose_challenge(ledger, env, len(exits), honest, BOB.address) is None


def test_wallet_answers_a_griefing_challenge_and_ignores_the_window_after_it_closes() -> None:
    """Given an honest exit challenged with its mint, Then the owner's answer is the next spend.

    After half the period the wallet no longer offers an invalid-history challenge.
    """
    ledger, env = make_ledger()
    coin = ledger.deposit(env, ALICE.address, 100)
    to_bob = ledger.commit(env, [ledger.sign(env, coin, coin, ALICE, BOB.address)])
    to_carol = ledger.commit(env, [ledger.sign(env, coin, to_bob, BOB, CAROL.address)])
    ledger.apply(wallet.make_honest_exit(ledger, env, coin))
    mint = ledger.witness(env, coin, coin)
    bond = ledger.state.environments[env].rules.exit_bond
    grief = ChallengeCoinHistory(Uint64(env), MALLORY.address, Uint64(0), mint, None, bond)
    ledger.apply(grief)
    (answer,) = wallet.choose_answers(ledger, env, 0, open_exit(ledger, env, 0), CAROL.address)
    assert int(answer.response.block_number) == to_bob
    ledger.apply(answer)
    assert not open_exit(ledger, env, 0).challenges
    assert to_carol > to_bob
    ledger.advance(50)
    assert not wallet.is_window_open(ledger, env, open_exit(ledger, env, 0))


def test_a_recorded_cash_trace_replays() -> None:
    """Given a trace of the setup, one theft and the end, When replayed, Then it passes."""
    steps = (
        Step("setup", {}),
        Step("byzantine_operator_steals", {"pick": 0, "withhold": True}),
        Step("honest_watch", {}),
        Step("finish", {}),
    )
    run = replay_cash_trace(Trace(steps))
    assert run.passed, run.failure
    assert any("again: rejected with coin_already_exited" in n for n in run.trace[-1].notes)


def test_a_history_from_before_the_mint_cannot_exit_a_coin() -> None:
    """Given two leaves the operator put at coin 9's key before alice minted it.

    When mallory exits coin 9 with them, Then the exit is refused: its parent
    lies before the mint (no challenge could refute it otherwise, since an
    invalid-history challenge shows a leaf at or after the mint and before the
    parent). Found by this adversary and fixed in the spec as PARENT_BEFORE_MINT.
    """
    ledger, env = make_ledger()
    first = ledger.commit(env, [ledger.sign(env, 9, 0, MALLORY, MALLORY.address)])
    second = ledger.commit(env, [ledger.sign(env, 9, first, MALLORY, MALLORY.address)])
    coin = ledger.deposit(env, ALICE.address, 100)
    assert coin == 9
    theft = wallet.build_exit(
        ledger, env, coin, MALLORY.address, exiting_block=second, parent_block=first
    )
    with pytest.raises(Rejected) as refused:
        ledger.apply(theft)
    assert refused.value.reason == RejectionReason.PARENT_BEFORE_MINT


def test_a_late_double_spend_by_a_former_owner_cancels_a_later_owners_exit() -> None:
    """Given mallory's coin paid to bob, then (block 8) a second spend of its mint by mallory.

    When bob pays carol, carol pays dave and dave exits with a valid history,
    Then mallory's history challenge with that double spend cannot be answered
    and dave's exit is cancelled at maturity. This is why the game's honest
    owners treat a coin with any invalid leaf as tainted: they exit it at once
    and never accept it (``adversary.cash.game``); the spec leaves that rule to
    the client.
    """
    ledger, env = make_ledger()
    coin = ledger.deposit(env, MALLORY.address, 100)
    to_bob = ledger.commit(env, [ledger.sign(env, coin, coin, MALLORY, BOB.address)])
    again = ledger.commit(env, [ledger.sign(env, coin, coin, MALLORY, MALLORY.address)])
    to_carol = ledger.commit(env, [ledger.sign(env, coin, to_bob, BOB, CAROL.address)])
    ledger.commit(env, [ledger.sign(env, coin, to_carol, CAROL, DAVE.address)])
    assert ledger.history(env, coin).owner == DAVE.address
    ledger.apply(wallet.make_honest_exit(ledger, env, coin))
    bond = ledger.state.environments[env].rules.exit_bond
    double = ledger.witness(env, again, coin)
    mint = ledger.witness(env, coin, coin)
    ledger.apply(ChallengeCoinHistory(Uint64(env), MALLORY.address, Uint64(0), double, mint, bond))
    assert wallet.choose_answers(ledger, env, 0, open_exit(ledger, env, 0), DAVE.address) == []
    ledger.advance(100)
    ledger.apply(FinalizeCoinExit(Uint64(env), Uint64(0)))
    assert open_exit(ledger, env, 0).status == CoinExitStatus.CANCELLED
