"""Processing a payments environment's exits: standard and in-flight exits in one queue per token.

Standard exits (``spec.environments.payments.exits``) and in-flight exits
(``spec.environments.payments.in_flight``) of one (environment, token) wait
in one queue, ordered by :data:`ExitPriority`: exitable time, then position
(the exiting output's; an in-flight exit's youngest input's), then the exit's
kind, then its id. The kind is there because the two kinds number their
exits apart: with it, no two entries of any queue ever share a priority. An
in-flight exit is in the queue of every token it has a piggyback of, each
with the exitable time that token's first piggyback set, and is processed
once per token.

Every exit settles outputs through the finalized marks
(``spec.environments.payments.marks``), written once and shared by both kinds:

- a standard exit pays its output and marks it; if another exit marked the
  output first, it is *skipped*: nothing paid, bond returned to its owner
  (nobody showed it wrong; it only came second);
- an in-flight exit is *decided* at its first processing, whatever the token:
  it pays its outputs if it is canonical and no input was settled by another
  exit, and then marks every input settled (they were spent by a payment
  whose outputs are paid); otherwise it pays its inputs. The decision is
  kept, so all its tokens are paid on the same side; its bond goes to whoever
  holds it after the canonicity game;
- for the token processed, each open piggyback on the paid side whose output
  is not yet marked is paid (at most what the vault holds) and marked; every
  other open piggyback is settled unpaid. Each open piggyback's bond goes back
  to its owner less the environment's processing bounty, which goes to the
  caller of ``ProcessExits``.

Each input is checked alone: an input settled by another exit is skipped and
the exit's other piggybacked inputs are still paid. A rule that refused them
all because one was settled would let one co-signer's exit block the others.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import takewhile

from spec.environments.payments.marks import (
    get_finalizing_exit,
    get_payments_records,
    is_finalized,
    with_finalized,
    with_in_flight_exit,
)
from spec.environments.payments.piggybacks import (
    get_piggyback_output,
    get_piggybacks,
    with_piggyback,
)
from spec.environments.payments.records import (
    ExitKind,
    ExitReference,
    InFlightExit,
    InFlightExitStatus,
    InFlightOutcome,
    Piggyback,
    PiggybackSide,
    PiggybackStatus,
)
from spec.environments.payments.transactions import compute_payment_output_id
from spec.errors import RejectionReason, require
from spec.positions import OutputPosition
from spec.primitives import NATIVE_TOKEN, Address, Hash32, Uint8, Uint64, Uint256
from spec.settlement.exits import process_exit, process_exit_skip
from spec.settlement.operations import ProcessExits
from spec.settlement.state import (
    Environment,
    ExitStatus,
    SettlementState,
    credit,
    get_environment,
    get_vault_balance,
    with_environment,
)
from spec.totals import add_to_totals

ExitPriority = tuple[Uint64, OutputPosition, Uint8, Uint64]
"""(exitable time, position, kind rank, exit id): smaller is paid first."""

EXIT_KIND_RANK = {ExitKind.STANDARD: Uint8(0), ExitKind.IN_FLIGHT: Uint8(1)}
"""Rank of each exit kind in a priority: at equal time and position, standard exits go first."""

QueueEntry = tuple[ExitPriority, ExitReference]
"""One exit waiting in a queue, with its priority."""


# Queue


def get_in_flight_entries(environment: Environment, token: Address) -> list[QueueEntry]:
    """Return the in-flight exits queued for ``token`` and not yet processed for it."""
    rank = EXIT_KIND_RANK[ExitKind.IN_FLIGHT]
    return [
        (
            (exit.exitable_at[token], exit.youngest_input, rank, exit_id),
            ExitReference(ExitKind.IN_FLIGHT, exit_id),
        )
        for exit_id, exit in get_payments_records(environment).in_flight_exits.items()
        if exit.status == InFlightExitStatus.ACTIVE
        and token in exit.exitable_at
        and token not in exit.processed_tokens
    ]


def get_payments_exit_queue(environment: Environment, token: Address) -> list[QueueEntry]:
    """Return the queue of one token: open standard and waiting in-flight exits, by priority."""
    rank = EXIT_KIND_RANK[ExitKind.STANDARD]
    standard = [
        (
            (exit.exitable_at, exit.position, rank, exit_id),
            ExitReference(ExitKind.STANDARD, exit_id),
        )
        for exit_id, exit in environment.exits.items()
        if exit.status == ExitStatus.OPEN and exit.token == token
    ]
    return sorted(standard + get_in_flight_entries(environment, token), key=lambda e: e[0])


def process_payments_exit_queue(state: SettlementState, operation: ProcessExits) -> SettlementState:
    """Process mature exits of one token's queue in priority order, up to ``max_exits``.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``PROCESS_LIMIT_ZERO``,
            ``NO_EXIT_TO_PROCESS``, ``INTEGER_OVERFLOW``.
    """
    environment = get_environment(state, operation.environment_id)
    # Verify the call may process at least one exit
    require(operation.max_exits > 0, RejectionReason.PROCESS_LIMIT_ZERO)
    queue = get_payments_exit_queue(environment, operation.token)
    mature = list(takewhile(lambda entry: entry[0][0] <= state.time, queue))
    # Verify the head of the queue is mature
    require(len(mature) > 0, RejectionReason.NO_EXIT_TO_PROCESS)
    for _, exit in mature[: operation.max_exits]:
        if exit.kind == ExitKind.STANDARD:
            state = process_standard_entry(state, operation.environment_id, exit.exit_id)
        else:
            state = process_in_flight_entry(state, operation, exit.exit_id)
    return state


# Standard exits


def process_standard_entry(
    state: SettlementState, environment_id: Uint64, exit_id: Uint64
) -> SettlementState:
    """Pay a standard exit and mark its output, or skip it if another exit marked it first.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when a balance would pass the largest Uint256.
    """
    exit = state.environments[environment_id].exits[exit_id]
    if is_finalized(state.environments[environment_id], exit.output_id):
        return process_exit_skip(state, environment_id, exit_id)
    state = process_exit(state, environment_id, exit_id)
    reference = ExitReference(ExitKind.STANDARD, exit_id)
    environment = with_finalized(state.environments[environment_id], exit.output_id, reference)
    return with_environment(state, environment_id, environment)


# In-flight exits


def get_piggyback_output_id(exit: InFlightExit, side: PiggybackSide, index: int) -> Hash32:
    """Return the output id of one input or output of an in-flight payment."""
    if side == PiggybackSide.INPUT:
        return exit.input_ids[index]
    return compute_payment_output_id(exit.transaction, index)


def is_settled_elsewhere(environment: Environment, exit_id: Uint64, exit: InFlightExit) -> bool:
    """Return whether another exit has settled one of the in-flight payment's inputs."""
    own = ExitReference(ExitKind.IN_FLIGHT, exit_id)
    settlers = [get_finalizing_exit(environment, output_id) for output_id in exit.input_ids]
    return any(settler not in (None, own) for settler in settlers)


