"""Negative controls for the CrossHair entry points: each contract, run on a broken twin.

For every entry point of ``proofs.crosshair_contracts`` there is one function
here with the same ``pre:`` and ``post:`` lines (``tests/test_crosshair.py``
checks they match) whose body calls a deliberately broken version of the spec
function instead of the real one: arithmetic that wraps, an exitable time
without its second period, a decoder that ignores trailing bytes, a Merkle
verifier that forgets the root. CrossHair must find a counterexample for each,
run with the same bounds as the real checks; a control that passes shows a
contract too weak, or a search too shallow, to catch that bug.

Nothing here is used by the spec; the bugs are the ones an implementation
could plausibly make.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Self, cast

from proofs.crosshair_contracts import (
    CANONICAL_OPTIONAL_FLAGS,
    ENCODING_REASONS,
    MERKLE_DEPTH,
    MERKLE_LEAVES,
    MERKLE_ROOT,
    TAMPERED_BITS,
    TOKENS,
    UINT64_MAX,
    UINT256_MAX,
    ExitKey,
    OptionalFlag,
    PaymentLegs,
    QueuedExit,
    RoundTrip,
    are_payment_legs,
    are_times_in_order,
    compare_priorities,
    compute_expected_position_reencoding,
    compute_expected_queue,
    compute_true_exitable_time,
    describe_uint,
    encode_position_fields,
    exit_queue_is_ordered_and_complete,
    exitable_time_is_monotone_in_start,
    exitable_time_of_child_output,
    exitable_time_of_deposit_output,
    exitable_time_past_maximum,
    exitable_time_waits_one_period,
    flip_bit,
    get_exitable_time,
    get_leaf_at,
    get_payment_fees,
    get_queued_exit_ids,
    get_uint_type,
    is_covered,
    is_exit_key,
    is_fee_table,
    is_queued_exit,
    is_round_trip,
    is_value_conserved,
    is_within_range,
    merkle_proof_binds_index,
    merkle_proof_binds_leaf,
    merkle_proof_verifies,
    optional_flag_decoding_is_strict,
    output_encoding_round_trip,
    payment_fee_conserves_value,
    payment_outputs_above_inputs,
    payment_sums_past_maximum,
    position_decoding_is_strict,
    position_encoding_round_trip,
    priority_breaks_ties_by_exit_id,
    priority_breaks_ties_by_position,
    priority_follows_exitable_time,
    priority_is_a_total_order,
    replace_field,
    run_or_reason,
    uint64_encoding_round_trip,
    uint_addition_past_maximum,
    uint_addition_within_range,
    uint_multiplication_past_maximum,
    uint_multiplication_within_range,
    uint_subtraction_below_zero,
    uint_subtraction_within_range,
)
from spec.encoding import Reader, decode, encode, read
from spec.errors import RejectionReason, require
from spec.merkle import compute_merkle_proof, compute_node_hash, compute_root_from_proof
from spec.payments.chain import (
    ChildChainState,
    compute_output_totals,
    get_input_outputs,
)
from spec.payments.transactions import Output, OutputPosition, Transaction
from spec.primitives import Address, Hash32, Uint, Uint8, Uint16, Uint64, Uint256
from spec.settlement.exits import ExitPriority
from spec.settlement.state import BlockKind, BlockRecord, Environment, Exit

CONTRACT_NAMES = (
    CANONICAL_OPTIONAL_FLAGS,
    ENCODING_REASONS,
    TAMPERED_BITS,
    UINT256_MAX,
    are_payment_legs,
    are_times_in_order,
    encode_position_fields,
    is_fee_table,
    is_round_trip,
    compute_expected_position_reencoding,
    compute_expected_queue,
    compute_true_exitable_time,
    is_covered,
    is_exit_key,
    is_queued_exit,
    is_value_conserved,
    is_within_range,
    replace_field,
)
"""Names only the copied contracts use: CrossHair evaluates them in this module's globals."""


# Arithmetic that loses its width, swaps operands, wraps or saturates


class UntypedAddition(Uint):
    """Bug: addition returns a plain ``int``, so the width (and every later check) is lost."""

    def __add__(self, other: int) -> Self:
        return cast(Self, int(self) + int(other))


