"""The Plasma Cash exit game's challenges, and the answer to an invalid-history challenge.

An exit claims: "the coin went to me by the exiting transfer, which spent the
parent". Each challenge refutes one way that claim can be false:

- **spent after** (:class:`ChallengeCoinSpent`): the exiter signed a transfer
  of the coin that spends the exiting transfer, committed later. The exiter
  no longer owns the coin; the exit is cancelled at once.
- **double spend between** (:class:`ChallengeCoinDoubleSpend`): the parent's
  owner signed a transfer spending the parent, committed in a block between
  the parent and the exiting transfer. The coin went elsewhere first; the
  exit is cancelled at once.
- **invalid history before** (:class:`ChallengeCoinHistory`): a leaf of the
  coin committed before the parent, validly made (the coin's mint, or a
  transfer signed by the owner of the leaf it spends). The claim is that the
  coin's history went to that leaf's owner and never left them. The
  challenge is bonded and open until answered (:class:`RespondCoinHistory`)
  by a transfer signed by that owner spending that leaf, committed after it
  and no later than the exit's parent. Unanswered at finalization, it cancels
  the exit.

What an owner must check. These rules protect the owner of a coin whose
history is valid *strictly*: from the mint to the owner's receipt, every
committed block holds at the coin's key either nothing or exactly the next
transfer (signed by the owner the previous leaf gave the coin to, naming that
leaf's block). A wallet must refuse a coin whose history holds any other leaf
(a forged transfer, or a former owner's second spend), even one that seems
harmless: such a leaf before the exit's parent is a valid invalid-history
challenge that nobody can answer, so the coin can no longer be exited by its
holder (INV-26, INV-27).

Every cancellation pays the exit's bond to the challenger (for an
invalid-history challenge, at finalization, in ``spec.environments.cash.exits``);
every answer pays the challenge's bond to whoever answered.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from spec.environments.cash.coins import get_leaf_owner, get_transfer_signer
from spec.environments.cash.exits import (
    get_cash_records,
    get_challenge_deadline,
    get_open_coin_exit,
    process_coin_exit_cancellation,
    with_cash_records,
    with_coin_exit,
)
from spec.environments.cash.records import CoinExit, CoinStatus, HistoryChallenge
from spec.environments.cash.witnesses import (
    IncludedLeaf,
    IncludedTransfer,
    as_included_leaf,
    validate_spend_of_parent,
    validate_witness,
)
from spec.errors import RejectionReason, require
from spec.primitives import NATIVE_TOKEN, Address, Uint64, Uint256
from spec.settlement.state import (
    Environment,
    EnvironmentKind,
    SettlementState,
    credit,
    debit,
    get_environment_of_kind,
)
from spec.totals import with_entry

# Operations


@dataclass(frozen=True)
class ChallengeCoinSpent:
    """Cancel a coin exit by showing the exiter's later, committed transfer of the coin."""

    environment_id: Uint64
    """Cash environment of the exit."""
    sender: Address
    """The challenger, who receives the exit's bond."""
    exit_id: Uint64
    """Exit being challenged."""
    spend: IncludedTransfer
    """A committed transfer of the coin that spends the exiting transfer."""


@dataclass(frozen=True)
class ChallengeCoinDoubleSpend:
    """Cancel a coin exit by showing the parent's owner spent the parent earlier than the exit."""

    environment_id: Uint64
    """Cash environment of the exit."""
    sender: Address
    """The challenger, who receives the exit's bond."""
    exit_id: Uint64
    """Exit being challenged."""
    spend: IncludedTransfer
    """A committed transfer spending the parent, in a block between parent and exiting transfer."""


@dataclass(frozen=True)
class ChallengeCoinHistory:
    """Challenge a coin exit's history with an earlier leaf of the coin; bonded, answerable."""

    environment_id: Uint64
    """Cash environment of the exit."""
    sender: Address
    """The challenger, who posts the bond."""
    exit_id: Uint64
    """Exit being challenged."""
    earlier: IncludedLeaf
    """A committed leaf of the coin in a block before the exit's parent."""
    earlier_parent: IncludedLeaf | None
    """The leaf ``earlier`` spends (none when ``earlier`` is the coin's mint)."""
    bond: Uint256
    """Native-token bond sent with the call; must equal the environment's exit bond."""