def decide_in_flight_exit(
    state: SettlementState, environment_id: Uint64, exit_id: Uint64
) -> SettlementState:
    """Decide which side an in-flight exit pays, and pay its bond to its bond owner.

    Canonical with no input settled elsewhere: outputs, and every input is
    marked settled by this exit. Otherwise: inputs.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when the bond owner's balance would pass
            the largest Uint256.
    """
    environment = state.environments[environment_id]
    exit = get_payments_records(environment).in_flight_exits[exit_id]
    if exit.canonical and not is_settled_elsewhere(environment, exit_id, exit):
        outcome = InFlightOutcome.OUTPUTS
        own = ExitReference(ExitKind.IN_FLIGHT, exit_id)
        for output_id in exit.input_ids:
            if not is_finalized(environment, output_id):
                environment = with_finalized(environment, output_id, own)
    else:
        outcome = InFlightOutcome.INPUTS
    environment = with_in_flight_exit(environment, exit_id, replace(exit, outcome=outcome))
    environment = replace(environment, bonds_held=environment.bonds_held - exit.bond)
    state = with_environment(state, environment_id, environment)
    return credit(state, exit.bond_owner, NATIVE_TOKEN, exit.bond)


def settle_piggyback(
    state: SettlementState,
    operation: ProcessExits,
    exit_id: Uint64,
    side: PiggybackSide,
    index: int,
) -> SettlementState:
    """Settle one open piggyback: pay it if it is on the paid side and unmarked; return its bond.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when a balance would pass the largest Uint256.
    """
    environment_id = operation.environment_id
    environment = state.environments[environment_id]
    exit = get_payments_records(environment).in_flight_exits[exit_id]
    output = get_piggyback_output(exit, side, index)
    output_id = get_piggyback_output_id(exit, side, index)
    paid_side = (
        PiggybackSide.OUTPUT if exit.outcome == InFlightOutcome.OUTPUTS else PiggybackSide.INPUT
    )
    payout = min(output.amount, get_vault_balance(environment, output.token))
    pays = side == paid_side and not is_finalized(environment, output_id)
    if pays:
        environment = replace(
            environment, withdrawn=add_to_totals(environment.withdrawn, output.token, payout)
        )
        environment = with_finalized(
            environment, output_id, ExitReference(ExitKind.IN_FLIGHT, exit_id)
        )
    outcome = (
        Piggyback(PiggybackStatus.PAID, payout)
        if pays
        else Piggyback(PiggybackStatus.UNPAID, Uint256(0))
    )
    settled = with_piggyback(exit, side, index, outcome)
    environment = with_in_flight_exit(environment, exit_id, settled)
    environment = replace(environment, bonds_held=environment.bonds_held - exit.bond)
    state = with_environment(state, environment_id, environment)
    if pays:
        state = credit(state, output.owner, output.token, payout)
    bounty = environment.rules.processing_bounty
    state = credit(state, output.owner, NATIVE_TOKEN, exit.bond - bounty)
    return credit(state, operation.sender, NATIVE_TOKEN, bounty)


def process_in_flight_entry(
    state: SettlementState, operation: ProcessExits, exit_id: Uint64
) -> SettlementState:
    """Process an in-flight exit for one token: decide it if first, then settle its piggybacks.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when a balance would pass the largest Uint256.
    """
    environment_id, token = operation.environment_id, operation.token
    exit = get_payments_records(state.environments[environment_id]).in_flight_exits[exit_id]
    if exit.outcome == InFlightOutcome.UNDECIDED:
        state = decide_in_flight_exit(state, environment_id, exit_id)
    for side in (PiggybackSide.INPUT, PiggybackSide.OUTPUT):
        for index, piggyback in enumerate(get_piggybacks(exit, side)):
            output = get_piggyback_output(exit, side, index)
            if piggyback.status == PiggybackStatus.OPEN and output.token == token:
                state = settle_piggyback(state, operation, exit_id, side, index)
    environment = state.environments[environment_id]
    exit = get_payments_records(environment).in_flight_exits[exit_id]
    processed = replace(exit, processed_tokens=(*exit.processed_tokens, token))
    return with_environment(
        state, environment_id, with_in_flight_exit(environment, exit_id, processed)
    )
