"""Bonds and payouts of the Cash exit game, read from the records for INV-01, INV-09 and INV-23.

Like ``spec.invariants.changes``, these read states only and never call the
exit game's own helpers, so a wrong helper in the spec cannot make its
checker wrong as well.
"""

from __future__ import annotations

from collections import Counter

from spec.environments.cash.challenges import (
    ChallengeCoinDoubleSpend,
    ChallengeCoinSpent,
)
from spec.environments.cash.exits import FinalizeCoinExit
from spec.environments.cash.records import CashRecords, CoinExit, CoinExitStatus
from spec.invariants.changes import Movements, get_sender
from spec.primitives import NATIVE_TOKEN, Address
from spec.settlement.state import Environment, SettlementState
from spec.settlement.transition import Operation, get_operation_environment_id


def compute_record_bonds(environment: Environment) -> int:
    """Return the bonds a Cash environment's records hold (0 for any other kind).

    Every open coin exit holds its own bond and the bonds of its open
    invalid-history challenges.
    """
    records = environment.kind_records
    if not isinstance(records, CashRecords):
        return 0
    return sum(
        int(exit.bond) + sum(int(c.bond) for c in exit.challenges.values())
        for exit in records.exits.values()
        if exit.status == CoinExitStatus.OPEN
    )


def compute_record_payouts(environment: Environment) -> Counter[Address]:
    """Return, per token, what a Cash environment's finalized coin exits paid (none elsewhere).

    A finalized coin exit paid its coin's amount, in the coin's token (INV-01
    and INV-24 compare this with the withdrawn ledger).
    """
    records = environment.kind_records
    paid: Counter[Address] = Counter()
    if not isinstance(records, CashRecords):
        return paid
    for exit in records.exits.values():
        coin = records.coins.get(exit.coin_id)
        if exit.status == CoinExitStatus.FINALIZED and coin is not None:
            paid[coin.token] += int(coin.amount)
    return paid


def get_cash_records_pair(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> tuple[CashRecords, CashRecords] | None:
    """Return the Cash records before and after a step, or None off Cash environments."""
    env_id = get_operation_environment_id(operation)
    if env_id is None or env_id >= len(pre.environments):
        return None
    before, after = pre.environments[env_id].kind_records, post.environments[env_id].kind_records
    if not isinstance(before, CashRecords) or not isinstance(after, CashRecords):
        return None
    return before, after


def get_cancellation_winner(operation: Operation, exit: CoinExit) -> Address | None:
    """Return who wins the bond of an exit the operation cancelled (``exit`` as before the step)."""
    if isinstance(operation, ChallengeCoinSpent | ChallengeCoinDoubleSpend):
        return operation.sender
    if isinstance(operation, FinalizeCoinExit) and exit.challenges:
        return exit.challenges[min(exit.challenges)].challenger
    return None


def compute_exit_movements(
    before: CashRecords, after: CashRecords, operation: Operation
) -> Movements:
    """Return the movements of the exits a step decided: payouts, and bonds of cancelled exits."""
    moves: Movements = Counter()
    for exit_id, exit in after.exits.items():
        previous = before.exits.get(exit_id)
        if previous is None or previous.status == exit.status:
            continue
        if exit.status == CoinExitStatus.FINALIZED:
            coin = after.coins[exit.coin_id]
            moves[(exit.owner, coin.token)] += int(coin.amount)
            moves[(exit.owner, NATIVE_TOKEN)] += int(exit.bond)
        elif exit.status == CoinExitStatus.CANCELLED:
            winner = get_cancellation_winner(operation, previous)
            if winner is not None:
                moves[(winner, NATIVE_TOKEN)] += int(exit.bond)
            for challenge in previous.challenges.values():
                moves[(challenge.challenger, NATIVE_TOKEN)] += int(challenge.bond)
    return moves


def compute_bond_postings(before: CashRecords, after: CashRecords, sender: Address) -> Movements:
    """Return what the sender posts or wins through exits and challenges added or answered."""
    moves: Movements = Counter()
    for exit_id, exit in after.exits.items():
        previous = before.exits.get(exit_id)
        if previous is None:
            moves[(sender, NATIVE_TOKEN)] -= int(exit.bond)
            continue
        if exit.status != CoinExitStatus.OPEN:
            continue
        for block, challenge in exit.challenges.items():
            if block not in previous.challenges:
                moves[(sender, NATIVE_TOKEN)] -= int(challenge.bond)
        for block, challenge in previous.challenges.items():
            if block not in exit.challenges:
                moves[(sender, NATIVE_TOKEN)] += int(challenge.bond)
    return moves


def compute_cash_movements(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> Movements:
    """Return how an accepted step on a Cash environment moves settlement balances.

    A start takes the exit's bond from the sender; a history challenge takes
    its bond from the sender; an answer gives the challenge's bond to the
    sender; a cancelled exit gives its bond to the winner (the challenger, or
    at finalization the challenger of the earliest open history challenge)
    and every open challenge's bond back to its challenger; a finalized exit
    pays the coin's amount and the bond to the exiter.
    """
    pair = get_cash_records_pair(pre, operation, post)
    if pair is None:
        return Counter()
    before, after = pair
    moves = compute_exit_movements(before, after, operation)
    sender = get_sender(operation)
    if sender is not None:
        moves.update(compute_bond_postings(before, after, sender))
    return moves