@dataclass(frozen=True)
class RespondCoinHistory:
    """Answer an invalid-history challenge with the committed spend of its leaf."""

    environment_id: Uint64
    """Cash environment of the exit."""
    sender: Address
    """Who answers; receives the challenge's bond."""
    exit_id: Uint64
    """Exit whose challenge is answered."""
    challenge_block: Uint64
    """Block of the challenging leaf (the challenge's key)."""
    response: IncludedTransfer
    """A committed transfer spending the challenging leaf."""


# Helpers


def get_challenged_exit(
    state: SettlementState, environment_id: Uint64, exit_id: Uint64
) -> tuple[Environment, CoinExit]:
    """Return a Cash environment and one of its open exits.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
            ``UNKNOWN_EXIT``, ``EXIT_NOT_OPEN``.
    """
    environment = get_environment_of_kind(state, environment_id, EnvironmentKind.CASH)
    return environment, get_open_coin_exit(get_cash_records(environment), exit_id)


def validate_transfer_witness(
    state: SettlementState, environment: Environment, exit: CoinExit, witness: IncludedTransfer
) -> None:
    """Check that a transfer of the exit's coin is committed where the witness says.

    Raises:
        Rejected: ``WITNESS_WRONG_COIN``, ``UNKNOWN_BLOCK``, ``COIN_PROOF_INVALID``.
    """
    depth = int(state.preset.coin_tree_depth)
    validate_witness(environment, depth, exit.coin_id, as_included_leaf(witness))


# Spent after


def validate_spent_after(environment_id: Uint64, exit: CoinExit, spend: IncludedTransfer) -> None:
    """Check that ``spend`` is the exiter's later transfer of the exiting transfer.

    Raises:
        Rejected: ``CHALLENGE_NOT_SPENDING_EXIT``, ``CHALLENGE_NOT_AFTER_EXIT``,
            ``SIGNATURE_MALFORMED``, ``SIGNATURE_HIGH_S``, ``SIGNATURE_UNRECOVERABLE``,
            ``CHALLENGE_NOT_SIGNED_BY_OWNER``.
    """
    # Verify the transfer spends the exiting transfer directly
    require(
        spend.transfer.transfer.previous_block == exit.exit_block,
        RejectionReason.CHALLENGE_NOT_SPENDING_EXIT,
    )
    # Verify the transfer was committed after the exiting transfer
    require(spend.block_number > exit.exit_block, RejectionReason.CHALLENGE_NOT_AFTER_EXIT)
    # Verify the exiter signed it
    require(
        get_transfer_signer(environment_id, spend.transfer) == exit.owner,
        RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER,
    )


def process_challenge_coin_spent(
    state: SettlementState, operation: ChallengeCoinSpent
) -> SettlementState:
    """Cancel a coin exit whose exiter spent the coin; the exit's bond goes to the challenger.

    Raises:
        Rejected: any reason of :func:`get_challenged_exit`,
            :func:`validate_transfer_witness` and :func:`validate_spent_after`;
            ``INTEGER_OVERFLOW``.
    """
    environment, exit = get_challenged_exit(state, operation.environment_id, operation.exit_id)
    validate_transfer_witness(state, environment, exit, operation.spend)
    validate_spent_after(operation.environment_id, exit, operation.spend)
    return process_coin_exit_cancellation(
        state, operation.environment_id, operation.exit_id, operation.sender
    )


# Double spend between


