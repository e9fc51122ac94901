"""The in-flight exit game's parts of INV-07, INV-10 and INV-11: timing, soundness, finality.

The kind-neutral entries (Maturity, Challenge soundness, Finality
monotonicity) state their rule for every exit; these predicates state it for
in-flight exits, read from the payments records alone:

- INV-07: a token's exitable time is set once, by its first piggyback, to
  ``max(youngest input's block time + 2·MFP, now + MFP)``, and no piggyback
  of a token is settled before that time;
- INV-10: a piggyback is dropped as spent only by a challenge naming it with
  a spend signed by its owner, and an exit becomes non-canonical only by a
  challenge naming it with a competitor signed by the owner of an input;
- INV-11: an in-flight exit is never removed; a deleted exit, a settled
  piggyback, a set exitable time and a processed token never change.
"""

from __future__ import annotations

from spec.crypto import recover_signer
from spec.environments.payments.canonicity import ChallengeInFlightNotCanonical
from spec.environments.payments.piggybacks import (
    ChallengeInFlightInputSpent,
    ChallengeInFlightOutputSpent,
)
from spec.environments.payments.records import InFlightExit, InFlightExitStatus, PiggybackStatus
from spec.environments.payments.transactions import SignedTransaction, compute_signing_hash
from spec.errors import Rejected
from spec.invariants.payments.in_flight import get_in_flight_exits, get_side_output, get_sides
from spec.positions import OutputPosition
from spec.primitives import Address, Uint8, Uint64
from spec.settlement.state import SettlementState
from spec.settlement.transition import Operation

SETTLED = (PiggybackStatus.CHALLENGED, PiggybackStatus.PAID, PiggybackStatus.UNPAID)
"""Piggyback statuses that are final."""


def get_exit_pairs(
    pre: SettlementState, post: SettlementState
) -> list[tuple[int, Uint64, InFlightExit, InFlightExit | None]]:
    """Return (environment, exit id, exit before, exit after or None) for every earlier exit."""
    pairs = []
    for env_id, environment in enumerate(pre.environments):
        after = get_in_flight_exits(post.environments[env_id])
        for exit_id, exit in get_in_flight_exits(environment).items():
            pairs.append((env_id, exit_id, exit, after.get(exit_id)))
    return pairs


# INV-07


