"""The timeline picture of an attack scenario, drawn with matplotlib as SVG.

One row per step, top to bottom, on a shared time axis (seconds since the
scenario started): a marker at the step's time (its shape says what kind of
action, its colour how it ended), the action at the left, the outcome and
the funds it moved beside the marker. Block commitments are dotted vertical
lines. Each exit's challenge window is a band on the row that started it,
from its start to its maturity, continued by a line to the time it was
settled, which ends with its final state. A panel at the right says who
holds what at the end. :func:`make_timeline_figure` is what the scenario
pages (:mod:`plasma_docs.scenarios`) insert under each scenario.
"""

from __future__ import annotations

from docutils import nodes
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from adversary.payments.scenarios.records import ActionKind, Outcome, ScenarioResult
from plasma_docs.figures_observe import observe_scenario
from plasma_docs.figures_svg import (
    drawing_style,
    make_figure,
    make_figure_node,
    make_image_node,
    render_matplotlib,
)
from plasma_docs.figures_timeline_data import ExitWindow, Timeline, make_timeline

logger = logging.getLogger(__name__)

MARKERS: dict[ActionKind, str] = {
    ActionKind.REGISTER: "P",
    ActionKind.DEPOSIT: "^",
    ActionKind.SUBMIT_BLOCK: "s",
    ActionKind.START_EXIT: "o",
    ActionKind.START_IN_FLIGHT_EXIT: "o",
    ActionKind.CHALLENGE: "X",
    ActionKind.CHALLENGE_CANONICITY: "X",
    ActionKind.CHALLENGE_PIGGYBACK: "X",
    ActionKind.RESPOND_CANONICITY: "d",
    ActionKind.PIGGYBACK: "D",
    ActionKind.DELETE_IN_FLIGHT_EXIT: "v",
    ActionKind.PROCESS_EXITS: "*",
    ActionKind.ADVANCE_TIME: ">",
    ActionKind.SIGN: ".",
    ActionKind.VALIDATE_BLOCK: ".",
}
"""Marker of each kind of action."""

COLOURS: dict[Outcome, str] = {
    Outcome.ACCEPTED: "#1f5fa8",
    Outcome.REJECTED: "#c0392b",
    Outcome.IMPOSSIBLE: "#8a8a8a",
    Outcome.OFF_CHAIN: "#6a6a6a",
}
"""Colour of a step by how it ended."""

WINDOW_COLOUR = "#f3c77a"
"""Fill of a challenge window (exit start to maturity)."""

SETTLED_COLOURS = {"challenged": "#c0392b", "cancelled": "#c0392b", "deleted": "#8a8a8a"}
"""Colour of an exit's settling mark, by the first word of its final state (default green)."""

ROW_HEIGHT = 0.3
"""Height of one row, in inches."""

WIDTH, LEFT, PLOT_WIDTH = 9.0, 2.65, 4.6
"""Width of the picture, of the row labels and of the plot, in inches (the rest: holdings)."""

TOP, BOTTOM = 0.45, 0.8
"""Margins above the rows (title) and below them (time axis and key), in inches."""


def draw_timeline(timeline: Timeline) -> str:
    """Return the timeline picture as SVG text."""
    with drawing_style():
        rows = len(timeline.rows)
        height = TOP + BOTTOM + ROW_HEIGHT * max(rows, 4)
        figure = make_figure(WIDTH, height, layout=False)
        # Fixed margins, in inches: a layout engine would double the drawing time.
        plot = figure.add_axes(
            (LEFT / WIDTH, BOTTOM / height, PLOT_WIDTH / WIDTH, 1 - (TOP + BOTTOM) / height)
        )
        end = max([row.time for row in timeline.rows] + [1])
        margin = max(end * 0.04, 5)
        plot.set_xlim(-margin, end + margin)
        plot.set_ylim(rows - 0.4, -0.8)
        draw_blocks(plot, timeline)
        for window in timeline.windows:
            draw_window(plot, window, end)
        draw_rows(plot, timeline, end)
        plot.set_xlabel("seconds since the scenario started (t+)")
        plot.set_yticks(range(rows), [row.label for row in timeline.rows], fontsize=7.5)
        plot.tick_params(axis="y", length=0)
        plot.grid(axis="x", color="#e6e6e6", linewidth=0.6)
        plot.set_axisbelow(True)
        for spine in ("top", "right"):
            plot.spines[spine].set_visible(False)
        # Figure texts, not axes titles: they need no layout pass (drawing is the build's cost)
        figure.text(LEFT / WIDTH, 1 - 0.08 / height, f"Scenario {timeline.name}", va="top")
        draw_holdings(figure, timeline, height)
        add_legend(figure)
        return render_matplotlib(figure)


