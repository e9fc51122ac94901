"""CrossHair entry points: contracts on the real spec functions, over fixed-size inputs.

Each entry point below is a small wrapper with a PEP 316 contract in its
docstring (``pre:`` lines constrain the inputs, ``post:`` lines state the
claim). It builds spec values from plain integers and booleans, calls the real
spec function, and returns what the spec returned, or the
:class:`~spec.errors.RejectionReason` it rejected with, so that the
postcondition can name the exact reason. No ``Rejected`` escapes a wrapper;
any other exception is reported by CrossHair as a counterexample.
:data:`ENTRY_POINTS` ties each one to the catalogued invariants it supports.
``proofs.crosshair_checks`` runs them; ``proofs.crosshair_mutants`` holds a
broken twin of each that must fail.

Run one by hand (``--report_all`` also prints what passed)::

    python -m crosshair check --report_all --max_uninteresting_iterations=50 TARGET

with ``TARGET`` e.g. ``proofs.crosshair_contracts.exitable_time_of_child_output``.

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
from typing import TypeVar

from spec.encoding import decode, decode_as, encode
from spec.errors import Rejected, RejectionReason
from spec.merkle import (
    EMPTY_LEAF,
    compute_leaf_hash,
    compute_merkle_proof,
    compute_merkle_root,
    is_valid_merkle_proof,
)
from spec.payments.chain import ChildChainState, compute_payment_fees
from spec.payments.transactions import Output, OutputPosition, Transaction
from spec.primitives import NATIVE_TOKEN, Address, Hash32, Uint, Uint8, Uint16, Uint64, Uint256
from spec.settlement.exits import (
    ExitPriority,
    compute_exit_priority,
    compute_exitable_time,
    get_exit_queue,
)
from spec.settlement.state import (
    BlockKind,
    BlockRecord,
    Environment,
    EnvironmentKind,
    EnvironmentRules,
    Exit,
    ExitStatus,
)

T = TypeVar("T")

UINT64_MAX = Uint64.max_value()
"""Largest Uint64, ``2**64 - 1``."""

UINT256_MAX = Uint256.max_value()
"""Largest Uint256, ``2**256 - 1``."""

OWNER = Address(b"\x11" * 20)
"""Owner of every output and exit built here; ownership is not what these contracts test."""

TOKENS = (NATIVE_TOKEN, Address(b"\x22" * 20))
"""The two tokens payments and exit queues choose from; index 0 is the native token."""

ENCODING_REASONS = frozenset(
    reason for reason in RejectionReason if reason.name.startswith("ENCODING_")
)
"""Every reason the decoder may reject with."""


def run_or_reason(call: Callable[[], T]) -> T | RejectionReason:
    """Return what ``call`` returns, or the reason the spec rejected it with."""
    try:
        return call()
    except Rejected as rejection:
        return rejection.reason


# Bounded arithmetic (spec/primitives.py)


def get_uint_type(bits: int) -> type[Uint]:
    """Return the spec's unsigned integer type of ``bits`` bits (64 or 256)."""
    return Uint64 if bits == 64 else Uint256


def describe_uint(value: int) -> tuple[int, int]:
    """Return a result's width in bits (0 for a plain ``int``) and its number."""
    bits: int = getattr(value, "BITS", 0)
    return bits, int(value)


def uint_addition_within_range(
    bits: int, left: int, right: int
) -> tuple[int, int] | RejectionReason:
    """A sum that fits is the integer sum, of the same width.

    pre: bits in (64, 256)
    pre: left >= 0 and right >= 0
    pre: left + right <= get_uint_type(bits).max_value()
    post: __return__ == (bits, left + right)
    """
    uint = get_uint_type(bits)
    return run_or_reason(lambda: describe_uint(uint(left) + uint(right)))


def uint_addition_past_maximum(
    bits: int, left: int, right: int
) -> tuple[int, int] | RejectionReason:
    """A sum past the maximum is rejected with INTEGER_OVERFLOW, never wrapped.

    pre: bits in (64, 256)
    pre: 0 <= left <= get_uint_type(bits).max_value()
    pre: 0 <= right <= get_uint_type(bits).max_value()
    pre: left + right > get_uint_type(bits).max_value()
    post: __return__ == RejectionReason.INTEGER_OVERFLOW
    """
    uint = get_uint_type(bits)
    return run_or_reason(lambda: describe_uint(uint(left) + uint(right)))


