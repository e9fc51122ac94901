"""What the settlement layer keeps for a payments environment: in-flight exits and finalized marks.

Standard exits of payments outputs live in the settlement layer's shared exit
records (``Environment.exits``). The payments kind keeps two things of its
own, the records of its More Viable Plasma exit game
(``spec.environments.payments.in_flight``):

- every in-flight exit ever started (:class:`InFlightExit`), by its own exit
  id (0, 1, 2, ... in order of start; :class:`ExitReference` tells the two id
  spaces apart);
- the finalized marks: for each output that an exit has settled, which exit
  did it. A mark is written once and never changes; standard and in-flight
  exits share it, so no output is paid twice whichever kind of exit claims it.
  Outputs are named by their output id
  (:func:`~spec.environments.payments.transactions.compute_output_id`), which
  for a payment's output does not depend on where, or whether, the payment
  was included.

This module imports only primitives, positions, the encoding and the
payments transaction containers, so the settlement state can name it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from spec.encoding import declare_enum_tags
from spec.environments.payments.transactions import Output, Transaction
from spec.positions import OutputPosition, TransactionPosition
from spec.primitives import Address, Hash32, Uint64, Uint256


class ExitKind(StrEnum):
    """Which of the payments kind's two exits an exit id names."""

    STANDARD = "standard"
    """A standard exit of one output (``Environment.exits``)."""
    IN_FLIGHT = "in-flight"
    """An in-flight exit of one transaction (:attr:`PaymentsRecords.in_flight_exits`)."""


declare_enum_tags(ExitKind, {ExitKind.STANDARD: 0, ExitKind.IN_FLIGHT: 1})


class PiggybackSide(StrEnum):
    """Which side of an in-flight payment a piggyback or challenge names."""

    INPUT = "input"
    """One of the payment's inputs."""
    OUTPUT = "output"
    """One of the payment's outputs."""


declare_enum_tags(PiggybackSide, {PiggybackSide.INPUT: 0, PiggybackSide.OUTPUT: 1})


class PiggybackStatus(StrEnum):
    """Where one input or output of an in-flight exit is in its life."""

    NONE = "none"
    """Not piggybacked: the exit will never pay it."""
    OPEN = "open"
    """Piggybacked by its owner, with a bond; may still be shown spent."""
    CHALLENGED = "challenged"
    """Shown spent elsewhere: its bond went to the challenger and it is never paid."""
    PAID = "paid"
    """Processed on the side the exit pays: paid (at most the vault) and finalized; bond back."""
    UNPAID = "unpaid"
    """Processed, but on the other side of canonicity or already finalized: bond back, no pay."""


declare_enum_tags(
    PiggybackStatus,
    {
        PiggybackStatus.NONE: 0,
        PiggybackStatus.OPEN: 1,
        PiggybackStatus.CHALLENGED: 2,
        PiggybackStatus.PAID: 3,
        PiggybackStatus.UNPAID: 4,
    },
)


class InFlightOutcome(StrEnum):
    """Which side of an in-flight payment its exit pays; decided once, at its first processing."""

    UNDECIDED = "undecided"
    """Not processed yet: the canonicity game is still on."""
    OUTPUTS = "outputs"
    """Canonical and no input finalized by another exit: outputs paid, every input finalized."""
    INPUTS = "inputs"
    """Not canonical, or an input was finalized by another exit: inputs paid."""


declare_enum_tags(
    InFlightOutcome,
    {InFlightOutcome.UNDECIDED: 0, InFlightOutcome.OUTPUTS: 1, InFlightOutcome.INPUTS: 2},
)


class InFlightExitStatus(StrEnum):
    """Whether an in-flight exit still stands."""

    ACTIVE = "active"
    """Started and not deleted: piggybacks, challenges and processing apply to it."""
    DELETED = "deleted"
    """Deleted after its piggyback period, nobody having piggybacked; its bond went back."""


declare_enum_tags(InFlightExitStatus, {InFlightExitStatus.ACTIVE: 0, InFlightExitStatus.DELETED: 1})


@dataclass(frozen=True)
class Piggyback:
    """One input or output of an in-flight exit: whether it is piggybacked, and what it was paid."""

    status: PiggybackStatus
    """Where it is in its life."""
    paid: Uint256
    """Amount paid when processed on the paid side (at most its amount); zero otherwise."""


NO_PIGGYBACK = Piggyback(PiggybackStatus.NONE, Uint256(0))
"""An input or output nobody piggybacked (yet)."""


@dataclass(frozen=True)
class ExitReference:
    """Names one exit of a payments environment: its kind and its id in that kind's id space."""

    kind: ExitKind
    """Standard or in-flight."""
    exit_id: Uint64
    """Id among the exits of that kind."""


@dataclass(frozen=True)
class InFlightExit:
    """An in-flight exit: a claim on the inputs or the outputs of one payment, whichever is safe.

    Every piggyback bond of the exit equals its ``bond`` (both are the
    environment's exit bond).
    """

    transaction: Transaction
    """The in-flight payment (its signed body)."""
    inputs: tuple[Output, ...]
    """What each input held (owner, token, amount), from the input's proven transaction."""
    input_ids: tuple[Hash32, ...]
    """The output id of each input: the key of its finalized mark."""
    youngest_input: OutputPosition
    """Position of the youngest input: the exit's position in its queues."""
    youngest_input_time: Uint64
    """Settlement time when the youngest input's block was committed."""
    started_at: Uint64
    """Settlement time when the exit started; its two phases are counted from it."""
    bond: Uint256
    """Native-token bond of the exit itself, and of each of its piggybacks."""
    bond_owner: Address
    """Who gets the exit's bond when it is decided: the starter, a challenger or a responder."""
    canonical: bool
    """Whether the exit stands canonical after the canonicity game so far."""
    oldest_competitor: TransactionPosition | None
    """The oldest competitor (or, after a response, the in-flight transaction's own position)."""
    input_piggybacks: tuple[Piggyback, ...]
    """Piggyback of each input, in input order."""
    output_piggybacks: tuple[Piggyback, ...]
    """Piggyback of each output, in output order."""
    exitable_at: Mapping[Address, Uint64]
    """Per token piggybacked: the exitable time its first piggyback set (its queue entry)."""
    processed_tokens: tuple[Address, ...]
    """Tokens whose queue entry was processed, in order."""
    outcome: InFlightOutcome
    """Which side the exit pays; undecided until its first processing."""
    status: InFlightExitStatus
    """Active or deleted."""


@dataclass(frozen=True)
class PaymentsRecords:
    """The payments exit game's own records at the settlement layer."""

    in_flight_exits: Mapping[Uint64, InFlightExit]
    """Every in-flight exit ever started, by in-flight exit id."""
    finalized: Mapping[Hash32, ExitReference]
    """Per output id, the exit that settled the output. Written once."""


def compute_genesis_payments_records() -> PaymentsRecords:
    """Return the records of a newly registered payments environment: no exit, no mark."""
    return PaymentsRecords(in_flight_exits={}, finalized={})