def check_in_flight_exitable_times(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[str]:
    """INV-07, in-flight: a token's exitable time follows the rule from its first piggyback."""
    violations = []
    for env_id, environment in enumerate(post.environments):
        period = int(environment.rules.minimal_finalization_period)
        before = (
            get_in_flight_exits(pre.environments[env_id]) if env_id < len(pre.environments) else {}
        )
        for exit_id, exit in get_in_flight_exits(environment).items():
            earlier = before.get(exit_id)
            for token, exitable_at in exit.exitable_at.items():
                if earlier is not None and token in earlier.exitable_at:
                    if earlier.exitable_at[token] != exitable_at:
                        violations.append(f"env {env_id} in-flight exit {exit_id}: time moved")
                    continue
                rule = max(int(exit.youngest_input_time) + 2 * period, int(post.time) + period)
                if exitable_at != rule:
                    violations.append(f"env {env_id} in-flight exit {exit_id}: time {exitable_at}")
    return violations


def check_in_flight_maturity(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[str]:
    """INV-07, in-flight: no piggyback is settled by processing before its token's exitable time."""
    violations = []
    for env_id, exit_id, before, after in get_exit_pairs(pre, post):
        if after is None:
            continue
        pairs = zip(get_sides(before), get_sides(after), strict=True)
        for (is_input, index, old), (_, _, new) in pairs:
            if old.status != PiggybackStatus.OPEN or new.status not in SETTLED[1:]:
                continue
            _, token = get_side_output(after, is_input, index)
            if after.exitable_at.get(token, post.time + 1) > post.time:
                violations.append(f"env {env_id} in-flight exit {exit_id}: paid before maturity")
    return violations


# INV-10


def is_signed_spend(
    environment_id: Uint64, spend: SignedTransaction, index: int, owner: Address
) -> bool:
    """Return whether input ``index`` of ``spend`` carries ``owner``'s signature."""
    if index >= len(spend.signatures):
        return False
    message = compute_signing_hash(environment_id, spend.transaction)
    try:
        return recover_signer(message, spend.signatures[index]) == owner
    except Rejected:
        return False


def is_sound_spent_challenge(
    operation: Operation,
    env_id: int,
    exit_id: Uint64,
    exit: InFlightExit,
    *,
    is_input: bool,
    index: int,
) -> bool:
    """Return whether ``operation`` shows that piggyback spent, signed by its owner."""
    if is_input:
        if not isinstance(operation, ChallengeInFlightInputSpent):
            return False
        spent_position = exit.transaction.inputs[index]
        named = operation.input_index
    else:
        if not isinstance(operation, ChallengeInFlightOutputSpent):
            return False
        inclusion = operation.inclusion.position
        spent_position = OutputPosition(
            inclusion.block_number, inclusion.transaction_index, Uint8(index)
        )
        named = operation.output_index
    if (operation.environment_id, operation.exit_id, int(named)) != (env_id, exit_id, index):
        return False
    spend, at = operation.spending_transaction, int(operation.spending_input_index)
    inputs = spend.transaction.inputs
    if at >= len(inputs) or inputs[at] != spent_position:
        return False
    owner, _ = get_side_output(exit, is_input, index)
    return is_signed_spend(operation.environment_id, spend, at, owner)


def is_sound_canonicity_challenge(
    operation: Operation, env_id: int, exit_id: Uint64, exit: InFlightExit
) -> bool:
    """Return whether ``operation`` shows a competitor signed by the owner of a shared input."""
    if not isinstance(operation, ChallengeInFlightNotCanonical):
        return False
    if (operation.environment_id, operation.exit_id) != (env_id, exit_id):
        return False
    competitor, at = operation.competitor, int(operation.competitor_input_index)
    if at >= len(competitor.transaction.inputs) or competitor.transaction == exit.transaction:
        return False
    shared = competitor.transaction.inputs[at]
    if shared not in exit.transaction.inputs:
        return False
    owner = exit.inputs[exit.transaction.inputs.index(shared)].owner
    return is_signed_spend(operation.environment_id, competitor, at, owner)


def check_in_flight_challenge_soundness(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[str]:
    """INV-10, in-flight: piggybacks dropped and canonicity lost only by sound challenges."""
    violations = []
    for env_id, exit_id, before, after in get_exit_pairs(pre, post):
        if after is None:
            continue
        lost = before.canonical and not after.canonical
        if lost and not is_sound_canonicity_challenge(operation, env_id, exit_id, before):
            violations.append(f"env {env_id} in-flight exit {exit_id}: canonicity lost")
        pairs = zip(get_sides(before), get_sides(after), strict=True)
        for (is_input, index, old), (_, _, new) in pairs:
            dropped = old.status != new.status == PiggybackStatus.CHALLENGED
            if dropped and not is_sound_spent_challenge(
                operation, env_id, exit_id, before, is_input=is_input, index=index
            ):
                violations.append(f"env {env_id} in-flight exit {exit_id}: piggyback dropped")
    return violations


# INV-11


def get_finality_problems(before: InFlightExit, after: InFlightExit | None) -> list[str]:
    """Return what of an in-flight exit's final parts a step changed."""
    if after is None:
        return ["removed"]
    if before.status == InFlightExitStatus.DELETED and after != before:
        return ["deleted exit changed"]
    problems = []
    pairs = zip(get_sides(before), get_sides(after), strict=True)
    if any(old.status in SETTLED and old != new for (_, _, old), (_, _, new) in pairs):
        problems.append("settled piggyback changed")
    if after.processed_tokens[: len(before.processed_tokens)] != before.processed_tokens:
        problems.append("processed tokens changed")
    return problems


def check_in_flight_finality(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[str]:
    """INV-11, in-flight: exits never removed; deleted exits and settled piggybacks never change."""
    return [
        f"env {env_id} in-flight exit {exit_id}: {problem}"
        for env_id, exit_id, before, after in get_exit_pairs(pre, post)
        for problem in get_finality_problems(before, after)
    ]