class WrappingAddition(Uint):
    """Bug: addition wraps modulo ``2**BITS`` instead of rejecting."""

    def __add__(self, other: int) -> Self:
        return type(self)((int(self) + int(other)) & self.max_value())


class SwappedSubtraction(Uint):
    """Bug: subtraction takes the left operand from the right one."""

    def __sub__(self, other: int) -> Self:
        return type(self)(int(other) - int(self))


class WrappingSubtraction(Uint):
    """Bug: subtraction wraps modulo ``2**BITS`` (two's complement) instead of rejecting."""

    def __sub__(self, other: int) -> Self:
        return type(self)((int(self) - int(other)) & self.max_value())


class UntypedMultiplication(Uint):
    """Bug: multiplication returns a plain ``int``, so the width is lost."""

    def __mul__(self, other: int) -> Self:
        return cast(Self, int(self) * int(other))


class SaturatingMultiplication(Uint):
    """Bug: multiplication clamps to the maximum instead of rejecting."""

    def __mul__(self, other: int) -> Self:
        return type(self)(min(int(self) * int(other), self.max_value()))


def get_broken_uint_type(bits: int, bug: type[Uint]) -> type[Uint]:
    """Return the spec's ``bits``-bit type with the methods of ``bug`` in place of its own."""
    base = get_uint_type(bits)
    return cast(type[Uint], type(f"{bug.__name__}{base.__name__}", (bug, base), {}))


def uint_addition_within_range_untyped(
    bits: int, left: int, right: int
) -> tuple[int, int] | RejectionReason:
    """Broken twin of ``uint_addition_within_range``: the sum loses its width.

    pre: bits in (64, 256)
    pre: left >= 0 and right >= 0
    pre: left + right <= get_uint_type(bits).max_value()
    post: __return__ == (bits, left + right)
    """
    uint = get_broken_uint_type(bits, UntypedAddition)
    return run_or_reason(lambda: describe_uint(uint(left) + uint(right)))


def uint_addition_past_maximum_wrapping(
    bits: int, left: int, right: int
) -> tuple[int, int] | RejectionReason:
    """Broken twin of ``uint_addition_past_maximum``: the sum wraps.

    pre: bits in (64, 256)
    pre: 0 <= left <= get_uint_type(bits).max_value()
    pre: 0 <= right <= get_uint_type(bits).max_value()
    pre: left + right > get_uint_type(bits).max_value()
    post: __return__ == RejectionReason.INTEGER_OVERFLOW
    """
    uint = get_broken_uint_type(bits, WrappingAddition)
    return run_or_reason(lambda: describe_uint(uint(left) + uint(right)))


def uint_subtraction_within_range_swapped(
    bits: int, left: int, right: int
) -> tuple[int, int] | RejectionReason:
    """Broken twin of ``uint_subtraction_within_range``: the operands are swapped.

    pre: bits in (64, 256)
    pre: 0 <= right <= left <= get_uint_type(bits).max_value()
    post: __return__ == (bits, left - right)
    """
    uint = get_broken_uint_type(bits, SwappedSubtraction)
    return run_or_reason(lambda: describe_uint(uint(left) - uint(right)))


def uint_subtraction_below_zero_wrapping(
    bits: int, left: int, right: int
) -> tuple[int, int] | RejectionReason:
    """Broken twin of ``uint_subtraction_below_zero``: the difference wraps.

    pre: bits in (64, 256)
    pre: 0 <= left < right <= get_uint_type(bits).max_value()
    post: __return__ == RejectionReason.INTEGER_UNDERFLOW
    """
    uint = get_broken_uint_type(bits, WrappingSubtraction)
    return run_or_reason(lambda: describe_uint(uint(left) - uint(right)))


def uint_multiplication_within_range_untyped(
    bits: int, left: int, right: int
) -> tuple[int, int] | RejectionReason:
    """Broken twin of ``uint_multiplication_within_range``: the product loses its width.

    pre: bits in (64, 256)
    pre: left >= 0 and right >= 0
    pre: left * right <= get_uint_type(bits).max_value()
    post: __return__ == (bits, left * right)
    """
    uint = get_broken_uint_type(bits, UntypedMultiplication)
    return run_or_reason(lambda: describe_uint(uint(left) * uint(right)))