def validate_double_spend(environment_id: Uint64, exit: CoinExit, spend: IncludedTransfer) -> None:
    """Check that ``spend`` is the parent owner's transfer of the parent, between parent and exit.

    Raises:
        Rejected: ``CHALLENGE_NOT_BETWEEN``, ``TRANSFER_NOT_SPENDING_PARENT``,
            ``SIGNATURE_MALFORMED``, ``SIGNATURE_HIGH_S``, ``SIGNATURE_UNRECOVERABLE``,
            ``TRANSFER_NOT_SIGNED_BY_PARENT_OWNER``.
    """
    # Verify the transfer was committed strictly between the parent and the exiting transfer
    require(
        exit.parent_block < spend.block_number < exit.exit_block,
        RejectionReason.CHALLENGE_NOT_BETWEEN,
    )
    # Verify the transfer spends the exit's parent directly
    require(
        spend.transfer.transfer.previous_block == exit.parent_block,
        RejectionReason.TRANSFER_NOT_SPENDING_PARENT,
    )
    # Verify the parent's owner signed it
    require(
        get_transfer_signer(environment_id, spend.transfer) == exit.parent_owner,
        RejectionReason.TRANSFER_NOT_SIGNED_BY_PARENT_OWNER,
    )


def process_challenge_coin_double_spend(
    state: SettlementState, operation: ChallengeCoinDoubleSpend
) -> SettlementState:
    """Cancel a coin exit whose parent was spent first elsewhere; the bond goes to the challenger.

    Raises:
        Rejected: any reason of :func:`get_challenged_exit`,
            :func:`validate_transfer_witness` and :func:`validate_double_spend`;
            ``INTEGER_OVERFLOW``.
    """
    environment, exit = get_challenged_exit(state, operation.environment_id, operation.exit_id)
    validate_transfer_witness(state, environment, exit, operation.spend)
    validate_double_spend(operation.environment_id, exit, operation.spend)
    return process_coin_exit_cancellation(
        state, operation.environment_id, operation.exit_id, operation.sender
    )


# Invalid history before


def validate_history_challenge(
    state: SettlementState,
    environment: Environment,
    exit: CoinExit,
    operation: ChallengeCoinHistory,
) -> None:
    """Check an invalid-history challenge: in time, bonded, a valid earlier leaf, not already open.

    Raises:
        Rejected: ``CHALLENGE_WINDOW_CLOSED``, ``CHALLENGE_BOND_WRONG_AMOUNT``,
            any reason of :func:`~spec.environments.cash.witnesses.validate_witness`
            (the leaf, then its parent), ``CHALLENGE_BEFORE_MINT``,
            ``CHALLENGE_NOT_BEFORE_PARENT``, ``CHALLENGE_ALREADY_OPEN``, any reason of
            :func:`~spec.environments.cash.witnesses.validate_spend_of_parent`.
    """
    # Verify the challenge comes in the first half of the exit's finalization period
    require(
        state.time < get_challenge_deadline(environment, exit),
        RejectionReason.CHALLENGE_WINDOW_CLOSED,
    )
    # Verify the bond is exactly the environment's exit bond
    require(
        operation.bond == environment.rules.exit_bond, RejectionReason.CHALLENGE_BOND_WRONG_AMOUNT
    )
    depth = int(state.preset.coin_tree_depth)
    earlier = operation.earlier
    validate_witness(environment, depth, exit.coin_id, earlier)
    if operation.earlier_parent is not None:
        validate_witness(environment, depth, exit.coin_id, operation.earlier_parent)
    parent = operation.earlier_parent
    # Verify the leaf and its parent are part of the coin's life (no history before its mint)
    require(
        earlier.block_number >= exit.coin_id
        and (parent is None or parent.block_number >= exit.coin_id),
        RejectionReason.CHALLENGE_BEFORE_MINT,
    )
    # Verify the leaf comes before the exit's parent (later ones are the other challenges')
    require(earlier.block_number < exit.parent_block, RejectionReason.CHALLENGE_NOT_BEFORE_PARENT)
    # Verify no open challenge already names this leaf's block
    require(earlier.block_number not in exit.challenges, RejectionReason.CHALLENGE_ALREADY_OPEN)
    # Verify the leaf was made by the coin's owner at that point (signed by its parent's owner)
    validate_spend_of_parent(operation.environment_id, earlier, operation.earlier_parent)


