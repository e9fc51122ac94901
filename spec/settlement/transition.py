"""The settlement state transition: one operation at a time, through the operation table.

:func:`state_transition` is the whole root contract: given a state and an
operation it returns the next state, or raises :class:`~spec.errors.Rejected`
with the reason, in which case the caller's state is unchanged.

:data:`OPERATIONS` is the settlement layer's operation table: the operations
every environment shares (:data:`CORE_OPERATIONS`) and the rows each
environment kind adds for its exit game (from the kind registry). Each row
gives the operation's wire tag in :data:`Operation`, its ``process_*``
function, and whether it acts on one environment.
"""

from __future__ import annotations

from spec.dispatch import (
    OperationSpec,
    apply_operation,
    compute_operation_table,
    get_environment_id,
)
from spec.environments.registry import KINDS, KindOperation, get_kind
from spec.settlement.blocks import process_submit_block
from spec.settlement.certified import (
    process_report_conflicting_commits,
    process_submit_certified_block,
)
from spec.settlement.deposits import process_deposit
from spec.settlement.environments import process_register_environment
from spec.settlement.operations import (
    AdvanceTime,
    CoreOperation,
    Deposit,
    ProcessExits,
    RegisterEnvironment,
    ReportConflictingCommits,
    SubmitBlock,
    SubmitCertifiedBlock,
)
from spec.settlement.state import SettlementState, get_environment
from spec.settlement.time import process_advance_time

Operation = CoreOperation | KindOperation
"""Every settlement-layer operation: the shared ones and every kind's own."""


def process_exits(state: SettlementState, operation: ProcessExits) -> SettlementState:
    """Process mature exits of one (environment, token) queue, as the environment's kind says.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, and the reasons of the kind's
            ``process_exit_queue`` (``PROCESS_LIMIT_ZERO``, ``NO_EXIT_TO_PROCESS``,
            ``INTEGER_OVERFLOW``).
    """
    environment = get_environment(state, operation.environment_id)
    return get_kind(environment.kind).process_exit_queue(state, operation)


CORE_OPERATIONS: tuple[OperationSpec[SettlementState], ...] = (
    OperationSpec(0, RegisterEnvironment, process_register_environment, acts_on_environment=False),
    OperationSpec(1, Deposit, process_deposit, acts_on_environment=True),
    OperationSpec(2, SubmitBlock, process_submit_block, acts_on_environment=True),
    OperationSpec(5, ProcessExits, process_exits, acts_on_environment=True),
    OperationSpec(6, AdvanceTime, process_advance_time, acts_on_environment=False),
    OperationSpec(20, SubmitCertifiedBlock, process_submit_certified_block, True),
    OperationSpec(21, ReportConflictingCommits, process_report_conflicting_commits, True),
)
"""Rows of the operations every environment kind shares.

Tags 3, 4 and 13 to 19 are the payments kind's, 7 to 12 the Cash kind's;
20 and 21 are the committee environments' (``spec.settlement.certified``).
"""

OPERATIONS = compute_operation_table(
    Operation,
    CORE_OPERATIONS + tuple(row for kind in KINDS.values() for row in kind.settlement_operations),
)
"""The settlement operation table: every operation by type, with its wire tag."""


def state_transition(state: SettlementState, operation: Operation) -> SettlementState:
    """Apply one settlement operation through its row of :data:`OPERATIONS`.

    Raises:
        Rejected: any reason of the operation's ``process_*`` function.
    """
    return apply_operation(OPERATIONS, state, operation)


def get_operation_environment_id(operation: Operation) -> int | None:
    """Return the environment an operation acts on, or None for operations on the whole layer."""
    return get_environment_id(OPERATIONS, operation)
