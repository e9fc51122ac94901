"""Wrong twins of payments and settlement rules, which the standard mutants swap in.

Each function here is a wrong version of one spec function (an off-by-one, a
reversed order, a payment to the wrong party). Since issue 14 a payments
environment processes its exits through ``spec.environments.payments.queue``
(one queue of standard and in-flight exits per token), while
``spec.settlement.exits`` serves Plasma Cash alone; so the queue mutants come
in pairs, one twin for each queue:

- the settlement queue's twins (:func:`always_mature`,
  :func:`priority_ignoring_position`, :func:`queue_youngest_first`,
  :func:`process_exit_keeping_bond`, :func:`process_exit_paying_in_full`,
  :func:`queue_skipping_immature`, :func:`queue_ignoring_limit`);
- the payments queue's twins (:func:`payments_queue_all_mature`,
  :func:`payments_queue_ignoring_position`, :func:`payments_queue_youngest_first`,
  and the process functions that dispatch on the environment's kind).

``process_exit`` is patched in ``spec.environments.payments.queue`` too, which
imported it by name.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import takewhile
from typing import Any

from spec.environments.payments import queue as payments_queue
from spec.environments.payments.chain import ChildChainState
from spec.environments.payments.records import ExitKind
from spec.environments.payments.transactions import FeeClaim
from spec.errors import RejectionReason, require
from spec.primitives import NATIVE_TOKEN, Address, Uint64
from spec.settlement.operations import ProcessExits
from spec.settlement.state import (
    BlockKind,
    BlockRecord,
    Environment,
    EnvironmentKind,
    Exit,
    ExitStatus,
    SettlementState,
    credit,
    get_environment,
    get_vault_balance,
    with_environment,
)
from spec.totals import TokenTotals, add_to_totals, with_entry

PAYMENTS_QUEUE = payments_queue.get_payments_exit_queue
"""The spec's payments queue, kept before any mutant patches it."""

# Settlement queue (Plasma Cash) and payments rules


def exitable_time_ignoring_block_age(
    record: BlockRecord, started_at: Uint64, period: Uint64
) -> Uint64:
    """Wrong: every exit matures one period after it starts, whatever its block's age."""
    return started_at + period


def exitable_time_one_period_from_block(
    record: BlockRecord, started_at: Uint64, period: Uint64
) -> Uint64:
    """Wrong: young outputs wait one period from their block instead of two."""
    if record.kind == BlockKind.DEPOSIT:
        return started_at + period
    return max(record.timestamp + period, started_at + period)


def priority_ignoring_position(exit_id: Uint64, exit: Exit) -> tuple[Uint64, Uint64]:
    """Wrong: exits of equal exitable time are ordered by start (exit id), not by age."""
    return (exit.exitable_at, exit_id)


def queue_youngest_first(environment: Environment, token: Any) -> list[tuple[Uint64, Exit]]:
    """Wrong: the queue is served from the lowest priority up."""
    from spec.settlement import exits  # noqa: PLC0415 - the unpatched helpers

    open_exits = [
        (exit_id, exit)
        for exit_id, exit in environment.exits.items()
        if exit.status == ExitStatus.OPEN and exit.token == token
    ]
    return sorted(open_exits, key=lambda item: exits.compute_exit_priority(*item), reverse=True)


def always_mature(state: SettlementState, exit: Exit) -> bool:
    """Wrong: every exit may be processed at once."""
    return True


def next_child_number_one_later(state: SettlementState, environment: Environment) -> Uint64:
    """Wrong (deposits only): the deposit interval ends one number later (off by one)."""
    from spec.settlement import blocks  # noqa: PLC0415

    return blocks.get_next_child_block_number(state, environment) + 1


def cancellation_paying_the_exiter(
    state: SettlementState, environment_id: Uint64, exit_id: Uint64, challenger: Address
) -> SettlementState:
    """Wrong: a successful challenge returns the bond to the exiter, not the challenger."""
    environment = state.environments[environment_id]
    exit = environment.exits[exit_id]
    environment = replace(
        environment,
        exits=with_entry(environment.exits, exit_id, replace(exit, status=ExitStatus.CHALLENGED)),
        bonds_held=environment.bonds_held - exit.bond,
    )
    state = with_environment(state, environment_id, environment)
    return credit(state, exit.owner, NATIVE_TOKEN, exit.bond)


def process_exit_keeping_bond(
    state: SettlementState, environment_id: Uint64, exit_id: Uint64
) -> SettlementState:
    """Wrong: processing pays the output but never returns the bond."""
    environment = state.environments[environment_id]
    exit = environment.exits[exit_id]
    payout = min(exit.amount, get_vault_balance(environment, exit.token))
    environment = replace(
        environment,
        exits=with_entry(
            environment.exits, exit_id, replace(exit, status=ExitStatus.PROCESSED, paid=payout)
        ),
        withdrawn=add_to_totals(environment.withdrawn, exit.token, payout),
        bonds_held=environment.bonds_held - exit.bond,
    )
    state = with_environment(state, environment_id, environment)
    return credit(state, exit.owner, exit.token, payout)


def process_exit_paying_in_full(
    state: SettlementState, environment_id: Uint64, exit_id: Uint64
) -> SettlementState:
    """Wrong: an exit is paid its full amount even when the vault holds less."""
    environment = state.environments[environment_id]
    exit = environment.exits[exit_id]
    environment = replace(
        environment,
        exits=with_entry(
            environment.exits, exit_id, replace(exit, status=ExitStatus.PROCESSED, paid=exit.amount)
        ),
        withdrawn=add_to_totals(environment.withdrawn, exit.token, exit.amount),
        bonds_held=environment.bonds_held - exit.bond,
    )
    state = with_environment(state, environment_id, environment)
    state = credit(state, exit.owner, exit.token, exit.amount)
    return credit(state, exit.owner, NATIVE_TOKEN, exit.bond)


