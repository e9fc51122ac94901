"""The abstraction function for operations: a spec operation to the model's parameters.

:func:`abstract_operation` reduces a ``spec.settlement.operations`` value to
an :class:`~proofs.models.settlement.OperationTerms` of integers, computing
concretely what the model leaves abstract: the root a deposit block takes,
the root a start-exit's inclusion proof leads to, the exiting output's
fields, and the position and signer a challenge presents.

``ProcessExits`` becomes :data:`PROCESS_STEPS` head steps whose exit ids the
solver chooses (the model requires each to be the queue's head).
"""

from __future__ import annotations

import z3

from proofs.models.abstraction import as_integer, as_position_key
from proofs.models.operations import (
    PROCESS_STEPS,
    AdvanceTimeParameters,
    ChallengeExitParameters,
    DepositParameters,
    ProcessExitsParameters,
    RegisterParameters,
    StartExitParameters,
    SubmitBlockParameters,
)
from proofs.models.rules import NO_VALUE
from proofs.models.settlement import OperationTerms
from spec.errors import Rejected
from spec.merkle import compute_root_from_proof
from spec.payments.transactions import compute_transaction_leaf, get_transaction_outputs
from spec.settlement.deposits import compute_deposit_root
from spec.settlement.exits import get_signer_of_input
from spec.settlement.operations import (
    AdvanceTime,
    ChallengeStandardExit,
    Deposit,
    Operation,
    ProcessExits,
    RegisterEnvironment,
    StartStandardExit,
    SubmitBlock,
)
from spec.settlement.state import SettlementState


def number(value: int) -> z3.ArithRef:
    """Return a Z3 integer constant."""
    return z3.IntVal(int(value))


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
    return ChallengeExitParameters(
        sender=number(as_integer(operation.sender)),
        exit_id=number(operation.exit_id),
        spent_position=number(spent),
        signer=number(NO_VALUE if signer is None else as_integer(signer)),
    )


def abstract_environment_operation(state: SettlementState, operation: Operation) -> OperationTerms:
    """Return the model operation of an operation that names an environment."""
    match operation:
        case Deposit():
            root = as_integer(compute_deposit_root(state, operation))
            parameters: object = DepositParameters(
                number(as_integer(operation.owner)),
                number(as_integer(operation.token)),
                number(operation.amount),
                number(root),
            )
            name = "deposit"
        case SubmitBlock():
            parameters = SubmitBlockParameters(
                number(as_integer(operation.sender)),
                number(operation.block_number),
                number(as_integer(operation.root)),
            )
            name = "submit_block"
        case StartStandardExit():
            parameters, name = abstract_start_exit(state, operation), "start_exit"
        case ChallengeStandardExit():
            parameters, name = abstract_challenge(operation), "challenge_exit"
        case ProcessExits():
            heads = tuple(z3.Int(f"process.head{index}") for index in range(PROCESS_STEPS))
            token = number(as_integer(operation.token))
            parameters = ProcessExitsParameters(token, number(operation.max_exits), heads)
            name = "process_exits"
        case _:
            raise AssertionError(f"{operation} names no environment")
    return OperationTerms(name, number(operation.environment_id), parameters)


def abstract_operation(state: SettlementState, operation: Operation) -> OperationTerms:
    """Return the model operation of a concrete operation applied to ``state``."""
    match operation:
        case RegisterEnvironment():
            rules = operation.rules
            parameters = RegisterParameters(
                number(as_integer(operation.operator)),
                number(rules.minimal_finalization_period),
                number(rules.exit_bond),
                number(rules.deposit_limit),
            )
            return OperationTerms("register", None, parameters)
        case AdvanceTime():
            return OperationTerms(
                "advance_time", None, AdvanceTimeParameters(number(operation.time))
            )
        case _:
            return abstract_environment_operation(state, operation)