def uint_subtraction_within_range(
    bits: int, left: int, right: int
) -> tuple[int, int] | RejectionReason:
    """A difference that is not negative is the integer difference, of the same width.

    pre: bits in (64, 256)
    pre: 0 <= right <= left <= get_uint_type(bits).max_value()
    post: __return__ == (bits, left - right)
    """
    uint = get_uint_type(bits)
    return run_or_reason(lambda: describe_uint(uint(left) - uint(right)))


def uint_subtraction_below_zero(
    bits: int, left: int, right: int
) -> tuple[int, int] | RejectionReason:
    """A difference below zero is rejected with INTEGER_UNDERFLOW, never wrapped.

    pre: bits in (64, 256)
    pre: 0 <= left < right <= get_uint_type(bits).max_value()
    post: __return__ == RejectionReason.INTEGER_UNDERFLOW
    """
    uint = get_uint_type(bits)
    return run_or_reason(lambda: describe_uint(uint(left) - uint(right)))


def uint_multiplication_within_range(
    bits: int, left: int, right: int
) -> tuple[int, int] | RejectionReason:
    """A product that fits is the integer product, of the same width.

    pre: bits in (64, 256)
    pre: left >= 0 and right >= 0
    pre: left * right <= get_uint_type(bits).max_value()
    post: __return__ == (bits, left * right)
    """
    uint = get_uint_type(bits)
    return run_or_reason(lambda: describe_uint(uint(left) * uint(right)))


def uint_multiplication_past_maximum(
    bits: int, left: int, right: int
) -> tuple[int, int] | RejectionReason:
    """A product past the maximum is rejected with INTEGER_OVERFLOW, never wrapped.

    pre: bits in (64, 256)
    pre: 0 <= left <= get_uint_type(bits).max_value()
    pre: 0 <= right <= get_uint_type(bits).max_value()
    pre: left * right > get_uint_type(bits).max_value()
    post: __return__ == RejectionReason.INTEGER_OVERFLOW
    """
    uint = get_uint_type(bits)
    return run_or_reason(lambda: describe_uint(uint(left) * uint(right)))


# Exitable time (spec/settlement/exits.py)

BLOCK_ROOT = Hash32(b"\x33" * 32)
"""Root of the block records built here; compute_exitable_time does not read it."""


ExitableTimeRule = Callable[[BlockRecord, Uint64, Uint64], Uint64]
"""The signature of ``compute_exitable_time`` (and of its broken twins)."""


def get_exitable_time(
    is_deposit: bool,
    block_time: int,
    started_at: int,
    period: int,
    rule: ExitableTimeRule = compute_exitable_time,
) -> int | RejectionReason:
    """Return the exitable time ``rule`` (the spec's) gives an output of a block of either kind."""
    kind = BlockKind.DEPOSIT if is_deposit else BlockKind.CHILD
    record = BlockRecord(kind=kind, root=BLOCK_ROOT, timestamp=Uint64(block_time))
    return run_or_reason(lambda: int(rule(record, Uint64(started_at), Uint64(period))))


def compute_true_exitable_time(
    is_deposit: bool, block_time: int, started_at: int, period: int
) -> int:
    """Return the MVP exitable time as an unbounded integer (the rule the spec implements)."""
    if is_deposit:
        return started_at + period
    return max(block_time + 2 * period, started_at + period)


def exitable_time_waits_one_period(
    is_deposit: bool, block_time: int, started_at: int, period: int
) -> int | RejectionReason:
    """No exit, of any block kind, matures before one period after its start.

    pre: 0 <= block_time <= UINT64_MAX and 0 <= started_at <= UINT64_MAX
    pre: 0 <= period <= UINT64_MAX
    pre: compute_true_exitable_time(is_deposit, block_time, started_at, period) <= UINT64_MAX
    post: isinstance(__return__, int) and __return__ >= started_at + period
    """
    return get_exitable_time(is_deposit, block_time, started_at, period)


