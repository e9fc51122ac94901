"""Piggybacks on in-flight exits in the simulator, and the challenges that show one spent.

The counterpart of ``spec.environments.payments.piggybacks``, as steps of the
simulator's step table (:data:`PIGGYBACK_STEPS`), with the spec's rules,
order and reasons:

- :func:`piggyback_in_flight_exit` opens a piggyback, taking its bond; a
  token's first piggyback computes the exit's exitable time for that token
  and inserts the exit's entry in the in-flight queue table
  (``settlement_in_flight_queue``), so processing finds it by index;
- :func:`challenge_in_flight_input_spent` and
  :func:`challenge_in_flight_output_spent` drop an open piggyback shown spent
  and pay its bond to the challenger (the entry stays queued: the exit may
  still have other piggybacks of the token; a token with none left settles
  nothing when processed, as in the spec).

Whether a payment spends the piggybacked output at its chosen input, signed
there by the output's owner, is the spec's pure witness check
``validate_spend_of``, called and not restated (as the standard challenge's
``validate_spend``; see the ``reference`` package docstring). The spend's
shape is checked first with the shared witness checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from reference.environments.interface import SettlementStep
from reference.environments.payments.in_flight import get_in_flight_exit, is_in_first_phase
from reference.environments.payments.witnesses import validate_inclusion, validate_shape
from reference.settlement.environment_tables import EnvironmentRow
from reference.settlement.tables import SettlementTables
from reference.store import failpoint
from spec.environments.payments import piggybacks as spec_piggybacks
from spec.environments.payments.piggybacks import (
    ChallengeInFlightInputSpent,
    ChallengeInFlightOutputSpent,
    PiggybackInFlightExit,
)
from spec.environments.payments.records import (
    InFlightExit,
    Piggyback,
    PiggybackSide,
    PiggybackStatus,
)
from spec.environments.payments.transactions import Output
from spec.errors import RejectionReason, require
from spec.positions import OutputPosition
from spec.presets import Preset
from spec.primitives import NATIVE_TOKEN, Address, Uint8, Uint64, Uint256
from spec.settlement.state import EnvironmentKind

validate_spend_of = spec_piggybacks.validate_spend_of
"""The spent challenges' witness check: the spec's own pure function, called, not restated.

