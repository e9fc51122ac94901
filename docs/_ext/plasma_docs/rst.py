"""Writing reStructuredText from data: escaping free text, titles, tables, links to invariants.

The generated pages are written as reST text and parsed by the directive that
makes them, so that cross-references (``:func:``, ``:ref:``) resolve like
hand-written ones. Free text taken from the spec (statements, descriptions)
is escaped first, so that no character in it is read as markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

INLINE_MARKUP = re.compile(r"([\\`*_|\[\]])")
"""Characters that can open or close inline markup."""

BLOCK_START = re.compile(r"([-+*#•>|]|\d+[.)]|\(|[A-Za-z]{1,4}[.)]\s)")
"""Starts of a line that reST would read as a list item, quote or table."""

INVARIANT_ID = re.compile(r"\bINV-(\d\d)\b")
"""A catalog id in free text."""


def escape(text: str) -> str:
    """Return ``text`` as reST that renders exactly as ``text``, on one line."""
    text = " ".join(text.split())
    text = INLINE_MARKUP.sub(r"\\\1", text)
    if BLOCK_START.match(text):
        text = "\\" + text
    return text


def literal(text: str) -> str:
    """Return ``text`` as an inline literal (plain escaped text if it cannot be one)."""
    text = " ".join(text.split())
    if not text or "`" in text:
        return escape(text)
    return f"``{text}``"


def link_invariants(text: str) -> str:
    """Return escaped ``text`` with every ``INV-NN`` linked to its catalog entry."""
    return INVARIANT_ID.sub(r"\\ :ref:`INV-\1 <inv-\1>`\\ ", escape(text))


def invariant_label(identifier: str) -> str:
    """Return the reST label of a catalog entry (``inv-01`` for ``INV-01``)."""
    return identifier.lower()


def scenario_label(name: str) -> str:
    """Return the reST label of a scenario's section."""
    return f"scenario-{name}"


def title(text: str, underline: str) -> list[str]:
    """Return a section title underlined with ``underline``."""
    return [text, underline * len(text), ""]


def indent(lines: Sequence[str], prefix: str = "   ") -> list[str]:
    """Return ``lines`` indented by ``prefix`` (blank lines stay blank)."""
    return [prefix + line if line else "" for line in lines]


def literal_block(text: str) -> list[str]:
    """Return a plain-text literal block holding ``text``."""
    return [".. code-block:: text", "", *indent(text.rstrip("\n").splitlines()), ""]


def list_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[int] | None = None,
    css_class: str = "",
) -> list[str]:
    """Return a ``list-table`` directive; each cell is reST, possibly of several lines."""
    lines = [".. list-table::", "   :header-rows: 1", "   :width: 100%"]
    if widths:
        lines.append("   :widths: " + " ".join(str(width) for width in widths))
    if css_class:
        lines.append(f"   :class: {css_class}")
    lines.append("")
    for row in [header, *rows]:
        for column, cell in enumerate(row):
            cell_lines = cell.splitlines() or [""]
            bullet = "   * - " if column == 0 else "     - "
            lines.append(bullet + cell_lines[0])
            lines.extend(indent(cell_lines[1:], "       "))
    lines.append("")
    return lines
