"""The exit game of one in-flight payment with a block-withholding operator, as Z3 terms.

The world (a :class:`Scenario`, chosen freely by the solver within the
hypotheses): an honest user ``H`` and Mallory, who is the operator and
every other user. A payment ``P`` spends input ``A`` (owned by ``H`` or
Mallory) and, optionally, input ``B`` (Mallory's: a co-signer), and pays
output ``O`` (to ``H`` or Mallory). Both inputs are valid outputs of blocks
before the first invalid or withheld block ``f`` (committed at ``t_f``);
``P`` itself is withheld or never included, so nobody can show it
included (no response to a canonicity challenge, no output-spent
challenge). Mallory's operator made an invalid output ``X`` in a block at
or after ``f``, with any amount; the vault holds the inputs' amounts and
any other deposits. Mallory may have signed a competitor of ``P`` (another
spend of an input she owns); ``H`` never signs anything but ``P``.

One step: time passes, then one action (:class:`Action`) of the spec's
operations on these objects: standard exits of ``A``, ``B``, ``X`` (started
by their owner; ``H`` starts none, having signed ``P``) and their
challenges (``P``, or Mallory's competitor, is the spend; ``X`` has none);
the in-flight exit of ``P`` (one, started by anyone), piggybacks by each
slot's owner in the first phase, a canonicity challenge (needs a
competitor, first phase), an input-spent challenge (needs a spend other
than ``P`` signed by the input's owner), and ``ProcessExits`` of the head
of the token's one queue when mature (priority: exitable time, position,
kind, exit id; the spec's rules for marks, decisions, ``min(amount,
vault)`` payouts). Deleting and restarting the in-flight exit is not
modelled (the traces are a subset of the spec's).

``H`` watches: it challenges any standard exit of ``A`` or ``B`` within
``W = MFP/2 - 1`` of its start (time may not pass that deadline while it
owes the challenge). Each piggyback's time is a ghost that the properties
read (``proofs.models.in_flight.bmc``). The steps are in
``proofs.models.in_flight.moves``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import IntEnum

import z3

HONEST, MALLORY = 0, 1
"""The two actors."""

A, B, X = 0, 1, 2
"""Standard-exitable outputs: the inputs of ``P``, and the invalid output."""

SLOT_A, SLOT_B, SLOT_O = 0, 1, 2
"""Piggyback slots of ``P``'s in-flight exit: input A, input B, output O."""

NAMES = {A: "A", B: "B", X: "X"}
"""Printable output names."""

SLOT_NAMES = {SLOT_A: "input A", SLOT_B: "input B", SLOT_O: "output O"}
"""Printable slot names."""


class Action(IntEnum):
    """What a step does after time passes."""

    WAIT = 0
    """Nothing."""
    START_STANDARD = 1
    """``StartStandardExit`` of ``target`` by its owner (Mallory)."""
    CHALLENGE_STANDARD = 2
    """``ChallengeStandardExit`` of ``target`` (with ``P`` or the competitor)."""
    START_IN_FLIGHT = 3
    """``StartInFlightExit`` of ``P``."""
    PIGGYBACK = 4
    """``PiggybackInFlightExit`` of slot ``target`` by its owner."""
    CHALLENGE_CANONICITY = 5
    """``ChallengeInFlightNotCanonical`` with Mallory's competitor."""
    CHALLENGE_INPUT = 6
    """``ChallengeInFlightInputSpent`` of slot ``target``."""
    PROCESS = 7
    """``ProcessExits``: the head of the queue."""


class Standard(IntEnum):
    """A standard exit's status (NONE: not started)."""

    NONE = 0
    OPEN = 1
    PROCESSED = 2
    CHALLENGED = 3
    SKIPPED = 4


class Slot(IntEnum):
    """A piggyback's status."""

    NONE = 0
    OPEN = 1
    CHALLENGED = 2
    PAID = 3
    UNPAID = 4


class Outcome(IntEnum):
    """The in-flight exit's outcome."""

    UNDECIDED = 0
    OUTPUTS = 1
    INPUTS = 2