def exitable_time_of_deposit_output(
    block_time: int, started_at: int, period: int
) -> int | RejectionReason:
    """A deposit output matures exactly one period after its exit starts, whatever its block time.

    pre: 0 <= block_time <= UINT64_MAX
    pre: 0 <= started_at and 0 <= period and started_at + period <= UINT64_MAX
    post: __return__ == started_at + period
    """
    return get_exitable_time(True, block_time, started_at, period)


def exitable_time_of_child_output(
    block_time: int, started_at: int, period: int
) -> int | RejectionReason:
    """A child-block output matures at max(block time + 2 periods, start + 1 period).

    pre: 0 <= started_at and 0 <= period and started_at + period <= UINT64_MAX
    pre: 0 <= block_time and block_time + 2 * period <= UINT64_MAX
    post: __return__ == max(block_time + 2 * period, started_at + period)
    """
    return get_exitable_time(False, block_time, started_at, period)


def exitable_time_past_maximum(
    is_deposit: bool, block_time: int, started_at: int, period: int
) -> int | RejectionReason:
    """An exitable time past the largest Uint64 is rejected, never wrapped to an early time.

    pre: 0 <= block_time <= UINT64_MAX and 0 <= started_at <= UINT64_MAX
    pre: 0 <= period <= UINT64_MAX
    pre: compute_true_exitable_time(is_deposit, block_time, started_at, period) > UINT64_MAX
    post: __return__ == RejectionReason.INTEGER_OVERFLOW
    """
    return get_exitable_time(is_deposit, block_time, started_at, period)


def are_times_in_order(times: tuple[int | RejectionReason, int | RejectionReason]) -> bool:
    """Return whether both are times, not rejections, and the first is not after the second."""
    first, second = times
    return isinstance(first, int) and isinstance(second, int) and first <= second


def exitable_time_is_monotone_in_start(
    is_deposit: bool, block_time: int, earlier_start: int, later_start: int, period: int
) -> tuple[int | RejectionReason, int | RejectionReason]:
    """Starting an exit later never makes it mature earlier.

    pre: 0 <= block_time <= UINT64_MAX and 0 <= period <= UINT64_MAX
    pre: 0 <= earlier_start <= later_start
    pre: compute_true_exitable_time(is_deposit, block_time, later_start, period) <= UINT64_MAX
    post: are_times_in_order(__return__)
    """
    return (
        get_exitable_time(is_deposit, block_time, earlier_start, period),
        get_exitable_time(is_deposit, block_time, later_start, period),
    )


# Exit priority (spec/settlement/exits.py)

ExitKey = tuple[int, int, int, int, int]
"""(exitable time, block number, transaction index, output index, exit id) as plain integers."""


def make_exit(exitable_at: int, block: int, transaction: int, output: int) -> Exit:
    """Return an open exit of ``OWNER``'s output at the given position and exitable time."""
    return Exit(
        position=OutputPosition(Uint64(block), Uint16(transaction), Uint8(output)),
        owner=OWNER,
        token=TOKENS[0],
        amount=Uint256(1),
        bond=Uint256(1),
        started_at=Uint64(0),
        exitable_at=Uint64(exitable_at),
        status=ExitStatus.OPEN,
        paid=Uint256(0),
    )


def is_exit_key(key: ExitKey) -> bool:
    """Return whether every field of ``key`` fits its spec type."""
    exitable_at, block, transaction, output, exit_id = key
    return (
        0 <= exitable_at <= UINT64_MAX
        and 0 <= block <= UINT64_MAX
        and 0 <= transaction <= Uint16.max_value()
        and 0 <= output <= Uint8.max_value()
        and 0 <= exit_id <= UINT64_MAX
    )


PriorityRule = Callable[[Uint64, Exit], ExitPriority]
"""The signature of ``compute_exit_priority`` (and of its broken twins)."""


def compare_priorities(
    first: ExitKey, second: ExitKey, rule: PriorityRule = compute_exit_priority
) -> tuple[bool, bool, bool]:
    """Return whether ``rule`` (the spec's) ranks ``first`` before, level with, after ``second``."""
    first_priority = rule(Uint64(first[4]), make_exit(*first[:4]))
    second_priority = rule(Uint64(second[4]), make_exit(*second[:4]))
    return (
        first_priority < second_priority,
        first_priority == second_priority,
        second_priority < first_priority,
    )


