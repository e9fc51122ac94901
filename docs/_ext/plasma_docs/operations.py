"""The ``plasma-operation-tables`` directive: every operation table, with its wire tags.

One table for the settlement layer (:data:`spec.settlement.transition.OPERATIONS`)
and one for each environment kind's child chain (its ``ChildChainSpec.operations``),
read from the spec on every build: the wire tag, the operation (linked), the
function that processes it (linked), whether it acts on one environment, and
which kind adds it (``every kind`` for the shared settlement operations).
"""

from __future__ import annotations

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from plasma_docs.rst import list_table
from spec.dispatch import OperationSpec
from spec.environments.registry import KINDS
from spec.settlement.transition import CORE_OPERATIONS, OPERATIONS


def format_row(row: OperationSpec[object], owner: str) -> list[str]:
    """Return one table row: tag, operation, process function, scope, owner."""
    operation = f"{row.operation_type.__module__}.{row.operation_type.__qualname__}"
    process = f"{row.process.__module__}.{row.process.__qualname__}"
    scope = "one environment" if row.acts_on_environment else "—"
    return [str(row.tag), f":class:`~{operation}`", f":func:`~{process}`", scope, owner]


def make_table(rows: list[list[str]]) -> str:
    """Return the list-table of ``rows``."""
    header = ["Tag", "Operation", "Processed by", "Acts on", "Added by"]
    return "\n".join(list_table(header, rows, widths=[6, 28, 34, 14, 18], css_class="operations"))


class OperationTables(SphinxDirective):
    """Insert the settlement operation table and each kind's child-chain table."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        """Build the tables."""
        owners = {row.operation_type: "every kind" for row in CORE_OPERATIONS}
        for kind in KINDS.values():
            owners |= {row.operation_type: kind.kind.value for row in kind.settlement_operations}
        settlement = sorted(OPERATIONS.values(), key=lambda row: row.tag)
        parts = [
            "**The settlement layer** (:data:`~spec.settlement.transition.OPERATIONS`, "
            "the union :data:`~spec.settlement.transition.Operation`):",
            "",
            make_table([format_row(row, owners[row.operation_type]) for row in settlement]),
        ]
        for kind in KINDS.values():
            chain = sorted(kind.chain.operations.values(), key=lambda row: row.tag)
            parts += [
                "",
                f"**The {kind.kind.value} child chain** (area ``{kind.chain.area}``):",
                "",
                make_table([format_row(row, kind.kind.value) for row in chain]),
            ]
        return self.parse_text_to_nodes("\n".join(parts))
