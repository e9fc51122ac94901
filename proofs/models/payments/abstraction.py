"""The abstraction of the payments exit game's operations: spec operations to model parameters.

A ``StartStandardExit`` becomes the root its inclusion proof leads to and the
exiting output's fields; a ``ChallengeStandardExit`` becomes the position its
chosen input spends and the signer of that input. Everything is computed
concretely with the spec's own helpers (Merkle proofs, signature recovery),
which the model leaves abstract. Used by ``proofs.models.operation_abstraction``.
"""

from __future__ import annotations

from proofs.models.abstraction import as_integer, as_position_key, number
from proofs.models.payments.parameters import ChallengeExitParameters, StartExitParameters
from proofs.models.rules import NO_VALUE
from spec.environments.payments.chain import validate_payment_shape
from spec.environments.payments.exits import (
    ChallengeStandardExit,
    StartStandardExit,
    get_signer_of_input,
)
from spec.environments.payments.transactions import (
    compute_transaction_leaf,
    get_transaction_outputs,
)
from spec.errors import Rejected
from spec.merkle import compute_root_from_proof
from spec.settlement.state import SettlementState


def compute_proven_root(state: SettlementState, operation: StartStandardExit) -> int:
    """Return the root the exit's inclusion proof leads to, or NO_VALUE if it is malformed."""
    depth = int(state.preset.transaction_tree_depth)
    index = int(operation.position.transaction_index)
    if len(operation.inclusion_proof) != depth or not 0 <= index < 2**depth:
        return NO_VALUE
    leaf = compute_transaction_leaf(operation.transaction)
    return as_integer(compute_root_from_proof(leaf, index, operation.inclusion_proof))


def abstract_start_exit(
    state: SettlementState, operation: StartStandardExit
) -> StartExitParameters:
    """Return the start-exit parameters: position, proven root, the exiting output, bond."""
    outputs = get_transaction_outputs(operation.transaction)
    index = int(operation.position.output_index)
    owner, token, amount = (
        (
            as_integer(outputs[index].owner),
            as_integer(outputs[index].token),
            int(outputs[index].amount),
        )
        if index < len(outputs)
        else (0, 0, 0)
    )
    return StartExitParameters(
        sender=number(as_integer(operation.sender)),
        block_number=number(operation.position.block_number),
        transaction_index=number(operation.position.transaction_index),
        output_index=number(index),
        proven_root=number(compute_proven_root(state, operation)),
        output_count=number(len(outputs)),
        output_owner=number(owner),
        output_token=number(token),
        output_amount=number(amount),
        bond=number(operation.bond),
    )


def abstract_challenge(operation: ChallengeStandardExit) -> ChallengeExitParameters:
    """Return the challenge parameters: the position its input spends and that input's signer."""
    payment = operation.spending_transaction
    inputs, index = payment.transaction.inputs, int(operation.input_index)
    spent = as_position_key(inputs[index]) if index < len(inputs) else NO_VALUE
    try:
        signer = get_signer_of_input(operation.environment_id, payment, index)
    except Rejected:
        signer = None
    try:
        validate_payment_shape(payment)
        well_formed = 1
    except Rejected:
        well_formed = 0
    return ChallengeExitParameters(
        sender=number(as_integer(operation.sender)),
        exit_id=number(operation.exit_id),
        well_formed=number(well_formed),
        spent_position=number(spent),
        signer=number(NO_VALUE if signer is None else as_integer(signer)),
    )
