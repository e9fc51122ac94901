"""Settlement-layer invariants as predicates.

Each ``check_*`` function returns the list of violations it finds (empty when
the invariant holds). They compute in plain integers, so a broken state is
reported rather than crashing the checker. State predicates take a state;
transition predicates take (pre-state, operation, post-state) for an accepted
operation; the commutation predicate takes a state and two operations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from spec.crypto import recover_signer
from spec.errors import Rejected
from spec.payments.transactions import compute_signing_hash
from spec.primitives import NATIVE_TOKEN, Address, Uint64
from spec.settlement.deposits import compute_deposit_root
from spec.settlement.exits import compute_exit_priority, compute_exitable_time
from spec.settlement.operations import (
    ChallengeStandardExit,
    Deposit,
    EnvironmentOperation,
    Operation,
    ProcessExits,
    RegisterEnvironment,
    StartStandardExit,
    SubmitBlock,
)
from spec.settlement.state import (
    BlockKind,
    Environment,
    Exit,
    ExitStatus,
    SettlementState,
)
from spec.settlement.transition import state_transition

StatePredicate = Callable[[SettlementState], list[str]]
"""A predicate over one settlement state, returning violations."""

TransitionPredicate = Callable[[SettlementState, Operation, SettlementState], list[str]]
"""A predicate over (pre-state, accepted operation, post-state), returning violations."""


def get_operation_environment_id(operation: Operation) -> int | None:
    """Return the environment an operation acts on, or None for global operations."""
    if isinstance(operation, EnvironmentOperation):
        return int(operation.environment_id)
    return None


def get_tokens(environment: Environment) -> set[Address]:
    """Return every token an environment's ledgers or exits mention."""
    exit_tokens = {exit.token for exit in environment.exits.values()}
    return set(environment.deposited) | set(environment.withdrawn) | exit_tokens


# INV-01 Solvency


def check_solvency(state: SettlementState) -> list[str]:
    """INV-01: per environment and token, withdrawn <= deposited, and withdrawn is the exits' pay.

    Strengthened (so that it is inductive): the withdrawn ledger equals the sum
    paid by processed exits of that token, and no exit is paid more than its amount.
    """
    violations = []
    for env_id, environment in enumerate(state.environments):
        for token in get_tokens(environment):
            deposited = int(environment.deposited.get(token, 0))
            withdrawn = int(environment.withdrawn.get(token, 0))
            paid = sum(int(e.paid) for e in environment.exits.values() if e.token == token)
            if withdrawn > deposited:
                violations.append(
                    f"env {env_id} token {token}: withdrawn {withdrawn} > {deposited}"
                )
            if paid != withdrawn:
                violations.append(f"env {env_id} token {token}: exits paid {paid} != {withdrawn}")
        for exit_id, exit in environment.exits.items():
            if exit.paid > exit.amount:
                violations.append(f"env {env_id} exit {exit_id}: paid more than its amount")
    return violations


# INV-02 Single payout and INV-03 Exit uniqueness


def check_single_payout(state: SettlementState) -> list[str]:
    """INV-02: each output is paid by at most one exit, and only processed exits pay."""
    violations = []
    for env_id, environment in enumerate(state.environments):
        processed = [
            e.position for e in environment.exits.values() if e.status == ExitStatus.PROCESSED
        ]
        for position, count in Counter(processed).items():
            if count > 1:
                violations.append(f"env {env_id}: output {position} paid {count} times")
        for exit_id, exit in environment.exits.items():
            if exit.paid > 0 and exit.status != ExitStatus.PROCESSED:
                violations.append(f"env {env_id} exit {exit_id}: paid while {exit.status}")
    return violations


def check_exit_uniqueness(state: SettlementState) -> list[str]:
    """INV-03: at most one exit per output, ever (so at most one active exit per output)."""
    violations = []
    for env_id, environment in enumerate(state.environments):
        positions = Counter(exit.position for exit in environment.exits.values())
        for position, count in positions.items():
            if count > 1:
                violations.append(f"env {env_id}: output {position} has {count} exits")
    return violations


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


# INV-05 Authority and INV-06 Deposit fidelity


def check_authority(pre: SettlementState, operation: Operation, post: SettlementState) -> list[str]:
    """INV-05: only the operator's SubmitBlock adds child blocks, only a Deposit deposit blocks.

    Each operation adds at most one block, to its own environment.
    """
    violations = []
    for env_id, before in enumerate(pre.environments):
        after = post.environments[env_id]
        added = [after.blocks[n] for n in set(after.blocks) - set(before.blocks)]
        if not added:
            continue
        acts_here = get_operation_environment_id(operation) == env_id
        kinds = [record.kind for record in added]
        by_operator = isinstance(operation, SubmitBlock) and operation.sender == before.operator
        if len(added) > 1 or not acts_here:
            violations.append(f"env {env_id}: {len(added)} blocks added by {operation}")
        elif kinds == [BlockKind.CHILD] and not by_operator:
            violations.append(f"env {env_id}: child block added by a non-operator call")
        elif kinds == [BlockKind.DEPOSIT] and not isinstance(operation, Deposit):
            violations.append(f"env {env_id}: deposit block added by {type(operation).__name__}")
    return violations


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