@dataclass(frozen=True)
class GameRules:
    """The exit game's rules, and the bug each control plants."""

    two_periods: bool = True
    """A child output's standard exit waits two MFP after its block."""
    spend_other_than_payment: bool = True
    """An input-spent challenge needs a spend other than the in-flight payment."""
    first_phase_piggybacks: bool = True
    """Piggybacks only in the first phase."""
    honest_challenges_inputs: bool = True
    """``H`` challenges every standard exit of the payment's inputs in time (a hypothesis)."""


@dataclass(frozen=True)
class Scenario:
    """What the solver chooses once: the objects and the operator's blocks."""

    period: z3.ArithRef
    """MFP."""
    first_time: z3.ArithRef
    """``t_f``: commitment time of the first invalid or withheld block."""
    first_position: z3.ArithRef
    """Position of that block (positions are block numbers here)."""
    position: tuple[z3.ArithRef, ...]
    """Position of ``A``, ``B``, ``X``."""
    block_time: tuple[z3.ArithRef, ...]
    """Commitment time of the blocks of ``A``, ``B``, ``X``."""
    amount: tuple[z3.ArithRef, ...]
    """Amounts of ``A``, ``B``, ``X``."""
    output_amount: z3.ArithRef
    """Amount of ``O``."""
    owner_a: z3.ArithRef
    """Owner of ``A``."""
    owner_o: z3.ArithRef
    """Owner of ``O``."""
    has_b: z3.BoolRef
    """Whether ``P`` spends ``B`` too."""
    competitor: z3.BoolRef
    """Whether Mallory signed another spend of an input she owns."""
    other_deposits: z3.ArithRef
    """Vault funds besides the inputs."""

    def slot_owner(self, k: int) -> z3.ArithRef:
        """Return the owner of slot ``k``."""
        return {SLOT_A: self.owner_a, SLOT_B: z3.IntVal(MALLORY), SLOT_O: self.owner_o}[k]

    def slot_amount(self, k: int) -> z3.ArithRef:
        """Return the amount of slot ``k``."""
        return {SLOT_A: self.amount[A], SLOT_B: self.amount[B], SLOT_O: self.output_amount}[k]

    def youngest(self) -> tuple[z3.ArithRef, z3.ArithRef]:
        """Return the position and block time of ``P``'s youngest input."""
        later = z3.And(self.has_b, self.position[B] > self.position[A])
        return (
            z3.If(later, self.position[B], self.position[A]),
            z3.If(later, self.block_time[B], self.block_time[A]),
        )


def declare_scenario() -> Scenario:
    """Return a scenario of fresh constants."""
    return Scenario(
        period=z3.Int("mfp"),
        first_time=z3.Int("t_f"),
        first_position=z3.Int("f"),
        position=tuple(z3.Int(f"position_{NAMES[o]}") for o in (A, B, X)),
        block_time=tuple(z3.Int(f"time_{NAMES[o]}") for o in (A, B, X)),
        amount=tuple(z3.Int(f"amount_{NAMES[o]}") for o in (A, B, X)),
        output_amount=z3.Int("amount_O"),
        owner_a=z3.Int("owner_A"),
        owner_o=z3.Int("owner_O"),
        has_b=z3.Bool("has_B"),
        competitor=z3.Bool("competitor"),
        other_deposits=z3.Int("other_deposits"),
    )


def get_scenario_constraints(s: Scenario) -> list[z3.BoolRef]:
    """Return the world's shape: inputs before ``f``, ``X`` at or after it, value covered."""
    inputs = s.amount[A] + z3.If(s.has_b, s.amount[B], 0)
    constraints = [
        s.period >= 2,
        s.first_time >= 0,
        s.first_position >= 1,
        s.position[X] >= s.first_position,
        s.block_time[X] >= s.first_time,
        s.output_amount >= 1,
        s.output_amount <= inputs,
        s.other_deposits >= 0,
        s.owner_a >= HONEST,
        s.owner_a <= MALLORY,
        s.owner_o >= HONEST,
        s.owner_o <= MALLORY,
        s.position[A] != s.position[B],
        z3.Implies(s.competitor, z3.Or(s.has_b, s.owner_a == MALLORY)),
    ]
    for o in (A, B):
        constraints += [
            s.position[o] >= 0,
            s.position[o] < s.first_position,
            s.block_time[o] >= 0,
            s.block_time[o] <= s.first_time,
        ]
    constraints += [s.amount[o] >= 1 for o in (A, B, X)]
    # Blocks are committed in order: an older position was committed no later
    for o in (A, B):
        constraints.append(
            z3.Implies(s.position[o] < s.position[1 - o], s.block_time[o] <= s.block_time[1 - o])
        )
    return constraints


