"""Recording traces from the scenario library: a scenario written once serves as vectors too.

While a scenario plays, :func:`recording` wraps the spec functions the world
model (``adversary.payments.world``) calls, so every settlement operation and every
child chain step it applies, accepted or rejected, is captured with the state
it was applied to. :func:`record_scenario` turns the captures into traces: one
for the settlement layer and one per environment's child chain.

The world model looks these functions up as module attributes at call time,
which is why wrapping them there captures every call.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import adversary.payments.world as world_model
from adversary.payments.scenarios.framework import Scenario
from adversary.payments.scenarios.play import Play
from conformance.areas import PAYMENTS_CHAIN, SETTLEMENT, Area
from conformance.case_library.worlds import make_rich_world
from conformance.trace import Trace, make_step_input
from spec.environments.payments.chain import ChildChainState
from spec.environments.payments.steps import ApplyBlock, ApplyDeposit, ApplyExit
from spec.errors import Rejected
from spec.presets import Preset


@dataclass(frozen=True)
class Capture:
    """One operation applied by the world model, with the state it was applied to."""

    area: Area
    """Settlement layer or child chain."""
    state: Any
    """The state before the operation."""
    operation: Any
    """The operation (a settlement operation or a child chain step)."""


@contextmanager
def recording() -> Iterator[list[Capture]]:
    """Capture, while active, every operation the world model applies (in order)."""
    captures: list[Capture] = []
    originals = {
        name: getattr(world_model, name)
        for name in ("state_transition", "apply_deposit", "apply_block", "apply_exit")
    }

    def state_transition(state: Any, operation: Any) -> Any:
        captures.append(Capture(SETTLEMENT, state, operation))
        return originals["state_transition"](state, operation)

    def apply_deposit(state: ChildChainState, number: Any, deposit: Any) -> Any:
        captures.append(Capture(PAYMENTS_CHAIN, state, ApplyDeposit(number, deposit)))
        return originals["apply_deposit"](state, number, deposit)

    def apply_block(state: ChildChainState, number: Any, block: Any) -> Any:
        captures.append(Capture(PAYMENTS_CHAIN, state, ApplyBlock(number, block)))
        return originals["apply_block"](state, number, block)

    def apply_exit(state: ChildChainState, position: Any) -> Any:
        captures.append(Capture(PAYMENTS_CHAIN, state, ApplyExit(position)))
        return originals["apply_exit"](state, position)

    wrappers = {
        "state_transition": state_transition,
        "apply_deposit": apply_deposit,
        "apply_block": apply_block,
        "apply_exit": apply_exit,
    }
    for name, wrapper in wrappers.items():
        setattr(world_model, name, wrapper)
    try:
        yield captures
    finally:
        for name, original in originals.items():
            setattr(world_model, name, original)


def play_and_capture(scenario: Scenario, preset: Preset) -> list[Capture]:
    """Play ``scenario`` on a funded world of ``preset``; return what the world model applied.

    A scenario written for the tiny preset may stop early under another one
    (an impossible action); what it applied until then is still a valid trace.
    """
    # A stopped scenario still yields the steps it captured
    with recording() as captures, contextlib.suppress(Exception):
        scenario.script(Play(make_rich_world(preset, scenario.operators)))
    return captures


def split_into_traces(captures: list[Capture]) -> list[list[Capture]]:
    """Group captures into chains of consecutive steps, one chain per state history.

    A capture continues a chain when it was applied to the state that chain
    reached; the settlement layer and each environment's child chain are
    separate histories.
    """
    chains: list[tuple[Any, list[Capture]]] = []  # (state reached, captures)
    for capture in captures:
        for index, (reached, members) in enumerate(chains):
            if members[0].area is capture.area and reached == capture.state:
                chains[index] = (apply_or_keep(capture), [*members, capture])
                break
        else:
            chains.append((apply_or_keep(capture), [capture]))
    return [members for _, members in chains]


def apply_or_keep(capture: Capture) -> Any:
    """Return the state after ``capture``: its state when the operation is rejected."""
    try:
        return capture.area.transition(capture.state, capture.operation)
    except Rejected:
        return capture.state


def record_scenario(scenario: Scenario, preset: Preset) -> list[Trace]:
    """Return the traces a scenario applies under ``preset``: settlement, then child chains."""
    traces = []
    for members in split_into_traces(play_and_capture(scenario, preset)):
        area = members[0].area
        suffix = "" if area is SETTLEMENT else f"-env{int(members[0].state.environment_id)}"
        traces.append(
            Trace(
                name=f"{scenario.name}{suffix}",
                description=scenario.summary,
                source=f"adversary.scenarios: {scenario.name}",
                area=area,
                preset=preset.name,
                initial_state=members[0].state,
                steps=tuple(make_step_input(area, m.operation) for m in members),
            )
        )
    return disambiguate(traces)


def disambiguate(traces: list[Trace]) -> list[Trace]:
    """Return ``traces`` with a counter added to repeated names."""
    seen: dict[str, int] = {}
    renamed = []
    for trace in traces:
        seen[trace.name] = seen.get(trace.name, 0) + 1
        count = seen[trace.name]
        renamed.append(trace if count == 1 else replace(trace, name=f"{trace.name}-{count}"))
    return renamed