It checks that a payment spends a given output at its chosen input and that
the output's owner signed it there; it reads no state. Raises
``CHALLENGE_NOT_SPENDING_PIGGYBACK``, the signature reasons and
``CHALLENGE_NOT_SIGNED_BY_OWNER``.
"""


# Helpers


def get_side(
    exit: InFlightExit, side: PiggybackSide
) -> tuple[tuple[Piggyback, ...], tuple[Output, ...]]:
    """Return one side of an exit: its piggybacks, and what each input held (or each output)."""
    if side == PiggybackSide.INPUT:
        return exit.input_piggybacks, exit.inputs
    return exit.output_piggybacks, exit.transaction.outputs


def with_piggyback(
    exit: InFlightExit, side: PiggybackSide, index: int, piggyback: Piggyback
) -> InFlightExit:
    """Return ``exit`` with one piggyback replaced."""
    piggybacks = list(get_side(exit, side)[0])
    piggybacks[index] = piggyback
    if side == PiggybackSide.INPUT:
        return replace(exit, input_piggybacks=tuple(piggybacks))
    return replace(exit, output_piggybacks=tuple(piggybacks))


def check_open(exit: InFlightExit, side: PiggybackSide, index: int) -> None:
    """Check that one input or output of the exit is piggybacked and not yet settled.

    Raises:
        Rejected: ``PIGGYBACK_INDEX_OUT_OF_RANGE``, ``PIGGYBACK_NOT_OPEN``.
    """
    piggybacks = get_side(exit, side)[0]
    # Verify the index names an input (or output) of the payment
    require(index < len(piggybacks), RejectionReason.PIGGYBACK_INDEX_OUT_OF_RANGE)
    # Verify that input (or output) is piggybacked and its piggyback not settled
    require(piggybacks[index].status == PiggybackStatus.OPEN, RejectionReason.PIGGYBACK_NOT_OPEN)


def drop_piggyback(
    tables: SettlementTables,
    environment: EnvironmentRow,
    exit_id: Uint64,
    exit: InFlightExit,
    *,
    side: PiggybackSide,
    index: int,
    challenger: Address,
) -> None:
    """Mark a piggyback shown spent as challenged and pay its bond to ``challenger``.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` (the challenger's balance).
    """
    bonds_held = environment.bonds_held - exit.bond
    tables.credit(challenger, NATIVE_TOKEN, exit.bond)
    failpoint()
    challenged = with_piggyback(
        exit, side, index, Piggyback(PiggybackStatus.CHALLENGED, Uint256(0))
    )
    tables.write_in_flight_exit(environment.environment_id, exit_id, challenged)
    failpoint()
    tables.update_environment(replace(environment, bonds_held=bonds_held))


# Piggyback


def piggyback_in_flight_exit(
    tables: SettlementTables, preset: Preset, operation: PiggybackInFlightExit
) -> None:
    """Piggyback one input or output; a token's first piggyback queues the exit for that token.

    ``preset`` is unused: every step takes it.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
            ``UNKNOWN_IN_FLIGHT_EXIT``, ``IN_FLIGHT_EXIT_DELETED``,
            ``PIGGYBACK_PERIOD_OVER``, ``PIGGYBACK_INDEX_OUT_OF_RANGE``,
            ``PIGGYBACK_NOT_BY_OWNER``, ``PIGGYBACK_ALREADY_MADE``,
            ``EXIT_BOND_WRONG_AMOUNT``, ``INSUFFICIENT_FUNDS`` (for the bond),
            ``INTEGER_OVERFLOW``.
    """
    environment = tables.get_environment_of_kind(operation.environment_id, EnvironmentKind.PAYMENTS)
    identifier = environment.environment_id
    exit = get_in_flight_exit(tables, environment, operation.exit_id)
    side, index, time = operation.side, int(operation.index), tables.read_time()
    # Verify piggybacks are still accepted: the exit's first phase
    require(is_in_first_phase(time, environment, exit), RejectionReason.PIGGYBACK_PERIOD_OVER)
    piggybacks, outputs = get_side(exit, side)
    # Verify the index names an input (or output) of the payment
    require(index < len(piggybacks), RejectionReason.PIGGYBACK_INDEX_OUT_OF_RANGE)
    # Verify the sender owns that input (or output)
    require(operation.sender == outputs[index].owner, RejectionReason.PIGGYBACK_NOT_BY_OWNER)
    # Verify it was not piggybacked before
    require(
        piggybacks[index].status == PiggybackStatus.NONE, RejectionReason.PIGGYBACK_ALREADY_MADE
    )
    # Verify the bond is exactly the environment's exit bond
    require(operation.bond == environment.rules.exit_bond, RejectionReason.EXIT_BOND_WRONG_AMOUNT)
    piggybacked = with_piggyback(exit, side, index, Piggyback(PiggybackStatus.OPEN, Uint256(0)))
    token = outputs[index].token
    entry = None
    if token not in exit.exitable_at:
        period = environment.rules.minimal_finalization_period
        # The exitable time: max(youngest input's block time + 2·MFP, now + MFP)
        exitable_at = max(exit.youngest_input_time + period * 2, time + period)
        piggybacked = replace(piggybacked, exitable_at={**exit.exitable_at, token: exitable_at})
        entry = (exitable_at, exit.youngest_input, operation.exit_id)
    bonds_held = environment.bonds_held + operation.bond
    tables.debit(operation.sender, NATIVE_TOKEN, operation.bond)
    failpoint()
    tables.write_in_flight_exit(identifier, operation.exit_id, piggybacked)
    if entry is not None:
        tables.insert_queue_entry(identifier, token, entry)
    failpoint()
    tables.update_environment(replace(environment, bonds_held=bonds_held))


# Spent challenges


def challenge_in_flight_input_spent(
    tables: SettlementTables, preset: Preset, operation: ChallengeInFlightInputSpent
) -> None:
    """Drop a piggybacked input that its owner spent in another payment.

    ``preset`` is unused: every step takes it.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
            ``UNKNOWN_IN_FLIGHT_EXIT``, ``IN_FLIGHT_EXIT_DELETED``,
            ``PIGGYBACK_INDEX_OUT_OF_RANGE``, ``PIGGYBACK_NOT_OPEN``, the payment shape
            reasons, ``CHALLENGE_IS_IN_FLIGHT_TRANSACTION``,
            ``CHALLENGE_NOT_SPENDING_PIGGYBACK``, the signature reasons,
            ``CHALLENGE_NOT_SIGNED_BY_OWNER``, ``INTEGER_OVERFLOW``.
    """
    environment = tables.get_environment_of_kind(operation.environment_id, EnvironmentKind.PAYMENTS)
    exit = get_in_flight_exit(tables, environment, operation.exit_id)
    index = int(operation.input_index)
    check_open(exit, PiggybackSide.INPUT, index)
    spending = operation.spending_transaction
    validate_shape(spending)
    # Verify the spend is another payment than the in-flight one
    require(
        spending.transaction != exit.transaction,
        RejectionReason.CHALLENGE_IS_IN_FLIGHT_TRANSACTION,
    )
    validate_spend_of(
        operation.environment_id,
        spending,
        int(operation.spending_input_index),
        exit.transaction.inputs[index],
        exit.inputs[index].owner,
    )
    drop_piggyback(
        tables,
        environment,
        operation.exit_id,
        exit,
        side=PiggybackSide.INPUT,
        index=index,
        challenger=operation.sender,
    )


def challenge_in_flight_output_spent(
    tables: SettlementTables, preset: Preset, operation: ChallengeInFlightOutputSpent
) -> None:
    """Drop a piggybacked output of an included in-flight payment that its owner spent.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
            ``UNKNOWN_IN_FLIGHT_EXIT``, ``IN_FLIGHT_EXIT_DELETED``,
            ``PIGGYBACK_INDEX_OUT_OF_RANGE``, ``PIGGYBACK_NOT_OPEN``,
            ``IN_FLIGHT_TRANSACTION_MISMATCH``, ``UNKNOWN_BLOCK``,
            ``INCLUSION_PROOF_INVALID``, the payment shape reasons,
            ``CHALLENGE_NOT_SPENDING_PIGGYBACK``, the signature reasons,
            ``CHALLENGE_NOT_SIGNED_BY_OWNER``, ``INTEGER_OVERFLOW``.
    """
    environment = tables.get_environment_of_kind(operation.environment_id, EnvironmentKind.PAYMENTS)
    exit = get_in_flight_exit(tables, environment, operation.exit_id)
    index = int(operation.output_index)
    check_open(exit, PiggybackSide.OUTPUT, index)
    # Verify the transaction shown included is the in-flight payment
    require(
        operation.in_flight_transaction.transaction == exit.transaction,
        RejectionReason.IN_FLIGHT_TRANSACTION_MISMATCH,
    )
    validate_inclusion(
        tables, preset, environment, operation.in_flight_transaction, operation.inclusion
    )
    spending = operation.spending_transaction
    validate_shape(spending)
    position = operation.inclusion.position
    validate_spend_of(
        operation.environment_id,
        spending,
        int(operation.spending_input_index),
        OutputPosition(position.block_number, position.transaction_index, Uint8(index)),
        exit.transaction.outputs[index].owner,
    )
    drop_piggyback(
        tables,
        environment,
        operation.exit_id,
        exit,
        side=PiggybackSide.OUTPUT,
        index=index,
        challenger=operation.sender,
    )


PIGGYBACK_STEPS: Mapping[type, SettlementStep] = {
    PiggybackInFlightExit: piggyback_in_flight_exit,
    ChallengeInFlightInputSpent: challenge_in_flight_input_spent,
    ChallengeInFlightOutputSpent: challenge_in_flight_output_spent,
}
"""The steps of piggybacks and spent challenges, by operation type."""
