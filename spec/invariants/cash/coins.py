"""Invariants of Plasma Cash coins at the settlement layer: single payout and one open exit.

INV-24 Coin single payout and INV-25 Coin exit uniqueness, each as its
predicates followed by its catalog entry. They read the Cash records of
every Cash environment (``spec.environments.cash.records``) and the
environment's ledgers; none calls the exit game's helpers.
"""

from __future__ import annotations

from collections import Counter

from spec.environments.cash.exits import FinalizeCoinExit, StartCoinExit
from spec.environments.cash.records import CashRecords, CoinExitStatus, CoinStatus
from spec.invariants.cash.reading import get_records, iterate_cash_environments
from spec.invariants.checks import (
    UNIT_CAN_FAIL,
    UNIT_EVERY_STEP,
    Z3_INDUCTIVE,
    Check,
    Checker,
)
from spec.invariants.entry import Invariant, Layer, Predicates
from spec.invariants.ids import InvariantId
from spec.primitives import Address
from spec.settlement.state import EnvironmentKind, ExitStatus, SettlementState
from spec.settlement.transition import Operation, get_operation_environment_id


def count_exits(records: CashRecords, status: CoinExitStatus) -> Counter[int]:
    """Return, per coin id, how many of its exits are in ``status``."""
    return Counter(int(exit.coin_id) for exit in records.exits.values() if exit.status == status)


def compute_coin_payouts(records: CashRecords) -> Counter[Address]:
    """Return, per token, the amounts of the coins that a finalized exit paid."""
    paid: Counter[Address] = Counter()
    for exit in records.exits.values():
        if exit.status == CoinExitStatus.FINALIZED and exit.coin_id in records.coins:
            coin = records.coins[exit.coin_id]
            paid[coin.token] += int(coin.amount)
    return paid


# INV-24 Coin single payout


def check_coin_payouts(state: SettlementState) -> list[str]:
    """INV-24: a coin is paid by at most one exit, exactly its amount, and only once mature.

    Per Cash environment: no coin has two finalized exits; per token, the
    withdrawn ledger equals the amounts of the coins whose exit was
    finalized (plus what standard exits paid, none in a Cash environment),
    and the deposited ledger equals the amounts of the coins minted; every
    coin's amount is positive; every exit is exitable exactly one MFP after
    its start, and every finalized exit is exitable by now.
    """
    violations = []
    for env_id, records in iterate_cash_environments(state):
        environment = state.environments[env_id]
        for coin_id, count in count_exits(records, CoinExitStatus.FINALIZED).items():
            if count > 1:
                violations.append(f"env {env_id} coin {coin_id}: paid by {count} exits")
        paid = compute_coin_payouts(records)
        for standard in environment.exits.values():
            if standard.status == ExitStatus.PROCESSED:
                paid[standard.token] += int(standard.paid)
        minted: Counter[Address] = Counter()
        for coin_id, coin in records.coins.items():
            minted[coin.token] += int(coin.amount)
            if coin.amount <= 0:
                violations.append(f"env {env_id} coin {coin_id}: amount {int(coin.amount)}")
        for token in set(paid) | set(environment.withdrawn):
            if int(environment.withdrawn.get(token, 0)) != paid[token]:
                violations.append(
                    f"env {env_id} token {token}: withdrawn "
                    f"{int(environment.withdrawn.get(token, 0))}, coins paid {paid[token]}"
                )
        for token in set(minted) | set(environment.deposited):
            if int(environment.deposited.get(token, 0)) != minted[token]:
                violations.append(
                    f"env {env_id} token {token}: deposited "
                    f"{int(environment.deposited.get(token, 0))}, coins minted {minted[token]}"
                )
        period = int(environment.rules.minimal_finalization_period)
        for exit_id, exit in records.exits.items():
            if exit.exitable_at != exit.started_at + period:
                violations.append(f"env {env_id} exit {exit_id}: exitable time is not start+MFP")
            if exit.status == CoinExitStatus.FINALIZED and exit.exitable_at > state.time:
                violations.append(f"env {env_id} exit {exit_id}: finalized before it matured")
    return violations


