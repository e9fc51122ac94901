"""The Plasma Cash exit game at the settlement layer: start and finalize a coin exit.

A coin leaves alone, without a queue: its owner shows the coin's last two
leaves (the exiting transfer and its parent, each with its proof), or only the
coin's mint for a coin that never moved, and posts the environment's exit
bond. The exit may be finalized once its finalization period (the
environment's MFP) has passed since it started; it then pays the coin's amount
to the exiter and returns the bond, unless an invalid-history challenge is
still unanswered, in which case the exit is cancelled instead. The three
challenges are in ``spec.environments.cash.challenges``.

Windows, from the exit's start ``t`` and the environment's MFP:

- invalid-history challenges: while ``now < t + MFP/2`` (integer halving),
  so that the exiter has at least the second half to answer the last one;
- spent-coin and double-spend challenges, and answers to invalid-history
  challenges: while the exit is open, up to its finalization (they only show
  facts already committed, so there is no reason to close them earlier);
- finalization: from ``t + MFP``.

A coin has at most one open exit, and once an exit of it is finalized the
coin is gone for good; a cancelled exit leaves the coin free to exit again
(its rightful owner's exit).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from spec.environments.cash.coins import get_leaf_owner
from spec.environments.cash.records import (
    CashRecords,
    CoinExit,
    CoinExitStatus,
    CoinStatus,
    SettledCoin,
)
from spec.environments.cash.witnesses import (
    IncludedLeaf,
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
    get_active_environment_of_kind,
    get_environment_of_kind,
    with_environment,
)
from spec.totals import add_to_totals, with_entry

# Operations


@dataclass(frozen=True)
class StartCoinExit:
    """Start the exit of one coin with its last two leaves, or with its mint alone."""

    environment_id: Uint64
    """Cash environment of the coin."""
    sender: Address
    """The caller; must own the coin by the exiting leaf."""
    coin_id: Uint64
    """The exiting coin."""
    exiting: IncludedLeaf
    """The coin's latest transfer (or its mint), committed."""
    parent: IncludedLeaf | None
    """The leaf the exiting transfer spends, committed; none for an exit from the mint."""
    bond: Uint256
    """Native-token bond sent with the call; must equal the environment's exit bond."""


@dataclass(frozen=True)
class FinalizeCoinExit:
    """Decide a mature coin exit: pay it, or cancel it if a history challenge is unanswered."""

    environment_id: Uint64
    """Cash environment of the exit."""
    exit_id: Uint64
    """The exit to finalize."""


# Accessors


def get_cash_records(environment: Environment) -> CashRecords:
    """Return a Cash environment's records (the caller checked the environment's kind)."""
    records = environment.kind_records
    assert isinstance(records, CashRecords), "not a Cash environment"
    return records


def get_exitable_coin(records: CashRecords, coin_id: Uint64) -> SettledCoin:
    """Return a coin that may start an exit now.

    Raises:
        Rejected: ``COIN_UNKNOWN``, ``COIN_ALREADY_EXITED``, ``COIN_EXIT_ALREADY_OPEN``.
    """
    coin = records.coins.get(coin_id)
    # Verify the coin was minted in this environment
    require(coin is not None, RejectionReason.COIN_UNKNOWN)
    assert coin is not None
    # Verify the coin has not exited for good
    require(coin.status != CoinStatus.EXITED, RejectionReason.COIN_ALREADY_EXITED)
    # Verify the coin has no open exit (one at a time)
    require(coin.status != CoinStatus.EXITING, RejectionReason.COIN_EXIT_ALREADY_OPEN)
    return coin


def get_open_coin_exit(records: CashRecords, exit_id: Uint64) -> CoinExit:
    """Return a coin exit that is still open.

    Raises:
        Rejected: ``UNKNOWN_EXIT``, ``EXIT_NOT_OPEN``.
    """
    exit = records.exits.get(exit_id)
    # Verify the exit exists
    require(exit is not None, RejectionReason.UNKNOWN_EXIT)
    assert exit is not None
    # Verify the exit is still open
    require(exit.status == CoinExitStatus.OPEN, RejectionReason.EXIT_NOT_OPEN)
    return exit


