"""Invariants of the block log: integrity, authority, and deposit fidelity.

INV-04 Block log integrity, INV-05 Authority and INV-06 Deposit fidelity,
each as its predicates followed by its catalog entry. They hold for every
environment kind: what a deposit block commits is asked of the
environment's kind through ``spec.settlement.deposits.compute_deposit_root``.
"""

from __future__ import annotations

from spec.invariants.checks import (
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
from spec.settlement.deposits import compute_deposit_root
from spec.settlement.operations import Deposit, SubmitBlock, SubmitCertifiedBlock
from spec.settlement.state import BlockKind, SettlementState
from spec.settlement.transition import Operation, get_operation_environment_id

# INV-04 Block log integrity


def check_block_numbering(state: SettlementState) -> list[str]:
    """INV-04 (state form): child blocks at multiples of the interval, deposits strictly between.

    Also: block times never decrease with the block number and none is in the future.
    """
    interval = int(state.preset.block_interval)
    violations = []
    for env_id, environment in enumerate(state.environments):
        last_time = 0
        for number in sorted(environment.blocks):
            record = environment.blocks[number]
            is_child_number = number > 0 and number % interval == 0
            if is_child_number != (record.kind == BlockKind.CHILD):
                violations.append(f"env {env_id}: {record.kind} block at number {number}")
            if record.timestamp < last_time or record.timestamp > state.time:
                violations.append(f"env {env_id}: block {number} has time out of order")
            last_time = int(record.timestamp)
    return violations


def check_block_log_append_only(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[str]:
    """INV-04 (transition form): committed records never change; new numbers exceed old ones."""
    violations = []
    for env_id, before in enumerate(pre.environments):
        after = post.environments[env_id]
        for number, record in before.blocks.items():
            if after.blocks.get(number) != record:
                violations.append(f"env {env_id}: committed block {number} changed")
        added = set(after.blocks) - set(before.blocks)
        if added and min(added) <= max(before.blocks, default=0):
            violations.append(f"env {env_id}: block {min(added)} added below the log's top")
    return violations


BLOCK_LOG_INTEGRITY = Invariant(
    identifier=InvariantId.BLOCK_LOG_INTEGRITY,
    title="Block log integrity",
    layer=Layer.SETTLEMENT,
    kind=None,
    statement=(
        "Child blocks sit at positive multiples of the block interval and deposit blocks "
        "strictly between two of them (so fewer than the interval per step); block times never "
        "decrease with the number and are never in the future; a committed record never "
        "changes; every new block number exceeds all earlier ones."
    ),
    rationale=(
        "Exit priority and exitable times are read from the log: rewriting it would reorder or "
        "forge exits, and reorganising deposits would steal them."
    ),
    strengthening=(
        "Z3: the last child block number and the last block number are kept as ghosts and tied "
        "to the log (the last child block is a multiple of the interval, at most the last "
        "block, which is below the next child number; both name committed blocks; every "
        "committed number is in 1 .. last block)."
    ),
    predicates=Predicates(
        state=(check_block_numbering,), transition=(check_block_log_append_only,)
    ),
    checks=(
        UNIT_EVERY_STEP,
        UNIT_CAN_FAIL,
        SCENARIOS_EVERY_STEP,
        Z3_INDUCTIVE,
        Check(
            Checker.Z3_CONTROLS, ("deposit-past-interval", "submit-any-number", "time-backwards")
        ),
        STATEFUL_EVERY_STEP,
    ),
)
"""INV-04."""


# INV-05 Authority


def check_authority(pre: SettlementState, operation: Operation, post: SettlementState) -> list[str]:
    """INV-05: only the operator's SubmitBlock adds child blocks, only a Deposit deposit blocks.

    In an environment registered with a committee, only SubmitCertifiedBlock
    adds child blocks (what its proof must show is INV-29). Each operation
    adds at most one block, to its own environment.
    """
    violations = []
    for env_id, before in enumerate(pre.environments):
        after = post.environments[env_id]
        added = [after.blocks[n] for n in set(after.blocks) - set(before.blocks)]
        if not added:
            continue
        acts_here = get_operation_environment_id(operation) == env_id
        kinds = [record.kind for record in added]
        by_operator = (
            before.finality is None
            and isinstance(operation, SubmitBlock)
            and operation.sender == before.operator
        )
        by_committee = before.finality is not None and isinstance(operation, SubmitCertifiedBlock)
        if len(added) > 1 or not acts_here:
            violations.append(f"env {env_id}: {len(added)} blocks added by {operation}")
        elif kinds == [BlockKind.CHILD] and not (by_operator or by_committee):
            violations.append(f"env {env_id}: child block added by a non-operator call")
        elif kinds == [BlockKind.DEPOSIT] and not isinstance(operation, Deposit):
            violations.append(f"env {env_id}: deposit block added by {type(operation).__name__}")
    return violations


AUTHORITY = Invariant(
    identifier=InvariantId.AUTHORITY,
    title="Authority",
    layer=Layer.SETTLEMENT,
    kind=None,
    statement=(
        "A child block is added only by SubmitBlock from the environment's operator (or, in an "
        "environment registered with a committee, only by SubmitCertifiedBlock: INV-29), a "
        "deposit block only by Deposit; an operation adds at most one block, and only to the "
        "environment it names."
    ),
    rationale=(
        "Only the operator (or the committee) is accountable for child blocks; deposits must "
        "be unforgeable."
    ),
    strengthening=(
        "Z3 models operator environments only; the committee's side is INV-29, checked on "
        "concrete steps."
    ),
    predicates=Predicates(transition=(check_authority,)),
    checks=(
        UNIT_EVERY_STEP,
        UNIT_CAN_FAIL,
        SCENARIOS_EVERY_STEP,
        Z3_INDUCTIVE,
        Check(Checker.Z3_CONTROLS, ("submit-by-anyone",)),
        STATEFUL_EVERY_STEP,
    ),
)
"""INV-05."""


# INV-06 Deposit fidelity


def check_deposit_fidelity(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[str]:
    """INV-06: a deposit writes one deposit block holding exactly its owner, token and amount.

    The vault's deposited ledger grows, and the owner's balance shrinks, by exactly the amount.
    """
    if not isinstance(operation, Deposit):
        return []
    env_id = int(operation.environment_id)
    before, after = pre.environments[env_id], post.environments[env_id]
    added = [after.blocks[n] for n in set(after.blocks) - set(before.blocks)]
    expected_root = compute_deposit_root(pre, operation)
    violations = []
    if [(r.kind, r.root) for r in added] != [(BlockKind.DEPOSIT, expected_root)]:
        violations.append("deposit block missing or not matching the deposit")
    token, amount = operation.token, int(operation.amount)
    grown = int(after.deposited.get(token, 0)) - int(before.deposited.get(token, 0))
    paid = int(pre.balances.get((operation.owner, token), 0)) - int(
        post.balances.get((operation.owner, token), 0)
    )
    if grown != amount or paid != amount:
        violations.append(f"deposit of {amount}: vault grew {grown}, owner paid {paid}")
    return violations


DEPOSIT_FIDELITY = Invariant(
    identifier=InvariantId.DEPOSIT_FIDELITY,
    title="Deposit fidelity",
    layer=Layer.SETTLEMENT,
    kind=None,
    statement=(
        "An accepted deposit writes exactly one deposit block whose root commits to one output "
        "with the deposit's owner, token and amount; the vault's deposited total grows, and the "
        "owner's settlement balance shrinks, by exactly the amount."
    ),
    rationale=(
        "The deposit output is what the owner can later exit; any mismatch loses or creates funds."
    ),
    strengthening=(
        "Z3 covers the vault side only: settlement-layer balances are not in the model, and the "
        "root is the model's parameter. Assumes INV-04 (the number after the last block is "
        "free)."
    ),
    predicates=Predicates(transition=(check_deposit_fidelity,)),
    checks=(
        UNIT_EVERY_STEP,
        UNIT_CAN_FAIL,
        SCENARIOS_EVERY_STEP,
        Z3_INDUCTIVE,
        Check(Checker.Z3_CONTROLS, ("deposit-without-credit",)),
        STATEFUL_EVERY_STEP,
    ),
)
"""INV-06."""


INVARIANTS = (BLOCK_LOG_INTEGRITY, AUTHORITY, DEPOSIT_FIDELITY)
"""The catalog entries of this module."""
