"""The ``plasma-rejection-table`` directive: every rejection reason and where it is raised.

One row per member of :class:`spec.errors.RejectionReason`, in declaration
order: the member (linked to its entry in the reference), its reason code,
its docstring, the functions whose own ``require(...)``/``reject(...)`` line
raises it, and the other functions whose docstring lists it (they raise it
through a call). The raising sites are found by reading the spec's source
with :mod:`ast` (:func:`plasma_docs.source.find_reason_sites`).

A reason that no ``require``/``reject`` call raises is reported as a warning,
which fails a ``-W`` build: the README promises each reason has its rule.
"""

from __future__ import annotations

import inspect

from docutils import nodes
from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from plasma_docs.rst import list_table
from plasma_docs.source import SpecFunction, find_reason_sites
from spec.errors import RejectionReason

logger = logging.getLogger(__name__)


def get_member_docstrings() -> dict[str, str]:
    """Return the docstring of each ``RejectionReason`` member, by member name."""
    attribute_docs = ModuleAnalyzer.for_module("spec.errors").find_attr_docs()
    return {
        name: inspect.cleandoc("\n".join(lines))
        for (owner, name), lines in attribute_docs.items()
        if owner == "RejectionReason"
    }


def format_functions(functions: list[SpecFunction], separator: str) -> str:
    """Return cross-references to ``functions`` joined by ``separator`` (a dash for none)."""
    if not functions:
        return "—"
    return separator.join(function.role() for function in functions)


class RejectionTable(SphinxDirective):
    """Insert the table of every rejection reason."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        """Build the table."""
        sites = find_reason_sites()
        docstrings = get_member_docstrings()
        rows = []
        for reason in RejectionReason:
            raised = sites.raised.get(reason.name, [])
            if not raised:
                logger.warning(
                    "rejection reason %s is raised by no require(...) or reject(...) call",
                    reason.name,
                    location=(self.env.docname, self.lineno),
                )
            documented = [f for f in sites.documented.get(reason.name, []) if f not in raised]
            rows.append(
                [
                    f":attr:`~spec.errors.RejectionReason.{reason.name}`\n\n``{reason.value}``",
                    docstrings.get(reason.name, "—"),
                    format_functions(raised, "\n\n"),
                    format_functions(documented, ", "),
                ]
            )
        header = ["Reason and code", "Rule", "Raised by", "Also reported by"]
        text = "\n".join(list_table(header, rows, widths=[26, 34, 18, 22], css_class="reasons"))
        return self.parse_text_to_nodes(text)
