"""The abstraction function for operations: a spec operation to the model's parameters.

:func:`abstract_operation` reduces a ``spec.settlement.operations`` value to
an :class:`~proofs.models.settlement.OperationTerms` of integers, computing
concretely what the model leaves abstract: the root a deposit block takes
(as the environment's kind computes it), and, through
``proofs.models.payments.abstraction``, what the payments exit game's
operations present.

``ProcessExits`` becomes :data:`PROCESS_STEPS` head steps whose exit ids the
solver chooses (the model requires each to be the queue's head).
"""

from __future__ import annotations

import z3

from proofs.models.abstraction import as_integer, number
from proofs.models.operations import (
    PROCESS_STEPS,
    AdvanceTimeParameters,
    DepositParameters,
    ProcessExitsParameters,
    RegisterParameters,
    SubmitBlockParameters,
)
from proofs.models.payments.abstraction import abstract_challenge, abstract_start_exit
from proofs.models.settlement import OperationTerms
from spec.environments.payments.exits import ChallengeStandardExit, StartStandardExit
from spec.settlement.deposits import compute_deposit_root
from spec.settlement.operations import (
    AdvanceTime,
    Deposit,
    ProcessExits,
    RegisterEnvironment,
    SubmitBlock,
)
from spec.settlement.state import SettlementState
from spec.settlement.transition import Operation


def abstract_deposit_root(state: SettlementState, operation: Deposit) -> int:
    """Return, as an integer, the root of the deposit block its environment's kind computes.

    The root is the model's parameter; the spec's kind-neutral
    ``compute_deposit_root`` asks the environment's kind. A deposit into an
    environment that does not exist is rejected before any root is read: 0.
    """
    if operation.environment_id >= len(state.environments):
        return 0
    return as_integer(compute_deposit_root(state, operation))


def abstract_environment_operation(state: SettlementState, operation: Operation) -> OperationTerms:
    """Return the model operation of an operation that names an environment."""
    match operation:
        case Deposit():
            root = abstract_deposit_root(state, operation)
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
