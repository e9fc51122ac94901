"""The life of an exit as a state diagram, with its edges observed, not listed by hand.

``plasma-exit-states`` with ``standard``, ``in-flight`` or ``cash`` draws the
states of that exit game and the operations that move between them. Every
edge is a :class:`Transition` seen while the spec ran: over every step of
every attack scenario (:func:`plasma_docs.figures_observe.observe_scenario`)
and every accepted step of the conformance case library's settlement
traces, the exits of the state before and after are compared
(:func:`find_transitions`). A state is a tuple of members of the spec's own
enums (``ExitStatus``, ``InFlightExitStatus`` and ``InFlightOutcome``,
``PiggybackStatus``, ``CoinExitStatus``, ``CoinStatus``); a member that no
run ever reaches is a build warning (:func:`find_unreached_members`), so a
new state cannot land without a scenario or case that shows it.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

import graphviz
from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from plasma_docs.figures_observe import (
    ExitKey,
    ExitSnapshot,
    Family,
    name_operation,
    observe_scenario,
    read_exits,
)
from plasma_docs.figures_svg import FigureError, make_figure_node, make_image_node, render_dot
from spec.environments.cash.records import CoinExitStatus, CoinStatus
from spec.environments.payments.records import (
    InFlightExitStatus,
    InFlightOutcome,
    PiggybackStatus,
)
from spec.settlement.operations import AdvanceTime
from spec.settlement.state import ExitStatus
from spec.settlement.transition import Operation

logger = logging.getLogger(__name__)

START = "(not started)"
"""The pseudo-state before an exit exists."""

FAMILY_ENUMS: dict[Family, tuple[type[StrEnum], ...]] = {
    Family.STANDARD: (ExitStatus,),
    Family.IN_FLIGHT: (InFlightExitStatus, InFlightOutcome),
    Family.PIGGYBACK: (PiggybackStatus,),
    Family.COIN_EXIT: (CoinExitStatus,),
    Family.COIN: (CoinStatus,),
}
"""The spec's enums whose every member must be reached, per family."""

DIAGRAMS: dict[str, tuple[Family, ...]] = {
    "standard": (Family.STANDARD,),
    "in-flight": (Family.IN_FLIGHT, Family.PIGGYBACK),
    "cash": (Family.COIN_EXIT, Family.COIN),
}
"""The diagrams the directive draws: each shows these families, one cluster each."""


@dataclass(frozen=True, order=True)
class Transition:
    """One observed move of an exit: its state before, the operation, its state after."""

    family: Family
    """What moved."""
    before: str
    """State before (``START`` when the step created it)."""
    operation: str
    """Class name of the settlement operation."""
    after: str
    """State after."""


def label_state(snapshot: ExitSnapshot) -> str:
    """Return the words of a state: its enum values joined by `` · ``."""
    return " · ".join(member.value for member in snapshot.state)


def compare_exits(
    before: Mapping[ExitKey, ExitSnapshot],
    after: Mapping[ExitKey, ExitSnapshot],
    operations: Iterable[Operation],
) -> list[Transition]:
    """Return the moves between two settlement states' exits, made by ``operations``."""
    moving = [op for op in operations if not isinstance(op, AdvanceTime)]
    if not moving:
        return []
    operation = name_operation(moving[-1])
    moves = []
    for key, snapshot in after.items():
        previous = before.get(key)
        if previous is None:
            moves.append(Transition(key.family, START, operation, label_state(snapshot)))
        elif previous.state != snapshot.state:
            moves.append(
                Transition(key.family, label_state(previous), operation, label_state(snapshot))
            )
    return moves


def observe_scenario_transitions(names: Iterable[str]) -> Counter[Transition]:
    """Return how often each move was seen over the named scenarios."""
    seen: Counter[Transition] = Counter()
    for name in names:
        observation = observe_scenario(name)
        before: dict[ExitKey, ExitSnapshot] = {}
        for state, operations in zip(observation.states, observation.operations, strict=True):
            after = read_exits(state)
            seen.update(compare_exits(before, after, operations))
            before = after
    return seen


def observe_case_transitions() -> Counter[Transition]:
    """Return how often each move was seen over the case library's settlement traces (tiny)."""
    from conformance.areas import SETTLEMENT, read_operation, run_step  # noqa: PLC0415
    from conformance.cases import list_cases  # noqa: PLC0415 - registers every case on use
    from spec.presets import TINY  # noqa: PLC0415

    seen: Counter[Transition] = Counter()
    for case in list_cases(TINY):
        trace = case.build(TINY)
        if trace.area is not SETTLEMENT:
            continue
        state = trace.initial_state
        for step in trace.steps:
            result = run_step(SETTLEMENT, state, step)
            if result.reason is None:
                operation = read_operation(SETTLEMENT, step)
                seen.update(compare_exits(read_exits(state), read_exits(result.state), [operation]))
            state = result.state
    return seen


