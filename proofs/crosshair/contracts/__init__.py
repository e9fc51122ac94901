"""CrossHair entry points: contracts on the real spec functions, over fixed-size inputs.

Each entry point is a small wrapper with a PEP 316 contract in its docstring
(``pre:`` lines constrain the inputs, ``post:`` lines state the claim). It
builds spec values from plain integers and booleans, calls the real spec
function, and returns what the spec returned, or the
:class:`~spec.errors.RejectionReason` it rejected with, so that the
postcondition can name the exact reason. No ``Rejected`` escapes a wrapper;
any other exception is reported by CrossHair as a counterexample.

One module per subject: ``arithmetic``, ``exitable_time``, ``priority``,
``merkle``, ``encoding`` (kind-neutral), ``payments`` (the payments kind's
fees), ``in_flight`` (the payments kind's in-flight exit game) and
``sparse_merkle`` (the sparse proofs of Plasma Cash's blocks);
``common`` holds what they share. :data:`ENTRY_POINTS` lists them;
which invariants each supports is read from the catalog, whose entries name
the contracts (``spec.invariants.catalog.get_invariants_checked_by``).
``proofs.crosshair.checks`` runs them; ``proofs.crosshair.mutants`` holds a
broken twin of each that must fail.

Run one by hand (``--report_all`` also prints what passed)::

    python -m crosshair check --report_all --max_uninteresting_iterations=50 TARGET

with ``TARGET`` e.g. ``proofs.crosshair.contracts.exitable_time.exitable_time_of_child_output``.

What CrossHair can and cannot establish here:

- The spec's unsigned integers subclass ``int`` (and its fixed-length byte
  strings subclass ``bytes``). CrossHair cannot keep a symbolic value inside
  such an instance, so it *realises* the value (asks the solver for one
  concrete value) wherever the spec builds one, and explores other values on
  later iterations. A contract over integer inputs therefore never covers all
  2**64 paths: its result is "no counterexample within N iterations", not a
  proof. (``require(..., f"...")`` in the spec also formats its detail eagerly,
  which realises flag and tag bytes the same way.)
- Realised values start small (0, 1, 2, ...). To reach the edges, each
  contract is split into cases by its preconditions (in range / past the
  maximum, earlier / equal exitable time, ...): CrossHair solves the
  preconditions before the spec realises anything, so every case gets values
  of its own, the near-maximum ones included.
- Where the symbolic inputs only choose among finitely many concrete values
  (the Merkle entry points: symbolic leaf indexes in a fixed depth-3 tree),
  CrossHair explores every path and reports "Confirmed over all paths": a
  proof over that finite domain. Such entry points are marked ``exhaustive``,
  and anything less than a confirmation fails them.
- Keccak and signatures are opaque: no symbolic value flows into them (Merkle
  leaves are fixed, fee computation needs no signature).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from proofs.crosshair.contracts.arithmetic import (
    uint_addition_past_maximum,
    uint_addition_within_range,
    uint_multiplication_past_maximum,
    uint_multiplication_within_range,
    uint_subtraction_below_zero,
    uint_subtraction_within_range,
)
from proofs.crosshair.contracts.encoding import (
    optional_flag_decoding_is_strict,
    output_encoding_round_trip,
    position_decoding_is_strict,
    position_encoding_round_trip,
    uint64_encoding_round_trip,
)
from proofs.crosshair.contracts.exitable_time import (
    exitable_time_is_monotone_in_start,
    exitable_time_of_child_output,
    exitable_time_of_deposit_output,
    exitable_time_past_maximum,
    exitable_time_waits_one_period,
)
from proofs.crosshair.contracts.in_flight import (
    competitor_must_be_older,
    in_flight_exitable_time_waits,
    payment_output_id_ignores_position,
    payments_queue_is_ordered_and_unique,
)
from proofs.crosshair.contracts.merkle import (
    merkle_proof_binds_index,
    merkle_proof_binds_leaf,
    merkle_proof_verifies,
)
from proofs.crosshair.contracts.payments import (
    payment_fee_conserves_value,
    payment_outputs_above_inputs,
    payment_sums_past_maximum,
)
from proofs.crosshair.contracts.priority import (
    exit_queue_is_ordered_and_complete,
    priority_breaks_ties_by_exit_id,
    priority_breaks_ties_by_position,
    priority_follows_exitable_time,
    priority_is_a_total_order,
)
from proofs.crosshair.contracts.sparse_merkle import (
    sparse_proof_refuses_non_canonical,
    sparse_proof_shows_non_inclusion,
    sparse_proof_verifies,
)
from spec.invariants.catalog import get_invariants_checked_by
from spec.invariants.checks import Checker
from spec.invariants.ids import InvariantId


@dataclass(frozen=True)
class EntryPoint:
    """One CrossHair entry point; the catalog says which invariants it supports."""

    function: Callable[..., object]
    """The wrapper whose docstring contract CrossHair checks."""
    exhaustive: bool = False
    """Whether the inputs range over a finite domain that CrossHair must explore completely."""

    @property
    def name(self) -> str:
        """Return the entry point's stable name, its function's name."""
        return self.function.__name__

    @property
    def target(self) -> str:
        """Return the fully qualified name CrossHair is given."""
        return f"{self.function.__module__}.{self.function.__qualname__}"

    @property
    def invariants(self) -> tuple[InvariantId, ...]:
        """Return the invariants whose catalog entries name this contract, in id order."""
        return get_invariants_checked_by(Checker.CROSSHAIR, self.name)


ENTRY_POINTS: tuple[EntryPoint, ...] = (
    EntryPoint(uint_addition_within_range),
    EntryPoint(uint_addition_past_maximum),
    EntryPoint(uint_subtraction_within_range),
    EntryPoint(uint_subtraction_below_zero),
    EntryPoint(uint_multiplication_within_range),
    EntryPoint(uint_multiplication_past_maximum),
    EntryPoint(exitable_time_waits_one_period),
    EntryPoint(exitable_time_of_deposit_output),
    EntryPoint(exitable_time_of_child_output),
    EntryPoint(exitable_time_past_maximum),
    EntryPoint(exitable_time_is_monotone_in_start),
    EntryPoint(priority_follows_exitable_time),
    EntryPoint(priority_breaks_ties_by_position),
    EntryPoint(priority_breaks_ties_by_exit_id),
    EntryPoint(priority_is_a_total_order),
    EntryPoint(exit_queue_is_ordered_and_complete),
    EntryPoint(merkle_proof_verifies, exhaustive=True),
    EntryPoint(merkle_proof_binds_index, exhaustive=True),
    EntryPoint(merkle_proof_binds_leaf, exhaustive=True),
    EntryPoint(uint64_encoding_round_trip),
    EntryPoint(position_encoding_round_trip),
    EntryPoint(output_encoding_round_trip),
    EntryPoint(position_decoding_is_strict),
    EntryPoint(optional_flag_decoding_is_strict),
    EntryPoint(payment_fee_conserves_value),
    EntryPoint(payment_outputs_above_inputs),
    EntryPoint(payment_sums_past_maximum),
    EntryPoint(sparse_proof_verifies, exhaustive=True),
    EntryPoint(sparse_proof_shows_non_inclusion, exhaustive=True),
    EntryPoint(sparse_proof_refuses_non_canonical, exhaustive=True),
    EntryPoint(in_flight_exitable_time_waits),
    EntryPoint(competitor_must_be_older),
    EntryPoint(payments_queue_is_ordered_and_unique),
    EntryPoint(payment_output_id_ignores_position),
)
"""Every entry point, in the order they run."""
