"""INV-26 Coin challenge soundness: a coin exit is cancelled only by a sound challenge.

The predicates re-derive, from the pre-state and the operation, what each of
the three challenges must show (``spec.environments.cash.challenges`` states
the rules; nothing of it is called here):

- a spent-after or double-spend-between challenge cancels only the exit it
  names, with a transfer of the coin committed where it says, spending the
  exiting transfer (signed by the exiter, in a later block) or the parent
  (signed by the parent's owner, in a block strictly between the two);
- an invalid-history challenge is opened only on the exit it names, within
  half the MFP of the exit's start, with a leaf of the coin committed in a
  block from the coin's mint up to (not including) the exit's parent, made
  validly (the coin's mint, or a committed transfer signed by the owner of
  the committed leaf it spends, in an earlier block);
- such a challenge is closed while the exit stays open only by an answer:
  a committed transfer spending the challenging leaf, signed by the owner
  that leaf gave the coin to, in a block after it and no later than the
  exit's parent;
- a finalization cancels an exit only if it is mature and an
  invalid-history challenge is still open on it.

Why this is soundness: take an exit whose witnesses form a **valid
history**, strictly: from the coin's mint to the exiting transfer, every
committed block holds at the coin's key either nothing or exactly the next
transfer of the history, and each transfer names the previous leaf's block
and is signed by the owner that leaf gave the coin to; and the exiter never
signed a transfer spending the exiting transfer. Then no spent-after
witness exists (it needs the exiter's signature), no double-spend witness
exists (the blocks between parent and exiting transfer hold nothing at the
key), and every invalid-history challenge names a leaf of the history
itself, which the next leaf of the history answers. So, if its owner
answers in time (INV-27), such an exit cannot be cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass

from spec.environments.cash.challenges import (
    ChallengeCoinDoubleSpend,
    ChallengeCoinHistory,
    ChallengeCoinSpent,
    RespondCoinHistory,
)
from spec.environments.cash.coins import CoinMint
from spec.environments.cash.exits import FinalizeCoinExit
from spec.environments.cash.records import CoinExit, CoinExitStatus, HistoryChallenge
from spec.environments.cash.witnesses import IncludedLeaf, IncludedTransfer
from spec.invariants.cash.reading import (
    get_records,
    is_committed,
    iterate_cash_environments,
    read_leaf_owner,
    read_signer,
)
from spec.invariants.checks import (
    UNIT_CAN_FAIL,
    UNIT_EVERY_STEP,
    Z3_BOUNDED_CASH,
    Check,
    Checker,
)
from spec.invariants.entry import Invariant, Layer, Predicates
from spec.invariants.ids import InvariantId
from spec.settlement.state import EnvironmentKind, SettlementState
from spec.settlement.transition import Operation, get_operation_environment_id


def names_exit(operation: Operation, env_id: int, exit_id: int) -> bool:
    """Return whether ``operation`` acts on exit ``exit_id`` of environment ``env_id``."""
    return (
        get_operation_environment_id(operation) == env_id
        and getattr(operation, "exit_id", None) == exit_id
    )


def is_committed_transfer(
    state: SettlementState, env_id: int, exit: CoinExit, witness: IncludedTransfer
) -> bool:
    """Return whether ``witness`` is a transfer of the exit's coin committed where it says."""
    return is_committed(state, env_id, int(exit.coin_id), witness)


@dataclass(frozen=True)
class NamedExit:
    """A coin exit with where it is: its environment and its id."""

    env_id: int
    """Its environment."""
    exit_id: int
    """Its id."""
    exit: CoinExit
    """The exit, as it was before the step."""


