"""Watching exits live: every scenario played step by step, and each exit's state read off.

The pictures are drawn from what the spec does, not from a description of
it. :func:`observe_scenario` plays a registered scenario on a
:class:`ObservingPlay`, which keeps the settlement state after every step of
the timeline (the scenario library's :class:`Play` keeps only the last one).
:func:`read_exits` reads, from one settlement state, every exit of every kind
as an :class:`ExitSnapshot`: its family (standard, in-flight, piggyback,
coin exit, coin), its owner, its times and its state as a tuple of the
spec's own enum members. The timelines (:mod:`plasma_docs.figures_timeline`)
and the state diagrams (:mod:`plasma_docs.figures_states`) are built from
these observations.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum

from adversary.payments.actors import make_funded_world
from adversary.payments.scenarios.framework import get_scenario
from adversary.payments.scenarios.play import Play
from adversary.payments.scenarios.records import Step
from adversary.payments.world import World
from spec.environments.cash.records import CashRecords, CoinExitStatus
from spec.environments.payments.records import InFlightExitStatus, PaymentsRecords
from spec.primitives import Address
from spec.settlement.state import SettlementState
from spec.settlement.transition import Operation


class Family(StrEnum):
    """Which kind of exit (or exiting thing) a snapshot describes."""

    STANDARD = "standard exit"
    """A standard exit of one payments output."""
    IN_FLIGHT = "in-flight exit"
    """An in-flight exit of one payment."""
    PIGGYBACK = "piggyback"
    """One input or output of an in-flight exit."""
    COIN_EXIT = "coin exit"
    """A Plasma Cash coin exit."""
    COIN = "coin"
    """A Plasma Cash coin at the settlement layer."""


class ChallengeState(StrEnum):
    """Whether an open coin exit has an unanswered history challenge (not an enum of the spec)."""

    UNCHALLENGED = "no open history challenge"
    """Every history challenge, if any, was answered."""
    CHALLENGED = "history challenged"
    """At least one history challenge waits for its answer."""


class Canonicity(StrEnum):
    """Whether an in-flight exit stands canonical (a flag of the spec, named here)."""

    CANONICAL = "canonical"
    """No unanswered competitor."""
    NOT_CANONICAL = "not canonical"
    """A competitor was shown and not answered."""


@dataclass(frozen=True)
class ExitKey:
    """Names one exit (or piggyback, or coin) across a scenario."""

    environment: int
    """Environment id."""
    family: Family
    """What it is."""
    identifier: tuple[int | str, ...]
    """Its id within its family (a piggyback: exit id, side, index)."""


@dataclass(frozen=True)
class ExitSnapshot:
    """An exit as one settlement state shows it."""

    owner: Address | None
    """Who owns its claim: its starter (an in-flight exit: its bond's owner so far); None for a
    coin or a piggyback."""
    started_at: int | None
    """Settlement time it started (None for a coin or a piggyback)."""
    exitable_at: int | None
    """Earliest time it may be processed (None when it has no queue entry yet)."""
    state: tuple[StrEnum, ...]
    """Its state, as members of the spec's enums (and the two named flags above)."""


@dataclass(frozen=True)
class Observation:
    """A scenario as played: the timeline, and the settlement state around every step."""

    name: str
    """Scenario name."""
    steps: tuple[Step, ...]
    """The timeline (as ``plasma-spec scenario`` prints it)."""
    states: tuple[SettlementState, ...]
    """The settlement state after each step (one per step)."""
    operations: tuple[tuple[Operation, ...], ...]
    """The settlement operations each step applied (none when refused or off chain)."""
    start: int
    """Settlement time of the scenario's time zero."""


class ObservingPlay(Play):
    """A :class:`Play` that also keeps the state and the operations of every step."""

    def __init__(self, world: World) -> None:
        """Start playing on ``world``."""
        super().__init__(world)
        self.states: list[SettlementState] = []
        """The settlement state after each recorded step."""
        self.operations: list[tuple[Operation, ...]] = []
        """The operations each recorded step applied."""
        self.logged = len(world.log)
        """How much of the world's operation log the recorded steps account for."""

    def record(self, step: Step) -> None:
        """Record the step with the state it left and the operations it applied."""
        super().record(step)
        self.states.append(self.world.settlement)
        self.operations.append(tuple(self.world.log[self.logged :]))
        self.logged = len(self.world.log)


@functools.cache
def observe_scenario(name: str) -> Observation:
    """Play the named scenario once more, keeping every state (cached per process)."""
    scenario = get_scenario(name)
    play = ObservingPlay(make_funded_world(scenario.operators))
    scenario.script(play)
    return Observation(
        name, tuple(play.steps), tuple(play.states), tuple(play.operations), play.start
    )


def name_operation(operation: Operation) -> str:
    """Return the name an operation is shown with (its class name)."""
    return type(operation).__name__


def read_exits(state: SettlementState) -> dict[ExitKey, ExitSnapshot]:
    """Return every exit, in-flight exit, piggyback, coin exit and coin of a settlement state."""
    found: dict[ExitKey, ExitSnapshot] = {}
    for env_id, environment in enumerate(state.environments):
        for exit_id, exit in environment.exits.items():
            key = ExitKey(env_id, Family.STANDARD, (int(exit_id),))
            found[key] = ExitSnapshot(
                exit.owner, int(exit.started_at), int(exit.exitable_at), (exit.status,)
            )
        records = environment.kind_records
        if isinstance(records, PaymentsRecords):
            found.update(read_in_flight_exits(env_id, records))
        elif isinstance(records, CashRecords):
            found.update(read_coin_exits(env_id, records))
    return found


def read_in_flight_exits(env_id: int, records: PaymentsRecords) -> dict[ExitKey, ExitSnapshot]:
    """Return the in-flight exits of a payments environment and each of their piggybacks."""
    found: dict[ExitKey, ExitSnapshot] = {}
    for exit_id, exit in records.in_flight_exits.items():
        canonicity = Canonicity.CANONICAL if exit.canonical else Canonicity.NOT_CANONICAL
        state: tuple[StrEnum, ...] = (exit.status,)
        if exit.status == InFlightExitStatus.ACTIVE:
            state += (exit.outcome, canonicity)
        exitable = max((int(t) for t in exit.exitable_at.values()), default=None)
        key = ExitKey(env_id, Family.IN_FLIGHT, (int(exit_id),))
        found[key] = ExitSnapshot(exit.bond_owner, int(exit.started_at), exitable, state)
        sides = (("input", exit.input_piggybacks), ("output", exit.output_piggybacks))
        for side, piggybacks in sides:
            for index, piggyback in enumerate(piggybacks):
                part = ExitKey(env_id, Family.PIGGYBACK, (int(exit_id), side, index))
                found[part] = ExitSnapshot(None, None, None, (piggyback.status,))
    return found


def read_coin_exits(env_id: int, records: CashRecords) -> dict[ExitKey, ExitSnapshot]:
    """Return the coin exits and the coins of a Cash environment."""
    found: dict[ExitKey, ExitSnapshot] = {}
    for exit_id, exit in records.exits.items():
        state: tuple[StrEnum, ...] = (exit.status,)
        if exit.status == CoinExitStatus.OPEN:
            state += (
                ChallengeState.CHALLENGED if exit.challenges else ChallengeState.UNCHALLENGED,
            )
        key = ExitKey(env_id, Family.COIN_EXIT, (int(exit_id),))
        found[key] = ExitSnapshot(exit.owner, int(exit.started_at), int(exit.exitable_at), state)
    for coin_id, coin in records.coins.items():
        key = ExitKey(env_id, Family.COIN, (int(coin_id),))
        found[key] = ExitSnapshot(None, None, None, (coin.status,))
    return found