def priority_follows_exitable_time(first: ExitKey, second: ExitKey) -> tuple[bool, bool, bool]:
    """An exit that matures earlier is paid first, even ahead of an older output.

    pre: is_exit_key(first) and is_exit_key(second)
    pre: first[0] < second[0] and second[1:4] < first[1:4]
    post: __return__ == (True, False, False)
    """
    return compare_priorities(first, second)


def priority_breaks_ties_by_position(first: ExitKey, second: ExitKey) -> tuple[bool, bool, bool]:
    """Of two exits maturing together, the older output is paid first, even if it started later.

    pre: is_exit_key(first) and is_exit_key(second)
    pre: first[0] == second[0] and first[1:4] < second[1:4]
    pre: second[4] < first[4]
    post: __return__ == (True, False, False)
    """
    return compare_priorities(first, second)


def priority_breaks_ties_by_exit_id(first: ExitKey, second: ExitKey) -> tuple[bool, bool, bool]:
    """Of two exits maturing together at one position, the smaller exit id is paid first.

    pre: is_exit_key(first) and is_exit_key(second)
    pre: first[:4] == second[:4] and first[4] < second[4]
    post: __return__ == (True, False, False)
    """
    return compare_priorities(first, second)


def replace_field(key: ExitKey, field: int, value: int) -> ExitKey:
    """Return ``key`` with field number ``field`` (0 to 4) set to ``value``."""
    fields = list(key)
    fields[field] = value
    exitable_at, block, transaction, output, exit_id = fields
    return exitable_at, block, transaction, output, exit_id


def priority_is_a_total_order(key: ExitKey, field: int, value: int) -> tuple[bool, bool, bool]:
    """Changing any one field of an exit's key makes it rank strictly before or after: no ties.

    pre: is_exit_key(key) and 0 <= field < 5 and value != key[field]
    pre: is_exit_key(replace_field(key, field, value))
    post: __return__ in ((True, False, False), (False, False, True))
    """
    return compare_priorities(key, replace_field(key, field, value))


QueuedExit = tuple[int, int, bool, bool]
"""(exitable time, block number, is open, is of the queue's token) of one exit, as plain values."""


def is_queued_exit(queued: QueuedExit) -> bool:
    """Return whether the exitable time and block number fit a Uint64."""
    return 0 <= queued[0] <= UINT64_MAX and 0 <= queued[1] <= UINT64_MAX


def make_environment(exits: tuple[QueuedExit, QueuedExit, QueuedExit]) -> Environment:
    """Return an environment holding three exits (ids 0, 1, 2) built from ``exits``."""
    made: dict[Uint64, Exit] = {}
    for exit_id, (exitable_at, block, is_open, of_queue_token) in enumerate(exits):
        base = make_exit(exitable_at, block, 0, 0)
        made[Uint64(exit_id)] = Exit(
            position=base.position,
            owner=OWNER,
            token=TOKENS[0] if of_queue_token else TOKENS[1],
            amount=base.amount,
            bond=base.bond,
            started_at=base.started_at,
            exitable_at=base.exitable_at,
            status=ExitStatus.OPEN if is_open else ExitStatus.PROCESSED,
            paid=Uint256(0),
        )
    return Environment(
        operator=OWNER,
        kind=EnvironmentKind.PAYMENTS,
        rules=EnvironmentRules(
            minimal_finalization_period=Uint64(1),
            exit_bond=Uint256(1),
            deposit_limit=Uint256(1),
        ),
        registered_at=Uint64(0),
        blocks={},
        exits=made,
        deposited={},
        withdrawn={},
        bonds_held=Uint256(0),
    )


def compute_expected_queue(exits: tuple[QueuedExit, QueuedExit, QueuedExit]) -> list[int]:
    """Return the ids of the open exits of the queue's token, ordered by (time, block, id)."""
    keys = [
        (exitable_at, block, exit_id)
        for exit_id, (exitable_at, block, is_open, of_queue_token) in enumerate(exits)
        if is_open and of_queue_token
    ]
    return [key[2] for key in sorted(keys)]