def queue_skipping_immature(state: SettlementState, operation: ProcessExits) -> SettlementState:
    """Wrong: processing skips an immature head and pays mature exits behind it."""
    from spec.settlement import exits  # noqa: PLC0415

    environment = get_environment(state, operation.environment_id)
    require(operation.max_exits > 0, RejectionReason.PROCESS_LIMIT_ZERO)
    queue = exits.get_exit_queue(environment, operation.token)
    mature = [item for item in queue if exits.is_exit_mature(state, item[1])]
    require(len(mature) > 0, RejectionReason.NO_EXIT_TO_PROCESS)
    for exit_id, _ in mature[: operation.max_exits]:
        state = exits.process_exit(state, operation.environment_id, exit_id)
    return state


def queue_ignoring_limit(state: SettlementState, operation: ProcessExits) -> SettlementState:
    """Wrong: processing pays every mature exit, whatever the call's limit."""
    from spec.settlement import exits  # noqa: PLC0415

    environment = get_environment(state, operation.environment_id)
    require(operation.max_exits > 0, RejectionReason.PROCESS_LIMIT_ZERO)
    queue = exits.get_exit_queue(environment, operation.token)
    mature = list(takewhile(lambda item: exits.is_exit_mature(state, item[1]), queue))
    require(len(mature) > 0, RejectionReason.NO_EXIT_TO_PROCESS)
    for exit_id, _ in mature:
        state = exits.process_exit(state, operation.environment_id, exit_id)
    return state


def validate_fee_claim_strictly(
    state: ChildChainState, claim: FeeClaim, unclaimed: TokenTotals
) -> None:
    """Wrong comparison: a fee claim must be below the unclaimed fees (``<=`` became ``<``)."""
    output = claim.output
    require(output.owner == state.operator, RejectionReason.FEE_CLAIM_NOT_TO_OPERATOR)
    require(output.amount > 0, RejectionReason.OUTPUT_AMOUNT_ZERO)
    require(output.amount < unclaimed.get(output.token, 0), RejectionReason.FEE_CLAIM_EXCEEDS_FEES)


# Payments queue (standard and in-flight exits of one token)


def payments_queue_all_mature(
    environment: Environment, token: Address
) -> list[payments_queue.QueueEntry]:
    """Wrong: every exit of the payments queue may be processed at once (order kept)."""
    return [
        ((Uint64(0), *priority[1:]), exit) for priority, exit in PAYMENTS_QUEUE(environment, token)
    ]


def payments_queue_ignoring_position(
    environment: Environment, token: Address
) -> list[payments_queue.QueueEntry]:
    """Wrong: ties of exitable time go to the earlier exit (exit id), not the older output."""
    queue = PAYMENTS_QUEUE(environment, token)
    return sorted(queue, key=lambda entry: (entry[0][0], entry[0][3]))


def payments_queue_youngest_first(
    environment: Environment, token: Address
) -> list[payments_queue.QueueEntry]:
    """Wrong: the payments queue is served from the lowest priority up."""
    return list(reversed(PAYMENTS_QUEUE(environment, token)))


def process_payments_entries(
    state: SettlementState, operation: ProcessExits, entries: list[payments_queue.QueueEntry]
) -> SettlementState:
    """Process the given entries of a payments queue, in order (the spec's own entry rules)."""
    for _, exit in entries:
        if exit.kind == ExitKind.STANDARD:
            state = payments_queue.process_standard_entry(
                state, operation.environment_id, exit.exit_id
            )
        else:
            state = payments_queue.process_in_flight_entry(state, operation, exit.exit_id)
    return state


def is_payments(state: SettlementState, operation: ProcessExits) -> bool:
    """Return whether ``ProcessExits`` names a payments environment."""
    environment = get_environment(state, operation.environment_id)
    return environment.kind == EnvironmentKind.PAYMENTS


def payments_queue_skipping_immature(
    state: SettlementState, operation: ProcessExits
) -> SettlementState:
    """Wrong (either queue): processing skips an immature head and pays mature exits behind it."""
    if not is_payments(state, operation):
        return queue_skipping_immature(state, operation)
    environment = get_environment(state, operation.environment_id)
    require(operation.max_exits > 0, RejectionReason.PROCESS_LIMIT_ZERO)
    queue = payments_queue.get_payments_exit_queue(environment, operation.token)
    mature = [entry for entry in queue if entry[0][0] <= state.time]
    require(len(mature) > 0, RejectionReason.NO_EXIT_TO_PROCESS)
    return process_payments_entries(state, operation, mature[: operation.max_exits])


def payments_queue_ignoring_limit(
    state: SettlementState, operation: ProcessExits
) -> SettlementState:
    """Wrong (either queue): processing pays every mature exit, whatever the call's limit."""
    if not is_payments(state, operation):
        return queue_ignoring_limit(state, operation)
    environment = get_environment(state, operation.environment_id)
    require(operation.max_exits > 0, RejectionReason.PROCESS_LIMIT_ZERO)
    queue = payments_queue.get_payments_exit_queue(environment, operation.token)
    mature = list(takewhile(lambda entry: entry[0][0] <= state.time, queue))
    require(len(mature) > 0, RejectionReason.NO_EXIT_TO_PROCESS)
    return process_payments_entries(state, operation, mature)