def is_sound_cancellation(
    pre: SettlementState, operation: Operation, env_id: int, exit_id: int, exit: CoinExit
) -> bool:
    """Return whether ``operation`` may cancel ``exit`` (as it was before the step)."""
    if not names_exit(operation, env_id, exit_id):
        return False
    if isinstance(operation, FinalizeCoinExit):
        return bool(exit.challenges) and exit.exitable_at <= pre.time
    if isinstance(operation, ChallengeCoinSpent):
        spend = operation.spend
        return (
            is_committed_transfer(pre, env_id, exit, spend)
            and spend.transfer.transfer.previous_block == exit.exit_block
            and spend.block_number > exit.exit_block
            and read_signer(env_id, spend.transfer) == exit.owner
        )
    if isinstance(operation, ChallengeCoinDoubleSpend):
        spend = operation.spend
        return (
            is_committed_transfer(pre, env_id, exit, spend)
            and spend.transfer.transfer.previous_block == exit.parent_block
            and exit.parent_block < spend.block_number < exit.exit_block
            and read_signer(env_id, spend.transfer) == exit.parent_owner
        )
    return False


def check_coin_cancellations(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[str]:
    """INV-26: a coin exit is cancelled only by a sound challenge, or unanswered at finalization.

    Every coin exit the step moved from open to cancelled was named by the
    operation, which is a spent-after or double-spend-between challenge
    showing a committed transfer that spends the exiting transfer (signed
    by the exiter, later) or the parent (signed by the parent's owner,
    strictly between), or a finalization of the mature exit with an
    invalid-history challenge still open.
    """
    violations = []
    for env_id, before in iterate_cash_environments(pre):
        after = get_records(post, env_id)
        if after is None:
            continue
        for exit_id, exit in before.exits.items():
            later = after.exits.get(exit_id)
            if exit.status != CoinExitStatus.OPEN or later is None:
                continue
            if later.status != CoinExitStatus.CANCELLED:
                continue
            if not is_sound_cancellation(pre, operation, env_id, int(exit_id), exit):
                violations.append(f"env {env_id} exit {exit_id}: cancelled without a sound cause")
    return violations


def is_validly_made(
    pre: SettlementState, target: NamedExit, earlier: IncludedLeaf, parent: IncludedLeaf | None
) -> bool:
    """Return whether ``earlier`` is committed and validly made (the mint, or a signed spend)."""
    coin = int(target.exit.coin_id)
    if not is_committed(pre, target.env_id, coin, earlier):
        return False
    leaf = earlier.leaf
    if isinstance(leaf, CoinMint):
        return parent is None
    if parent is None:
        return False
    return (
        is_committed(pre, target.env_id, coin, parent)
        and leaf.transfer.previous_block == parent.block_number
        and parent.block_number < earlier.block_number
        and read_signer(target.env_id, leaf) == read_leaf_owner(parent.leaf)
    )


def is_sound_history_challenge(
    pre: SettlementState,
    operation: Operation,
    target: NamedExit,
    block: int,
    challenge: HistoryChallenge,
) -> bool:
    """Return whether ``operation`` may open ``challenge`` at ``block`` on the target exit."""
    if not isinstance(operation, ChallengeCoinHistory) or not names_exit(
        operation, target.env_id, target.exit_id
    ):
        return False
    exit, earlier = target.exit, operation.earlier
    period = int(pre.environments[target.env_id].rules.minimal_finalization_period)
    return (
        int(earlier.block_number) == block
        and pre.time < exit.started_at + period // 2
        and exit.coin_id <= block < exit.parent_block
        and challenge.challenger == operation.sender
        and challenge.owner == read_leaf_owner(earlier.leaf)
        and challenge.bond == operation.bond
        and is_validly_made(pre, target, earlier, operation.earlier_parent)
    )


def is_sound_answer(
    pre: SettlementState,
    operation: Operation,
    target: NamedExit,
    block: int,
    challenge: HistoryChallenge,
) -> bool:
    """Return whether ``operation`` answers the challenge at ``block`` on the target exit."""
    if not isinstance(operation, RespondCoinHistory) or not names_exit(
        operation, target.env_id, target.exit_id
    ):
        return False
    response = operation.response
    return (
        operation.challenge_block == block
        and is_committed_transfer(pre, target.env_id, target.exit, response)
        and response.transfer.transfer.previous_block == block
        and block < response.block_number <= target.exit.parent_block
        and read_signer(target.env_id, response.transfer) == challenge.owner
    )


def check_history_challenges(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[str]:
    """INV-26: invalid-history challenges open only on a valid earlier leaf, close only if answered.

    Every challenge the step added to a coin exit was opened by a
    ``ChallengeCoinHistory`` naming the exit, in the first half of its
    period, with a committed, validly made leaf of the coin at that block,
    from the coin's mint up to (not including) the exit's parent. Every
    challenge that left an exit that is still open was answered by a
    ``RespondCoinHistory`` with a committed transfer spending that leaf,
    signed by the owner it names, after it and no later than the parent.
    """
    violations = []
    for env_id, before in iterate_cash_environments(pre):
        after = get_records(post, env_id)
        if after is None:
            continue
        for exit_id, exit in after.exits.items():
            previous = before.exits.get(exit_id)
            old = previous.challenges if previous is not None else {}
            for block, challenge in exit.challenges.items():
                if block in old and old[block] == challenge:
                    continue
                if previous is None or not is_sound_history_challenge(
                    pre, operation, NamedExit(env_id, int(exit_id), previous), int(block), challenge
                ):
                    violations.append(f"env {env_id} exit {exit_id}: unsound challenge {block}")
            if previous is None or exit.status != CoinExitStatus.OPEN:
                continue
            for block, challenge in old.items():
                if block in exit.challenges:
                    continue
                if not is_sound_answer(
                    pre, operation, NamedExit(env_id, int(exit_id), previous), int(block), challenge
                ):
                    violations.append(f"env {env_id} exit {exit_id}: challenge {block} dropped")
    return violations


COIN_CHALLENGE_SOUNDNESS = Invariant(
    identifier=InvariantId.COIN_CHALLENGE_SOUNDNESS,
    title="Coin challenge soundness",
    layer=Layer.SETTLEMENT,
    kind=EnvironmentKind.CASH,
    statement=(
        "A coin exit is cancelled only by a challenge naming it that shows a committed transfer "
        "of the coin spending the exiting transfer, signed by the exiter, in a later block "
        "(spent after), or spending the parent, signed by the parent's owner, in a block "
        "strictly between parent and exiting transfer (double spend between); or at "
        "finalization, mature, with an invalid-history challenge still open. Such a challenge "
        "is opened only within MFP/2 of the exit's start, with a committed, validly made leaf "
        "of the coin (its mint, or a transfer signed by the owner of the committed leaf it "
        "spends) in a block from the mint up to the parent, and is closed only by a committed "
        "transfer spending that leaf, signed by the owner it gave the coin to, after it and no "
        "later than the parent. Hence an exit whose witnesses form a valid history cannot be "
        "cancelled if its owner answers in time, where a valid history is strict: from the "
        "coin's mint up to the exiting transfer, every committed block holds at the coin's key "
        "either nothing or exactly the next transfer, which names the previous leaf's block "
        "and is signed by the owner that leaf gave the coin to; and the exiter never signed a "
        "transfer spending the exiting transfer."
    ),
    rationale=(
        "Without it, anyone could cancel an honest exit and take its bond, and the rightful "
        "owner would lose the coin."
    ),
    strengthening=(
        "'Valid history' must be strict: the Z3 bounded control "
        "'late-double-spend-before-parent-is-unprotected' shows that an exit whose history "
        "holds, between its own leaves, a committed double spend of an earlier leaf (made by "
        "that leaf's owner) is cancelled by an invalid-history challenge its owner cannot answer."
    ),
    predicates=Predicates(transition=(check_coin_cancellations, check_history_challenges)),
    checks=(
        UNIT_EVERY_STEP,
        UNIT_CAN_FAIL,
        Z3_BOUNDED_CASH,
        Check(
            Checker.Z3_BOUNDED_CONTROLS,
            (
                "spent-challenge-any-signer",
                "double-spend-challenge-after-exit",
                "history-challenge-any-time",
                "late-double-spend-before-parent-is-unprotected",
            ),
        ),
        Check(
            Checker.CROSSHAIR,
            (
                "sparse_proof_verifies",
                "sparse_proof_shows_non_inclusion",
                "sparse_proof_refuses_non_canonical",
            ),
        ),
    ),
)
"""INV-26."""


INVARIANTS = (COIN_CHALLENGE_SOUNDNESS,)
"""The catalog entries of this module."""
