r"""Twins of spec helpers for ``crosshair diffbehavior``, and how CrossHair builds spec values.

``crosshair diffbehavior A B`` runs two functions of one signature on the same
symbolic inputs and reports any input on which they return different values
or raise different exceptions. That is how optimised code (the reference
implementation, a later issue) will be compared with the spec, function by
function. This module shows the mechanism on one helper,
:func:`spec.settlement.exits.compute_exitable_time`:

- :func:`compute_exitable_time_branching` is a straightforward rewrite (a
  comparison instead of ``max``, the two periods as two additions); diffbehavior
  must find no difference;
- :func:`compute_exitable_time_misparenthesised` has a precedence slip that
  doubles the block time; diffbehavior must find an input that shows it.

The command, from the repository root::

    python -m crosshair diffbehavior --exception_equivalence=SAME_TYPE \
        --max_uninteresting_iterations=5000 \
        spec.settlement.exits.compute_exitable_time \
        proofs.crosshair.twins.compute_exitable_time_branching

``SAME_TYPE`` compares exceptions by type: both sides raise
:class:`~spec.errors.Rejected`, whose message includes the out-of-range value
(free text that may legitimately differ). The rejection *reason* is then not
compared; a twin of a function with several reasons should be compared through
a wrapper that returns the reason.

CrossHair must be able to make arguments of the spec's types, and it cannot
keep a symbolic value inside an ``int`` or ``bytes`` subclass (see
``proofs.crosshair.contracts``): left to itself it realises 0, 1, 2, ... in the
last argument only, and a bug that needs a non-zero first argument goes
unseen (measured: the precedence slip below was not found in 2,000
iterations). Importing this module therefore registers creators
(:func:`register_spec_types`) that draw every unsigned integer from its
boundary values (:func:`get_boundary_values`: 0, 1, the middle, the maximum)
and every fixed-length byte string from all-zero and all-0xff. CrossHair then
walks the whole grid of those values and says "All paths exhausted": no
difference on any grid input, which is a bounded result, not a proof over all
inputs. Each spec-typed argument multiplies the grid (4 per integer, 2 per byte
string); the two runs here take 512 iterations, about 11 s each.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from crosshair import ResumedTracing, SymbolicFactory, realize, register_type

from spec.primitives import (
    Address,
    FixedBytes,
    Hash32,
    Signature,
    Uint,
    Uint8,
    Uint16,
    Uint32,
    Uint64,
    Uint256,
)
from spec.settlement.state import BlockKind, BlockRecord

UINT_TYPES: tuple[type[Uint], ...] = (Uint8, Uint16, Uint32, Uint64, Uint256)
"""The spec's unsigned integer types."""

FIXED_BYTES_TYPES: tuple[type[FixedBytes], ...] = (Address, Hash32, Signature)
"""The spec's fixed-length byte string types."""


def make_uint_creator(uint: type[Uint]) -> Callable[[SymbolicFactory], Uint]:
    """Return a CrossHair creator of ``uint`` values drawn from ``get_boundary_values(uint)``."""
    menu = get_boundary_values(uint)

    def create(factory: SymbolicFactory) -> Uint:
        choice = factory(int)
        with resume_tracing():
            index: int = realize(choice % len(menu))
        return uint(menu[index])

    return create


def make_fixed_bytes_creator(
    fixed_bytes: type[FixedBytes],
) -> Callable[[SymbolicFactory], FixedBytes]:
    """Return a CrossHair creator of ``fixed_bytes`` values: all 0x00 or all 0xff bytes."""
    menu = tuple(fixed_bytes(bytes([byte]) * fixed_bytes.LENGTH) for byte in (0x00, 0xFF))

    def create(factory: SymbolicFactory) -> FixedBytes:
        choice = factory(int)
        with resume_tracing():
            index: int = realize(choice % len(menu))
        return menu[index]

    return create


def get_boundary_values(uint: type[Uint]) -> tuple[int, ...]:
    """Return the values of ``uint`` that diffbehavior tries: range ends and middle."""
    maximum = uint.max_value()
    return (0, 1, maximum // 2, maximum)


def resume_tracing() -> AbstractContextManager[object]:
    """Return CrossHair's context for symbolic work inside a creator (creators run untraced)."""
    context: AbstractContextManager[object] = ResumedTracing()  # type: ignore[no-untyped-call]
    return context


REGISTERED: list[type] = []
"""The spec types registered with CrossHair so far in this process."""


def register_spec_types() -> None:
    """Tell CrossHair how to make symbolic values of the spec's primitive types (once)."""
    if REGISTERED:
        return
    for uint in UINT_TYPES:
        register_type(uint, make_uint_creator(uint))
        REGISTERED.append(uint)
    for fixed_bytes in FIXED_BYTES_TYPES:
        register_type(fixed_bytes, make_fixed_bytes_creator(fixed_bytes))
        REGISTERED.append(fixed_bytes)


register_spec_types()


def compute_exitable_time_branching(
    record: BlockRecord, started_at: Uint64, period: Uint64
) -> Uint64:
    """Return the MVP exitable time, written with a comparison instead of ``max``.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when the time passes the largest Uint64.
    """
    one_period_after_start = started_at + period
    if record.kind == BlockKind.DEPOSIT:
        return one_period_after_start
    two_periods_after_block = record.timestamp + period + period
    if two_periods_after_block > one_period_after_start:
        return two_periods_after_block
    return one_period_after_start


def compute_exitable_time_misparenthesised(
    record: BlockRecord, started_at: Uint64, period: Uint64
) -> Uint64:
    """Like :func:`compute_exitable_time_branching`, with a precedence slip (a deliberate bug).

    ``timestamp + period << 1`` parses as ``(timestamp + period) * 2``: the
    block time is counted twice.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when the time passes the largest Uint64.
    """
    one_period_after_start = started_at + period
    if record.kind == BlockKind.DEPOSIT:
        return one_period_after_start
    two_periods_after_block = record.timestamp + period << 1
    if two_periods_after_block > one_period_after_start:
        return two_periods_after_block
    return one_period_after_start