def uint_multiplication_past_maximum_saturating(
    bits: int, left: int, right: int
) -> tuple[int, int] | RejectionReason:
    """Broken twin of ``uint_multiplication_past_maximum``: the product saturates.

    pre: bits in (64, 256)
    pre: 0 <= left <= get_uint_type(bits).max_value()
    pre: 0 <= right <= get_uint_type(bits).max_value()
    pre: left * right > get_uint_type(bits).max_value()
    post: __return__ == RejectionReason.INTEGER_OVERFLOW
    """
    uint = get_broken_uint_type(bits, SaturatingMultiplication)
    return run_or_reason(lambda: describe_uint(uint(left) * uint(right)))


# Exitable time rules with one term wrong


def compute_exitable_time_from_block_only(
    record: BlockRecord, started_at: Uint64, period: Uint64
) -> Uint64:
    """Bug: a child-block output waits two periods from its block, never one from its start."""
    if record.kind == BlockKind.DEPOSIT:
        return started_at + period
    return record.timestamp + period * 2


def compute_exitable_time_ignoring_kind(
    record: BlockRecord, started_at: Uint64, period: Uint64
) -> Uint64:
    """Bug: deposit outputs get the child-block rule too."""
    return max(record.timestamp + period * 2, started_at + period)


def compute_exitable_time_one_period(
    record: BlockRecord, started_at: Uint64, period: Uint64
) -> Uint64:
    """Bug: a child-block output waits one period after its block, not two."""
    if record.kind == BlockKind.DEPOSIT:
        return started_at + period
    return max(record.timestamp + period, started_at + period)


def compute_exitable_time_saturating(
    record: BlockRecord, started_at: Uint64, period: Uint64
) -> Uint64:
    """Bug: a time past the largest Uint64 is clamped to it instead of rejected."""
    earliest = int(started_at) + int(period)
    if record.kind == BlockKind.CHILD:
        earliest = max(int(record.timestamp) + 2 * int(period), earliest)
    return Uint64(min(earliest, UINT64_MAX))


def compute_exitable_time_forgetting_period(
    record: BlockRecord, started_at: Uint64, period: Uint64
) -> Uint64:
    """Bug: an old child-block output may exit at once (its start), a young one after 2 periods."""
    if record.kind == BlockKind.DEPOSIT:
        return started_at + period
    young = started_at < record.timestamp + period
    return record.timestamp + period * 2 if young else started_at


def exitable_time_waits_one_period_from_block_only(
    is_deposit: bool, block_time: int, started_at: int, period: int
) -> int | RejectionReason:
    """Broken twin of ``exitable_time_waits_one_period``: the start is ignored for child blocks.

    pre: 0 <= block_time <= UINT64_MAX and 0 <= started_at <= UINT64_MAX
    pre: 0 <= period <= UINT64_MAX
    pre: compute_true_exitable_time(is_deposit, block_time, started_at, period) <= UINT64_MAX
    post: isinstance(__return__, int) and __return__ >= started_at + period
    """
    return get_exitable_time(
        is_deposit, block_time, started_at, period, compute_exitable_time_from_block_only
    )


def exitable_time_of_deposit_output_ignoring_kind(
    block_time: int, started_at: int, period: int
) -> int | RejectionReason:
    """Broken twin of ``exitable_time_of_deposit_output``: deposits get the child rule.

    pre: 0 <= block_time <= UINT64_MAX
    pre: 0 <= started_at and 0 <= period and started_at + period <= UINT64_MAX
    post: __return__ == started_at + period
    """
    return get_exitable_time(
        True, block_time, started_at, period, compute_exitable_time_ignoring_kind
    )


def exitable_time_of_child_output_one_period(
    block_time: int, started_at: int, period: int
) -> int | RejectionReason:
    """Broken twin of ``exitable_time_of_child_output``: the 2·period becomes one period.

    pre: 0 <= started_at and 0 <= period and started_at + period <= UINT64_MAX
    pre: 0 <= block_time and block_time + 2 * period <= UINT64_MAX
    post: __return__ == max(block_time + 2 * period, started_at + period)
    """
    return get_exitable_time(
        False, block_time, started_at, period, compute_exitable_time_one_period
    )


