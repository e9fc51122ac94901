"""In-flight exits in the settlement simulator: start one, delete one nobody piggybacked.

The counterpart of ``spec.environments.payments.in_flight``, as steps of the
simulator's step table (:data:`IN_FLIGHT_STEPS`), with the spec's rules, order
and reasons. An in-flight exit is one row of ``settlement_in_flight_exits``
(``reference.settlement.in_flight_tables``), read and written whole; what
the spec finds by scanning is an index lookup here:

- "has this payment an active in-flight exit?" is one lookup in the unique
  partial index over the active exits, by the hash of the payment's body;
- the next in-flight exit id is the largest one plus one (the primary key's end).

:func:`start_in_flight_exit` proves each input with the shared witness checks
(``reference.environments.payments.witnesses``) and checks value per token
with the child chain walk's sums (``reference.environments.payments.walk``).
Who signed each input is the spec's pure witness check
``validate_in_flight_signatures``, called and not restated (as the standard
challenge's ``validate_spend``; see the ``reference`` package docstring).

Also here, for the other in-flight steps (``.piggybacks``, ``.canonicity``):
the checked read of an exit (:func:`get_in_flight_exit`) and its first phase
(:func:`is_in_first_phase`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from reference.environments.interface import SettlementStep
from reference.environments.payments.encoding import compute_output_id
from reference.environments.payments.walk import sum_per_token
from reference.environments.payments.witnesses import (
    list_outputs,
    validate_inclusion,
    validate_shape,
)
from reference.settlement.environment_tables import EnvironmentRow
from reference.settlement.tables import SettlementTables
from reference.store import failpoint
from spec.environments.payments import in_flight as spec_in_flight
from spec.environments.payments.in_flight import (
    DeleteInFlightExit,
    StartInFlightExit,
    TransactionInclusion,
)
from spec.environments.payments.records import (
    NO_PIGGYBACK,
    InFlightExit,
    InFlightExitStatus,
    InFlightOutcome,
    PiggybackStatus,
)
from spec.environments.payments.transactions import Output
from spec.errors import RejectionReason, require
from spec.positions import TransactionPosition
from spec.presets import Preset
from spec.primitives import NATIVE_TOKEN, Hash32, Uint64
from spec.settlement.state import EnvironmentKind

validate_in_flight_signatures = spec_in_flight.validate_in_flight_signatures
"""The start's signature check: the spec's own pure witness check, called, not restated.

