"""Settlement layer state: the root contract's storage as one frozen value.

The settlement layer holds every environment's funds and enforces one rule
set for all of them. Its state is a :class:`SettlementState`; every operation
(``spec.settlement.transition``) is a pure function from a state to a new one.

Per environment it keeps: who operates it, its kind and the rules it
registered with, the block log (child and deposit block roots with their
times), every exit ever started (by exit id, never deleted), and two ledgers
per token (deposited and withdrawn) whose difference is the environment's
vault. Outside the environments it keeps the settlement layer's own balances
(what accounts hold before a deposit and after an exit) and the clock.

Nothing here depends on what an environment executes: each kind
(``spec.environments``) says what its deposits commit, how its exits are
claimed and challenged, and what its child chain is. The settlement layer
reaches a kind only through the registry (``spec.environments.registry``).

Reading order: enumerations, containers, accessors (``get_*``), mutators
(``with_*``, returning new values), genesis.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from spec.encoding import declare_enum_tags
from spec.environments.records import KindRecords
from spec.errors import RejectionReason, require
from spec.finality.committee import Committee
from spec.positions import OutputPosition
from spec.presets import Preset
from spec.primitives import Address, Hash32, Uint64, Uint256

# Enumerations


class EnvironmentKind(StrEnum):
    """The kind of an execution environment: its transaction format and exit game."""

    PAYMENTS = "payments"
    """UTXO payments in several fungible tokens (``spec.environments.payments``)."""
    CASH = "cash"
    """Plasma Cash: indivisible coins, each exited alone (``spec.environments.cash``)."""


declare_enum_tags(EnvironmentKind, {EnvironmentKind.PAYMENTS: 0, EnvironmentKind.CASH: 1})


class BlockKind(StrEnum):
    """Who wrote a block: the operator (child) or the settlement layer (deposit)."""

    CHILD = "child"
    """A block of transactions committed by the operator."""
    DEPOSIT = "deposit"
    """A one-transaction block written by a deposit."""


declare_enum_tags(BlockKind, {BlockKind.CHILD: 0, BlockKind.DEPOSIT: 1})


class ExitStatus(StrEnum):
    """Where an exit is in its life."""

    OPEN = "open"
    """Started, neither challenged nor processed yet."""
    CHALLENGED = "challenged"
    """Cancelled for good by a successful challenge; its bond went to the challenger."""
    PROCESSED = "processed"
    """Paid out (as far as the vault allowed) and its bond returned."""
    SKIPPED = "skipped"
    """Reached processing after another exit had finalized its output: unpaid, bond returned."""


declare_enum_tags(
    ExitStatus,
    {
        ExitStatus.OPEN: 0,
        ExitStatus.CHALLENGED: 1,
        ExitStatus.PROCESSED: 2,
        ExitStatus.SKIPPED: 3,
    },
)


# Containers


@dataclass(frozen=True)
class EnvironmentRules:
    """The rules an environment registers with; they never change afterwards."""

    minimal_finalization_period: Uint64
    """MFP, in seconds: the challenge window an exit must survive."""
    exit_bond: Uint256
    """Native-token bond each exit claim (standard, in-flight, piggyback) posts, exactly."""
    deposit_limit: Uint256
    """Largest amount a single deposit may lock."""
    processing_bounty: Uint256
    """Part of each piggyback bond paid to whoever processes it; at most the exit bond."""


@dataclass(frozen=True)
class BlockRecord:
    """One entry of an environment's block log."""

    kind: BlockKind
    """Child block (operator) or deposit block (settlement layer)."""
    root: Hash32
    """Merkle root of the block's transactions."""
    timestamp: Uint64
    """Settlement time when the block was committed."""


@dataclass(frozen=True)
class Exit:
    """A standard exit: a claim to withdraw one output, open to challenge until processed."""

    position: OutputPosition
    """The exiting output."""
    output_id: Hash32
    """The kind's position-free name of the output (payments: ``compute_output_id``)."""
    owner: Address
    """Owner of the output, who started the exit and is paid by it."""
    token: Address
    """Token of the output; names the exit queue."""
    amount: Uint256
    """Amount of the output."""
    bond: Uint256
    """Native-token bond posted; returned on processing, forfeited to a challenger."""
    started_at: Uint64
    """Settlement time when the exit started."""
    exitable_at: Uint64
    """Earliest settlement time at which the exit may be processed."""
    status: ExitStatus
    """Open, challenged or processed."""
    paid: Uint256
    """Amount paid when processed (at most ``amount``); zero otherwise."""


@dataclass(frozen=True)
class FinalityRecord:
    """What the settlement layer keeps of an environment whose committee certifies its blocks."""

    committee: Committee
    """The committee fixed at registration (``spec.finality``)."""
    certified: Mapping[Uint64, Hash32]
    """Child block number to the hash of the consensus block that carried its root."""
    halted: bool
    """Whether conflicting commits were shown: no more blocks or deposits, exits go on."""


@dataclass(frozen=True)
class Environment:
    """One registered execution environment (child chain) and its share of the settlement state."""

    operator: Address
    """The only address that may submit child blocks."""
    kind: EnvironmentKind
    """Transaction format and exit game."""
    rules: EnvironmentRules
    """Immutable rules fixed at registration."""
    registered_at: Uint64
    """Settlement time of registration; usable after the quarantine period."""
    blocks: Mapping[Uint64, BlockRecord]
    """Block log: block number to record. Entries are only ever added."""
    exits: Mapping[Uint64, Exit]
    """Every exit ever started, by exit id (0, 1, 2, ... in order of start)."""
    deposited: Mapping[Address, Uint256]
    """Per token, total ever deposited. A token appears once it has a deposit."""
    withdrawn: Mapping[Address, Uint256]
    """Per token, total ever paid out by exits. A token appears once it has a payout."""
    bonds_held: Uint256
    """Native-token bonds of the open exits and challenges, held until each ends."""
    kind_records: KindRecords
    """What the environment's exit game keeps of its own (``spec.environments.records``)."""
    finality: FinalityRecord | None = None
    """The committee's record, or None for an environment its operator alone runs."""