QueueRule = Callable[[Environment, Address], list[tuple[Uint64, Exit]]]
"""The signature of ``get_exit_queue`` (and of its broken twins)."""


def get_queued_exit_ids(
    exits: tuple[QueuedExit, QueuedExit, QueuedExit], rule: QueueRule = get_exit_queue
) -> list[int]:
    """Return the ids, in order, of the queue ``rule`` (the spec's) gives for ``TOKENS[0]``."""
    return [int(exit_id) for exit_id, _ in rule(make_environment(exits), TOKENS[0])]


def exit_queue_is_ordered_and_complete(
    first: QueuedExit, second: QueuedExit, third: QueuedExit
) -> list[int]:
    """The queue holds exactly the open exits of its token, highest priority first.

    pre: is_queued_exit(first) and is_queued_exit(second) and is_queued_exit(third)
    post: __return__ == compute_expected_queue((first, second, third))
    """
    return get_queued_exit_ids((first, second, third))


# Merkle inclusion proofs (spec/merkle.py)

MERKLE_DEPTH = 3
"""Depth of the tree checked here: 2**3 (= 8) leaves."""

MERKLE_LEAVES = tuple(compute_leaf_hash(b"transaction %d" % number) for number in range(5))
"""Five distinct leaves; the tree's last three leaves are empty."""

MERKLE_ROOT = compute_merkle_root(MERKLE_LEAVES, MERKLE_DEPTH)
"""Root of the tree of ``MERKLE_LEAVES``."""

TAMPERED_BITS = (0, 7, 128, 255)
"""Bits of a leaf that the leaf-binding contract flips: ends of the first and last bytes."""


def get_leaf_at(index: int) -> Hash32:
    """Return leaf ``index`` of the tree (the empty leaf past ``MERKLE_LEAVES``)."""
    return MERKLE_LEAVES[index] if index < len(MERKLE_LEAVES) else EMPTY_LEAF


def flip_bit(leaf: Hash32, bit: int) -> Hash32:
    """Return ``leaf`` with bit ``bit`` (0 = most significant of the first byte) flipped."""
    number = int.from_bytes(leaf, "big") ^ (1 << (255 - bit))
    return Hash32(number.to_bytes(32, "big"))


def merkle_proof_verifies(index: int) -> bool:
    """The proof built for any leaf, empty ones included, verifies against the root.

    pre: 0 <= index < 2**MERKLE_DEPTH
    post: __return__
    """
    proof = compute_merkle_proof(MERKLE_LEAVES, index, MERKLE_DEPTH)
    return is_valid_merkle_proof(get_leaf_at(index), index, proof, MERKLE_DEPTH, MERKLE_ROOT)


def merkle_proof_binds_index(index: int, other: int) -> bool:
    """A leaf's proof does not verify at another index holding a different leaf.

    pre: 0 <= index < 2**MERKLE_DEPTH and 0 <= other < 2**MERKLE_DEPTH
    pre: get_leaf_at(index) != get_leaf_at(other)
    post: not __return__
    """
    proof = compute_merkle_proof(MERKLE_LEAVES, index, MERKLE_DEPTH)
    return is_valid_merkle_proof(get_leaf_at(index), other, proof, MERKLE_DEPTH, MERKLE_ROOT)


def merkle_proof_binds_leaf(index: int, bit: int) -> bool:
    """A leaf's proof does not verify a leaf with one bit changed.

    pre: 0 <= index < 2**MERKLE_DEPTH
    pre: bit in TAMPERED_BITS
    post: not __return__
    """
    proof = compute_merkle_proof(MERKLE_LEAVES, index, MERKLE_DEPTH)
    tampered = flip_bit(get_leaf_at(index), bit)
    return is_valid_merkle_proof(tampered, index, proof, MERKLE_DEPTH, MERKLE_ROOT)


# Canonical encoding (spec/encoding.py)


@dataclass(frozen=True)
class RoundTrip:
    """What encoding a value and decoding the bytes again gave."""

    original: object
    """The value encoded."""
    encoded: bytes
    """Its canonical encoding."""
    decoded: object
    """The value decoded from the encoding, or the reason decoding was rejected."""


