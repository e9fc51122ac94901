"""Invariants of exit processing: maturity, priority order, and finality.

INV-07 Maturity, INV-08 Priority order and INV-11 Finality monotonicity, each
as its predicates followed by its catalog entry. They hold for every
environment kind: they read the exit table and the block log, which the
settlement layer keeps the same way whatever the kind.

The priority order is stated here again rather than taken from the spec
(:func:`get_open_queue`), so that the checker of INV-08 cannot share a bug
with ``spec.settlement.exits.get_exit_queue``.
"""

from __future__ import annotations

from spec.invariants.changes import get_newly_processed, get_tokens
from spec.invariants.checks import (
    PRIORITY_CONTRACTS,
    SCENARIOS_EVERY_STEP,
    STATEFUL_EVERY_STEP,
    UNIT_CAN_FAIL,
    UNIT_EVERY_STEP,
    Z3_INDUCTIVE,
    Check,
    Checker,
)
from spec.invariants.entry import Invariant, Layer, Predicates
from spec.invariants.ids import InvariantId
from spec.primitives import Address, Uint64
from spec.settlement.exits import compute_exitable_time
from spec.settlement.operations import ProcessExits
from spec.settlement.state import Environment, Exit, ExitStatus, SettlementState
from spec.settlement.transition import Operation

# INV-07 Maturity


def check_exitable_times(state: SettlementState) -> list[str]:
    """INV-07 (state form): every exit's exitable time follows the MVP rule for its block."""
    violations = []
    for env_id, environment in enumerate(state.environments):
        period = environment.rules.minimal_finalization_period
        for exit_id, exit in environment.exits.items():
            record = environment.blocks.get(exit.position.block_number)
            if record is None:
                violations.append(f"env {env_id} exit {exit_id}: exits an uncommitted block")
            elif exit.exitable_at != compute_exitable_time(record, exit.started_at, period):
                violations.append(f"env {env_id} exit {exit_id}: exitable time breaks the rule")
    return violations


def check_maturity(pre: SettlementState, operation: Operation, post: SettlementState) -> list[str]:
    """INV-07 (transition form): no exit is paid before its exitable time."""
    violations = []
    for env_id in range(len(pre.environments)):
        for exit_id in get_newly_processed(pre, post, env_id):
            exit = post.environments[env_id].exits[exit_id]
            if exit.exitable_at > post.time:
                violations.append(f"env {env_id} exit {exit_id}: paid before it matured")
    return violations


MATURITY = Invariant(
    identifier=InvariantId.MATURITY,
    title="Maturity",
    layer=Layer.SETTLEMENT,
    kind=None,
    statement=(
        "Every exit's exitable time is max(block time + 2 MFP, start + MFP) for outputs of "
        "child blocks and start + MFP for deposits; no exit is paid before its exitable time."
    ),
    rationale=(
        "The delay is the window in which watchers challenge wrong exits and honest owners of "
        "older outputs exit ahead of outputs that depend on an invalid block."
    ),
    strengthening=(
        "Z3: assumes INV-04 (the block an exit names stays committed with the same kind and "
        "time). 'No exit is paid before its exitable time' is also stated on states: every "
        "processed exit has exitable time <= now."
    ),
    predicates=Predicates(state=(check_exitable_times,), transition=(check_maturity,)),
    checks=(
        UNIT_EVERY_STEP,
        UNIT_CAN_FAIL,
        SCENARIOS_EVERY_STEP,
        Z3_INDUCTIVE,
        Check(Checker.Z3_CONTROLS, ("process-immature", "exitable-one-period")),
        Check(
            Checker.CROSSHAIR,
            (
                "exitable_time_waits_one_period",
                "exitable_time_of_deposit_output",
                "exitable_time_of_child_output",
                "exitable_time_past_maximum",
                "exitable_time_is_monotone_in_start",
            ),
        ),
        STATEFUL_EVERY_STEP,
    ),
)
"""INV-07."""


# INV-08 Priority order


def get_open_queue(environment: Environment, token: Address) -> list[tuple[Uint64, Exit]]:
    """Return the open exits of one token in priority order: (exitable time, position, exit id).

    A deliberately independent statement of ``spec.settlement.exits.get_exit_queue``
    and its ``compute_exit_priority``: the checker sorts by the key the catalog
    states, so a wrong queue or a wrong priority in the spec (a mutant of either,
    ``adversary/mutants.py``) disagrees with it instead of being copied by it.
    """
    open_exits = [
        (exit_id, exit)
        for exit_id, exit in environment.exits.items()
        if exit.status == ExitStatus.OPEN and exit.token == token
    ]
    return sorted(open_exits, key=lambda item: (item[1].exitable_at, item[1].position, item[0]))


def get_payments_out_of_order(
    pre: SettlementState, post: SettlementState, env_id: int, prefix: list[tuple[Uint64, Exit]]
) -> list[str]:
    """Return violations unless each exit of ``prefix`` got what paying in order leaves it."""
    environment = pre.environments[env_id]
    vault = {
        token: int(environment.deposited.get(token, 0)) - int(environment.withdrawn.get(token, 0))
        for token in get_tokens(environment)
    }
    violations = []
    for exit_id, exit in prefix:
        expected = min(int(exit.amount), vault.get(exit.token, 0))
        vault[exit.token] = vault.get(exit.token, 0) - expected
        paid = post.environments[env_id].exits[exit_id].paid
        if paid != expected:
            violations.append(f"env {env_id} exit {exit_id}: paid {paid}, in order {expected}")
    return violations


