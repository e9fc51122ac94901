"""Broken twins of the priority contracts: priorities and queues in the wrong order."""

from __future__ import annotations

from typing import cast

from proofs.crosshair.contracts.common import UINT64_MAX
from proofs.crosshair.contracts.priority import (
    ExitKey,
    QueuedExit,
    compare_priorities,
    compute_expected_queue,
    get_queued_exit_ids,
    is_exit_key,
    is_queued_exit,
    replace_field,
)
from spec.primitives import Address, Uint64
from spec.settlement.exits import ExitPriority
from spec.settlement.state import Environment, Exit

CONTRACT_NAMES = (compute_expected_queue, is_exit_key, is_queued_exit)
"""Names only the copied contracts use: CrossHair evaluates them in this module's globals."""


def compute_priority_position_first(exit_id: Uint64, exit: Exit) -> ExitPriority:
    """Bug: older positions come first even when they mature later."""
    return cast(ExitPriority, (exit.position, exit.exitable_at, exit_id))


def compute_priority_id_before_position(exit_id: Uint64, exit: Exit) -> ExitPriority:
    """Bug: of two exits maturing together, the earlier started one (not the older output) wins."""
    return cast(ExitPriority, (exit.exitable_at, exit_id, exit.position))


def compute_priority_without_exit_id(exit_id: Uint64, exit: Exit) -> ExitPriority:
    """Bug: no exit-id tiebreak, so two exits can rank level (order then depends on the sort)."""
    return cast(ExitPriority, (exit.exitable_at, exit.position))


def compute_priority_newest_exit_first(exit_id: Uint64, exit: Exit) -> ExitPriority:
    """Bug: the id tiebreak is reversed, so the exit started last wins."""
    return (exit.exitable_at, exit.position, Uint64(UINT64_MAX - exit_id))


def get_exit_queue_with_closed_exits(
    environment: Environment, token: Address
) -> list[tuple[Uint64, Exit]]:
    """Bug: the queue keeps challenged and processed exits."""
    exits = [(i, e) for i, e in environment.exits.items() if e.token == token]
    return sorted(exits, key=lambda item: (item[1].exitable_at, item[1].position, item[0]))


def priority_follows_exitable_time_position_first(
    first: ExitKey, second: ExitKey
) -> tuple[bool, bool, bool]:
    """Broken twin of ``priority_follows_exitable_time``: position outranks exitable time.

    pre: is_exit_key(first) and is_exit_key(second)
    pre: first[0] < second[0] and second[1:4] < first[1:4]
    post: __return__ == (True, False, False)
    """
    return compare_priorities(first, second, compute_priority_position_first)


def priority_breaks_ties_by_position_id_first(
    first: ExitKey, second: ExitKey
) -> tuple[bool, bool, bool]:
    """Broken twin of ``priority_breaks_ties_by_position``: exit id outranks position.

    pre: is_exit_key(first) and is_exit_key(second)
    pre: first[0] == second[0] and first[1:4] < second[1:4]
    pre: second[4] < first[4]
    post: __return__ == (True, False, False)
    """
    return compare_priorities(first, second, compute_priority_id_before_position)


def priority_breaks_ties_by_exit_id_reversed(
    first: ExitKey, second: ExitKey
) -> tuple[bool, bool, bool]:
    """Broken twin of ``priority_breaks_ties_by_exit_id``: the newest exit wins the tie.

    pre: is_exit_key(first) and is_exit_key(second)
    pre: first[:4] == second[:4] and first[4] < second[4]
    post: __return__ == (True, False, False)
    """
    return compare_priorities(first, second, compute_priority_newest_exit_first)


def priority_is_a_total_order_without_exit_id(
    key: ExitKey, field: int, value: int
) -> tuple[bool, bool, bool]:
    """Broken twin of ``priority_is_a_total_order``: there is no id tiebreak.

    pre: is_exit_key(key) and 0 <= field < 5 and value != key[field]
    pre: is_exit_key(replace_field(key, field, value))
    post: __return__ in ((True, False, False), (False, False, True))
    """
    return compare_priorities(
        key, replace_field(key, field, value), compute_priority_without_exit_id
    )


def exit_queue_is_ordered_and_complete_with_closed_exits(
    first: QueuedExit, second: QueuedExit, third: QueuedExit
) -> list[int]:
    """Broken twin of ``exit_queue_is_ordered_and_complete``: closed exits stay queued.

    pre: is_queued_exit(first) and is_queued_exit(second) and is_queued_exit(third)
    post: __return__ == compute_expected_queue((first, second, third))
    """
    return get_queued_exit_ids((first, second, third), get_exit_queue_with_closed_exits)
