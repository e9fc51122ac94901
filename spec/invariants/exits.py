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

from dataclasses import dataclass

from spec.invariants.changes import get_newly_processed
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
from spec.invariants.payments.in_flight import (
    get_in_flight_exits,
    get_side_output,
    get_sides,
    is_active,
    is_newly_paid,
)
from spec.invariants.payments.in_flight_steps import (
    check_in_flight_exitable_times,
    check_in_flight_finality,
    check_in_flight_maturity,
)
from spec.positions import OutputPosition
from spec.primitives import Address, Uint64
from spec.settlement.exits import compute_exitable_time
from spec.settlement.operations import ProcessExits
from spec.settlement.state import Environment, ExitStatus, SettlementState
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
        "child blocks and start + MFP for deposits; an in-flight exit's exitable time in a "
        "token's queue is set once, by the token's first piggyback, to max(youngest input's "
        "block time + 2 MFP, now + MFP); no exit or piggyback is paid before its exitable time."
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
    predicates=Predicates(
        state=(check_exitable_times,),
        transition=(check_maturity, check_in_flight_exitable_times, check_in_flight_maturity),
    ),
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


@dataclass(frozen=True)
class QueueEntry:
    """One exit waiting in a queue, as the checker of INV-08 sees it."""

    priority: tuple[int, OutputPosition, int, int]
    """(exitable time, position, kind rank: 0 standard, 1 in-flight, exit id)."""
    in_flight: bool
    """Whether the entry is an in-flight exit (else a standard exit)."""
    exit_id: Uint64
    """Id among the exits of its kind."""


def get_open_queue(environment: Environment, token: Address) -> list[QueueEntry]:
    """Return the exits waiting in one token's queue, in priority order.

    Open standard exits of the token, and in-flight exits queued for the token
    (by a piggyback) and not yet processed for it, ordered by (exitable time,
    position, kind, exit id). A deliberately independent statement of the
    spec's queues (``spec.settlement.exits.get_exit_queue``,
    ``spec.environments.payments.queue.get_payments_exit_queue``): the checker
    sorts by the key the catalog states, so a wrong queue or priority in the
    spec disagrees with it instead of being copied by it.
    """
    entries = [
        QueueEntry((int(exit.exitable_at), exit.position, 0, int(exit_id)), False, exit_id)
        for exit_id, exit in environment.exits.items()
        if exit.status == ExitStatus.OPEN and exit.token == token
    ]
    entries += [
        QueueEntry(
            (int(exit.exitable_at[token]), exit.youngest_input, 1, int(exit_id)), True, exit_id
        )
        for exit_id, exit in get_in_flight_exits(environment).items()
        if is_active(exit) and token in exit.exitable_at and token not in exit.processed_tokens
    ]
    return sorted(entries, key=lambda entry: entry.priority)


def get_ended_entries(
    pre: SettlementState, post: SettlementState, env_id: int, token: Address
) -> set[tuple[bool, int]]:
    """Return the queue entries a step ended, as (is it in flight, exit id).

    Those are the standard exits it processed or skipped, and the in-flight
    exits it processed for ``token``.
    """
    before, after = pre.environments[env_id], post.environments[env_id]
    ended = {
        (False, int(exit_id))
        for exit_id, exit in after.exits.items()
        if exit.status in (ExitStatus.PROCESSED, ExitStatus.SKIPPED)
        and exit_id in before.exits
        and before.exits[exit_id].status == ExitStatus.OPEN
    }
    previous = get_in_flight_exits(before)
    for exit_id, exit in get_in_flight_exits(after).items():
        old = previous.get(exit_id)
        if token in exit.processed_tokens and (old is None or token not in old.processed_tokens):
            ended.add((True, int(exit_id)))
    return ended