def check_priority_order(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[str]:
    """INV-08: one call pays a prefix of its queue, in (exitable time, position, id) order.

    The prefix is no longer than the call's limit; processing stops only at the
    limit or at the first immature exit; and the amounts paid are those of
    paying the prefix one exit after another from the vault (so that, when the
    vault runs short, the exits of lower priority are the ones cut).
    """
    if not isinstance(operation, ProcessExits):
        return []
    env_id = int(operation.environment_id)
    queue = get_open_queue(pre.environments[env_id], operation.token)
    processed = {int(exit_id) for exit_id in get_newly_processed(pre, post, env_id)}
    prefix = queue[: len(processed)]
    violations = []
    if {int(exit_id) for exit_id, _ in prefix} != processed:
        violations.append(f"env {env_id}: processed {sorted(processed)}, not the queue's head")
    if len(processed) > operation.max_exits:
        violations.append(f"env {env_id}: processed {len(processed)} > limit {operation.max_exits}")
    remaining = queue[len(processed) :]
    if (
        remaining
        and remaining[0][1].exitable_at <= post.time
        and len(processed) < operation.max_exits
    ):
        violations.append(f"env {env_id}: stopped before the limit at a mature exit")
    violations.extend(get_payments_out_of_order(pre, post, env_id, prefix))
    return violations


PRIORITY_ORDER = Invariant(
    identifier=InvariantId.PRIORITY_ORDER,
    title="Priority order",
    layer=Layer.SETTLEMENT,
    kind=None,
    statement=(
        "The exits one ProcessExits call pays are the first ones of its (environment, token) "
        "queue of open exits ordered by (exitable time, position, exit id); it stops only at "
        "its limit or at the first exit that is not mature."
    ),
    rationale=(
        "Priority by position is what makes outputs older than an invalid block safe: they are "
        "paid before anything that depends on it."
    ),
    strengthening=(
        "Z3: the state form 'every processed exit precedes, in (exitable time, position, exit "
        "id) order, every open exit of its token' (so a queue is paid in strictly increasing "
        "order across calls); assumes INV-07 (processed exits were mature) and MFP >= 1, so a "
        "new exit queues behind every paid one."
    ),
    predicates=Predicates(transition=(check_priority_order,)),
    checks=(
        UNIT_EVERY_STEP,
        UNIT_CAN_FAIL,
        SCENARIOS_EVERY_STEP,
        Z3_INDUCTIVE,
        Check(Checker.Z3_CONTROLS, ("priority-ignoring-position",)),
        Check(Checker.CROSSHAIR, (*PRIORITY_CONTRACTS, "merkle_proof_binds_index")),
        STATEFUL_EVERY_STEP,
    ),
)
"""INV-08."""


# INV-11 Finality monotonicity


def check_finality(pre: SettlementState, operation: Operation, post: SettlementState) -> list[str]:
    """INV-11: ended exits, environments and withdrawn totals never change back.

    Every exit stays recorded; a challenged or processed exit keeps its record;
    no environment disappears; the withdrawn ledger never decreases.
    (Committed roots: INV-04.)
    """
    violations = []
    if len(post.environments) < len(pre.environments):
        violations.append("an environment disappeared")
        return violations
    for env_id, before in enumerate(pre.environments):
        after = post.environments[env_id]
        for exit_id, exit in before.exits.items():
            if exit_id not in after.exits:
                violations.append(f"env {env_id} exit {exit_id}: removed")
            elif exit.status != ExitStatus.OPEN and after.exits[exit_id] != exit:
                violations.append(f"env {env_id} exit {exit_id}: ended exit changed")
        for token, amount in before.withdrawn.items():
            if after.withdrawn.get(token, 0) < amount:
                violations.append(f"env {env_id} token {token}: withdrawn total decreased")
    return violations


FINALITY_MONOTONICITY = Invariant(
    identifier=InvariantId.FINALITY_MONOTONICITY,
    title="Finality monotonicity",
    layer=Layer.SETTLEMENT,
    kind=None,
    statement=(
        "Exits are never removed; a challenged or processed exit never changes again; "
        "environments never disappear; withdrawn totals never decrease; committed roots never "
        "change (INV-04)."
    ),
    rationale=(
        "Users and watchers act on what is final; anything final that can change is not final."
    ),
    strengthening=(
        "Z3: assumes INV-01 (the vault is never negative, so a payout is never negative) and "
        "INV-04 (new blocks take free numbers)."
    ),
    predicates=Predicates(transition=(check_finality,)),
    checks=(
        UNIT_EVERY_STEP,
        UNIT_CAN_FAIL,
        SCENARIOS_EVERY_STEP,
        Z3_INDUCTIVE,
        Check(Checker.Z3_CONTROLS, ("submit-over-committed", "challenge-ended-exit")),
        STATEFUL_EVERY_STEP,
    ),
)
"""INV-11."""


INVARIANTS = (MATURITY, PRIORITY_ORDER, FINALITY_MONOTONICITY)
"""The catalog entries of this module."""