def exitable_time_past_maximum_saturating(
    is_deposit: bool, block_time: int, started_at: int, period: int
) -> int | RejectionReason:
    """Broken twin of ``exitable_time_past_maximum``: the time is clamped, not rejected.

    pre: 0 <= block_time <= UINT64_MAX and 0 <= started_at <= UINT64_MAX
    pre: 0 <= period <= UINT64_MAX
    pre: compute_true_exitable_time(is_deposit, block_time, started_at, period) > UINT64_MAX
    post: __return__ == RejectionReason.INTEGER_OVERFLOW
    """
    return get_exitable_time(
        is_deposit, block_time, started_at, period, compute_exitable_time_saturating
    )


def exitable_time_is_monotone_in_start_forgetting_period(
    is_deposit: bool, block_time: int, earlier_start: int, later_start: int, period: int
) -> tuple[int | RejectionReason, int | RejectionReason]:
    """Broken twin of ``exitable_time_is_monotone_in_start``: old outputs exit at their start.

    pre: 0 <= block_time <= UINT64_MAX and 0 <= period <= UINT64_MAX
    pre: 0 <= earlier_start <= later_start
    pre: compute_true_exitable_time(is_deposit, block_time, later_start, period) <= UINT64_MAX
    post: are_times_in_order(__return__)
    """
    rule = compute_exitable_time_forgetting_period
    return (
        get_exitable_time(is_deposit, block_time, earlier_start, period, rule),
        get_exitable_time(is_deposit, block_time, later_start, period, rule),
    )


# Exit priorities and queues in the wrong order


def compute_priority_position_first(exit_id: Uint64, exit: Exit) -> ExitPriority:
    """Bug: older positions come first even when they mature later."""
    return cast(ExitPriority, (exit.position, exit.exitable_at, exit_id))


def compute_priority_id_before_position(exit_id: Uint64, exit: Exit) -> ExitPriority:
    """Bug: of two exits maturing together, the earlier started one (not the older output) wins."""
    return cast(ExitPriority, (exit.exitable_at, exit_id, exit.position))


def compute_priority_without_exit_id(exit_id: Uint64, exit: Exit) -> ExitPriority:
    """Bug: no exit-id tiebreak, so two exits can rank level (order then depends on the sort)."""
    return cast(ExitPriority, (exit.exitable_at, exit.position))


def compute_priority_newest_exit_first(exit_id: Uint64, exit: Exit) -> ExitPriority:
    """Bug: the id tiebreak is reversed, so the exit started last wins."""
    return (exit.exitable_at, exit.position, Uint64(UINT64_MAX - exit_id))


def get_exit_queue_with_closed_exits(
    environment: Environment, token: Address
) -> list[tuple[Uint64, Exit]]:
    """Bug: the queue keeps challenged and processed exits."""
    exits = [(i, e) for i, e in environment.exits.items() if e.token == token]
    return sorted(exits, key=lambda item: (item[1].exitable_at, item[1].position, item[0]))


def priority_follows_exitable_time_position_first(
    first: ExitKey, second: ExitKey
) -> tuple[bool, bool, bool]:
    """Broken twin of ``priority_follows_exitable_time``: position outranks exitable time.

    pre: is_exit_key(first) and is_exit_key(second)
    pre: first[0] < second[0] and second[1:4] < first[1:4]
    post: __return__ == (True, False, False)
    """
    return compare_priorities(first, second, compute_priority_position_first)


def priority_breaks_ties_by_position_id_first(
    first: ExitKey, second: ExitKey
) -> tuple[bool, bool, bool]:
    """Broken twin of ``priority_breaks_ties_by_position``: exit id outranks position.

    pre: is_exit_key(first) and is_exit_key(second)
    pre: first[0] == second[0] and first[1:4] < second[1:4]
    pre: second[4] < first[4]
    post: __return__ == (True, False, False)
    """
    return compare_priorities(first, second, compute_priority_id_before_position)


def priority_breaks_ties_by_exit_id_reversed(
    first: ExitKey, second: ExitKey
) -> tuple[bool, bool, bool]:
    """Broken twin of ``priority_breaks_ties_by_exit_id``: the newest exit wins the tie.

    pre: is_exit_key(first) and is_exit_key(second)
    pre: first[:4] == second[:4] and first[4] < second[4]
    post: __return__ == (True, False, False)
    """
    return compare_priorities(first, second, compute_priority_newest_exit_first)