def is_round_trip(result: RoundTrip, encoding: bytes) -> bool:
    """Return whether the value encoded as ``encoding`` and decoded to itself, type included."""
    return (
        result.encoded == encoding
        and result.decoded == result.original
        and type(result.decoded) is type(result.original)
    )


def encode_position_fields(block: int, transaction: int, output: int) -> bytes:
    """Return the encoding of a position as the encoding table states it: big-endian fields."""
    return block.to_bytes(8, "big") + transaction.to_bytes(2, "big") + output.to_bytes(1, "big")


def uint64_encoding_round_trip(value: int) -> RoundTrip:
    """A Uint64 encodes as 8 big-endian bytes and decodes back to itself.

    pre: 0 <= value <= UINT64_MAX
    post: is_round_trip(__return__, value.to_bytes(8, "big"))
    """
    encoded = encode(Uint64(value))
    return RoundTrip(Uint64(value), encoded, run_or_reason(lambda: decode(Uint64, encoded)))


def position_encoding_round_trip(block: int, transaction: int, output: int) -> RoundTrip:
    """An output position encodes in 8 + 2 + 1 bytes and decodes back to itself.

    pre: 0 <= block <= UINT64_MAX and 0 <= transaction < 2**16 and 0 <= output < 2**8
    post: is_round_trip(__return__, encode_position_fields(block, transaction, output))
    """
    position = OutputPosition(Uint64(block), Uint16(transaction), Uint8(output))
    encoded = encode(position)
    return RoundTrip(position, encoded, run_or_reason(lambda: decode(OutputPosition, encoded)))


def output_encoding_round_trip(owner: int, token: int, amount: int) -> RoundTrip:
    """An output encodes in 20 + 20 + 32 bytes and decodes back to itself.

    pre: owner in (0, 1) and token in (0, 1)
    pre: 0 <= amount <= UINT256_MAX
    post: is_round_trip(__return__, TOKENS[owner] + TOKENS[token] + amount.to_bytes(32, "big"))
    """
    output = Output(owner=TOKENS[owner], token=TOKENS[token], amount=Uint256(amount))
    encoded = encode(output)
    return RoundTrip(output, encoded, run_or_reason(lambda: decode(Output, encoded)))


POSITION_LENGTH = 8 + 2 + 1
"""Length of an encoded output position: block number, transaction index, output index."""


def reencode_position(data: bytes) -> bytes | RejectionReason:
    """Return the re-encoding of the position decoded from ``data``, or the rejection reason."""
    return run_or_reason(lambda: encode(decode(OutputPosition, data)))


def compute_expected_position_reencoding(data: bytes) -> bytes | RejectionReason:
    """Return what re-encoding a decoded position must give: ``data`` itself, or a rejection."""
    if len(data) < POSITION_LENGTH:
        return RejectionReason.ENCODING_TRUNCATED
    if len(data) > POSITION_LENGTH:
        return RejectionReason.ENCODING_TRAILING_BYTES
    return data


def position_decoding_is_strict(data: bytes) -> bytes | RejectionReason:
    """Decoding accepts exactly the 11-byte strings, each the encoding of what it decodes to.

    pre: len(data) <= 13
    post: __return__ == compute_expected_position_reencoding(data)
    """
    return reencode_position(data)


OptionalFlag = bool | None
"""A small union type whose decoder reads a presence byte and then a flag byte."""

CANONICAL_OPTIONAL_FLAGS = (b"\x00", b"\x01\x00", b"\x01\x01")
"""The encodings of None, False and True as an ``OptionalFlag``."""


def optional_flag_decoding_is_strict(data: bytes) -> bytes | RejectionReason:
    """Decoding an optional flag accepts only canonical bytes and rejects with ENCODING_* only.

    pre: len(data) <= 3
    post: __return__ == data if data in CANONICAL_OPTIONAL_FLAGS else __return__ in ENCODING_REASONS
    """
    return run_or_reason(lambda: encode(decode_as(OptionalFlag, data), OptionalFlag))


# Value conservation of payments (spec/payments/chain.py)

PaymentLeg = tuple[bool, int]
"""(whether the token is ``TOKENS[1]``, amount) of one input or output of a payment."""