def get_expected_payments(
    pre: SettlementState, post: SettlementState, env_id: int, entry: QueueEntry, token: Address
) -> list[tuple[str, int, int, int]]:
    """Return (what, owed, paid, token-or-0) for each payment an ended entry made, in order."""
    environment = post.environments[env_id]
    if not entry.in_flight:
        exit = environment.exits[entry.exit_id]
        owed = 0 if exit.status == ExitStatus.SKIPPED else int(exit.amount)
        return [(f"exit {int(entry.exit_id)}", owed, int(exit.paid), 0)]
    before = get_in_flight_exits(pre.environments[env_id])[entry.exit_id]
    after = get_in_flight_exits(environment)[entry.exit_id]
    payments = []
    for (is_input, index, old), (_, _, new) in zip(
        get_sides(before), get_sides(after), strict=True
    ):
        _, side_token = get_side_output(after, is_input, index)
        if is_newly_paid(old, new):
            amount = (
                after.inputs[index].amount if is_input else after.transaction.outputs[index].amount
            )
            what = (
                f"in-flight exit {int(entry.exit_id)} {'input' if is_input else 'output'} {index}"
            )
            payments.append((what, int(amount), int(new.paid), 1 if side_token == token else 2))
    return payments


def get_payments_out_of_order(
    pre: SettlementState,
    post: SettlementState,
    env_id: int,
    prefix: list[QueueEntry],
    token: Address,
) -> list[str]:
    """Return violations unless each payment of ``prefix`` got what paying in order leaves it."""
    environment = pre.environments[env_id]
    vault = int(environment.deposited.get(token, 0)) - int(environment.withdrawn.get(token, 0))
    violations = []
    for entry in prefix:
        for what, owed, paid, other_token in get_expected_payments(pre, post, env_id, entry, token):
            if other_token == 2:
                violations.append(f"env {env_id}: {what} paid in another token's queue")
                continue
            expected = min(owed, vault)
            vault -= expected
            if paid != expected:
                violations.append(f"env {env_id}: {what} paid {paid}, in order {expected}")
    return violations


def check_priority_order(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[str]:
    """INV-08: one call ends a prefix of its queue, in (exitable time, position, kind, id) order.

    The prefix is no longer than the call's limit; processing stops only at the
    limit or at the first immature entry; and the amounts paid are those of
    paying the prefix one payment after another from the vault (so that, when
    the vault runs short, the exits of lower priority are the ones cut).
    """
    if not isinstance(operation, ProcessExits):
        return []
    env_id = int(operation.environment_id)
    token = operation.token
    queue = get_open_queue(pre.environments[env_id], token)
    ended = get_ended_entries(pre, post, env_id, token)
    prefix = queue[: len(ended)]
    violations = []
    if {(entry.in_flight, int(entry.exit_id)) for entry in prefix} != ended:
        violations.append(f"env {env_id}: ended {sorted(ended)}, not the queue's head")
    if len(ended) > operation.max_exits:
        violations.append(f"env {env_id}: processed {len(ended)} > limit {operation.max_exits}")
    remaining = queue[len(ended) :]
    if remaining and remaining[0].priority[0] <= post.time and len(ended) < operation.max_exits:
        violations.append(f"env {env_id}: stopped before the limit at a mature exit")
    violations.extend(get_payments_out_of_order(pre, post, env_id, prefix, token))
    return violations


PRIORITY_ORDER = Invariant(
    identifier=InvariantId.PRIORITY_ORDER,
    title="Priority order",
    layer=Layer.SETTLEMENT,
    kind=None,
    statement=(
        "The exits one ProcessExits call ends are the first ones of its (environment, token) "
        "queue, which holds the open standard exits of the token and the in-flight exits "
        "piggybacked in it and not yet processed for it, ordered by (exitable time, position, "
        "kind: standard first, exit id); it stops only at its limit or at the first exit that "
        "is not mature, and pays each one what is left in the vault after those before it."
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
        "Exits are never removed; a challenged, processed or skipped exit never changes again; "
        "an in-flight exit is never removed, a deleted one never changes, and a settled "
        "piggyback or a processed token never changes; "
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
    predicates=Predicates(transition=(check_finality, check_in_flight_finality)),
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