def process_challenge_coin_history(
    state: SettlementState, operation: ChallengeCoinHistory
) -> SettlementState:
    """Open an invalid-history challenge on a coin exit and take its bond.

    Raises:
        Rejected: any reason of :func:`get_challenged_exit` and
            :func:`validate_history_challenge`; ``INSUFFICIENT_FUNDS`` (for the
            bond), ``INTEGER_OVERFLOW``.
    """
    environment, exit = get_challenged_exit(state, operation.environment_id, operation.exit_id)
    validate_history_challenge(state, environment, exit, operation)
    challenge = HistoryChallenge(
        challenger=operation.sender,
        owner=get_leaf_owner(operation.earlier.leaf),
        bond=operation.bond,
    )
    challenged = replace(
        exit,
        challenges=with_entry(exit.challenges, operation.earlier.block_number, challenge),
    )
    records = with_coin_exit(
        get_cash_records(environment), operation.exit_id, challenged, CoinStatus.EXITING
    )
    state = debit(state, operation.sender, NATIVE_TOKEN, operation.bond)
    bonds = environment.bonds_held + operation.bond
    return with_cash_records(state, operation.environment_id, records, bonds)


# Answer to an invalid-history challenge


def get_open_challenge(exit: CoinExit, challenge_block: Uint64) -> HistoryChallenge:
    """Return the open invalid-history challenge of ``exit`` at ``challenge_block``.

    Raises:
        Rejected: ``UNKNOWN_CHALLENGE``.
    """
    challenge = exit.challenges.get(challenge_block)
    # Verify an open challenge names that block
    require(challenge is not None, RejectionReason.UNKNOWN_CHALLENGE)
    assert challenge is not None
    return challenge


def validate_history_response(
    environment_id: Uint64,
    exit: CoinExit,
    challenge: HistoryChallenge,
    operation: RespondCoinHistory,
) -> None:
    """Check a response: the committed spend of the challenging leaf, by the owner it paid.

    Raises:
        Rejected: ``RESPONSE_NOT_SPENDING_CHALLENGE``, ``RESPONSE_OUTSIDE_HISTORY``,
            ``SIGNATURE_MALFORMED``, ``SIGNATURE_HIGH_S``, ``SIGNATURE_UNRECOVERABLE``,
            ``RESPONSE_NOT_SIGNED_BY_OWNER``.
    """
    response = operation.response
    # Verify the response spends the challenging leaf directly
    require(
        response.transfer.transfer.previous_block == operation.challenge_block,
        RejectionReason.RESPONSE_NOT_SPENDING_CHALLENGE,
    )
    # Verify the response is in the history the exit claims: after the leaf, up to the parent
    require(
        operation.challenge_block < response.block_number <= exit.parent_block,
        RejectionReason.RESPONSE_OUTSIDE_HISTORY,
    )
    # Verify the owner the challenging leaf gave the coin to signed the response
    require(
        get_transfer_signer(environment_id, response.transfer) == challenge.owner,
        RejectionReason.RESPONSE_NOT_SIGNED_BY_OWNER,
    )


def process_respond_coin_history(
    state: SettlementState, operation: RespondCoinHistory
) -> SettlementState:
    """Close an invalid-history challenge with its answer; its bond goes to the responder.

    Raises:
        Rejected: any reason of :func:`get_challenged_exit`, ``UNKNOWN_CHALLENGE``,
            any reason of :func:`validate_transfer_witness` and
            :func:`validate_history_response`; ``INTEGER_OVERFLOW``.
    """
    environment, exit = get_challenged_exit(state, operation.environment_id, operation.exit_id)
    challenge = get_open_challenge(exit, operation.challenge_block)
    validate_transfer_witness(state, environment, exit, operation.response)
    validate_history_response(operation.environment_id, exit, challenge, operation)
    answered = replace(
        exit,
        challenges={k: v for k, v in exit.challenges.items() if k != operation.challenge_block},
    )
    records = with_coin_exit(
        get_cash_records(environment), operation.exit_id, answered, CoinStatus.EXITING
    )
    state = credit(state, operation.sender, NATIVE_TOKEN, challenge.bond)
    bonds = environment.bonds_held - challenge.bond
    return with_cash_records(state, operation.environment_id, records, bonds)