PaymentLegs = tuple[PaymentLeg, PaymentLeg]
"""The two inputs, or the two outputs, of a payment."""

INPUT_POSITIONS = (
    OutputPosition(Uint64(1), Uint16(0), Uint8(0)),
    OutputPosition(Uint64(2), Uint16(0), Uint8(0)),
)
"""Where the two unspent outputs a payment spends sit."""


def is_payment_leg(leg: PaymentLeg) -> bool:
    """Return whether ``leg`` has a positive Uint256 amount."""
    return 0 < leg[1] <= UINT256_MAX


def are_payment_legs(inputs: PaymentLegs, outputs: PaymentLegs) -> bool:
    """Return whether every input and output is a valid leg."""
    return all(is_payment_leg(leg) for leg in (*inputs, *outputs))


def make_output(leg: PaymentLeg) -> Output:
    """Return ``OWNER``'s output of the leg's token and amount."""
    is_second_token, amount = leg
    return Output(OWNER, TOKENS[1] if is_second_token else TOKENS[0], Uint256(amount))


def compute_token_sum(legs: PaymentLegs, token: int) -> int:
    """Return the unbounded sum of the amounts of ``legs`` in ``TOKENS[token]``."""
    return sum(amount for is_second_token, amount in legs if int(is_second_token) == token)


def is_within_range(legs: PaymentLegs) -> bool:
    """Return whether the amounts of ``legs`` sum to at most the largest Uint256 in each token."""
    return all(compute_token_sum(legs, token) <= UINT256_MAX for token in (0, 1))


def is_covered(inputs: PaymentLegs, outputs: PaymentLegs) -> bool:
    """Return whether, in each token, the outputs sum to at most the inputs."""
    return all(
        compute_token_sum(outputs, token) <= compute_token_sum(inputs, token) for token in (0, 1)
    )


def is_value_conserved(
    inputs: PaymentLegs,
    outputs: PaymentLegs,
    fees: dict[int, int],
) -> bool:
    """Return whether, for each token, the inputs sum to the outputs plus the fee (0 if absent)."""
    return all(
        compute_token_sum(inputs, token) == compute_token_sum(outputs, token) + fees.get(token, 0)
        for token in (0, 1)
    )


FeeRule = Callable[[ChildChainState, Transaction], dict[Address, Uint256]]
"""The signature of ``compute_payment_fees`` (and of its broken twins)."""


def get_payment_fees(
    inputs: PaymentLegs, outputs: PaymentLegs, rule: FeeRule = compute_payment_fees
) -> dict[int, int] | RejectionReason:
    """Return the fee per token index ``rule`` (the spec's) gives a payment of two inputs."""
    spent = [make_output(leg) for leg in inputs]
    created = tuple(make_output(leg) for leg in outputs)
    state = ChildChainState(
        environment_id=Uint64(0),
        operator=OWNER,
        transaction_tree_depth=Uint8(MERKLE_DEPTH),
        block_number=Uint64(2),
        utxos=dict(zip(INPUT_POSITIONS, spent, strict=True)),
        spent=frozenset(),
        deposited={},
        exited={},
        fees_paid={},
        fees_claimed={},
    )
    transaction = Transaction(inputs=INPUT_POSITIONS, outputs=created)
    fees = run_or_reason(lambda: rule(state, transaction))
    if isinstance(fees, RejectionReason):
        return fees
    return {TOKENS.index(token): int(fee) for token, fee in fees.items()}


def is_fee_table(fees: dict[int, int] | RejectionReason) -> bool:
    """Return whether ``fees`` is a table of fees (not a rejection) with no zero entry."""
    return isinstance(fees, dict) and 0 not in fees.values()


def payment_fee_conserves_value(
    inputs: PaymentLegs, outputs: PaymentLegs
) -> dict[int, int] | RejectionReason:
    """An accepted payment's inputs equal its outputs plus its fee, per token; no zero fees.

    pre: are_payment_legs(inputs, outputs)
    pre: is_within_range(inputs) and is_covered(inputs, outputs)
    post: is_fee_table(__return__) and is_value_conserved(inputs, outputs, __return__)
    """
    return get_payment_fees(inputs, outputs)