def priority_is_a_total_order_without_exit_id(
    key: ExitKey, field: int, value: int
) -> tuple[bool, bool, bool]:
    """Broken twin of ``priority_is_a_total_order``: there is no id tiebreak.

    pre: is_exit_key(key) and 0 <= field < 5 and value != key[field]
    pre: is_exit_key(replace_field(key, field, value))
    post: __return__ in ((True, False, False), (False, False, True))
    """
    return compare_priorities(
        key, replace_field(key, field, value), compute_priority_without_exit_id
    )


def exit_queue_is_ordered_and_complete_with_closed_exits(
    first: QueuedExit, second: QueuedExit, third: QueuedExit
) -> list[int]:
    """Broken twin of ``exit_queue_is_ordered_and_complete``: closed exits stay queued.

    pre: is_queued_exit(first) and is_queued_exit(second) and is_queued_exit(third)
    post: __return__ == compute_expected_queue((first, second, third))
    """
    return get_queued_exit_ids((first, second, third), get_exit_queue_with_closed_exits)


# Merkle verifiers that swap, ignore the index, or forget the root


def is_valid_merkle_proof_swapped(
    leaf: Hash32, index: int, proof: tuple[Hash32, ...], depth: int, root: Hash32
) -> bool:
    """Bug: each node hashes its children in the opposite order."""
    node = leaf
    for height, sibling in enumerate(proof):
        if (index >> height) & 1:
            node = compute_node_hash(node, sibling)
        else:
            node = compute_node_hash(sibling, node)
    return len(proof) == depth and node == root


def is_valid_merkle_proof_any_index(
    leaf: Hash32, index: int, proof: tuple[Hash32, ...], depth: int, root: Hash32
) -> bool:
    """Bug: the proof is accepted if it fits the leaf at any index (the index is not bound)."""
    return len(proof) == depth and any(
        compute_root_from_proof(leaf, position, proof) == root for position in range(2**depth)
    )


def is_valid_merkle_proof_without_root(
    leaf: Hash32, index: int, proof: tuple[Hash32, ...], depth: int, root: Hash32
) -> bool:
    """Bug: the root is computed but never compared."""
    compute_root_from_proof(leaf, index, proof)
    return len(proof) == depth and 0 <= index < 2**depth


def merkle_proof_verifies_swapped(index: int) -> bool:
    """Broken twin of ``merkle_proof_verifies``: the verifier swaps children.

    pre: 0 <= index < 2**MERKLE_DEPTH
    post: __return__
    """
    proof = compute_merkle_proof(MERKLE_LEAVES, index, MERKLE_DEPTH)
    return is_valid_merkle_proof_swapped(
        get_leaf_at(index), index, proof, MERKLE_DEPTH, MERKLE_ROOT
    )


def merkle_proof_binds_index_any_index(index: int, other: int) -> bool:
    """Broken twin of ``merkle_proof_binds_index``: the verifier ignores the index.

    pre: 0 <= index < 2**MERKLE_DEPTH and 0 <= other < 2**MERKLE_DEPTH
    pre: get_leaf_at(index) != get_leaf_at(other)
    post: not __return__
    """
    proof = compute_merkle_proof(MERKLE_LEAVES, index, MERKLE_DEPTH)
    return is_valid_merkle_proof_any_index(
        get_leaf_at(index), other, proof, MERKLE_DEPTH, MERKLE_ROOT
    )


def merkle_proof_binds_leaf_without_root(index: int, bit: int) -> bool:
    """Broken twin of ``merkle_proof_binds_leaf``: the verifier never compares the root.

    pre: 0 <= index < 2**MERKLE_DEPTH
    pre: bit in TAMPERED_BITS
    post: not __return__
    """
    proof = compute_merkle_proof(MERKLE_LEAVES, index, MERKLE_DEPTH)
    tampered = flip_bit(get_leaf_at(index), bit)
    return is_valid_merkle_proof_without_root(tampered, index, proof, MERKLE_DEPTH, MERKLE_ROOT)


# Encoders and decoders that disagree with each other or are lenient


def encode_uint64_little_endian(value: Uint64) -> bytes:
    """Bug: a Uint64 is written little-endian (the decoder reads big-endian)."""
    return int(value).to_bytes(8, "little")


