"""What a scenario records and what it expects: timeline steps, fund movements, outcomes.

A played scenario leaves a timeline of :class:`Step` values. Each step names
when it happened (seconds since the scenario started), who acted, the action
in words, its :class:`Outcome`, and the :class:`Movement` of funds it caused
on the settlement layer. A scenario states its :class:`Expectation` with the
same vocabulary: :class:`Payout`, :class:`BondRelease`, :class:`Rejection`,
:class:`Impossible` and :class:`VaultBalance`.

Reading order: enumerations, timeline records, expectation records, the
result of a run, word helpers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fixtures import EXIT_BOND, TOKEN_A, Actor
from spec.errors import RejectionReason
from spec.positions import OutputPosition
from spec.primitives import NATIVE_TOKEN, Address

# Enumerations


class Outcome(StrEnum):
    """How one step of a scenario ended."""

    ACCEPTED = "accepted"
    """The settlement layer accepted the operation."""
    REJECTED = "rejected"
    """The spec rejected the operation or block, with a reason."""
    IMPOSSIBLE = "impossible"
    """The actor could not even build the action (no published block, no known witness)."""
    OFF_CHAIN = "off chain"
    """Done outside the settlement layer: a signature, a successful block check."""


class ActionKind(StrEnum):
    """What kind of action a step was (how expectations name an operation)."""

    REGISTER = "register"
    """Register an environment."""
    DEPOSIT = "deposit"
    """Deposit funds into an environment."""
    SUBMIT_BLOCK = "submit_block"
    """Commit a child block root."""
    START_EXIT = "start_exit"
    """Start a standard exit."""
    CHALLENGE = "challenge"
    """Challenge a standard exit."""
    PROCESS_EXITS = "process_exits"
    """Process mature exits of one queue."""
    START_IN_FLIGHT_EXIT = "start_in_flight_exit"
    """Start the in-flight exit of a payment."""
    PIGGYBACK = "piggyback"
    """Piggyback an input or an output of an in-flight exit."""
    CHALLENGE_CANONICITY = "challenge_canonicity"
    """Challenge an in-flight exit's canonicity with a competitor."""
    RESPOND_CANONICITY = "respond_canonicity"
    """Answer a canonicity challenge with the in-flight payment's inclusion."""
    CHALLENGE_PIGGYBACK = "challenge_piggyback"
    """Show a piggybacked input or output spent."""
    DELETE_IN_FLIGHT_EXIT = "delete_in_flight_exit"
    """Delete an in-flight exit nobody piggybacked."""
    ADVANCE_TIME = "advance_time"
    """Move the settlement clock (only when submitted as a raw operation)."""
    SIGN = "sign"
    """Sign a payment (off chain)."""
    VALIDATE_BLOCK = "validate_block"
    """Fetch a committed block and replay it on the child chain (off chain)."""


class MovementKind(StrEnum):
    """Why funds moved between an account and an environment."""

    DEPOSITED = "deposited"
    """The account's balance went into the vault."""
    BOND_POSTED = "bond posted"
    """The account posted an exit bond."""
    PAID = "paid"
    """A processed exit paid the account from the vault (possibly nothing)."""
    BOND_RETURNED = "bond returned"
    """A processed exit returned its bond to the exiter."""
    BOND_AWARDED = "bond awarded"
    """A successful challenge paid the exit's bond to the challenger."""


# Timeline records


@dataclass(frozen=True)
class Movement:
    """Funds one step moved, read from the change of the settlement state."""

    kind: MovementKind
    """Why the funds moved."""
    account: Address
    """Whose settlement balance went down (deposit, bond posted) or up (the rest)."""
    token: Address
    """Token moved (bonds are in the native token)."""
    amount: int
    """Amount moved; a payout from an empty vault moves 0."""
    environment: int
    """Environment whose vault or bonds were involved."""
    exit_id: int | None = None
    """Exit concerned, for bonds and payouts."""
    exiter: Address | None = None
    """For an awarded bond: the owner of the challenged exit, who lost it."""


