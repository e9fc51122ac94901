"""What every generated picture shares: deterministic SVG, where it is written, its image node.

A picture is drawn at build time from the project's own data, as SVG text:
by matplotlib (:func:`render_matplotlib`) or by Graphviz's ``dot``
(:func:`render_dot`). Both are made deterministic (no date, fixed ids) and
given an opaque white background, so that they read the same in a light and
a dark theme. :func:`make_image_node` writes the SVG into a folder of the
build (beside the doctrees, never into the sources) and returns an image
node that references it: Sphinx copies the file into ``_images`` and the page
shows it with an ``<img>`` of class ``plasma-figure``, with alt text.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import graphviz
import matplotlib
from docutils import nodes
from matplotlib.figure import Figure
from matplotlib.typing import RcKeyType
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

FIGURE_CLASS = "plasma-figure"
"""CSS class of every generated picture (scaled to the content width by the site's CSS)."""

FIGURE_FOLDER = "plasma-figures"
"""Folder, beside the build's doctrees, where the generated SVG files are written."""

SVG_SETTINGS: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "plasma-spec",
    "font.family": "sans-serif",
    "font.size": 9.0,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.facecolor": "white",
}
"""matplotlib settings of every plot: text kept as text, fixed ids, white background."""

NAME_CHARACTERS = re.compile(r"[^a-z0-9-]+")
"""Characters not allowed in a figure's file name."""


def keep_figures_for_html(app: Sphinx) -> None:
    """Turn the pictures off for builders that show no image (``doctest``, ``linkcheck`` ...).

    Connected to ``builder-inited``; the directives read ``plasma_draw_figures``.
    """
    if app.builder.format != "html":
        app.config.plasma_draw_figures = False


class FigureError(ValueError):
    """A picture cannot be drawn from the data it was given; the message says why."""


def render_matplotlib(figure: Figure) -> str:
    """Return ``figure`` as deterministic SVG text (no date, ids fixed by the salt)."""
    buffer = io.StringIO()
    with drawing_style():
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def drawing_style() -> AbstractContextManager[None]:
    """Return a context in which every plot is drawn (and saved) with the SVG settings."""
    return matplotlib.rc_context(SVG_SETTINGS)


def make_figure(width: float, height: float, *, layout: bool = True) -> Figure:
    """Return an empty figure of ``width`` by ``height`` inches (constrained layout, or none)."""
    return Figure(figsize=(width, height), layout="constrained" if layout else None)


def render_dot(graph: graphviz.Digraph) -> str:
    """Return a Graphviz graph as SVG text, laid out by ``dot`` on a white background.

    Raises:
        FigureError: when ``dot`` is not installed or fails (the Debian package graphviz).
    """
    graph.graph_attr.setdefault("bgcolor", "white")
    try:
        svg = graph.pipe(format="svg", engine="dot", encoding="utf-8")
    except (graphviz.ExecutableNotFound, graphviz.CalledProcessError) as error:
        raise FigureError(f"Graphviz's dot could not draw {graph.name}: {error}") from error
    return str(svg)


def get_figure_folder(env: BuildEnvironment) -> Path:
    """Return (creating it) the build's folder of generated pictures."""
    folder = Path(env.doctreedir) / FIGURE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def compute_file_name(name: str, svg: str) -> str:
    """Return a file name for a picture: its readable name and a digest of its content."""
    readable = NAME_CHARACTERS.sub("-", name.lower()).strip("-") or "figure"
    digest = hashlib.sha256(svg.encode()).hexdigest()[:10]
    return f"{readable}-{digest}.svg"


def make_image_node(env: BuildEnvironment, name: str, svg: str, alt: str) -> nodes.image:
    """Write ``svg`` into the build and return an image node showing it with ``alt`` text.

    The node's URI is relative to the current document, so Sphinx's image
    collector finds the file and copies it into the site's ``_images``.
    """
    path = get_figure_folder(env) / compute_file_name(name, svg)
    if not path.exists() or path.read_text() != svg:
        path.write_text(svg)
    document_folder = Path(env.doc2path(env.docname)).parent
    uri = Path(os.path.relpath(path, document_folder)).as_posix()
    return nodes.image(uri=uri, alt=alt, classes=[FIGURE_CLASS])


def make_figure_node(image: nodes.image, caption: str) -> nodes.figure:
    """Return a figure holding ``image`` and a one-paragraph plain-text ``caption``."""
    figure = nodes.figure(classes=[f"{FIGURE_CLASS}-frame"])
    figure += image
    figure += nodes.caption(caption, caption)
    return figure