BLOCK_LABEL_GAP = 0.12
"""Labels of blocks closer than this share of the time axis are put on different lines."""


def draw_blocks(plot: Axes, timeline: Timeline) -> None:
    """Draw each block commitment as a dotted vertical line; label each time's blocks once."""
    numbers: dict[int, list[str]] = {}
    for time, environment, number in timeline.blocks:
        plot.axvline(time, color="#7f8c8d", linestyle=":", linewidth=0.9, zorder=1)
        numbers.setdefault(time, []).append(
            f"{number}" + (f" (env {environment})" if environment else "")
        )
    # A label close after another goes one line lower (three lines, then back to the first)
    times = sorted(numbers)
    low, high = plot.get_xlim()
    span = max(high - low, 1)
    level, previous = 0, None
    for time in times:
        close = previous is not None and time - previous < span * BLOCK_LABEL_GAP
        level = (level + 1) % 3 if close else 0
        previous = time
        names = numbers[time]
        plot.annotate(
            f"block{'s' if len(names) > 1 else ''} {', '.join(names)}",
            (time, -0.8),
            xytext=(2, -2 - 7 * level),
            textcoords="offset points",
            fontsize=6.5,
            color="#555555",
            va="top",
        )


def draw_window(plot: Axes, window: ExitWindow, end: int) -> None:
    """Draw an exit: its challenge window as a band, then a line to its settling mark.

    An exit settled before maturity (challenged, cancelled) has its band cut there.
    """
    row = window.row
    if window.matures is not None:
        stop = window.matures if window.settled is None else min(window.matures, window.settled)
        width = max(stop - window.started, 0)
        plot.barh(row, width, left=window.started, height=0.55, color=WINDOW_COLOUR, zorder=2)
        if stop == window.matures:
            plot.plot([stop] * 2, [row - 0.32, row + 0.32], color="#b9770e", zorder=3)
    if window.settled is None:
        return
    colour = SETTLED_COLOURS.get(window.ending.split(" ")[0], "#1e8449")
    reach = window.started if window.matures is None else min(window.matures, window.settled)
    plot.plot([reach, window.settled], [row, row], color=colour, linewidth=1.2, zorder=3)
    plot.plot([window.settled], [row], marker="|", markersize=12, color=colour, zorder=4)
    right = window.settled > end * 0.5
    plot.annotate(
        f"{window.label}: {window.ending}",
        (window.settled, row),
        xytext=(-4 if right else 4, 5),
        textcoords="offset points",
        fontsize=6.5,
        color=colour,
        ha="right" if right else "left",
    )


def draw_rows(plot: Axes, timeline: Timeline, end: int) -> None:
    """Draw each step's marker and, beside it, its note (to its left past the middle)."""
    # One line of markers per (marker, outcome): far fewer artists to draw than one per row
    groups: dict[tuple[str, Outcome], list[tuple[int, int]]] = {}
    for index, row in enumerate(timeline.rows):
        groups.setdefault((MARKERS.get(row.kind, "o"), row.outcome), []).append((row.time, index))
    for (marker, outcome), points in groups.items():
        hollow = outcome in (Outcome.IMPOSSIBLE, Outcome.OFF_CHAIN)
        plot.plot(
            [time for time, _ in points],
            [index for _, index in points],
            linestyle="none",
            marker=marker,
            markersize=7,
            color=COLOURS[outcome],
            markerfacecolor="white" if hollow else COLOURS[outcome],
            zorder=5,
        )
    for index, row in enumerate(timeline.rows):
        colour = COLOURS[row.outcome]
        if not row.note:
            continue
        left = row.time > end * 0.6
        plot.annotate(
            row.note,
            (row.time, index),
            xytext=(-7 if left else 7, -3),
            textcoords="offset points",
            fontsize=7,
            color=colour,
            ha="right" if left else "left",
            zorder=6,
        )


