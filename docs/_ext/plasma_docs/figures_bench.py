"""Benchmark plots, drawn from a saved ``plasma-spec bench --json`` report.

``plasma-bench-plot`` with the report's path (relative to the page, or to the
source folder with a leading ``/``) draws two panels on log scales: the cost
of one transaction (µs) of each block workload against its size, for the
reference node and for the spec, beside the bound that signature recovery
sets on one core (one recovery per payment); and the cost of one exit of
each exit workload. The directive's content is the caption. A missing or
malformed report is a build warning (:func:`read_report` says what is
wrong), so ``-W`` fails the build.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
from docutils import nodes
from matplotlib.axes import Axes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from plasma_docs.figures_svg import (
    FigureError,
    drawing_style,
    make_figure,
    make_figure_node,
    make_image_node,
    render_matplotlib,
)

logger = logging.getLogger(__name__)

REPORT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["recovery_rate", "workers", "measurements"],
    "properties": {
        "recovery_rate": {"type": "number", "exclusiveMinimum": 0},
        "workers": {"type": "integer", "minimum": 1},
        "measurements": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["workload", "size", "reference_seconds", "spec_seconds"],
                "properties": {
                    "workload": {"type": "string", "minLength": 1},
                    "size": {"type": "integer", "minimum": 1},
                    "reference_seconds": {"type": "number", "exclusiveMinimum": 0},
                    "spec_seconds": {"type": ["number", "null"], "exclusiveMinimum": 0},
                },
            },
        },
    },
}
"""What the plots need of a ``plasma-spec bench --json`` report (cli/bench.py writes more)."""


@dataclass(frozen=True)
class Series:
    """One line of a panel: a workload's cost per item against its size."""

    label: str
    """``block validation, reference`` and the like."""
    sizes: tuple[int, ...]
    """Workload sizes, increasing."""
    micros: tuple[float, ...]
    """Microseconds per item at each size."""


def read_report(path: Path) -> dict[str, Any]:
    """Return a bench report read from ``path``.

    Raises:
        FigureError: when the file is missing, is not JSON, or lacks what the plots need.
    """
    try:
        report = json.loads(path.read_text())
    except OSError as error:
        raise FigureError(f"cannot read the bench report {path}: {error.strerror}") from error
    except json.JSONDecodeError as error:
        raise FigureError(f"the bench report {path} is not JSON: {error}") from error
    try:
        jsonschema.validate(report, REPORT_SCHEMA)
    except jsonschema.ValidationError as error:
        where = "/".join(str(part) for part in error.absolute_path) or "the top level"
        raise FigureError(f"malformed bench report {path}: at {where}: {error.message}") from error
    return dict(report)


def make_series(report: dict[str, Any], exits: bool) -> list[Series]:
    """Return the reference and spec lines of the exit workloads, or of the others."""
    by_label: dict[str, list[tuple[int, float]]] = {}
    for measurement in report["measurements"]:
        if ("exit" in measurement["workload"]) != exits:
            continue
        size = int(measurement["size"])
        for who in ("reference", "spec"):
            seconds = measurement[f"{who}_seconds"]
            if seconds is not None:
                label = f"{measurement['workload']}, {who}"
                by_label.setdefault(label, []).append((size, seconds * 1e6 / size))
    return [
        Series(label, tuple(s for s, _ in sorted(points)), tuple(m for _, m in sorted(points)))
        for label, points in by_label.items()
    ]


def draw_panel(axes: Axes, series: list[Series], title: str, unit: str) -> None:
    """Draw one panel: a line per series on log-log axes."""
    workloads = list(dict.fromkeys(line.label.rsplit(", ", 1)[0] for line in series))
    for line in series:
        style = "--" if line.label.endswith("spec") else "-"
        colour = f"C{workloads.index(line.label.rsplit(', ', 1)[0])}"
        axes.plot(
            line.sizes, line.micros, style, color=colour, marker="o", markersize=4, label=line.label
        )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_title(title, fontsize=9.5, loc="left")
    axes.set_xlabel(f"{unit} in the workload")
    axes.set_ylabel(f"µs per {unit.rstrip('s')} (wall time)")
    axes.grid(color="#e6e6e6", linewidth=0.6, which="both")


def draw_report(report: dict[str, Any]) -> str:
    """Return the two benchmark panels as SVG text."""
    bound = 1e6 / float(report["recovery_rate"])
    with drawing_style():
        figure = make_figure(9.0, 3.9)
        blocks, exits = figure.subplots(1, 2)
        draw_panel(blocks, make_series(report, exits=False), "Blocks", "transactions")
        blocks.axhline(bound, color="#c0392b", linestyle=":", linewidth=1.2)
        blocks.plot(
            [], [], ":", color="#c0392b", label=f"recovery bound, one core ({bound:.0f} µs)"
        )
        draw_panel(exits, make_series(report, exits=True), "Exits", "exits")
        for axes in (blocks, exits):
            axes.legend(fontsize=7, frameon=False)
        return render_matplotlib(figure)


def describe_report(report: dict[str, Any]) -> str:
    """Return the plots' alt text: every measurement in words."""
    parts = []
    for measurement in report["measurements"]:
        size = measurement["size"]
        words = f"{measurement['workload']} of {size}: reference "
        words += f"{measurement['reference_seconds'] * 1e6 / size:.1f} µs"
        if measurement["spec_seconds"] is not None:
            words += f", spec {measurement['spec_seconds'] * 1e6 / size:.1f} µs"
        parts.append(words)
    bound = 1e6 / float(report["recovery_rate"])
    return f"Benchmark cost per item; recovery bound {bound:.1f} µs per signature. " + "; ".join(
        parts
    )


class BenchPlot(SphinxDirective):
    """Insert the plots of a saved bench report; the content is the caption."""

    required_arguments = 1
    has_content = True

    def run(self) -> list[nodes.Node]:
        """Read the report and draw it; warn (and insert nothing) when it cannot be read."""
        if not self.config.plasma_draw_figures:
            return []
        relative, path = self.env.relfn2path(self.arguments[0], self.env.docname)
        self.env.note_dependency(relative)
        try:
            report = read_report(Path(path))
        except FigureError as error:
            logger.warning("%s", error, location=self.get_location())
            return []
        image = make_image_node(self.env, "bench", draw_report(report), describe_report(report))
        return [make_figure_node(image, " ".join(self.content))]
