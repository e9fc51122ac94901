"""The architecture: the project's top-level packages and which imports which, read with ``ast``.

``plasma-architecture`` draws one node per top-level package of the
repository (a folder with an ``__init__.py``: ``spec``, ``reference``,
``proofs``, ``adversary``, ``conformance``, ``cli``, ``fixtures``, ...), with
the first line of its docstring, and an edge ``A → B`` when a module of ``A``
imports one of ``B``, labelled with how many modules of ``A`` do. The
imports are read from the source at build time (:func:`find_package_imports`),
so the picture cannot drift from the code; the layering rules themselves are
checked by ``tests/test_architecture.py``. The directive's content is the
caption.
"""

from __future__ import annotations

import ast
import inspect
from collections import Counter
from pathlib import Path

import graphviz
from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from plasma_docs.figures_svg import FigureError, make_figure_node, make_image_node, render_dot

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[3]
"""The repository root (docs/_ext/plasma_docs/ is three folders down)."""

LAYERS = {
    "spec": 0,
    "fixtures": 1,
    "reference": 2,
    "proofs": 2,
    "adversary": 2,
    "conformance": 3,
    "campaigns": 4,
    "cli": 5,
}
"""Rank of each known package in the picture, from the bottom layer (spec) up."""

LEFT_OUT = frozenset({"tests"})
"""Folders with an ``__init__.py`` that are not part of the architecture (the tests use all)."""


def list_packages(root: Path) -> list[str]:
    """Return the top-level packages of ``root``: its folders holding an ``__init__.py``."""
    return sorted(
        path.parent.name
        for path in root.glob("*/__init__.py")
        if not path.parent.name.startswith((".", "_")) and path.parent.name not in LEFT_OUT
    )


def read_imports(path: Path) -> set[str]:
    """Return the top-level names a file imports (relative imports are its own package).

    Raises:
        FigureError: when the file is not valid Python.
    """
    try:
        tree = ast.parse(path.read_text(), filename=str(path))
    except SyntaxError as error:
        raise FigureError(f"cannot read the imports of {path}: {error}") from error
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def find_package_imports(root: Path) -> Counter[tuple[str, str]]:
    """Return, per (importer, imported) pair of packages, how many importer modules do so."""
    packages = list_packages(root)
    edges: Counter[tuple[str, str]] = Counter()
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            for imported in read_imports(path) & set(packages):
                if imported != package:
                    edges[(package, imported)] += 1
    return edges


def describe_package(root: Path, package: str) -> str:
    """Return the first sentence of a package's docstring (its name when it has none)."""
    tree = ast.parse((root / package / "__init__.py").read_text())
    docstring = inspect.cleandoc(ast.get_docstring(tree) or package)
    first = docstring.split("\n\n")[0].split(": ")[-1] if ": " in docstring[:40] else docstring
    return " ".join(first.split(".")[0].replace("``", "").split())


def wrap_words(text: str, width: int = 28) -> str:
    """Return ``text`` broken into lines of about ``width`` characters (for a node label)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + len(word) < width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def make_architecture_graph(root: Path) -> graphviz.Digraph:
    """Return the package graph: every arrow points to what is imported, spec at the top."""
    graph = graphviz.Digraph(name="architecture")
    graph.attr(rankdir="BT", fontname="sans-serif", nodesep="0.3", ranksep="0.55")
    graph.attr("node", shape="box", style="rounded,filled", fillcolor="#eef3fb")
    graph.attr("node", fontname="sans-serif", fontsize="10", color="#3b5b8c")
    graph.attr("edge", fontname="sans-serif", fontsize="8", color="#777777", arrowsize="0.7")
    ranks: dict[int, list[str]] = {}
    for package in list_packages(root):
        ranks.setdefault(LAYERS.get(package, max(LAYERS.values()) + 1), []).append(package)
        words = wrap_words(describe_package(root, package))
        graph.node(package, label=f"{package}/\n{words}")
    for members in ranks.values():
        with graph.subgraph() as rank:
            rank.attr(rank="same")
            for package in members:
                rank.node(package)
    for (importer, imported), count in sorted(find_package_imports(root).items()):
        graph.edge(importer, imported, label=str(count))
    return graph


def describe_architecture(root: Path) -> str:
    """Return the picture's alt text: every package and what it imports."""
    edges = find_package_imports(root)
    parts = []
    for package in list_packages(root):
        imported = sorted(b for a, b in edges if a == package)
        parts.append(f"{package} imports {', '.join(imported) or 'no other package'}")

    return "Packages of the repository and their imports: " + "; ".join(parts) + "."


class ArchitectureGraph(SphinxDirective):
    """Insert the package graph of the repository; the content is the caption."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        """Read the imports and draw them; warn (and insert nothing) when it cannot."""
        if not self.config.plasma_draw_figures:
            return []
        try:
            svg = render_dot(make_architecture_graph(ROOT))
        except FigureError as error:
            logger.warning("%s", error, location=self.get_location())
            return []
        image = make_image_node(self.env, "architecture", svg, describe_architecture(ROOT))
        self.env.note_reread()
        return [make_figure_node(image, " ".join(self.content))]
