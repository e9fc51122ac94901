"""CrossHair contracts on exit priority and the exit queue (``spec/settlement/exits.py``).

Exits are paid by (exitable time, position, exit id): an earlier exitable
time first, then the older output, then the smaller exit id; no two exits
tie; the queue holds exactly the open exits of its token, in that order.
"""

from __future__ import annotations

from collections.abc import Callable

from proofs.crosshair.contracts.common import OWNER, TOKENS, UINT64_MAX
from spec.environments.payments.records import compute_genesis_payments_records
from spec.positions import OutputPosition
from spec.primitives import Address, Hash32, Uint8, Uint16, Uint64, Uint256
from spec.settlement.exits import ExitPriority, compute_exit_priority, get_exit_queue
from spec.settlement.state import Environment, EnvironmentKind, EnvironmentRules, Exit, ExitStatus

ExitKey = tuple[int, int, int, int, int]
"""(exitable time, block number, transaction index, output index, exit id) as plain integers."""


def make_exit(exitable_at: int, block: int, transaction: int, output: int) -> Exit:
    """Return an open exit of ``OWNER``'s output at the given position and exitable time."""
    return Exit(
        position=OutputPosition(Uint64(block), Uint16(transaction), Uint8(output)),
        output_id=Hash32(bytes(32)),
        owner=OWNER,
        token=TOKENS[0],
        amount=Uint256(1),
        bond=Uint256(1),
        started_at=Uint64(0),
        exitable_at=Uint64(exitable_at),
        status=ExitStatus.OPEN,
        paid=Uint256(0),
    )


def is_exit_key(key: ExitKey) -> bool:
    """Return whether every field of ``key`` fits its spec type."""
    exitable_at, block, transaction, output, exit_id = key
    return (
        0 <= exitable_at <= UINT64_MAX
        and 0 <= block <= UINT64_MAX
        and 0 <= transaction <= Uint16.max_value()
        and 0 <= output <= Uint8.max_value()
        and 0 <= exit_id <= UINT64_MAX
    )


PriorityRule = Callable[[Uint64, Exit], ExitPriority]
"""The signature of ``compute_exit_priority`` (and of its broken twins)."""


def compare_priorities(
    first: ExitKey, second: ExitKey, rule: PriorityRule = compute_exit_priority
) -> tuple[bool, bool, bool]:
    """Return whether ``rule`` (the spec's) ranks ``first`` before, level with, after ``second``."""
    first_priority = rule(Uint64(first[4]), make_exit(*first[:4]))
    second_priority = rule(Uint64(second[4]), make_exit(*second[:4]))
    return (
        first_priority < second_priority,
        first_priority == second_priority,
        second_priority < first_priority,
    )


def priority_follows_exitable_time(first: ExitKey, second: ExitKey) -> tuple[bool, bool, bool]:
    """An exit that matures earlier is paid first, even ahead of an older output.

    pre: is_exit_key(first) and is_exit_key(second)
    pre: first[0] < second[0] and second[1:4] < first[1:4]
    post: __return__ == (True, False, False)
    """
    return compare_priorities(first, second)


def priority_breaks_ties_by_position(first: ExitKey, second: ExitKey) -> tuple[bool, bool, bool]:
    """Of two exits maturing together, the older output is paid first, even if it started later.

    pre: is_exit_key(first) and is_exit_key(second)
    pre: first[0] == second[0] and first[1:4] < second[1:4]
    pre: second[4] < first[4]
    post: __return__ == (True, False, False)
    """
    return compare_priorities(first, second)


def priority_breaks_ties_by_exit_id(first: ExitKey, second: ExitKey) -> tuple[bool, bool, bool]:
    """Of two exits maturing together at one position, the smaller exit id is paid first.

    pre: is_exit_key(first) and is_exit_key(second)
    pre: first[:4] == second[:4] and first[4] < second[4]
    post: __return__ == (True, False, False)
    """
    return compare_priorities(first, second)


