"""What one settlement step changed, read in plain integers for the invariant predicates.

The predicates compare a pre-state with a post-state; these helpers name
what they compare: the tokens an environment mentions, the exits a step
added, cancelled or processed, the caller an operation names, and how every
settlement balance moved. They read the states only; none calls the spec's
own helpers, so a wrong spec helper cannot make its checker wrong as well.
"""

from __future__ import annotations

from collections import Counter

from spec.primitives import Address, Uint64
from spec.settlement.state import Environment, Exit, ExitStatus, SettlementState
from spec.settlement.transition import Operation

Movements = Counter[tuple[Address, Address]]
"""Change of settlement balance per (account, token)."""


def get_tokens(environment: Environment) -> set[Address]:
    """Return every token an environment's ledgers or exits mention."""
    exit_tokens = {exit.token for exit in environment.exits.values()}
    return set(environment.deposited) | set(environment.withdrawn) | exit_tokens


def get_exits_newly_in(
    pre: SettlementState, post: SettlementState, env_id: int, status: ExitStatus
) -> list[tuple[Uint64, Exit]]:
    """Return the exits of one environment that a step added in ``status`` or moved to it."""
    before, after = pre.environments[env_id], post.environments[env_id]
    return [
        (exit_id, exit)
        for exit_id, exit in after.exits.items()
        if exit.status == status
        and (exit_id not in before.exits or before.exits[exit_id].status != status)
    ]


def get_newly_processed(pre: SettlementState, post: SettlementState, env_id: int) -> list[Uint64]:
    """Return ids of exits of one environment that an operation moved to processed."""
    return [exit_id for exit_id, _ in get_exits_newly_in(pre, post, env_id, ExitStatus.PROCESSED)]


def get_added_exits(
    pre: SettlementState, post: SettlementState, env_id: int
) -> list[tuple[Uint64, Exit]]:
    """Return the exits of one environment that a step added."""
    before, after = pre.environments[env_id], post.environments[env_id]
    return [(exit_id, exit) for exit_id, exit in after.exits.items() if exit_id not in before.exits]


def get_sender(operation: Operation) -> Address | None:
    """Return the caller an operation names as its ``sender``, or None when it names none.

    Settlement operations name their caller ``sender`` where the rules depend
    on who calls (``spec.settlement.operations``); a deposit names its
    ``owner`` instead.
    """
    sender: Address | None = getattr(operation, "sender", None)
    return sender


def compute_movements(pre: SettlementState, post: SettlementState) -> Movements:
    """Return how much every settlement balance moved from ``pre`` to ``post``."""
    keys = set(pre.balances) | set(post.balances)
    return Counter(
        {key: int(post.balances.get(key, 0)) - int(pre.balances.get(key, 0)) for key in keys}
    )