def draw_holdings(figure: Figure, timeline: Timeline, height: float) -> None:
    """Write who holds what at the end right of the plot, one line each."""
    left = (LEFT + PLOT_WIDTH + 0.25) / WIDTH
    figure.text(left, 1 - (TOP - 0.05) / height, "At the end", va="top")
    for line_number, line in enumerate(timeline.holdings, start=1):
        top = 1 - (TOP - 0.05 + 0.22 * line_number) / height
        figure.text(left, top, line, fontsize=7.5, va="top", family="monospace")


def add_legend(figure: Figure) -> None:
    """Add the key of markers, colours and bands under the plot."""
    handles = [
        Line2D([], [], marker="^", linestyle="", color=COLOURS[Outcome.ACCEPTED], label="deposit"),
        Line2D([], [], marker="o", linestyle="", color=COLOURS[Outcome.ACCEPTED], label="exit"),
        Line2D(
            [], [], marker="X", linestyle="", color=COLOURS[Outcome.ACCEPTED], label="challenge"
        ),
        Line2D([], [], marker="*", linestyle="", color=COLOURS[Outcome.ACCEPTED], label="process"),
        Line2D([], [], marker="o", linestyle="", color=COLOURS[Outcome.REJECTED], label="refused"),
        Line2D([], [], linestyle=":", color="#7f8c8d", label="block committed"),
        Patch(color=WINDOW_COLOUR, label="challenge window → maturity"),
    ]
    figure.legend(handles=handles, loc="lower center", ncols=7, fontsize=7, frameon=False)


def describe_timeline(timeline: Timeline) -> str:
    """Return the picture's alt text: what it shows, in one paragraph."""
    exits = "; ".join(f"{w.label} ends {w.ending}" for w in timeline.windows) or "no exit"
    return (
        f"Timeline of scenario {timeline.name}: {len(timeline.rows)} steps over "
        f"{max([r.time for r in timeline.rows] + [0])} seconds, "
        f"{len(timeline.blocks)} block commitment{'' if len(timeline.blocks) == 1 else 's'}; "
        f"{exits}. "
        f"At the end: {', '.join(timeline.holdings)}."
    )


def make_timeline_figure(env: BuildEnvironment, result: ScenarioResult) -> nodes.figure:
    """Return the figure of a played scenario's timeline, to place in its section."""
    timeline = make_timeline(observe_scenario(result.name), result)
    image = make_image_node(
        env, f"timeline-{result.name}", draw_timeline(timeline), describe_timeline(timeline)
    )
    caption = (
        "The timeline as played in this build: one row per step; bands are challenge "
        "windows from an exit's start to its maturity; dotted lines are block commitments."
    )
    return make_figure_node(image, caption)


class ScenarioTimeline(SphinxDirective):
    """Insert the timeline picture of one scenario (its name is the argument).

    The scenario pages (:mod:`plasma_docs.scenarios`) place one in each
    scenario's section. A scenario unknown, or whose second play differs from
    the one the page prints, is a warning.
    """

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        """Draw the picture of the scenario as played in this build."""
        from plasma_docs.scenarios import play_every_scenario  # noqa: PLC0415 - it places us

        if not self.config.plasma_draw_figures:
            return []
        name = self.arguments[0]
        result = play_every_scenario().get(name)
        if result is None:
            logger.warning("no scenario named %r", name, location=self.get_location())
            return []
        if observe_scenario(name).steps != result.steps:
            logger.warning(
                "scenario %s played twice gave two timelines: its picture would not match",
                name,
                location=self.get_location(),
            )
            return []
        return [make_timeline_figure(self.env, result)]
