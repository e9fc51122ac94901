"""What a scenario's timeline picture shows, read from the scenario as played.

:func:`make_timeline` turns an :class:`~plasma_docs.figures_observe.Observation`
(every step, with the settlement state after it) and the scenario's
:class:`~adversary.payments.scenarios.records.ScenarioResult` (who holds
what at the end) into a :class:`Timeline`: one :class:`TimelineRow` per step
(when, who, what, how it ended, the funds it moved), the block commitments,
one :class:`ExitWindow` per exit (started, matures, settled, and how) and
the final holdings. Times are seconds since the scenario started, as in
``plasma-spec scenario NAME``.
"""

from __future__ import annotations

from dataclasses import dataclass

from adversary.payments.scenarios.records import (
    ActionKind,
    Movement,
    MovementKind,
    Outcome,
    ScenarioResult,
    Step,
    get_token_name,
)
from fixtures import get_actor_name
from plasma_docs.figures_observe import (
    ExitKey,
    ExitSnapshot,
    Family,
    Observation,
    read_exits,
)
from plasma_docs.figures_states import label_state
from spec.settlement.operations import SubmitBlock

LABEL_LENGTH = 46
"""Longest row label (the action in words), in characters; longer ones are cut."""

NOTE_LENGTH = 44
"""Longest note beside a step (its outcome and funds), in characters."""

DRAWN_FAMILIES = (Family.STANDARD, Family.IN_FLIGHT, Family.COIN_EXIT)
"""Families that get a window on the timeline (piggybacks and coins ride on their exits)."""


@dataclass(frozen=True)
class TimelineRow:
    """One step of the scenario, as a row of the picture."""

    time: int
    """Seconds since the start."""
    kind: ActionKind
    """What kind of action."""
    outcome: Outcome
    """How it ended."""
    label: str
    """``Actor: action`` (shortened)."""
    note: str
    """How it ended and what it moved, in a few words."""


@dataclass(frozen=True)
class ExitWindow:
    """The life of one exit on the time axis."""

    row: int
    """Index of the row (step) that started it."""
    label: str
    """``standard exit #0 (Alice)`` and the like."""
    started: int
    """Seconds since the start when it started."""
    matures: int | None
    """When it may be processed (None while it has no queue entry)."""
    settled: int | None
    """When its state last changed after its start (challenged, processed ...), if it did."""
    ending: str
    """Its final state, in the spec's words."""


@dataclass(frozen=True)
class Timeline:
    """Everything the timeline picture of one scenario shows."""

    name: str
    """Scenario name."""
    rows: tuple[TimelineRow, ...]
    """One row per step, in order."""
    blocks: tuple[tuple[int, int, int], ...]
    """Block commitments: (time, environment, block number)."""
    windows: tuple[ExitWindow, ...]
    """One window per exit, in order of start."""
    holdings: tuple[str, ...]
    """Who holds what at the end (balance changes), then the vaults, one line each."""


def shorten(text: str, length: int) -> str:
    """Return ``text`` cut to ``length`` characters, ending with an ellipsis when cut."""
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def describe_funds(movement: Movement) -> str:
    """Return a fund movement in a few words."""
    account = get_actor_name(movement.account)
    match movement.kind:
        case MovementKind.DEPOSITED:
            return f"locks {movement.amount} {get_token_name(movement.token)}"
        case MovementKind.BOND_POSTED:
            return f"bond {movement.amount} posted"
        case MovementKind.PAID:
            return f"{account} paid {movement.amount}"
        case MovementKind.BOND_RETURNED:
            return f"bond back to {account}"
        case MovementKind.BOND_AWARDED:
            return f"{account} wins the bond"


def describe_step(step: Step) -> str:
    """Return how a step ended and what it moved, shortened to NOTE_LENGTH."""
    if step.outcome == Outcome.REJECTED:
        return shorten(f"refused: {step.reason}", NOTE_LENGTH)
    if step.outcome == Outcome.IMPOSSIBLE:
        return shorten(f"impossible: {step.detail}", NOTE_LENGTH)
    if step.outcome == Outcome.OFF_CHAIN:
        return shorten(f"off chain{': ' + step.detail if step.detail else ''}", NOTE_LENGTH)
    moved = [describe_funds(m) for m in step.movements if m.kind != MovementKind.BOND_POSTED]
    return shorten("; ".join(moved), NOTE_LENGTH)


def make_rows(steps: tuple[Step, ...]) -> tuple[TimelineRow, ...]:
    """Return one row per step."""
    return tuple(
        TimelineRow(
            step.time,
            step.kind,
            step.outcome,
            shorten(f"{get_actor_name(step.actor)}: {step.action}", LABEL_LENGTH),
            describe_step(step),
        )
        for step in steps
    )


def find_blocks(observation: Observation) -> tuple[tuple[int, int, int], ...]:
    """Return (time, environment, number) of every child block committed."""
    return tuple(
        (step.time, int(operation.environment_id), int(operation.block_number))
        for step, operations in zip(observation.steps, observation.operations, strict=True)
        for operation in operations
        if isinstance(operation, SubmitBlock)
    )


def name_exit(key: ExitKey, snapshot: ExitSnapshot) -> str:
    """Return ``standard exit #0 (Alice)`` and the like."""
    owner = f" ({get_actor_name(snapshot.owner)})" if snapshot.owner is not None else ""
    environment = f" env {key.environment}" if key.environment else ""
    return f"{key.family.value} #{key.identifier[0]}{environment}{owner}"


def find_windows(observation: Observation) -> tuple[ExitWindow, ...]:
    """Return the life of every exit of the scenario, in order of start."""
    first_row: dict[ExitKey, int] = {}
    first: dict[ExitKey, ExitSnapshot] = {}
    settled: dict[ExitKey, int] = {}
    latest: dict[ExitKey, ExitSnapshot] = {}
    for row, (step, state) in enumerate(zip(observation.steps, observation.states, strict=True)):
        for key, snapshot in read_exits(state).items():
            if key.family not in DRAWN_FAMILIES:
                continue
            if key not in first_row:
                first_row[key], first[key] = row, snapshot
            elif latest[key].state != snapshot.state:
                settled[key] = step.time
            latest[key] = snapshot
    windows = []
    for key, row in first_row.items():
        snapshot = latest[key]
        started = (snapshot.started_at or 0) - observation.start
        matures = None if snapshot.exitable_at is None else snapshot.exitable_at - observation.start
        # Named by who started it (an in-flight exit's bond may change hands later)
        label = name_exit(key, first[key])
        windows.append(
            ExitWindow(row, label, started, matures, settled.get(key), label_state(snapshot))
        )
    return tuple(windows)


def describe_holdings(result: ScenarioResult) -> tuple[str, ...]:
    """Return who holds what at the end (balance changes since the start), then the vaults."""
    lines = [
        f"{get_actor_name(h.actor)} {h.change:+} {get_token_name(h.token)}" for h in result.holdings
    ]
    if not lines:
        lines.append("nobody's balance changed")
    lines += [
        f"vault env {v.environment}: {v.amount} {get_token_name(v.token)}" for v in result.vaults
    ]
    return tuple(lines)


def make_timeline(observation: Observation, result: ScenarioResult) -> Timeline:
    """Return what the timeline picture of one played scenario shows."""
    return Timeline(
        observation.name,
        make_rows(observation.steps),
        find_blocks(observation),
        find_windows(observation),
        describe_holdings(result),
    )