@dataclass(frozen=True)
class Step:
    """One action of a scenario and what came of it."""

    time: int
    """Seconds since the scenario started."""
    actor: Address
    """Who acted."""
    kind: ActionKind
    """Kind of action."""
    action: str
    """The action in words."""
    outcome: Outcome
    """How it ended."""
    reason: RejectionReason | None = None
    """The rejection reason, when rejected."""
    detail: str = ""
    """Why an impossible action could not be taken."""
    movements: tuple[Movement, ...] = ()
    """Funds moved by an accepted step."""


# Expectation records


@dataclass(frozen=True)
class Payout:
    """An exit paid ``amount`` to ``owner`` at ``at`` seconds after the start."""

    owner: Actor
    """Owner of the exit, who is paid."""
    amount: int
    """Amount paid (0 when the vault was empty)."""
    at: int
    """Seconds since the start when the exit was processed."""
    token: Address = NATIVE_TOKEN
    """Token paid."""


@dataclass(frozen=True)
class BondRelease:
    """The bond of an exit by ``exiter`` went to ``to`` (the exiter itself, or a challenger)."""

    exiter: Actor
    """Who posted the bond."""
    to: Actor
    """Who received it."""
    amount: int = EXIT_BOND
    """Size of the bond."""


@dataclass(frozen=True)
class Rejection:
    """``actor``'s action of kind ``action`` at ``at`` was rejected with exactly ``reason``."""

    actor: Actor
    """Who acted."""
    action: ActionKind
    """Kind of action."""
    reason: RejectionReason
    """The exact reason."""
    at: int
    """Seconds since the start when the action was tried."""


@dataclass(frozen=True)
class Impossible:
    """``actor`` could not build an action of kind ``action`` (for want of data or witness)."""

    actor: Actor
    """Who tried."""
    action: ActionKind
    """Kind of action."""


@dataclass(frozen=True)
class VaultBalance:
    """What one environment's vault holds of one token."""

    environment: int
    """Environment id."""
    amount: int
    """Balance of the vault."""
    token: Address = NATIVE_TOKEN
    """Token."""


@dataclass(frozen=True)
class Expectation:
    """The outcome a scenario must have, stated as data. Lists are in timeline order."""

    payouts: tuple[Payout, ...] = ()
    """Every exit payout (a processed exit), in order."""
    bonds: tuple[BondRelease, ...] = ()
    """Every bond released (returned on processing, awarded on a challenge), in order."""
    rejections: tuple[Rejection, ...] = ()
    """Every rejected step, in order."""
    impossible: tuple[Impossible, ...] = ()
    """Every step that could not be built, in order."""
    vaults: tuple[VaultBalance, ...] = ()
    """Vault balances at the end (only those listed are checked)."""


# The result of a run


@dataclass(frozen=True)
class Holding:
    """How an actor's settlement balance of a token changed over the scenario."""

    actor: Address
    """The account."""
    token: Address
    """The token."""
    change: int
    """Final balance minus initial balance."""


@dataclass(frozen=True)
class ScenarioResult:
    """What running one scenario produced and whether it met its expectation."""

    name: str
    """Scenario name."""
    summary: str
    """One-line summary."""
    description: str
    """What the scenario plays and why, in prose."""
    source: str
    """Where the scenario comes from."""
    expectation: Expectation
    """What the scenario expects."""
    passed: bool
    """Whether the spec did exactly what was expected (and broke no invariant)."""
    differences: tuple[str, ...]
    """What differed from the expectation, or went wrong, in words; empty when passed."""
    steps: tuple[Step, ...]
    """The timeline."""
    holdings: tuple[Holding, ...]
    """Net change of every named actor's settlement balances (non-zero ones)."""
    vaults: tuple[VaultBalance, ...]
    """Final vault balances of every environment and token it ever held."""


# Words


def get_token_name(token: Address) -> str:
    """Return a short name for a token."""
    names = {NATIVE_TOKEN: "native", TOKEN_A: "token-a"}
    return names.get(token, token.to_hex())


def describe_position(position: OutputPosition) -> str:
    """Return ``block/transaction/output``."""
    block, index = int(position.block_number), int(position.transaction_index)
    return f"{block}/{index}/{int(position.output_index)}"