It checks that each input's owner signed the payment at that input; it reads
no state. Raises the signature reasons and ``TX_INPUT_NOT_SIGNED_BY_OWNER``.
"""


# Helpers


def get_in_flight_exit(
    tables: SettlementTables, environment: EnvironmentRow, exit_id: Uint64
) -> InFlightExit:
    """Return an in-flight exit of ``environment`` that is not deleted.

    Raises:
        Rejected: ``UNKNOWN_IN_FLIGHT_EXIT``, ``IN_FLIGHT_EXIT_DELETED``.
    """
    exit = tables.read_in_flight_exit(environment.environment_id, exit_id)
    # Verify the in-flight exit exists
    require(exit is not None, RejectionReason.UNKNOWN_IN_FLIGHT_EXIT)
    assert exit is not None
    # Verify the in-flight exit was not deleted
    require(exit.status == InFlightExitStatus.ACTIVE, RejectionReason.IN_FLIGHT_EXIT_DELETED)
    return exit


def is_in_first_phase(time: Uint64, environment: EnvironmentRow, exit: InFlightExit) -> bool:
    """Return whether the exit is in its first phase: ``now < started_at + MFP // 2``.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when the phase ends past the largest Uint64.
    """
    half_period = environment.rules.minimal_finalization_period // 2
    return time < exit.started_at + half_period


# Start


def prove_input(
    tables: SettlementTables,
    preset: Preset,
    environment: EnvironmentRow,
    operation: StartInFlightExit,
    index: int,
) -> tuple[Output, Hash32, Uint64]:
    """Return what input ``index`` held, its output id and its block's time, from its witness.

    Raises:
        Rejected: ``UNKNOWN_BLOCK``, ``INCLUSION_PROOF_INVALID``, ``OUTPUT_INDEX_OUT_OF_RANGE``.
    """
    position = operation.transaction.transaction.inputs[index]
    transaction = operation.input_transactions[index]
    inclusion = TransactionInclusion(
        TransactionPosition(position.block_number, position.transaction_index),
        operation.input_proofs[index],
    )
    record = validate_inclusion(tables, preset, environment, transaction, inclusion)
    outputs = list_outputs(transaction)
    # Verify the input's output index names an output of its transaction
    require(position.output_index < len(outputs), RejectionReason.OUTPUT_INDEX_OUT_OF_RANGE)
    return (
        outputs[position.output_index],
        compute_output_id(transaction, position),
        record.timestamp,
    )


def validate_value(inputs: tuple[Output, ...], outputs: tuple[Output, ...]) -> None:
    """Check that, per token, the payment's inputs cover its outputs.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` (inputs summed first, then outputs),
            ``TX_OUTPUTS_EXCEED_INPUTS``.
    """
    available, spent = sum_per_token(inputs), sum_per_token(outputs)
    # Verify, per token, the outputs do not exceed the inputs
    require(
        all(amount <= available.get(token, 0) for token, amount in spent.items()),
        RejectionReason.TX_OUTPUTS_EXCEED_INPUTS,
    )


def compute_new_in_flight_exit(
    tables: SettlementTables,
    preset: Preset,
    environment: EnvironmentRow,
    operation: StartInFlightExit,
    time: Uint64,
) -> InFlightExit:
    """Return the in-flight exit a valid start claims.

    Raises:
        Rejected: the payment shape reasons, ``IN_FLIGHT_WITNESS_COUNT_MISMATCH``,
            ``UNKNOWN_BLOCK``, ``INCLUSION_PROOF_INVALID``, ``OUTPUT_INDEX_OUT_OF_RANGE``,
            ``INTEGER_OVERFLOW``, ``TX_OUTPUTS_EXCEED_INPUTS``, the signature reasons,
            ``TX_INPUT_NOT_SIGNED_BY_OWNER``.
    """
    payment = operation.transaction
    positions = payment.transaction.inputs
    validate_shape(payment)
    # Verify one proven transaction per input
    require(
        len(operation.input_transactions) == len(positions) == len(operation.input_proofs),
        RejectionReason.IN_FLIGHT_WITNESS_COUNT_MISMATCH,
    )
    proven = [
        prove_input(tables, preset, environment, operation, index)
        for index in range(len(positions))
    ]
    inputs = tuple(output for output, _, _ in proven)
    validate_value(inputs, payment.transaction.outputs)
    validate_in_flight_signatures(operation.environment_id, payment, inputs)
    youngest = max(range(len(positions)), key=lambda index: positions[index])
    return InFlightExit(
        transaction=payment.transaction,
        inputs=inputs,
        input_ids=tuple(output_id for _, output_id, _ in proven),
        youngest_input=positions[youngest],
        youngest_input_time=proven[youngest][2],
        started_at=time,
        bond=operation.bond,
        bond_owner=operation.sender,
        canonical=True,
        oldest_competitor=None,
        input_piggybacks=(NO_PIGGYBACK,) * len(inputs),
        output_piggybacks=(NO_PIGGYBACK,) * len(payment.transaction.outputs),
        exitable_at={},
        processed_tokens=(),
        outcome=InFlightOutcome.UNDECIDED,
        status=InFlightExitStatus.ACTIVE,
    )


def start_in_flight_exit(
    tables: SettlementTables, preset: Preset, operation: StartInFlightExit
) -> None:
    """Start an in-flight exit and take its bond.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
            ``ENVIRONMENT_IN_QUARANTINE``, the payment shape reasons,
            ``IN_FLIGHT_WITNESS_COUNT_MISMATCH``, ``UNKNOWN_BLOCK``,
            ``INCLUSION_PROOF_INVALID``, ``OUTPUT_INDEX_OUT_OF_RANGE``,
            ``TX_OUTPUTS_EXCEED_INPUTS``, the signature reasons,
            ``TX_INPUT_NOT_SIGNED_BY_OWNER``, ``IN_FLIGHT_EXIT_ALREADY_STARTED``,
            ``EXIT_BOND_WRONG_AMOUNT``, ``INSUFFICIENT_FUNDS`` (for the bond),
            ``INTEGER_OVERFLOW``.
    """
    time = tables.read_time()
    environment = tables.get_active_environment_of_kind(
        preset, time, operation.environment_id, EnvironmentKind.PAYMENTS
    )
    identifier = environment.environment_id
    exit = compute_new_in_flight_exit(tables, preset, environment, operation, time)
    # Verify no other in-flight exit of the payment is active (one lookup in its index)
    require(
        not tables.find_active_in_flight_exit(identifier, exit.transaction),
        RejectionReason.IN_FLIGHT_EXIT_ALREADY_STARTED,
    )
    # Verify the bond is exactly the environment's exit bond
    require(operation.bond == environment.rules.exit_bond, RejectionReason.EXIT_BOND_WRONG_AMOUNT)
    bonds_held = environment.bonds_held + exit.bond
    tables.debit(operation.sender, NATIVE_TOKEN, exit.bond)
    failpoint()
    tables.write_in_flight_exit(identifier, Uint64(tables.count_in_flight_exits(identifier)), exit)
    failpoint()
    tables.update_environment(replace(environment, bonds_held=bonds_held))


# Delete


def delete_in_flight_exit(
    tables: SettlementTables, preset: Preset, operation: DeleteInFlightExit
) -> None:
    """Delete an in-flight exit nobody piggybacked and return its bond to its bond owner.

    ``preset`` is unused: every step takes it.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
            ``UNKNOWN_IN_FLIGHT_EXIT``, ``IN_FLIGHT_EXIT_DELETED``,
            ``PIGGYBACK_PERIOD_NOT_OVER``, ``IN_FLIGHT_EXIT_PIGGYBACKED``,
            ``INTEGER_OVERFLOW``.
    """
    environment = tables.get_environment_of_kind(operation.environment_id, EnvironmentKind.PAYMENTS)
    exit = get_in_flight_exit(tables, environment, operation.exit_id)
    # Verify nobody can piggyback any more
    require(
        not is_in_first_phase(tables.read_time(), environment, exit),
        RejectionReason.PIGGYBACK_PERIOD_NOT_OVER,
    )
    piggybacks = exit.input_piggybacks + exit.output_piggybacks
    # Verify nobody ever piggybacked the exit
    require(
        all(piggyback.status == PiggybackStatus.NONE for piggyback in piggybacks),
        RejectionReason.IN_FLIGHT_EXIT_PIGGYBACKED,
    )
    bonds_held = environment.bonds_held - exit.bond
    tables.credit(exit.bond_owner, NATIVE_TOKEN, exit.bond)
    failpoint()
    deleted = replace(exit, status=InFlightExitStatus.DELETED)
    tables.write_in_flight_exit(environment.environment_id, operation.exit_id, deleted)
    failpoint()
    tables.update_environment(replace(environment, bonds_held=bonds_held))


IN_FLIGHT_STEPS: Mapping[type, SettlementStep] = {
    StartInFlightExit: start_in_flight_exit,
    DeleteInFlightExit: delete_in_flight_exit,
}
"""The steps of starting and deleting in-flight exits, by operation type."""
