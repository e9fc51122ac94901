"""Negative controls for the CrossHair entry points: each contract, run on a broken twin.

For every entry point of ``proofs.crosshair.contracts`` there is one function
here with the same ``pre:`` and ``post:`` lines (``tests/test_crosshair.py``
checks they match) whose body calls a deliberately broken version of the spec
function instead of the real one: arithmetic that wraps, an exitable time
without its second period, a decoder that ignores trailing bytes, a Merkle
verifier that forgets the root. CrossHair must find a counterexample for each,
run with the same bounds as the real checks; a control that passes shows a
contract too weak, or a search too shallow, to catch that bug.

One module per subject, as for the contracts. Each imports the names its
copied contracts use (its ``CONTRACT_NAMES``): CrossHair evaluates a
contract in the globals of the twin's own module. Nothing here is used by the
spec; the bugs are the ones an implementation could plausibly make.
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
from proofs.crosshair.mutants.arithmetic import (
    uint_addition_past_maximum_wrapping,
    uint_addition_within_range_untyped,
    uint_multiplication_past_maximum_saturating,
    uint_multiplication_within_range_untyped,
    uint_subtraction_below_zero_wrapping,
    uint_subtraction_within_range_swapped,
)
from proofs.crosshair.mutants.encoding import (
    optional_flag_decoding_is_strict_lenient,
    output_encoding_round_trip_fields_swapped,
    position_decoding_is_strict_ignoring_trailing_bytes,
    position_encoding_round_trip_fields_swapped,
    uint64_encoding_round_trip_little_endian,
)
from proofs.crosshair.mutants.exitable_time import (
    exitable_time_is_monotone_in_start_forgetting_period,
    exitable_time_of_child_output_one_period,
    exitable_time_of_deposit_output_ignoring_kind,
    exitable_time_past_maximum_saturating,
    exitable_time_waits_one_period_from_block_only,
)
from proofs.crosshair.mutants.in_flight import (
    competitor_must_be_older_accepting_level,
    in_flight_exitable_time_waits_from_start_only,
    payment_output_id_ignores_position_placed,
    payments_queue_is_ordered_and_unique_without_kind_rank,
)
from proofs.crosshair.mutants.merkle import (
    merkle_proof_binds_index_any_index,
    merkle_proof_binds_leaf_without_root,
    merkle_proof_verifies_swapped,
)
from proofs.crosshair.mutants.payments import (
    payment_fee_conserves_value_skipping_last_output,
    payment_outputs_above_inputs_by_subtraction,
    payment_sums_past_maximum_unchecked,
)
from proofs.crosshair.mutants.priority import (
    exit_queue_is_ordered_and_complete_with_closed_exits,
    priority_breaks_ties_by_exit_id_reversed,
    priority_breaks_ties_by_position_id_first,
    priority_follows_exitable_time_position_first,
    priority_is_a_total_order_without_exit_id,
)
from proofs.crosshair.mutants.sparse_merkle import (
    sparse_proof_refuses_non_canonical_lenient,
    sparse_proof_shows_non_inclusion_empty_is_absent,
    sparse_proof_verifies_key_reversed,
)


@dataclass(frozen=True)
class NegativeControl:
    """A broken twin of one entry point; CrossHair must find a counterexample for it."""

    entry_point: Callable[..., object]
    """The entry point whose contract the twin copies."""
    function: Callable[..., object]
    """The twin: same contract, broken implementation."""

    @property
    def name(self) -> str:
        """Return the twin's stable name, its function's name."""
        return self.function.__name__

    @property
    def target(self) -> str:
        """Return the fully qualified name CrossHair is given."""
        return f"{self.function.__module__}.{self.function.__qualname__}"


NEGATIVE_CONTROLS: tuple[NegativeControl, ...] = (
    NegativeControl(uint_addition_within_range, uint_addition_within_range_untyped),
    NegativeControl(uint_addition_past_maximum, uint_addition_past_maximum_wrapping),
    NegativeControl(uint_subtraction_within_range, uint_subtraction_within_range_swapped),
    NegativeControl(uint_subtraction_below_zero, uint_subtraction_below_zero_wrapping),
    NegativeControl(uint_multiplication_within_range, uint_multiplication_within_range_untyped),
    NegativeControl(uint_multiplication_past_maximum, uint_multiplication_past_maximum_saturating),
    NegativeControl(exitable_time_waits_one_period, exitable_time_waits_one_period_from_block_only),
    NegativeControl(exitable_time_of_deposit_output, exitable_time_of_deposit_output_ignoring_kind),
    NegativeControl(exitable_time_of_child_output, exitable_time_of_child_output_one_period),
    NegativeControl(exitable_time_past_maximum, exitable_time_past_maximum_saturating),
    NegativeControl(
        exitable_time_is_monotone_in_start, exitable_time_is_monotone_in_start_forgetting_period
    ),
    NegativeControl(priority_follows_exitable_time, priority_follows_exitable_time_position_first),
    NegativeControl(priority_breaks_ties_by_position, priority_breaks_ties_by_position_id_first),
    NegativeControl(priority_breaks_ties_by_exit_id, priority_breaks_ties_by_exit_id_reversed),
    NegativeControl(priority_is_a_total_order, priority_is_a_total_order_without_exit_id),
    NegativeControl(
        exit_queue_is_ordered_and_complete, exit_queue_is_ordered_and_complete_with_closed_exits
    ),
    NegativeControl(merkle_proof_verifies, merkle_proof_verifies_swapped),
    NegativeControl(merkle_proof_binds_index, merkle_proof_binds_index_any_index),
    NegativeControl(merkle_proof_binds_leaf, merkle_proof_binds_leaf_without_root),
    NegativeControl(uint64_encoding_round_trip, uint64_encoding_round_trip_little_endian),
    NegativeControl(position_encoding_round_trip, position_encoding_round_trip_fields_swapped),
    NegativeControl(output_encoding_round_trip, output_encoding_round_trip_fields_swapped),
    NegativeControl(
        position_decoding_is_strict, position_decoding_is_strict_ignoring_trailing_bytes
    ),
    NegativeControl(optional_flag_decoding_is_strict, optional_flag_decoding_is_strict_lenient),
    NegativeControl(payment_fee_conserves_value, payment_fee_conserves_value_skipping_last_output),
    NegativeControl(payment_outputs_above_inputs, payment_outputs_above_inputs_by_subtraction),
    NegativeControl(payment_sums_past_maximum, payment_sums_past_maximum_unchecked),
    NegativeControl(sparse_proof_verifies, sparse_proof_verifies_key_reversed),
    NegativeControl(
        sparse_proof_shows_non_inclusion, sparse_proof_shows_non_inclusion_empty_is_absent
    ),
    NegativeControl(sparse_proof_refuses_non_canonical, sparse_proof_refuses_non_canonical_lenient),
    NegativeControl(in_flight_exitable_time_waits, in_flight_exitable_time_waits_from_start_only),
    NegativeControl(competitor_must_be_older, competitor_must_be_older_accepting_level),
    NegativeControl(
        payments_queue_is_ordered_and_unique,
        payments_queue_is_ordered_and_unique_without_kind_rank,
    ),
    NegativeControl(payment_output_id_ignores_position, payment_output_id_ignores_position_placed),
)
"""One broken twin per entry point, in the order of ``ENTRY_POINTS``."""
