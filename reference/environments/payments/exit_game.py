"""The payments exit game in the settlement simulator: start and challenge a standard exit.

The counterpart of ``spec.environments.payments.exits``: the two standard
exit operations the payments kind adds, as steps of the simulator's step table
(:data:`SETTLEMENT_STEPS`, supplied through the kind's row in
``reference.environments.registry``). Each decides only what is particular
to payments, in the spec's order and with the spec's reasons, and hands the
rest to the kind-neutral machinery of ``reference.settlement.exits``:

- :func:`start_standard_exit` checks the transaction's inclusion proof
  against the committed block (``witnesses.validate_inclusion``), finds the
  exiting output and its owner, refuses an output a finalized mark names (one lookup in the
  marks table, ``reference.settlement.in_flight_tables``), and opens the exit
  with :func:`~reference.settlement.exits.start_exit`;
- :func:`challenge_standard_exit` finds the open exit and cancels it with
  :func:`~reference.settlement.exits.cancel_exit` when the challenge's
  payment is of valid shape (the child chain's stateless rules,
  ``witnesses.validate_shape``) and
  spends the exiting output with its owner's signature.

That last check is the spec's own ``validate_spend``
(:data:`validate_spend` here), called rather than restated:
it is a pure check of the operation's witnesses against the exit (which
input the payment spends, who signed it) and reads no state, so a second
copy would test nothing the differential tests do not. It and the in-flight
exits' pure witness checks are the only pieces of the spec's transition
logic the reference calls (see the ``reference`` package docstring).
"""

from __future__ import annotations

from collections.abc import Mapping

from reference.environments.interface import SettlementStep
from reference.environments.payments.encoding import compute_output_id
from reference.environments.payments.witnesses import (
    list_outputs,
    validate_inclusion,
    validate_shape,
)
from reference.settlement.exits import cancel_exit, compute_exitable_time, get_open_exit, start_exit
from reference.settlement.tables import SettlementTables
from spec.environments.payments import exits as spec_exits
from spec.environments.payments.exits import ChallengeStandardExit, StartStandardExit
from spec.environments.payments.in_flight import TransactionInclusion
from spec.errors import RejectionReason, require
from spec.positions import TransactionPosition
from spec.presets import Preset
from spec.primitives import Uint256
from spec.settlement.state import EnvironmentKind, Exit, ExitStatus

validate_spend = spec_exits.validate_spend
"""The payments challenge's witness check: the spec's own function, called, not restated.

It checks that the challenge's payment spends the exiting output at the chosen
input and that the output's owner signed it; it reads no state. Raises
``CHALLENGE_NOT_SPENDING_EXIT``, ``CHALLENGE_NOT_SIGNED_BY_OWNER`` and the
signature reasons.
"""


def start_standard_exit(
    tables: SettlementTables, preset: Preset, operation: StartStandardExit
) -> None:
    """Start the exit of an output and take its bond.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
            ``ENVIRONMENT_IN_QUARANTINE``, ``UNKNOWN_BLOCK``, ``INCLUSION_PROOF_INVALID``,
            ``OUTPUT_INDEX_OUT_OF_RANGE``, ``EXIT_NOT_BY_OWNER``, ``OUTPUT_ALREADY_FINALIZED``,
            ``EXIT_BOND_WRONG_AMOUNT``, ``EXIT_ALREADY_STARTED``,
            ``INSUFFICIENT_FUNDS`` (for the bond), ``INTEGER_OVERFLOW``.
    """
    time = tables.read_time()
    environment = tables.get_active_environment_of_kind(
        preset, time, operation.environment_id, EnvironmentKind.PAYMENTS
    )
    position = operation.position
    inclusion = TransactionInclusion(
        TransactionPosition(position.block_number, position.transaction_index),
        operation.inclusion_proof,
    )
    record = validate_inclusion(tables, preset, environment, operation.transaction, inclusion)
    outputs = list_outputs(operation.transaction)
    # Verify the output index names an output of the transaction
    require(position.output_index < len(outputs), RejectionReason.OUTPUT_INDEX_OUT_OF_RANGE)
    output = outputs[position.output_index]
    # Verify the sender owns the output
    require(operation.sender == output.owner, RejectionReason.EXIT_NOT_BY_OWNER)
    output_id = compute_output_id(operation.transaction, position)
    # Verify no exit (standard or in-flight) has settled the output already
    require(
        tables.read_finalized(environment.environment_id, output_id) is None,
        RejectionReason.OUTPUT_ALREADY_FINALIZED,
    )
    period = environment.rules.minimal_finalization_period
    exit = Exit(
        position=position,
        output_id=output_id,
        owner=output.owner,
        token=output.token,
        amount=output.amount,
        bond=operation.bond,
        started_at=time,
        exitable_at=compute_exitable_time(record, time, period),
        status=ExitStatus.OPEN,
        paid=Uint256(0),
    )
    start_exit(tables, environment, exit, operation.sender)


def challenge_standard_exit(
    tables: SettlementTables, preset: Preset, operation: ChallengeStandardExit
) -> None:
    """Cancel an open exit for good and pay its bond to the challenger.

    ``preset`` is unused: every step takes it.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
            ``UNKNOWN_EXIT``, ``EXIT_NOT_OPEN``, the payment shape reasons (``TX_NO_INPUTS``,
            ``TX_TOO_MANY_INPUTS``, ``TX_NO_OUTPUTS``, ``TX_TOO_MANY_OUTPUTS``,
            ``TX_SIGNATURE_COUNT_MISMATCH``, ``TX_DUPLICATE_INPUT``, ``OUTPUT_AMOUNT_ZERO``),
            ``CHALLENGE_NOT_SPENDING_EXIT``, ``CHALLENGE_NOT_SIGNED_BY_OWNER``,
            ``SIGNATURE_MALFORMED``, ``SIGNATURE_HIGH_S``, ``SIGNATURE_UNRECOVERABLE``,
            ``INTEGER_OVERFLOW`` (the challenger's balance).
    """
    environment = tables.get_environment_of_kind(operation.environment_id, EnvironmentKind.PAYMENTS)
    exit = get_open_exit(tables, environment, operation.exit_id)
    validate_shape(operation.spending_transaction)
    validate_spend(operation.environment_id, exit, operation)
    cancel_exit(tables, environment, operation.exit_id, exit, operation.sender)


SETTLEMENT_STEPS: Mapping[type, SettlementStep] = {
    StartStandardExit: start_standard_exit,
    ChallengeStandardExit: challenge_standard_exit,
}
"""The payments exit game's rows of the simulator's step table, by operation type."""