def replace_field(key: ExitKey, field: int, value: int) -> ExitKey:
    """Return ``key`` with field number ``field`` (0 to 4) set to ``value``."""
    fields = list(key)
    fields[field] = value
    exitable_at, block, transaction, output, exit_id = fields
    return exitable_at, block, transaction, output, exit_id


def priority_is_a_total_order(key: ExitKey, field: int, value: int) -> tuple[bool, bool, bool]:
    """Changing any one field of an exit's key makes it rank strictly before or after: no ties.

    pre: is_exit_key(key) and 0 <= field < 5 and value != key[field]
    pre: is_exit_key(replace_field(key, field, value))
    post: __return__ in ((True, False, False), (False, False, True))
    """
    return compare_priorities(key, replace_field(key, field, value))


QueuedExit = tuple[int, int, bool, bool]
"""(exitable time, block number, is open, is of the queue's token) of one exit, as plain values."""


def is_queued_exit(queued: QueuedExit) -> bool:
    """Return whether the exitable time and block number fit a Uint64."""
    return 0 <= queued[0] <= UINT64_MAX and 0 <= queued[1] <= UINT64_MAX


def make_environment(exits: tuple[QueuedExit, QueuedExit, QueuedExit]) -> Environment:
    """Return an environment holding three exits (ids 0, 1, 2) built from ``exits``."""
    made: dict[Uint64, Exit] = {}
    for exit_id, (exitable_at, block, is_open, of_queue_token) in enumerate(exits):
        base = make_exit(exitable_at, block, 0, 0)
        made[Uint64(exit_id)] = Exit(
            position=base.position,
            output_id=base.output_id,
            owner=OWNER,
            token=TOKENS[0] if of_queue_token else TOKENS[1],
            amount=base.amount,
            bond=base.bond,
            started_at=base.started_at,
            exitable_at=base.exitable_at,
            status=ExitStatus.OPEN if is_open else ExitStatus.PROCESSED,
            paid=Uint256(0),
        )
    return Environment(
        operator=OWNER,
        kind=EnvironmentKind.PAYMENTS,
        rules=EnvironmentRules(
            minimal_finalization_period=Uint64(1),
            exit_bond=Uint256(1),
            deposit_limit=Uint256(1),
            processing_bounty=Uint256(0),
        ),
        registered_at=Uint64(0),
        blocks={},
        exits=made,
        deposited={},
        withdrawn={},
        bonds_held=Uint256(0),
        kind_records=compute_genesis_payments_records(),
    )


def compute_expected_queue(exits: tuple[QueuedExit, QueuedExit, QueuedExit]) -> list[int]:
    """Return the ids of the open exits of the queue's token, ordered by (time, block, id)."""
    keys = [
        (exitable_at, block, exit_id)
        for exit_id, (exitable_at, block, is_open, of_queue_token) in enumerate(exits)
        if is_open and of_queue_token
    ]
    return [key[2] for key in sorted(keys)]


QueueRule = Callable[[Environment, Address], list[tuple[Uint64, Exit]]]
"""The signature of ``get_exit_queue`` (and of its broken twins)."""


def get_queued_exit_ids(
    exits: tuple[QueuedExit, QueuedExit, QueuedExit], rule: QueueRule = get_exit_queue
) -> list[int]:
    """Return the ids, in order, of the queue ``rule`` (the spec's) gives for ``TOKENS[0]``."""
    return [int(exit_id) for exit_id, _ in rule(make_environment(exits), TOKENS[0])]


def exit_queue_is_ordered_and_complete(
    first: QueuedExit, second: QueuedExit, third: QueuedExit
) -> list[int]:
    """The queue holds exactly the open exits of its token, highest priority first.

    pre: is_queued_exit(first) and is_queued_exit(second) and is_queued_exit(third)
    post: __return__ == compute_expected_queue((first, second, third))
    """
    return get_queued_exit_ids((first, second, third))