@functools.cache
def find_transitions() -> Counter[Transition]:
    """Return every move seen over every scenario and every settlement case (cached)."""
    from adversary.payments.scenarios.framework import list_scenarios  # noqa: PLC0415

    seen = observe_scenario_transitions(s.name for s in list_scenarios())
    seen.update(observe_case_transitions())
    return seen


def find_unreached_members(
    transitions: Iterable[Transition], families: Iterable[Family] = tuple(Family)
) -> list[str]:
    """Return ``Enum.MEMBER (family)`` for each member of the families' enums no state has."""
    reached: dict[Family, set[str]] = {}
    for move in transitions:
        words = reached.setdefault(move.family, set())
        for state in (move.before, move.after):
            words.update(state.split(" · "))
    missing = []
    for family in families:
        for enum in FAMILY_ENUMS[family]:
            missing += [
                f"{enum.__name__}.{member.name} ({family.value})"
                for member in enum
                if member.value not in reached.get(family, set())
            ]
    return missing


def make_state_graph(name: str, transitions: Mapping[Transition, int]) -> graphviz.Digraph:
    """Return the diagram ``name`` (a key of DIAGRAMS): one cluster per family, edges counted.

    Raises:
        KeyError: when ``name`` is not a diagram.
    """
    families = DIAGRAMS[name]
    graph = graphviz.Digraph(name=f"exit-states-{name}")
    graph.attr(rankdir="LR", fontname="sans-serif", fontsize="11", nodesep="0.35")
    graph.attr("node", shape="box", style="rounded,filled", fillcolor="#eef3fb")
    graph.attr("node", fontname="sans-serif", fontsize="10", color="#3b5b8c")
    graph.attr("edge", fontname="sans-serif", fontsize="9", color="#555555")
    for family in families:
        moves = sorted(t for t in transitions if t.family == family)
        with graph.subgraph(name=f"cluster_{family.name.lower()}") as cluster:
            cluster.attr(label=family.value, style="dashed", color="#999999")
            add_family(cluster, family, moves, transitions)
    return graph


def add_family(
    graph: graphviz.Digraph,
    family: Family,
    moves: list[Transition],
    counts: Mapping[Transition, int],
) -> None:
    """Add one family's states and observed moves (operations of one edge grouped)."""
    states = sorted({m.before for m in moves} | {m.after for m in moves} - {START})
    leaving = {m.before for m in moves}
    prefix = family.name.lower()
    ids = {START: f"{prefix}_start"} | {s: f"{prefix}_{i}" for i, s in enumerate(states)}
    graph.node(ids[START], label="", shape="point", width="0.15", fillcolor="black")
    for state in states:
        final = {"peripheries": "2"} if state not in leaving else {}
        graph.node(ids[state], label=state.replace(" · ", "\n"), **final)
    edges: dict[tuple[str, str], list[str]] = {}
    for move in moves:
        edges.setdefault((move.before, move.after), []).append(
            f"{move.operation} (seen {counts[move]})"
        )
    for (before, after), operations in edges.items():
        graph.edge(ids[before], ids[after], label="\n".join(operations))


def describe_graph(name: str, transitions: Mapping[Transition, int]) -> str:
    """Return the diagram's alt text: every observed move in words."""
    moves = sorted(t for t in transitions if t.family in DIAGRAMS[name])
    words = [f"{m.family.value}: {m.before} to {m.after} by {m.operation}" for m in moves]
    return f"State diagram ({name} exits), as observed: " + "; ".join(words) + "."


class ExitStateDiagram(SphinxDirective):
    """Insert the state diagram of one exit game (``standard``, ``in-flight`` or ``cash``).

    The content is the caption. A state of the spec's enums that no scenario
    or case reaches is a warning.
    """

    required_arguments = 1
    has_content = True

    def run(self) -> list[nodes.Node]:
        """Observe the moves and draw the diagram."""
        name = self.arguments[0]
        if not self.config.plasma_draw_figures:
            return []
        if name not in DIAGRAMS:
            known = ", ".join(DIAGRAMS)
            logger.warning(
                "no exit state diagram %r (known: %s)", name, known, location=self.get_location()
            )
            return []
        transitions = find_transitions()
        for family in DIAGRAMS[name]:
            drawn = [t for t in transitions if t.family == family]
            for member in find_unreached_members(drawn, (family,)):
                logger.warning(
                    "no scenario or conformance case reaches %s: the diagram would miss it",
                    member,
                    location=self.get_location(),
                )
        try:
            svg = render_dot(make_state_graph(name, transitions))
        except FigureError as error:
            logger.warning("%s", error, location=self.get_location())
            return []
        image = make_image_node(
            self.env, f"exit-states-{name}", svg, describe_graph(name, transitions)
        )
        self.env.note_reread()
        return [make_figure_node(image, " ".join(self.content))]
