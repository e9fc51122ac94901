"""The books of a Cash step: which funds it moved, read from the Cash records.

The payments books (``adversary.payments.scenarios.books``) read standard
exits; a Cash environment keeps its exits and their bonded challenges in its
kind records instead. :func:`compute_cash_movements` reads, from the change of
those records, what one step did: deposits locked, exit and challenge bonds
posted, an answered challenge's bond to whoever answered, a finalized exit's
payout and bond, a cancelled exit's bond to the winner and every open
challenge's bond back to its challenger. The audit itself (every balance,
vault and bond pool explained to the unit) is the payments one, which works
on any list of movements.
"""

from __future__ import annotations

from adversary.payments.scenarios.books import compute_environment_movements
from adversary.payments.scenarios.records import Movement, MovementKind
from spec.environments.cash.exits import FinalizeCoinExit
from spec.environments.cash.records import CashRecords, CoinExit, CoinExitStatus, SettledCoin
from spec.primitives import NATIVE_TOKEN, Address
from spec.settlement.state import Environment, EnvironmentKind, SettlementState
from spec.settlement.transition import Operation


def compute_step_movements(
    pre: SettlementState, post: SettlementState, actor: Address, operation: Operation | None
) -> tuple[Movement, ...]:
    """Return the funds a step moved in every environment, of either kind."""
    movements: list[Movement] = []
    for env_id, before in enumerate(pre.environments):
        after = post.environments[env_id]
        if before.kind == EnvironmentKind.CASH:
            movements += compute_cash_movements(before, after, env_id, actor, operation)
        else:
            movements += compute_environment_movements(before, after, env_id, actor)
    return tuple(movements)


def compute_cash_movements(
    before: Environment,
    after: Environment,
    env_id: int,
    actor: Address,
    operation: Operation | None,
) -> list[Movement]:
    """Return deposits, bonds posted and released, and payouts of one Cash environment."""
    old, new = before.kind_records, after.kind_records
    assert isinstance(old, CashRecords) and isinstance(new, CashRecords)
    movements = [
        Movement(MovementKind.DEPOSITED, actor, token, int(amount) - previous, env_id)
        for token, amount in after.deposited.items()
        if int(amount) != (previous := int(before.deposited.get(token, 0)))
    ]
    for exit_id, exit in sorted(new.exits.items()):
        earlier = old.exits.get(exit_id)
        if earlier is None:
            movements.append(
                Movement(
                    MovementKind.BOND_POSTED,
                    exit.owner,
                    NATIVE_TOKEN,
                    int(exit.bond),
                    env_id,
                    int(exit_id),
                )
            )
            continue
        coin = new.coins[exit.coin_id]
        movements += compute_exit_change(
            earlier,
            exit,
            coin,
            env_id=env_id,
            exit_id=int(exit_id),
            actor=actor,
            operation=operation,
        )
    return movements


def compute_exit_change(
    before: CoinExit,
    after: CoinExit,
    coin: SettledCoin,
    *,
    env_id: int,
    exit_id: int,
    actor: Address,
    operation: Operation | None,
) -> list[Movement]:
    """Return what happened to one coin exit: challenges opened or answered, its end."""
    moved: list[Movement] = []
    if after.status == CoinExitStatus.OPEN:
        for block, challenge in sorted(after.challenges.items()):
            if block not in before.challenges:
                bond = int(challenge.bond)
                moved.append(
                    Movement(
                        MovementKind.BOND_POSTED,
                        challenge.challenger,
                        NATIVE_TOKEN,
                        bond,
                        env_id,
                        exit_id,
                    )
                )
        for block, challenge in sorted(before.challenges.items()):
            if block not in after.challenges:
                moved.append(
                    Movement(
                        MovementKind.BOND_AWARDED,
                        actor,
                        NATIVE_TOKEN,
                        int(challenge.bond),
                        env_id,
                        exit_id,
                        challenge.challenger,
                    )
                )
        return moved
    if before.status != CoinExitStatus.OPEN:
        return moved
    return compute_exit_end(
        before, after, coin, env_id=env_id, exit_id=exit_id, actor=actor, operation=operation
    )


def compute_exit_end(
    before: CoinExit,
    after: CoinExit,
    coin: SettledCoin,
    *,
    env_id: int,
    exit_id: int,
    actor: Address,
    operation: Operation | None,
) -> list[Movement]:
    """Return what an exit's end moved: payout and bond back, or bonds to the winners."""
    bond = int(before.bond)
    if after.status == CoinExitStatus.FINALIZED:
        amount = int(coin.amount)
        return [
            Movement(MovementKind.PAID, after.owner, coin.token, amount, env_id, exit_id),
            Movement(MovementKind.BOND_RETURNED, after.owner, NATIVE_TOKEN, bond, env_id, exit_id),
        ]
    challenges = sorted(before.challenges.items())
    winner = actor
    if isinstance(operation, FinalizeCoinExit) and challenges:
        winner = challenges[0][1].challenger
    moved = [
        Movement(
            MovementKind.BOND_AWARDED, winner, NATIVE_TOKEN, bond, env_id, exit_id, before.owner
        )
    ]
    moved += [
        Movement(
            MovementKind.BOND_RETURNED,
            challenge.challenger,
            NATIVE_TOKEN,
            int(challenge.bond),
            env_id,
            exit_id,
        )
        for _, challenge in challenges
    ]
    return moved