# INV-07 Maturity and INV-08 Priority order


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


def get_newly_processed(pre: SettlementState, post: SettlementState, env_id: int) -> list[Uint64]:
    """Return ids of exits of one environment that an operation moved to processed."""
    before, after = pre.environments[env_id], post.environments[env_id]
    return [
        exit_id
        for exit_id, exit in after.exits.items()
        if exit.status == ExitStatus.PROCESSED
        and (exit_id not in before.exits or before.exits[exit_id].status != ExitStatus.PROCESSED)
    ]


def check_maturity(pre: SettlementState, operation: Operation, post: SettlementState) -> list[str]:
    """INV-07 (transition form): no exit is paid before its exitable time."""
    violations = []
    for env_id in range(len(pre.environments)):
        for exit_id in get_newly_processed(pre, post, env_id):
            exit = post.environments[env_id].exits[exit_id]
            if exit.exitable_at > post.time:
                violations.append(f"env {env_id} exit {exit_id}: paid before it matured")
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
    violations.extend(check_payments_in_order(pre, post, env_id, prefix))
    return violations


def get_open_queue(environment: Environment, token: Address) -> list[tuple[Uint64, Exit]]:
    """Return the open exits of one token in priority order (the checker's own ordering)."""
    open_exits = [
        (exit_id, exit)
        for exit_id, exit in environment.exits.items()
        if exit.status == ExitStatus.OPEN and exit.token == token
    ]
    return sorted(open_exits, key=lambda item: compute_exit_priority(*item))