def get_challenge_deadline(environment: Environment, exit: CoinExit) -> Uint64:
    """Return the time from which invalid-history challenges of ``exit`` are refused."""
    return exit.started_at + environment.rules.minimal_finalization_period // 2


def compute_held_bonds(records: CashRecords) -> Uint256:
    """Return the bonds the Cash records hold: open exits' bonds and their challenges' bonds."""
    held = Uint256(0)
    for exit in records.exits.values():
        if exit.status == CoinExitStatus.OPEN:
            held += exit.bond + sum((c.bond for c in exit.challenges.values()), Uint256(0))
    return held


# Mutators


def with_cash_records(
    state: SettlementState, environment_id: Uint64, records: CashRecords, bonds_held: Uint256
) -> SettlementState:
    """Return ``state`` with a Cash environment's records and held bonds replaced."""
    environment = state.environments[environment_id]
    environment = replace(environment, kind_records=records, bonds_held=bonds_held)
    return with_environment(state, environment_id, environment)


def with_coin_exit(
    records: CashRecords, exit_id: Uint64, exit: CoinExit, coin_status: CoinStatus
) -> CashRecords:
    """Return ``records`` with an exit written and its coin's status set."""
    coin = replace(records.coins[exit.coin_id], status=coin_status)
    return CashRecords(
        coins=with_entry(records.coins, exit.coin_id, coin),
        exits=with_entry(records.exits, exit_id, exit),
    )


# Start


def validate_exit_history(
    state: SettlementState, environment: Environment, operation: StartCoinExit
) -> None:
    """Check the exit's witnesses: committed, the sender's, the exiting leaf spending the parent.

    Raises:
        Rejected: any reason of
            :func:`~spec.environments.cash.witnesses.validate_witness` (exiting
            leaf), ``EXIT_NOT_BY_OWNER``, any reason of
            :func:`~spec.environments.cash.witnesses.validate_witness` (parent),
            ``PARENT_BEFORE_MINT``, and any reason of
            :func:`~spec.environments.cash.witnesses.validate_spend_of_parent`.
    """
    depth = int(state.preset.coin_tree_depth)
    validate_witness(environment, depth, operation.coin_id, operation.exiting)
    # Verify the sender owns the coin by the exiting leaf (an exit names its own claimant)
    require(
        get_leaf_owner(operation.exiting.leaf) == operation.sender,
        RejectionReason.EXIT_NOT_BY_OWNER,
    )
    if operation.parent is not None:
        validate_witness(environment, depth, operation.coin_id, operation.parent)
        # Verify the parent is part of the coin's life (a coin has no history before its mint)
        require(
            operation.parent.block_number >= operation.coin_id, RejectionReason.PARENT_BEFORE_MINT
        )
    validate_spend_of_parent(operation.environment_id, operation.exiting, operation.parent)


def compute_new_coin_exit(
    state: SettlementState, environment: Environment, operation: StartCoinExit
) -> CoinExit:
    """Return the exit a valid start claims (an exit from the mint is its own parent)."""
    parent = operation.parent or operation.exiting
    return CoinExit(
        coin_id=operation.coin_id,
        owner=operation.sender,
        exit_block=operation.exiting.block_number,
        parent_block=parent.block_number,
        parent_owner=get_leaf_owner(parent.leaf),
        bond=operation.bond,
        started_at=state.time,
        exitable_at=state.time + environment.rules.minimal_finalization_period,
        status=CoinExitStatus.OPEN,
        challenges={},
    )