def check_coin_payout_steps(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[str]:
    """INV-24 (transition form): coins are fixed, and only a FinalizeCoinExit pays, as it must.

    No coin disappears or changes token or amount. An exit is finalized
    only by a ``FinalizeCoinExit`` that names it, when it was open with no
    open invalid-history challenge, mature (exitable time <= now), and its
    coin had not exited already.
    """
    violations = []
    for env_id, before in iterate_cash_environments(pre):
        after = get_records(post, env_id)
        if after is None:
            violations.append(f"env {env_id}: lost its Cash records")
            continue
        for coin_id, coin in before.coins.items():
            later = after.coins.get(coin_id)
            if later is None or (later.token, later.amount) != (coin.token, coin.amount):
                violations.append(f"env {env_id} coin {coin_id}: removed or changed")
        for exit_id, exit in after.exits.items():
            previous = before.exits.get(exit_id)
            if exit.status != CoinExitStatus.FINALIZED or (
                previous is not None and previous.status == CoinExitStatus.FINALIZED
            ):
                continue
            named = (
                isinstance(operation, FinalizeCoinExit)
                and get_operation_environment_id(operation) == env_id
                and operation.exit_id == exit_id
            )
            paid_coin = before.coins.get(exit.coin_id)
            if (
                not named
                or previous is None
                or previous.status != CoinExitStatus.OPEN
                or previous.challenges
                or previous.exitable_at > post.time
                or paid_coin is None
                or paid_coin.status == CoinStatus.EXITED
            ):
                violations.append(f"env {env_id} exit {exit_id}: finalized without a right")
    return violations


COIN_SINGLE_PAYOUT = Invariant(
    identifier=InvariantId.COIN_SINGLE_PAYOUT,
    title="Coin single payout",
    layer=Layer.SETTLEMENT,
    kind=EnvironmentKind.CASH,
    statement=(
        "In a Cash environment, each coin has at most one finalized exit, which paid exactly "
        "the coin's amount: per token, the withdrawn ledger equals the sum of the amounts of "
        "the coins with a finalized exit, and never exceeds the deposited ledger, which "
        "equals the sum of the amounts of the coins minted. A coin's token and amount never "
        "change; an exit is finalized (paid) only by a FinalizeCoinExit naming it, while it is "
        "open with no open invalid-history challenge, at or after its exitable time (its start "
        "+ MFP), and only if its coin has not exited."
    ),
    rationale=(
        "A coin is one deposit: paying it twice, or more than its amount, pays out other "
        "depositors' funds (INV-01 for the Cash kind)."
    ),
    strengthening=(
        "Z3 (proofs/models/cash): a ghost 'the finalized exit of coin c' (an array), with: "
        "a finalized exit is the one its coin points at, and a coin points at a finalized "
        "exit of itself iff it is EXITED; per token, withdrawn = a ghost sum of the amounts of "
        "EXITED coins and deposited = a ghost sum of the amounts minted, both updated on every "
        "store. withdrawn <= deposited then follows because each coin's amount enters each "
        "sum once (the drift test recomputes both sums on concrete states)."
    ),
    predicates=Predicates(state=(check_coin_payouts,), transition=(check_coin_payout_steps,)),
    checks=(
        UNIT_EVERY_STEP,
        UNIT_CAN_FAIL,
        Z3_INDUCTIVE,
        Check(Checker.Z3_CONTROLS, ("finalize-ended-exit", "finalize-pays-twice-the-amount")),
    ),
)
"""INV-24."""


# INV-25 Coin exit uniqueness


def check_coin_exit_status(state: SettlementState) -> list[str]:
    """INV-25: one open exit per coin, and each coin's status says what its exits are.

    Per Cash environment: exit ids are 0, 1, 2, ...; every exit's coin was
    minted; a coin is EXITING iff exactly one of its exits is open, EXITED
    iff exactly one is finalized, DEPOSITED iff none is open or finalized
    (so never two open exits, and never an open exit of an exited coin); an
    exit that is not open holds no open challenge; an exit's parent is in a
    block from the coin's mint and before its exiting transfer (or both are
    the mint).
    """
    violations = []
    for env_id, records in iterate_cash_environments(state):
        if sorted(int(exit_id) for exit_id in records.exits) != list(range(len(records.exits))):
            violations.append(f"env {env_id}: exit ids are not 0, 1, 2, ...")
        open_exits = count_exits(records, CoinExitStatus.OPEN)
        finalized = count_exits(records, CoinExitStatus.FINALIZED)
        for exit_id, exit in records.exits.items():
            if exit.coin_id not in records.coins:
                violations.append(f"env {env_id} exit {exit_id}: exits a coin never minted")
            from_mint = exit.parent_block == exit.exit_block == exit.coin_id
            if not from_mint and not exit.coin_id <= exit.parent_block < exit.exit_block:
                violations.append(f"env {env_id} exit {exit_id}: history outside the coin's life")
            if exit.status != CoinExitStatus.OPEN and exit.challenges:
                violations.append(f"env {env_id} exit {exit_id}: ended with open challenges")
        for coin_id, coin in records.coins.items():
            opened, paid = open_exits[int(coin_id)], finalized[int(coin_id)]
            expected = {
                CoinStatus.EXITING: opened == 1 and paid == 0,
                CoinStatus.EXITED: paid == 1 and opened == 0,
                CoinStatus.DEPOSITED: opened == 0 and paid == 0,
            }
            if not expected[coin.status]:
                violations.append(
                    f"env {env_id} coin {coin_id}: {coin.status} with {opened} open and "
                    f"{paid} finalized exits"
                )
    return violations


def check_coin_exit_steps(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[str]:
    """INV-25 (transition form): coin exits are appended by starts only, and ended ones stay.

    No exit disappears; what an exit claims (coin, owner, blocks, parent
    owner, bond, times) never changes, and a cancelled or finalized exit
    never changes at all. Exits are added only by a ``StartCoinExit``
    naming the environment: exactly one, with the next exit id, open and
    unchallenged, started now, for the sender, coin and bond of the call,
    of a coin that was DEPOSITED (neither exiting nor exited).
    """
    violations = []
    for env_id, before in iterate_cash_environments(pre):
        after = get_records(post, env_id)
        if after is None:
            continue
        for exit_id, exit in before.exits.items():
            later = after.exits.get(exit_id)
            if later is None:
                violations.append(f"env {env_id} exit {exit_id}: removed")
            elif exit.status != CoinExitStatus.OPEN and later != exit:
                violations.append(f"env {env_id} exit {exit_id}: ended exit changed")
            elif (later.coin_id, later.owner, later.exit_block, later.parent_block) != (
                exit.coin_id,
                exit.owner,
                exit.exit_block,
                exit.parent_block,
            ) or (later.parent_owner, later.bond, later.started_at, later.exitable_at) != (
                exit.parent_owner,
                exit.bond,
                exit.started_at,
                exit.exitable_at,
            ):
                violations.append(f"env {env_id} exit {exit_id}: claim changed")
        added = [(i, e) for i, e in after.exits.items() if i not in before.exits]
        if not added:
            continue
        starts = (
            isinstance(operation, StartCoinExit)
            and get_operation_environment_id(operation) == env_id
        )
        if not starts or len(added) != 1:
            violations.append(f"env {env_id}: {len(added)} exits added by {type(operation)}")
            continue
        assert isinstance(operation, StartCoinExit)
        exit_id, exit = added[0]
        coin = before.coins.get(exit.coin_id)
        if (
            exit_id != len(before.exits)
            or exit.status != CoinExitStatus.OPEN
            or exit.challenges
            or exit.started_at != pre.time
            or (exit.owner, exit.coin_id, exit.bond)
            != (operation.sender, operation.coin_id, operation.bond)
            or coin is None
            or coin.status != CoinStatus.DEPOSITED
        ):
            violations.append(f"env {env_id} exit {exit_id}: started against the rules")
    return violations


COIN_EXIT_UNIQUENESS = Invariant(
    identifier=InvariantId.COIN_EXIT_UNIQUENESS,
    title="Coin exit uniqueness",
    layer=Layer.SETTLEMENT,
    kind=EnvironmentKind.CASH,
    statement=(
        "In a Cash environment, each coin has at most one open exit, and its status is "
        "consistent with its exits: EXITING iff exactly one exit of it is open, EXITED iff "
        "exactly one is finalized, DEPOSITED iff none is open or finalized. Every exit names "
        "a minted coin, and a parent in a block from the coin's mint and before its exiting "
        "transfer (or both are the mint: PARENT_BEFORE_MINT); exits are never removed, what "
        "an exit claims never changes, a cancelled or finalized exit never changes, and only a "
        "StartCoinExit adds an exit (one, open, of a DEPOSITED coin)."
    ),
    rationale=(
        "Two open exits of one coin could both mature; an exit of an exited coin would pay it "
        "again. A cancelled exit must leave the coin free for its rightful owner's exit."
    ),
    strengthening=(
        "Z3: a ghost 'the open exit of coin c' (an array, set by a start): an open exit is the "
        "one its coin points at (so no two open exits share a coin) and its coin is EXITING; "
        "an EXITING coin points at an open exit of itself. Transition form on concrete steps: "
        "the exit table is append-only and ended exits are frozen (INV-11 for coin exits)."
    ),
    predicates=Predicates(state=(check_coin_exit_status,), transition=(check_coin_exit_steps,)),
    checks=(
        UNIT_EVERY_STEP,
        UNIT_CAN_FAIL,
        Z3_INDUCTIVE,
        Check(Checker.Z3_CONTROLS, ("start-exit-while-exiting", "cancel-keeps-coin-exiting")),
    ),
)
"""INV-25."""


INVARIANTS = (COIN_SINGLE_PAYOUT, COIN_EXIT_UNIQUENESS)
"""The catalog entries of this module."""