@dataclass(frozen=True)
class SettlementState:
    """The whole settlement layer."""

    preset: Preset
    """Protocol parameters shared by all environments."""
    time: Uint64
    """Current settlement time, in seconds; only moves forward."""
    balances: Mapping[tuple[Address, Address], Uint256]
    """Settlement-layer balance per (account, token); zero balances are not stored."""
    environments: tuple[Environment, ...]
    """Registered environments; an environment's id is its index."""


# Accessors


def get_environment(state: SettlementState, environment_id: Uint64) -> Environment:
    """Return a registered environment.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT`` when no environment has that id.
    """
    # Verify the environment exists
    require(environment_id < len(state.environments), RejectionReason.UNKNOWN_ENVIRONMENT)
    return state.environments[environment_id]


def get_environment_of_kind(
    state: SettlementState, environment_id: Uint64, kind: EnvironmentKind
) -> Environment:
    """Return a registered environment of one kind (for the operations of that kind's exit game).

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``; ``ENVIRONMENT_KIND_MISMATCH`` when
            the environment is of another kind.
    """
    environment = get_environment(state, environment_id)
    # Verify the operation belongs to the environment's exit game
    require(environment.kind == kind, RejectionReason.ENVIRONMENT_KIND_MISMATCH)
    return environment


def is_environment_active(state: SettlementState, environment: Environment) -> bool:
    """Return whether the environment's quarantine period is over."""
    return state.time >= environment.registered_at + state.preset.quarantine_period


def get_active_environment(state: SettlementState, environment_id: Uint64) -> Environment:
    """Return a registered environment whose quarantine is over.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``; ``ENVIRONMENT_IN_QUARANTINE`` when it
            is not usable yet.
    """
    environment = get_environment(state, environment_id)
    # Verify the quarantine period has ended
    require(is_environment_active(state, environment), RejectionReason.ENVIRONMENT_IN_QUARANTINE)
    return environment


def get_active_environment_of_kind(
    state: SettlementState, environment_id: Uint64, kind: EnvironmentKind
) -> Environment:
    """Return a registered environment of one kind whose quarantine is over.

    Raises:
        Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_KIND_MISMATCH``,
            ``ENVIRONMENT_IN_QUARANTINE``.
    """
    environment = get_environment_of_kind(state, environment_id, kind)
    # Verify the quarantine period has ended
    require(is_environment_active(state, environment), RejectionReason.ENVIRONMENT_IN_QUARANTINE)
    return environment


def get_balance(state: SettlementState, account: Address, token: Address) -> Uint256:
    """Return an account's settlement-layer balance of a token."""
    return state.balances.get((account, token), Uint256(0))


def get_vault_balance(environment: Environment, token: Address) -> Uint256:
    """Return what an environment's vault holds of a token: deposited minus withdrawn."""
    deposited = environment.deposited.get(token, Uint256(0))
    return deposited - environment.withdrawn.get(token, Uint256(0))


def get_last_child_block_number(environment: Environment) -> Uint64:
    """Return the number of the latest child block, or 0 when there is none."""
    child_numbers = [n for n, r in environment.blocks.items() if r.kind == BlockKind.CHILD]
    return max(child_numbers, default=Uint64(0))


def get_last_block_number(environment: Environment) -> Uint64:
    """Return the number of the latest block of any kind, or 0 when there is none."""
    return max(environment.blocks, default=Uint64(0))


def get_exit_of_position(environment: Environment, position: OutputPosition) -> Exit | None:
    """Return the exit ever started for an output, if any (there is at most one)."""
    matches = [e for e in environment.exits.values() if e.position == position]
    return matches[0] if matches else None


# Mutators (each returns a new value)


def with_balance(
    state: SettlementState, account: Address, token: Address, amount: Uint256
) -> SettlementState:
    """Return ``state`` with an account's balance of a token set (zero balances are dropped)."""
    balances = {k: v for k, v in state.balances.items() if k != (account, token)}
    if amount > 0:
        balances[(account, token)] = amount
    return replace(state, balances=balances)


def credit(
    state: SettlementState, account: Address, token: Address, amount: Uint256
) -> SettlementState:
    """Return ``state`` with ``amount`` added to an account's balance.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` past the largest Uint256.
    """
    return with_balance(state, account, token, get_balance(state, account, token) + amount)


def debit(
    state: SettlementState, account: Address, token: Address, amount: Uint256
) -> SettlementState:
    """Return ``state`` with ``amount`` taken from an account's balance.

    Raises:
        Rejected: ``INSUFFICIENT_FUNDS`` when the balance is smaller.
    """
    balance = get_balance(state, account, token)
    # Verify the account can pay
    require(balance >= amount, RejectionReason.INSUFFICIENT_FUNDS)
    return with_balance(state, account, token, balance - amount)


def with_environment(
    state: SettlementState, environment_id: Uint64, environment: Environment
) -> SettlementState:
    """Return ``state`` with one environment replaced."""
    environments = list(state.environments)
    environments[environment_id] = environment
    return replace(state, environments=tuple(environments))


# Genesis


def compute_genesis_state(
    preset: Preset, balances: Mapping[tuple[Address, Address], Uint256], time: Uint64
) -> SettlementState:
    """Return a settlement layer with no environments, the given balances and clock."""
    funded = {key: amount for key, amount in balances.items() if amount > 0}
    return SettlementState(preset=preset, time=time, balances=funded, environments=())
