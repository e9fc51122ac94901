"""Exits at the settlement layer: the queue, the bond, challenges' effect, processing.

Every environment kind has its own exit game: it decides, from the witnesses a
caller brings, what an exit claims (which output, whose, how much, from when)
and whether a challenge shows the claim is wrong (for payments:
``spec.environments.payments.exits``). What this module does is the same for
every kind: it opens the exit against its bond, cancels it when a kind's
challenge succeeds, and pays mature exits of one (environment, token) in
priority order: exitable time, then position (older outputs first), then
exit id.

MVP exitable time, with MFP the environment's minimal finalization period:

- an output of a child block: ``max(block_time + 2·MFP, exit_start + MFP)``,
  so an output younger than one MFP waits until two MFPs after its block
  (time for watchers to see an invalid block and exit older outputs first);
- an output of a deposit block: ``exit_start + MFP`` (deposits cannot be
  forged by the operator).

Each output may have at most one exit, ever: a challenged exit is cancelled
for good. The vault never pays more than it holds: an exit is paid
``min(amount, vault balance)``; with priority order, only outputs behind every
honest older one (those depending on an invalid block) can meet an empty vault.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import takewhile

from spec.errors import RejectionReason, require
from spec.positions import OutputPosition
from spec.primitives import NATIVE_TOKEN, Address, Uint64
from spec.settlement.operations import ProcessExits
from spec.settlement.state import (
    BlockKind,
    BlockRecord,
    Environment,
    Exit,
    ExitStatus,
    SettlementState,
    credit,
    debit,
    get_environment,
    get_exit_of_position,
    get_vault_balance,
    with_environment,
)
from spec.totals import add_to_totals, with_entry

ExitPriority = tuple[Uint64, OutputPosition, Uint64]
"""(exitable time, position, exit id): smaller is paid first."""


# Helpers


def compute_exitable_time(record: BlockRecord, started_at: Uint64, period: Uint64) -> Uint64:
    """Return when an exit of an output in the block ``record`` may be processed (MVP rule)."""
    if record.kind == BlockKind.DEPOSIT:
        return started_at + period
    return max(record.timestamp + period * 2, started_at + period)


def compute_exit_priority(exit_id: Uint64, exit: Exit) -> ExitPriority:
    """Return the key that orders an exit in its queue."""
    return (exit.exitable_at, exit.position, exit_id)


def get_exit_queue(environment: Environment, token: Address) -> list[tuple[Uint64, Exit]]:
    """Return the open exits of one token, highest priority first."""
    open_exits = [
        (exit_id, exit)
        for exit_id, exit in environment.exits.items()
        if exit.status == ExitStatus.OPEN and exit.token == token
    ]
    return sorted(open_exits, key=lambda item: compute_exit_priority(*item))


def is_exit_mature(state: SettlementState, exit: Exit) -> bool:
    """Return whether an exit's exitable time has come."""
    return exit.exitable_at <= state.time


def get_open_exit(environment: Environment, exit_id: Uint64) -> Exit:
    """Return an exit that is still open.

    Raises:
        Rejected: ``UNKNOWN_EXIT``, ``EXIT_NOT_OPEN``.
    """
    exit = environment.exits.get(exit_id)
    # Verify the exit exists
    require(exit is not None, RejectionReason.UNKNOWN_EXIT)
    assert exit is not None
    # Verify the exit is still open
    require(exit.status == ExitStatus.OPEN, RejectionReason.EXIT_NOT_OPEN)
    return exit


# Start


