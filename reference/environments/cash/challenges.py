"""The Plasma Cash challenges in the settlement simulator, and the answer to a history challenge.

The counterpart of ``spec.environments.cash.challenges``: four steps of the
simulator's step table. A spent-coin or double-spend challenge that holds
cancels the exit at once (``exit_game.cancel_coin_exit``); an
invalid-history challenge is a bonded row of ``settlement_coin_challenges``
until a response removes it (its bond to the responder) or the exit's
finalization decides it. The rules, their order and their reasons are the spec's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from reference.environments.cash.encoding import get_leaf_owner
from reference.environments.cash.exit_game import (
    cancel_coin_exit,
    finalize_coin_exit,
    get_open_coin_exit,
    start_coin_exit,
)
from reference.environments.cash.witnesses import (
    as_included_leaf,
    get_transfer_signer,
    validate_spend_of_parent,
    validate_witness,
)
from reference.environments.interface import SettlementStep
from reference.settlement.environment_tables import EnvironmentRow
from reference.settlement.tables import SettlementTables
from reference.store import failpoint
from spec.environments.cash.challenges import (
    ChallengeCoinDoubleSpend,
    ChallengeCoinHistory,
    ChallengeCoinSpent,
    RespondCoinHistory,
)
from spec.environments.cash.exits import FinalizeCoinExit, StartCoinExit
from spec.environments.cash.records import CoinExit, HistoryChallenge
from spec.environments.cash.witnesses import IncludedTransfer
from spec.errors import RejectionReason, require
from spec.presets import Preset
from spec.primitives import NATIVE_TOKEN, Uint64
from spec.settlement.state import EnvironmentKind


def get_challenged_exit(
    tables: SettlementTables, environment_id: Uint64, exit_id: Uint64
) -> tuple[EnvironmentRow, CoinExit]:
    """Return a Cash environment and one of its open exits.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
            ``UNKNOWN_EXIT``, ``EXIT_NOT_OPEN``.
    """
    environment = tables.get_environment_of_kind(environment_id, EnvironmentKind.CASH)
    return environment, get_open_coin_exit(tables, environment.environment_id, exit_id)


def validate_transfer_witness(
    tables: SettlementTables,
    preset: Preset,
    environment: EnvironmentRow,
    exit: CoinExit,
    witness: IncludedTransfer,
) -> None:
    """Check that a transfer of the exit's coin is committed where the witness says.

    Raises:
        Rejected: ``WITNESS_WRONG_COIN``, ``UNKNOWN_BLOCK``, ``COIN_PROOF_INVALID``.
    """
    identifier = environment.environment_id
    validate_witness(tables, preset, identifier, exit.coin_id, as_included_leaf(witness))


# Spent after


def challenge_coin_spent(
    tables: SettlementTables, preset: Preset, operation: ChallengeCoinSpent
) -> None:
    """Cancel a coin exit whose exiter spent the coin; the exit's bond goes to the challenger.

    Raises:
        Rejected: the reasons of :func:`get_challenged_exit` and
            :func:`validate_transfer_witness`, ``CHALLENGE_NOT_SPENDING_EXIT``,
            ``CHALLENGE_NOT_AFTER_EXIT``, the signature reasons,
            ``CHALLENGE_NOT_SIGNED_BY_OWNER``, ``INTEGER_OVERFLOW``.
    """
    environment, exit = get_challenged_exit(tables, operation.environment_id, operation.exit_id)
    spend = operation.spend
    validate_transfer_witness(tables, preset, environment, exit, spend)
    # Verify the transfer spends the exiting transfer directly
    require(
        spend.transfer.transfer.previous_block == exit.exit_block,
        RejectionReason.CHALLENGE_NOT_SPENDING_EXIT,
    )
    # Verify the transfer was committed after the exiting transfer
    require(spend.block_number > exit.exit_block, RejectionReason.CHALLENGE_NOT_AFTER_EXIT)
    # Verify the exiter signed it
    require(
        get_transfer_signer(operation.environment_id, spend.transfer) == exit.owner,
        RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER,
    )
    cancel_coin_exit(tables, environment, operation.exit_id, exit, operation.sender)


# Double spend between


def challenge_coin_double_spend(
    tables: SettlementTables, preset: Preset, operation: ChallengeCoinDoubleSpend
) -> None:
    """Cancel a coin exit whose parent was spent first elsewhere; the bond goes to the challenger.

    Raises:
        Rejected: the reasons of :func:`get_challenged_exit` and
            :func:`validate_transfer_witness`, ``CHALLENGE_NOT_BETWEEN``,
            ``TRANSFER_NOT_SPENDING_PARENT``, the signature reasons,
            ``TRANSFER_NOT_SIGNED_BY_PARENT_OWNER``, ``INTEGER_OVERFLOW``.
    """
    environment, exit = get_challenged_exit(tables, operation.environment_id, operation.exit_id)
    spend = operation.spend
    validate_transfer_witness(tables, preset, environment, exit, spend)
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
        get_transfer_signer(operation.environment_id, spend.transfer) == exit.parent_owner,
        RejectionReason.TRANSFER_NOT_SIGNED_BY_PARENT_OWNER,
    )
    cancel_coin_exit(tables, environment, operation.exit_id, exit, operation.sender)


# Invalid history before


def challenge_coin_history(
    tables: SettlementTables, preset: Preset, operation: ChallengeCoinHistory
) -> None:
    """Open an invalid-history challenge on a coin exit and take its bond.

    Raises:
        Rejected: the reasons of :func:`get_challenged_exit`,
            ``CHALLENGE_WINDOW_CLOSED``, ``CHALLENGE_BOND_WRONG_AMOUNT``, the
            witness reasons (the leaf, then its parent), ``CHALLENGE_BEFORE_MINT``,
            ``CHALLENGE_NOT_BEFORE_PARENT``, ``CHALLENGE_ALREADY_OPEN``, the reasons
            of a spend of the parent, ``INSUFFICIENT_FUNDS`` (for the bond),
            ``INTEGER_OVERFLOW``.
    """
    environment, exit = get_challenged_exit(tables, operation.environment_id, operation.exit_id)
    identifier = environment.environment_id
    deadline = exit.started_at + environment.rules.minimal_finalization_period // 2
    # Verify the challenge comes in the first half of the exit's finalization period
    require(tables.read_time() < deadline, RejectionReason.CHALLENGE_WINDOW_CLOSED)
    # Verify the bond is exactly the environment's exit bond
    require(
        operation.bond == environment.rules.exit_bond, RejectionReason.CHALLENGE_BOND_WRONG_AMOUNT
    )
    earlier = operation.earlier
    validate_witness(tables, preset, identifier, exit.coin_id, earlier)
    if operation.earlier_parent is not None:
        validate_witness(tables, preset, identifier, exit.coin_id, operation.earlier_parent)
    parent = operation.earlier_parent
    # Verify the leaf and its parent are part of the coin's life
    require(
        earlier.block_number >= exit.coin_id
        and (parent is None or parent.block_number >= exit.coin_id),
        RejectionReason.CHALLENGE_BEFORE_MINT,
    )
    # Verify the leaf comes before the exit's parent
    require(earlier.block_number < exit.parent_block, RejectionReason.CHALLENGE_NOT_BEFORE_PARENT)
    # Verify no open challenge already names this leaf's block
    require(earlier.block_number not in exit.challenges, RejectionReason.CHALLENGE_ALREADY_OPEN)
    validate_spend_of_parent(operation.environment_id, earlier, operation.earlier_parent)
    challenge = HistoryChallenge(operation.sender, get_leaf_owner(earlier.leaf), operation.bond)
    tables.debit(operation.sender, NATIVE_TOKEN, operation.bond)
    bonds_held = environment.bonds_held + operation.bond
    failpoint()
    tables.insert_challenge(identifier, operation.exit_id, earlier.block_number, challenge)
    failpoint()
    tables.update_environment(replace(environment, bonds_held=bonds_held))


# Answer


def respond_coin_history(
    tables: SettlementTables, preset: Preset, operation: RespondCoinHistory
) -> None:
    """Close an invalid-history challenge with its answer; its bond goes to the responder.

    Raises:
        Rejected: the reasons of :func:`get_challenged_exit`, ``UNKNOWN_CHALLENGE``,
            the reasons of :func:`validate_transfer_witness`,
            ``RESPONSE_NOT_SPENDING_CHALLENGE``, ``RESPONSE_OUTSIDE_HISTORY``, the
            signature reasons, ``RESPONSE_NOT_SIGNED_BY_OWNER``, ``INTEGER_OVERFLOW``.
    """
    environment, exit = get_challenged_exit(tables, operation.environment_id, operation.exit_id)
    challenge = exit.challenges.get(operation.challenge_block)
    # Verify an open challenge names that block
    require(challenge is not None, RejectionReason.UNKNOWN_CHALLENGE)
    assert challenge is not None
    response = operation.response
    validate_transfer_witness(tables, preset, environment, exit, response)
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
        get_transfer_signer(operation.environment_id, response.transfer) == challenge.owner,
        RejectionReason.RESPONSE_NOT_SIGNED_BY_OWNER,
    )
    tables.credit(operation.sender, NATIVE_TOKEN, challenge.bond)
    bonds_held = environment.bonds_held - challenge.bond
    failpoint()
    identifier = environment.environment_id
    tables.delete_challenges(identifier, operation.exit_id, [operation.challenge_block])
    failpoint()
    tables.update_environment(replace(environment, bonds_held=bonds_held))


SETTLEMENT_STEPS: Mapping[type, SettlementStep] = {
    StartCoinExit: start_coin_exit,
    ChallengeCoinSpent: challenge_coin_spent,
    ChallengeCoinDoubleSpend: challenge_coin_double_spend,
    ChallengeCoinHistory: challenge_coin_history,
    RespondCoinHistory: respond_coin_history,
    FinalizeCoinExit: finalize_coin_exit,
}
"""The Cash exit game's rows of the simulator's step table, by operation type."""