@dataclass(frozen=True)
class World:
    """The exit game's state after some steps."""

    now: z3.ArithRef
    """Settlement time."""
    vault: z3.ArithRef
    """What the vault holds."""
    sequence: z3.ArithRef
    """Standard exits started so far (the next one's id)."""
    status: tuple[z3.ArithRef, ...]
    """Per output ``A``, ``B``, ``X``: its standard exit's :class:`Standard`."""
    started: tuple[z3.ArithRef, ...]
    """Per output: its standard exit's start time."""
    exitable: tuple[z3.ArithRef, ...]
    """Per output: its standard exit's exitable time."""
    exit_id: tuple[z3.ArithRef, ...]
    """Per output: its standard exit's id."""
    paid: tuple[z3.ArithRef, ...]
    """Per output: what its standard exit was paid."""
    marked: tuple[z3.BoolRef, ...]
    """Per output ``A``, ``B``, ``X``: the finalized mark."""
    flight: z3.BoolRef
    """The in-flight exit of ``P`` is started."""
    flight_at: z3.ArithRef
    """When it started."""
    canonical: z3.BoolRef
    """Whether it stands canonical."""
    outcome: z3.ArithRef
    """Its :class:`Outcome`."""
    queued: z3.BoolRef
    """Somebody piggybacked it: it is in the queue, with its exitable time."""
    flight_exitable: z3.ArithRef
    """Its exitable time (set by the first piggyback)."""
    processed: z3.BoolRef
    """Its queue entry was processed."""
    slots: tuple[z3.ArithRef, ...]
    """Per slot: :class:`Slot`."""
    slot_paid: tuple[z3.ArithRef, ...]
    """Per slot: what it was paid."""
    slot_at: tuple[z3.ArithRef, ...]
    """Ghost, per slot: when it was piggybacked."""


def make_initial_world(s: Scenario) -> World:
    """Return the world before any step: the vault holds the deposits, nothing has started."""
    zero, false = z3.IntVal(0), z3.BoolVal(False)
    vault = s.amount[A] + z3.If(s.has_b, s.amount[B], 0) + s.other_deposits
    return World(
        now=s.first_time,
        vault=vault,
        sequence=zero,
        status=(z3.IntVal(Standard.NONE),) * 3,
        started=(zero,) * 3,
        exitable=(zero,) * 3,
        exit_id=(zero,) * 3,
        paid=(zero,) * 3,
        marked=(false,) * 3,
        flight=false,
        flight_at=zero,
        canonical=z3.BoolVal(True),
        outcome=z3.IntVal(Outcome.UNDECIDED),
        queued=false,
        flight_exitable=zero,
        processed=false,
        slots=(z3.IntVal(Slot.NONE),) * 3,
        slot_paid=(zero,) * 3,
        slot_at=(zero,) * 3,
    )


def choose(condition: z3.BoolRef, then: World, otherwise: World) -> World:
    """Return ``then`` if ``condition`` holds, else ``otherwise`` (field by field)."""
    values: dict[str, object] = {}
    for item in fields(World):
        first, second = getattr(then, item.name), getattr(otherwise, item.name)
        if isinstance(first, tuple):
            values[item.name] = tuple(
                z3.If(condition, a, b) for a, b in zip(first, second, strict=True)
            )
        else:
            values[item.name] = z3.If(condition, first, second)
    return World(**values)  # type: ignore[arg-type]


def put(values: tuple[z3.ExprRef, ...], index: int, value: z3.ExprRef) -> tuple[z3.ExprRef, ...]:
    """Return ``values`` with one entry replaced."""
    return tuple(value if position == index else old for position, old in enumerate(values))


@dataclass(frozen=True)
class Move:
    """One step's choices."""

    elapsed: z3.ArithRef
    """Seconds before the action."""
    action: z3.ArithRef
    """An :class:`Action`."""
    target: z3.ArithRef
    """The output (``A``, ``B``, ``X``) or slot the action names."""


def declare_move(step: int) -> Move:
    """Return step ``step``'s choices as fresh constants."""
    return Move(*(z3.Int(f"{item.name}@{step}") for item in fields(Move)))