def process_exit_start(
    state: SettlementState, environment_id: Uint64, exit: Exit, sender: Address
) -> SettlementState:
    """Record an exit a kind's exit game has validated, and take its bond from ``sender``.

    Raises:
        Rejected: ``EXIT_BOND_WRONG_AMOUNT``, ``EXIT_ALREADY_STARTED``,
            ``INSUFFICIENT_FUNDS`` (for the bond), ``INTEGER_OVERFLOW``.
    """
    environment = state.environments[environment_id]
    # Verify the bond is exactly the environment's exit bond
    require(exit.bond == environment.rules.exit_bond, RejectionReason.EXIT_BOND_WRONG_AMOUNT)
    # Verify no exit of this output was ever started
    require(
        get_exit_of_position(environment, exit.position) is None,
        RejectionReason.EXIT_ALREADY_STARTED,
    )
    exit_id = Uint64(len(environment.exits))
    environment = replace(
        environment,
        exits=with_entry(environment.exits, exit_id, exit),
        bonds_held=environment.bonds_held + exit.bond,
    )
    state = debit(state, sender, NATIVE_TOKEN, exit.bond)
    return with_environment(state, environment_id, environment)


# Challenge


def process_exit_cancellation(
    state: SettlementState, environment_id: Uint64, exit_id: Uint64, challenger: Address
) -> SettlementState:
    """Cancel an open exit for good (a kind's challenge held); its bond goes to ``challenger``.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when the challenger's balance would pass
            the largest Uint256.
    """
    environment = state.environments[environment_id]
    exit = environment.exits[exit_id]
    environment = replace(
        environment,
        exits=with_entry(environment.exits, exit_id, replace(exit, status=ExitStatus.CHALLENGED)),
        bonds_held=environment.bonds_held - exit.bond,
    )
    state = with_environment(state, environment_id, environment)
    return credit(state, challenger, NATIVE_TOKEN, exit.bond)


# Process


def process_exit(
    state: SettlementState, environment_id: Uint64, exit_id: Uint64
) -> SettlementState:
    """Pay one open exit from the vault (at most what it holds) and return its bond.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when a balance would pass the largest Uint256.
    """
    environment = state.environments[environment_id]
    exit = environment.exits[exit_id]
    payout = min(exit.amount, get_vault_balance(environment, exit.token))
    processed = replace(exit, status=ExitStatus.PROCESSED, paid=payout)
    environment = replace(
        environment,
        exits=with_entry(environment.exits, exit_id, processed),
        withdrawn=add_to_totals(environment.withdrawn, exit.token, payout),
        bonds_held=environment.bonds_held - exit.bond,
    )
    state = with_environment(state, environment_id, environment)
    state = credit(state, exit.owner, exit.token, payout)
    return credit(state, exit.owner, NATIVE_TOKEN, exit.bond)


def process_exit_skip(
    state: SettlementState, environment_id: Uint64, exit_id: Uint64
) -> SettlementState:
    """End an open exit unpaid because another exit settled its output first; return its bond.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when the owner's balance would pass the largest Uint256.
    """
    environment = state.environments[environment_id]
    exit = environment.exits[exit_id]
    environment = replace(
        environment,
        exits=with_entry(environment.exits, exit_id, replace(exit, status=ExitStatus.SKIPPED)),
        bonds_held=environment.bonds_held - exit.bond,
    )
    state = with_environment(state, environment_id, environment)
    return credit(state, exit.owner, NATIVE_TOKEN, exit.bond)


def process_exit_queue(state: SettlementState, operation: ProcessExits) -> SettlementState:
    """Process mature exits of one queue in priority order, stopping at the first immature one.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``PROCESS_LIMIT_ZERO``,
            ``NO_EXIT_TO_PROCESS``, ``INTEGER_OVERFLOW``.
    """
    environment = get_environment(state, operation.environment_id)
    # Verify the call may process at least one exit
    require(operation.max_exits > 0, RejectionReason.PROCESS_LIMIT_ZERO)
    queue = get_exit_queue(environment, operation.token)
    mature = list(takewhile(lambda item: is_exit_mature(state, item[1]), queue))
    # Verify the head of the queue is mature
    require(len(mature) > 0, RejectionReason.NO_EXIT_TO_PROCESS)
    for exit_id, _ in mature[: operation.max_exits]:
        state = process_exit(state, operation.environment_id, exit_id)
    return state
