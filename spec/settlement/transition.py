"""The settlement state transition: one operation at a time.

:func:`state_transition` is the whole root contract: given a state and an
operation it returns the next state, or raises :class:`~spec.errors.Rejected`
with the reason, in which case the caller's state is unchanged.
"""

from __future__ import annotations

from spec.settlement.blocks import process_submit_block
from spec.settlement.deposits import process_deposit
from spec.settlement.environments import process_register_environment
from spec.settlement.exits import (
    process_challenge_standard_exit,
    process_exit_queue,
    process_start_standard_exit,
)
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
from spec.settlement.time import process_advance_time


def state_transition(state: SettlementState, operation: Operation) -> SettlementState:
    """Apply one settlement operation.

    Raises:
        Rejected: any reason of the operation's ``process_*`` function.
    """
    match operation:
        case RegisterEnvironment():
            return process_register_environment(state, operation)
        case Deposit():
            return process_deposit(state, operation)
        case SubmitBlock():
            return process_submit_block(state, operation)
        case StartStandardExit():
            return process_start_standard_exit(state, operation)
        case ChallengeStandardExit():
            return process_challenge_standard_exit(state, operation)
        case ProcessExits():
            return process_exit_queue(state, operation)
        case AdvanceTime():
            return process_advance_time(state, operation)