def process_start_coin_exit(state: SettlementState, operation: StartCoinExit) -> SettlementState:
    """Start the exit of a coin and take its bond.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
            ``ENVIRONMENT_IN_QUARANTINE``, ``COIN_UNKNOWN``, ``COIN_ALREADY_EXITED``,
            ``COIN_EXIT_ALREADY_OPEN``, any reason of :func:`validate_exit_history`,
            ``EXIT_BOND_WRONG_AMOUNT``, ``INTEGER_OVERFLOW`` (the exitable time),
            ``INSUFFICIENT_FUNDS`` (for the bond), ``INTEGER_OVERFLOW`` (bonds held).
    """
    environment = get_active_environment_of_kind(
        state, operation.environment_id, EnvironmentKind.CASH
    )
    records = get_cash_records(environment)
    get_exitable_coin(records, operation.coin_id)
    validate_exit_history(state, environment, operation)
    # Verify the bond is exactly the environment's exit bond
    require(operation.bond == environment.rules.exit_bond, RejectionReason.EXIT_BOND_WRONG_AMOUNT)
    exit = compute_new_coin_exit(state, environment, operation)
    records = with_coin_exit(records, Uint64(len(records.exits)), exit, CoinStatus.EXITING)
    state = debit(state, operation.sender, NATIVE_TOKEN, operation.bond)
    bonds = environment.bonds_held + operation.bond
    return with_cash_records(state, operation.environment_id, records, bonds)


# Cancel (a challenge held) and finalize


def process_coin_exit_cancellation(
    state: SettlementState, environment_id: Uint64, exit_id: Uint64, winner: Address
) -> SettlementState:
    """Cancel an open coin exit: its bond to ``winner``, challenges' bonds to their challengers.

    The coin is at rest again, free for its rightful owner's exit.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when a balance would pass the largest Uint256.
    """
    environment = state.environments[environment_id]
    records = get_cash_records(environment)
    exit = records.exits[exit_id]
    released = exit.bond
    state = credit(state, winner, NATIVE_TOKEN, exit.bond)
    for challenge in exit.challenges.values():
        state = credit(state, challenge.challenger, NATIVE_TOKEN, challenge.bond)
        released += challenge.bond
    cancelled = replace(exit, status=CoinExitStatus.CANCELLED, challenges={})
    records = with_coin_exit(records, exit_id, cancelled, CoinStatus.DEPOSITED)
    return with_cash_records(state, environment_id, records, environment.bonds_held - released)


def process_coin_exit_payout(
    state: SettlementState, environment_id: Uint64, exit_id: Uint64
) -> SettlementState:
    """Pay a coin exit: the coin's amount and the bond to the exiter; the coin is exited for good.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when a balance or the vault's ledger would
            pass the largest Uint256.
    """
    environment = state.environments[environment_id]
    records = get_cash_records(environment)
    exit = records.exits[exit_id]
    coin = records.coins[exit.coin_id]
    environment = replace(
        environment, withdrawn=add_to_totals(environment.withdrawn, coin.token, coin.amount)
    )
    state = with_environment(state, environment_id, environment)
    state = credit(state, exit.owner, coin.token, coin.amount)
    state = credit(state, exit.owner, NATIVE_TOKEN, exit.bond)
    finalized = replace(exit, status=CoinExitStatus.FINALIZED)
    records = with_coin_exit(records, exit_id, finalized, CoinStatus.EXITED)
    return with_cash_records(state, environment_id, records, environment.bonds_held - exit.bond)


def process_finalize_coin_exit(
    state: SettlementState, operation: FinalizeCoinExit
) -> SettlementState:
    """Finalize a mature coin exit.

    With no invalid-history challenge open, the exit is paid. Otherwise it is
    cancelled: its bond goes to the challenger whose challenge names the
    earliest block (the others get their own bonds back).

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
            ``UNKNOWN_EXIT``, ``EXIT_NOT_OPEN``, ``EXIT_NOT_MATURE``, ``INTEGER_OVERFLOW``.
    """
    environment = get_environment_of_kind(state, operation.environment_id, EnvironmentKind.CASH)
    exit = get_open_coin_exit(get_cash_records(environment), operation.exit_id)
    # Verify the exit's finalization period has passed
    require(exit.exitable_at <= state.time, RejectionReason.EXIT_NOT_MATURE)
    if exit.challenges:
        first = exit.challenges[min(exit.challenges)]
        return process_coin_exit_cancellation(
            state, operation.environment_id, operation.exit_id, first.challenger
        )
    return process_coin_exit_payout(state, operation.environment_id, operation.exit_id)