def decode_position_fields_swapped(data: bytes) -> OutputPosition:
    """Bug: the output index is read before the transaction index.

    Raises:
        Rejected: ``ENCODING_TRUNCATED``, ``ENCODING_TRAILING_BYTES``.
    """
    reader = Reader(data)
    block = read(reader, Uint64)
    output = read(reader, Uint8)
    transaction = read(reader, Uint16)
    require(reader.remaining() == 0, RejectionReason.ENCODING_TRAILING_BYTES)
    return OutputPosition(block, transaction, output)


def decode_output_fields_swapped(data: bytes) -> Output:
    """Bug: the token is read before the owner.

    Raises:
        Rejected: ``ENCODING_TRUNCATED``, ``ENCODING_TRAILING_BYTES``.
    """
    reader = Reader(data)
    token = read(reader, Address)
    owner = read(reader, Address)
    amount = read(reader, Uint256)
    require(reader.remaining() == 0, RejectionReason.ENCODING_TRAILING_BYTES)
    return Output(owner, token, amount)


def decode_position_ignoring_trailing_bytes(data: bytes) -> OutputPosition:
    """Bug: bytes after the position are ignored, so many byte strings decode to one position.

    Raises:
        Rejected: ``ENCODING_TRUNCATED``.
    """
    return cast(OutputPosition, read(Reader(data), OutputPosition))


def decode_optional_flag_leniently(data: bytes) -> OptionalFlag:
    """Bug: any non-zero flag byte reads as True.

    Raises:
        Rejected: ``ENCODING_TRUNCATED``, ``ENCODING_INVALID_FLAG``, ``ENCODING_TRAILING_BYTES``.
    """
    reader = Reader(data)
    value = reader.take(1)[0] != 0 if reader.take_flag() else None
    require(reader.remaining() == 0, RejectionReason.ENCODING_TRAILING_BYTES)
    return value


def uint64_encoding_round_trip_little_endian(value: int) -> RoundTrip:
    """Broken twin of ``uint64_encoding_round_trip``: the encoder is little-endian.

    pre: 0 <= value <= UINT64_MAX
    post: is_round_trip(__return__, value.to_bytes(8, "big"))
    """
    encoded = encode_uint64_little_endian(Uint64(value))
    return RoundTrip(Uint64(value), encoded, run_or_reason(lambda: decode(Uint64, encoded)))


def position_encoding_round_trip_fields_swapped(
    block: int, transaction: int, output: int
) -> RoundTrip:
    """Broken twin of ``position_encoding_round_trip``: the decoder swaps two fields.

    pre: 0 <= block <= UINT64_MAX and 0 <= transaction < 2**16 and 0 <= output < 2**8
    post: is_round_trip(__return__, encode_position_fields(block, transaction, output))
    """
    position = OutputPosition(Uint64(block), Uint16(transaction), Uint8(output))
    encoded = encode(position)
    decoded = run_or_reason(lambda: decode_position_fields_swapped(encoded))
    return RoundTrip(position, encoded, decoded)


def output_encoding_round_trip_fields_swapped(owner: int, token: int, amount: int) -> RoundTrip:
    """Broken twin of ``output_encoding_round_trip``: the decoder swaps owner and token.

    pre: owner in (0, 1) and token in (0, 1)
    pre: 0 <= amount <= UINT256_MAX
    post: is_round_trip(__return__, TOKENS[owner] + TOKENS[token] + amount.to_bytes(32, "big"))
    """
    output = Output(owner=TOKENS[owner], token=TOKENS[token], amount=Uint256(amount))
    encoded = encode(output)
    decoded = run_or_reason(lambda: decode_output_fields_swapped(encoded))
    return RoundTrip(output, encoded, decoded)


def position_decoding_is_strict_ignoring_trailing_bytes(data: bytes) -> bytes | RejectionReason:
    """Broken twin of ``position_decoding_is_strict``: trailing bytes are ignored.

    pre: len(data) <= 13
    post: __return__ == compute_expected_position_reencoding(data)
    """
    return run_or_reason(lambda: encode(decode_position_ignoring_trailing_bytes(data)))