def payment_outputs_above_inputs(
    inputs: PaymentLegs, outputs: PaymentLegs
) -> dict[int, int] | RejectionReason:
    """A payment whose outputs exceed its inputs in some token is rejected for that.

    pre: are_payment_legs(inputs, outputs)
    pre: is_within_range(inputs) and is_within_range(outputs)
    pre: not is_covered(inputs, outputs)
    post: __return__ == RejectionReason.TX_OUTPUTS_EXCEED_INPUTS
    """
    return get_payment_fees(inputs, outputs)


def payment_sums_past_maximum(
    inputs: PaymentLegs, outputs: PaymentLegs
) -> dict[int, int] | RejectionReason:
    """A payment whose inputs or outputs in some token sum past the maximum is rejected.

    pre: are_payment_legs(inputs, outputs)
    pre: not (is_within_range(inputs) and is_within_range(outputs))
    post: __return__ == RejectionReason.INTEGER_OVERFLOW
    """
    return get_payment_fees(inputs, outputs)


# The table


@dataclass(frozen=True)
class EntryPoint:
    """One CrossHair entry point and the catalogued invariants it supports."""

    function: Callable[..., object]
    """The wrapper whose docstring contract CrossHair checks."""
    invariants: tuple[str, ...]
    """Ids of the invariants (``spec/invariants/catalog.py``) the contract supports."""
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


ARITHMETIC = ("INV-01", "INV-16", "INV-23")
"""Checked arithmetic: a wrapped sum or difference would create or destroy value."""

MATURITY = ("INV-07",)
"""Exitable times."""

PRIORITY = ("INV-08", "INV-19")
"""Exit queue order: older outputs first is what protects them from invalid blocks."""

DETERMINISM = ("INV-14",)
"""Canonical encoding: one value, one encoding, so one digest."""

VALUE = ("INV-15", "INV-16")
"""Payments move value and never create it."""

ENTRY_POINTS: tuple[EntryPoint, ...] = (
    EntryPoint(uint_addition_within_range, ARITHMETIC),
    EntryPoint(uint_addition_past_maximum, ARITHMETIC),
    EntryPoint(uint_subtraction_within_range, ARITHMETIC),
    EntryPoint(uint_subtraction_below_zero, ARITHMETIC),
    EntryPoint(uint_multiplication_within_range, ARITHMETIC),
    EntryPoint(uint_multiplication_past_maximum, ARITHMETIC),
    EntryPoint(exitable_time_waits_one_period, MATURITY),
    EntryPoint(exitable_time_of_deposit_output, MATURITY),
    EntryPoint(exitable_time_of_child_output, (*MATURITY, "INV-19")),
    EntryPoint(exitable_time_past_maximum, MATURITY),
    EntryPoint(exitable_time_is_monotone_in_start, MATURITY),
    EntryPoint(priority_follows_exitable_time, PRIORITY),
    EntryPoint(priority_breaks_ties_by_position, PRIORITY),
    EntryPoint(priority_breaks_ties_by_exit_id, PRIORITY),
    EntryPoint(priority_is_a_total_order, PRIORITY),
    EntryPoint(exit_queue_is_ordered_and_complete, PRIORITY),
    EntryPoint(merkle_proof_verifies, ("INV-18",), exhaustive=True),
    EntryPoint(merkle_proof_binds_index, ("INV-08", "INV-19"), exhaustive=True),
    EntryPoint(merkle_proof_binds_leaf, ("INV-18", "INV-19"), exhaustive=True),
    EntryPoint(uint64_encoding_round_trip, DETERMINISM),
    EntryPoint(position_encoding_round_trip, DETERMINISM),
    EntryPoint(output_encoding_round_trip, DETERMINISM),
    EntryPoint(position_decoding_is_strict, DETERMINISM),
    EntryPoint(optional_flag_decoding_is_strict, DETERMINISM),
    EntryPoint(payment_fee_conserves_value, VALUE),
    EntryPoint(payment_outputs_above_inputs, VALUE),
    EntryPoint(payment_sums_past_maximum, VALUE),
)
"""Every entry point, with the invariants it supports."""