def check_payments_in_order(
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


# INV-09 Bond conservation


def check_bonds_held(state: SettlementState) -> list[str]:
    """INV-09: bonds held by an environment equal the bonds of its open exits."""
    violations = []
    for env_id, environment in enumerate(state.environments):
        open_bonds = sum(
            int(e.bond) for e in environment.exits.values() if e.status == ExitStatus.OPEN
        )
        if open_bonds != environment.bonds_held:
            violations.append(f"env {env_id}: holds {environment.bonds_held}, open {open_bonds}")
    return violations


def compute_expected_movements(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> Counter[tuple[Address, Address]]:
    """Return the balance change per (account, token) that exits, bonds and challenges explain.

    Starting an exit takes its bond from the sender; a challenge gives the bond
    to the challenger; processing gives each processed exit's owner its payment
    and its bond back.
    """
    moves: Counter[tuple[Address, Address]] = Counter()
    if isinstance(operation, StartStandardExit):
        moves[(operation.sender, NATIVE_TOKEN)] -= int(operation.bond)
    if isinstance(operation, ChallengeStandardExit):
        challenged = post.environments[int(operation.environment_id)].exits[operation.exit_id]
        moves[(operation.sender, NATIVE_TOKEN)] += int(challenged.bond)
    if isinstance(operation, ProcessExits):
        env_id = int(operation.environment_id)
        for exit_id in get_newly_processed(pre, post, env_id):
            exit = post.environments[env_id].exits[exit_id]
            moves[(exit.owner, exit.token)] += int(exit.paid)
            moves[(exit.owner, NATIVE_TOKEN)] += int(exit.bond)
    return moves


def check_bond_destinations(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[str]:
    """INV-09 (transition form): bonds and payments go to exactly the right accounts.

    For exit operations, every settlement balance changes by exactly what
    :func:`compute_expected_movements` explains: the bond from the exiter, to
    the challenger or back to the exiter, and each payment to the output's owner.
    """
    if not isinstance(operation, StartStandardExit | ChallengeStandardExit | ProcessExits):
        return []
    expected = compute_expected_movements(pre, operation, post)
    keys = set(pre.balances) | set(post.balances) | set(expected)
    return [
        f"{account} token {token}: moved {actual}, expected {expected[(account, token)]}"
        for account, token in keys
        if (
            actual := int(post.balances.get((account, token), 0))
            - int(pre.balances.get((account, token), 0))
        )
        != expected[(account, token)]
    ]


# INV-10 Challenge soundness


def is_sound_challenge(operation: Operation, env_id: int, position: object, owner: Address) -> bool:
    """Return whether ``operation`` challenges with a spend of ``position`` signed by ``owner``."""
    if not isinstance(operation, ChallengeStandardExit) or operation.environment_id != env_id:
        return False
    payment = operation.spending_transaction
    index = int(operation.input_index)
    if index >= len(payment.transaction.inputs) or index >= len(payment.signatures):
        return False
    message = compute_signing_hash(operation.environment_id, payment.transaction)
    try:
        signer = recover_signer(message, payment.signatures[index])
    except Rejected:
        return False
    return payment.transaction.inputs[index] == position and signer == owner


def check_challenge_soundness(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[str]:
    """INV-10: an exit is cancelled only by a spend of its output signed by the output's owner."""
    violations = []
    for env_id, before in enumerate(pre.environments):
        for exit_id, exit in post.environments[env_id].exits.items():
            was_open = (
                exit_id not in before.exits or before.exits[exit_id].status == ExitStatus.OPEN
            )
            if exit.status != ExitStatus.CHALLENGED or not was_open:
                continue
            if not is_sound_challenge(operation, env_id, exit.position, exit.owner):
                violations.append(f"env {env_id} exit {exit_id}: cancelled without a valid spend")
    return violations


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


# INV-12 Isolation


def check_isolation(pre: SettlementState, operation: Operation, post: SettlementState) -> list[str]:
    """INV-12: an operation changes no environment but the one it names (none, if global)."""
    target = get_operation_environment_id(operation)
    violations = []
    for env_id, before in enumerate(pre.environments):
        if env_id != target and post.environments[env_id] != before:
            violations.append(f"{type(operation).__name__} changed environment {env_id}")
    if len(post.environments) != len(pre.environments) + isinstance(operation, RegisterEnvironment):
        violations.append(f"{type(operation).__name__} changed the number of environments")
    return violations


# INV-23 Asset conservation


def compute_asset_totals(state: SettlementState) -> Counter[Address]:
    """Return, per token, balances + vaults (+ bonds held, for the native token)."""
    totals: Counter[Address] = Counter()
    for (_, token), amount in state.balances.items():
        totals[token] += int(amount)
    for environment in state.environments:
        for token in get_tokens(environment):
            totals[token] += int(environment.deposited.get(token, 0))
            totals[token] -= int(environment.withdrawn.get(token, 0))
        totals[NATIVE_TOKEN] += int(environment.bonds_held)
    return +totals


def check_asset_conservation(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[str]:
    """INV-23: no operation creates or destroys value (per token: balances + vaults + bonds)."""
    before, after = compute_asset_totals(pre), compute_asset_totals(post)
    return [
        f"token {token}: total {before[token]} -> {after[token]}"
        for token in set(before) | set(after)
        if before[token] != after[token]
    ]


# INV-13 Commutation and INV-14 Determinism


def try_transition(state: SettlementState, operation: Operation) -> SettlementState | str:
    """Return the post-state, or the rejection reason's code when the operation is rejected."""
    try:
        return state_transition(state, operation)
    except Rejected as rejection:
        return rejection.reason.value


def check_commutation(state: SettlementState, first: Operation, second: Operation) -> list[str]:
    """INV-13: two operations on different environments, accepted in both orders, commute.

    (Operations that share a settlement-layer account may each succeed only
    first, like two payments from one account on any chain; the property is
    about the pairs that succeed both ways.)
    """
    first_env, second_env = (
        get_operation_environment_id(first),
        get_operation_environment_id(second),
    )
    if first_env is None or second_env is None or first_env == second_env:
        return []
    outcomes = []
    for a, b in ((first, second), (second, first)):
        middle = try_transition(state, a)
        outcomes.append(middle if isinstance(middle, str) else try_transition(middle, b))
    if any(isinstance(outcome, str) for outcome in outcomes):
        return []
    return [] if outcomes[0] == outcomes[1] else ["the two orders reach different states"]


def check_determinism(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[str]:
    """INV-14: applying the same operation to the same state again gives the same state.

    (Equal states have equal canonical encodings and so equal digests.)
    """
    again = try_transition(pre, operation)
    if isinstance(again, str) or again != post:
        return ["the same operation on the same state gave another result"]
    return []


STATE_PREDICATES: dict[str, StatePredicate] = {
    "INV-01": check_solvency,
    "INV-02": check_single_payout,
    "INV-03": check_exit_uniqueness,
    "INV-04": check_block_numbering,
    "INV-07": check_exitable_times,
    "INV-09": check_bonds_held,
}
"""State predicates by invariant id."""

TRANSITION_PREDICATES: dict[str, TransitionPredicate] = {
    "INV-04": check_block_log_append_only,
    "INV-05": check_authority,
    "INV-06": check_deposit_fidelity,
    "INV-07": check_maturity,
    "INV-08": check_priority_order,
    "INV-09": check_bond_destinations,
    "INV-10": check_challenge_soundness,
    "INV-11": check_finality,
    "INV-12": check_isolation,
    "INV-14": check_determinism,
    "INV-23": check_asset_conservation,
}
"""Transition predicates by invariant id."""