def optional_flag_decoding_is_strict_lenient(data: bytes) -> bytes | RejectionReason:
    """Broken twin of ``optional_flag_decoding_is_strict``: any non-zero flag reads as True.

    pre: len(data) <= 3
    post: __return__ == data if data in CANONICAL_OPTIONAL_FLAGS else __return__ in ENCODING_REASONS
    """
    return run_or_reason(lambda: encode(decode_optional_flag_leniently(data), OptionalFlag))


# Fee computations that miscount, underflow or overflow


def compute_payment_fees_skipping_last_output(
    state: ChildChainState, transaction: Transaction
) -> dict[Address, Uint256]:
    """Bug: the last output is left out of the totals (an off-by-one)."""
    inputs = compute_output_totals(get_input_outputs(state, transaction))
    outputs = compute_output_totals(transaction.outputs[:-1])
    require(
        all(amount <= inputs.get(token, 0) for token, amount in outputs.items()),
        RejectionReason.TX_OUTPUTS_EXCEED_INPUTS,
    )
    fees = {token: amount - outputs.get(token, 0) for token, amount in inputs.items()}
    return {token: fee for token, fee in fees.items() if fee > 0}


def compute_payment_fees_by_subtraction(
    state: ChildChainState, transaction: Transaction
) -> dict[Address, Uint256]:
    """Bug: no comparison of outputs with inputs; the subtraction's underflow is relied on."""
    inputs = compute_output_totals(get_input_outputs(state, transaction))
    outputs = compute_output_totals(transaction.outputs)
    tokens = set(inputs) | set(outputs)
    fees = {t: inputs.get(t, Uint256(0)) - outputs.get(t, Uint256(0)) for t in tokens}
    return {token: fee for token, fee in fees.items() if fee > 0}


def compute_payment_fees_unchecked_sums(
    state: ChildChainState, transaction: Transaction
) -> dict[Address, Uint256]:
    """Bug: amounts are summed as plain integers, so a sum past the maximum goes unnoticed."""
    inputs: dict[Address, int] = {}
    for output in get_input_outputs(state, transaction):
        inputs[output.token] = inputs.get(output.token, 0) + int(output.amount)
    outputs: dict[Address, int] = {}
    for output in transaction.outputs:
        outputs[output.token] = outputs.get(output.token, 0) + int(output.amount)
    require(
        all(amount <= inputs.get(token, 0) for token, amount in outputs.items()),
        RejectionReason.TX_OUTPUTS_EXCEED_INPUTS,
    )
    fees = {token: amount - outputs.get(token, 0) for token, amount in inputs.items()}
    return {token: cast(Uint256, fee) for token, fee in fees.items() if fee > 0}


def payment_fee_conserves_value_skipping_last_output(
    inputs: PaymentLegs, outputs: PaymentLegs
) -> dict[int, int] | RejectionReason:
    """Broken twin of ``payment_fee_conserves_value``: the last output is not counted.

    pre: are_payment_legs(inputs, outputs)
    pre: is_within_range(inputs) and is_covered(inputs, outputs)
    post: is_fee_table(__return__) and is_value_conserved(inputs, outputs, __return__)
    """
    return get_payment_fees(inputs, outputs, compute_payment_fees_skipping_last_output)


def payment_outputs_above_inputs_by_subtraction(
    inputs: PaymentLegs, outputs: PaymentLegs
) -> dict[int, int] | RejectionReason:
    """Broken twin of ``payment_outputs_above_inputs``: excess shows up as an underflow.

    pre: are_payment_legs(inputs, outputs)
    pre: is_within_range(inputs) and is_within_range(outputs)
    pre: not is_covered(inputs, outputs)
    post: __return__ == RejectionReason.TX_OUTPUTS_EXCEED_INPUTS
    """
    return get_payment_fees(inputs, outputs, compute_payment_fees_by_subtraction)


def payment_sums_past_maximum_unchecked(
    inputs: PaymentLegs, outputs: PaymentLegs
) -> dict[int, int] | RejectionReason:
    """Broken twin of ``payment_sums_past_maximum``: sums are not checked.

    pre: are_payment_legs(inputs, outputs)
    pre: not (is_within_range(inputs) and is_within_range(outputs))
    post: __return__ == RejectionReason.INTEGER_OVERFLOW
    """
    return get_payment_fees(inputs, outputs, compute_payment_fees_unchecked_sums)


# The table


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
)
"""One broken twin per entry point, in the order of ``ENTRY_POINTS``."""
