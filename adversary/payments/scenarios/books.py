"""The books of a step: which funds it moved, and whether that explains every change.

:func:`compute_movements` reads, from the change of the settlement state, what
one step did with funds: deposits locked, bonds posted, exits paid, bonds
returned or awarded to a challenger. :func:`find_unexplained_changes` then
checks that these movements explain, to the unit, every change of every
account balance, vault and bond pool. A spec that pays the wrong party, or
moves funds it does not record, fails this check even when the scenario's
expectation does not mention those funds.

Everything here computes in plain integers, so a broken state is reported,
not crashed on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from adversary.payments.scenarios.in_flight_books import compute_in_flight_movements
from adversary.payments.scenarios.records import Movement, MovementKind, get_token_name
from fixtures import get_actor_name
from spec.primitives import NATIVE_TOKEN, Address
from spec.settlement.state import Environment, Exit, ExitStatus, SettlementState

Ledger = Counter[tuple[object, Address]]
"""Amounts per (holder, token): an account, or an environment's vault or bond pool."""

VAULT_MOVEMENTS = (MovementKind.DEPOSITED, MovementKind.PAID)
"""Movements into or out of a vault; the others move bonds."""

OUTGOING_MOVEMENTS = (MovementKind.DEPOSITED, MovementKind.BOND_POSTED)
"""Movements that take from an account; the others pay it."""


def compute_movements(
    pre: SettlementState, post: SettlementState, actor: Address
) -> tuple[Movement, ...]:
    """Return the funds a step moved, read from the change of every existing environment."""
    return tuple(
        movement
        for env_id, before in enumerate(pre.environments)
        for movement in compute_environment_movements(
            before, post.environments[env_id], env_id, actor
        )
    )


def compute_environment_movements(
    before: Environment, after: Environment, env_id: int, actor: Address
) -> list[Movement]:
    """Return deposits, bonds posted, payouts and released bonds of one environment."""
    deposited = [
        Movement(MovementKind.DEPOSITED, actor, token, int(amount) - old, env_id)
        for token, amount in after.deposited.items()
        if int(amount) != (old := int(before.deposited.get(token, 0)))
    ]
    posted = [
        Movement(MovementKind.BOND_POSTED, e.owner, NATIVE_TOKEN, int(e.bond), env_id, int(i))
        for i, e in after.exits.items()
        if i not in before.exits
    ]
    ended = sorted(
        (
            (i, e)
            for i, e in after.exits.items()
            if i in before.exits and e.status != before.exits[i].status
        ),
        key=lambda item: (item[1].exitable_at, item[1].position, item[0]),
    )
    released = [m for i, e in ended for m in compute_release(int(i), e, env_id, actor)]
    in_flight = compute_in_flight_movements(before, after, env_id, actor)
    return deposited + posted + released + in_flight


def compute_release(exit_id: int, exit: Exit, env_id: int, actor: Address) -> list[Movement]:
    """Return what an exit's end moved: payout and bond back, or the bond to the challenger."""
    if exit.status == ExitStatus.PROCESSED:
        return [
            Movement(MovementKind.PAID, exit.owner, exit.token, int(exit.paid), env_id, exit_id),
            Movement(
                MovementKind.BOND_RETURNED,
                exit.owner,
                NATIVE_TOKEN,
                int(exit.bond),
                env_id,
                exit_id,
            ),
        ]
    if exit.status == ExitStatus.SKIPPED:
        return [
            Movement(
                MovementKind.BOND_RETURNED,
                exit.owner,
                NATIVE_TOKEN,
                int(exit.bond),
                env_id,
                exit_id,
            )
        ]
    if exit.status == ExitStatus.CHALLENGED:
        bond = int(exit.bond)
        return [
            Movement(
                MovementKind.BOND_AWARDED, actor, NATIVE_TOKEN, bond, env_id, exit_id, exit.owner
            )
        ]
    return []


def compute_ledger(state: SettlementState) -> Ledger:
    """Return every account balance, vault and bond pool, in plain integers."""
    ledger: Ledger = Counter()
    for (account, token), amount in state.balances.items():
        ledger[(account, token)] += int(amount)
    for env_id, environment in enumerate(state.environments):
        for token, amount in environment.deposited.items():
            ledger[(("vault", env_id), token)] += int(amount)
        for token, amount in environment.withdrawn.items():
            ledger[(("vault", env_id), token)] -= int(amount)
        ledger[(("bonds", env_id), NATIVE_TOKEN)] += int(environment.bonds_held)
    return ledger


def compute_booked_changes(movements: Sequence[Movement]) -> Ledger:
    """Return the change of every ledger entry that ``movements`` explain."""
    booked: Ledger = Counter()
    for movement in movements:
        pool = "vault" if movement.kind in VAULT_MOVEMENTS else "bonds"
        sign = -1 if movement.kind in OUTGOING_MOVEMENTS else 1
        booked[(movement.account, movement.token)] += sign * movement.amount
        booked[((pool, movement.environment), movement.token)] -= sign * movement.amount
    return booked


def find_unexplained_changes(
    pre: SettlementState, post: SettlementState, movements: Sequence[Movement]
) -> list[str]:
    """Return a complaint when balances, vaults or bonds moved other than ``movements`` say."""
    before, after = compute_ledger(pre), compute_ledger(post)
    actual = {key: after[key] - before[key] for key in set(before) | set(after)}
    actual = {key: change for key, change in actual.items() if change}
    booked = {key: change for key, change in compute_booked_changes(movements).items() if change}
    if actual == booked:
        return []
    return [f"funds moved {describe_ledger(actual)}; the step explains {describe_ledger(booked)}"]


def describe_ledger(changes: dict[tuple[object, Address], int]) -> str:
    """Return ledger changes in words, sorted for stable messages."""
    if not changes:
        return "nothing"
    parts = []
    for (holder, token), change in changes.items():
        if isinstance(holder, tuple):
            name = f"{holder[0]} of env {holder[1]}"
        else:
            assert isinstance(holder, Address)
            name = get_actor_name(holder)
        parts.append(f"{name} {change:+} {get_token_name(token)}")
    return ", ".join(sorted(parts))
