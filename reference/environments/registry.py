"""The reference node's registry of environment kinds: one row per kind, keyed by its kind.

The counterpart of ``spec.environments.registry``, and the one place of the
reference that names concrete kinds. The settlement simulator takes each
kind's settlement steps and deposit roots from here, and the node picks each
environment's ledger here, by the environment's
:class:`~spec.settlement.state.EnvironmentKind`; neither names a kind.

Adding a kind to the reference is: a package under
``reference/environments/`` whose ``kind`` module builds its
:class:`~reference.environments.interface.ReferenceKind`, and one row in
:data:`KINDS`. :func:`compute_kind_table` refuses a registry that misses a
kind of the spec's registry (or has one the spec lacks), and every row whose
steps are not exactly the spec row's operations.
"""

from __future__ import annotations

from collections.abc import Mapping

from reference.environments.cash.kind import CASH
from reference.environments.interface import ReferenceKind, validate_kind
from reference.environments.payments.kind import PAYMENTS
from spec.environments import registry as spec_registry
from spec.settlement.state import EnvironmentKind


def compute_kind_table(
    rows: tuple[ReferenceKind, ...],
    spec_kinds: Mapping[EnvironmentKind, object] = spec_registry.KINDS,
) -> dict[EnvironmentKind, ReferenceKind]:
    """Return ``rows`` by kind, checked against the spec's registry ``spec_kinds``.

    Raises:
        AssertionError: when the kinds differ from the spec's, two rows share a
            kind, a row carries another spec row than the registry's, or a row's
            steps are not its spec row's operations.
    """
    table = {row.kind: row for row in rows}
    assert len(table) == len(rows), "two rows for one kind"
    assert set(table) == set(spec_kinds), (
        f"reference kinds {sorted(table)} are not the spec's {sorted(spec_kinds)}"
    )
    for row in rows:
        assert spec_kinds[row.kind] is row.spec, f"{row.kind}: not the spec registry's row"
        validate_kind(row)
    return table


KINDS: Mapping[EnvironmentKind, ReferenceKind] = compute_kind_table((PAYMENTS, CASH))
"""Every environment kind the reference implements, by its member of ``EnvironmentKind``."""


def get_kind(kind: EnvironmentKind) -> ReferenceKind:
    """Return the reference's implementation of an environment kind."""
    return KINDS[kind]
