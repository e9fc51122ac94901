"""Reference encoders, hashes and signer recovery equal the spec's, byte for byte."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference import signatures as reference_signatures
from reference.columns import encode_count
from reference.environments.payments import encoding as reference
from spec.crypto import SECP256K1_HALF_ORDER, SECP256K1_ORDER, recover_signer, sign
from spec.encoding import encode
from spec.environments.payments.transactions import (
    Block,
    BlockTransaction,
    DepositTransaction,
    FeeClaim,
    Output,
    SignedTransaction,
    Transaction,
    compute_signing_hash,
    compute_transaction_leaf,
)
from spec.errors import Rejected, RejectionReason
from spec.positions import OutputPosition
from spec.primitives import Address, Hash32, Signature, Uint64
from tests.strategies import (
    block_transactions,
    blocks,
    deposit_transactions,
    fee_claims,
    hash32s,
    output_positions,
    outputs,
    private_keys,
    signatures,
    signed_transactions,
    transactions,
    uint64s,
)
from tests.support import ALICE, ALICE_KEY, rejects

FAST = settings(max_examples=60, deadline=None)

SECP256K1_FIELD_PRIME = 2**256 - 2**32 - 977
"""The prime of secp256k1's base field; the curve is ``y^2 = x^3 + 7`` over it."""


def is_curve_x_coordinate(x: int) -> bool:
    """Return whether some point of secp256k1 has ``x`` as its x coordinate (Euler's criterion)."""
    p = SECP256K1_FIELD_PRIME
    return pow((x**3 + 7) % p, (p - 1) // 2, p) == 1


def make_signature(r: int, s: int, recovery_id: int) -> Signature:
    """Return the 65-byte signature ``r ‖ s ‖ recovery id``."""
    return Signature(r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([recovery_id]))


NO_POINT_R = next(x for x in itertools.count(1) if not is_curve_x_coordinate(x))
"""The smallest r that is the x coordinate of no curve point: nothing recovers from it."""


def spec_recovery(message: Hash32, signature: Signature) -> Address | RejectionReason:
    """Return the spec's recovered signer, or its rejection reason."""
    try:
        return recover_signer(message, signature)
    except Rejected as rejection:
        return rejection.reason


# Encodings


@FAST
@given(output_positions())
def test_position_encoding_equals_the_spec(position: OutputPosition) -> None:
    """Given any output position.

    When it is encoded by hand,
    Then the bytes equal the spec's canonical encoding.
    """
    assert reference.encode_position(position) == encode(position)


@FAST
@given(outputs())
def test_output_encoding_equals_the_spec(output: Output) -> None:
    """Given any output, zero and maximal amounts included.

    When it is encoded by hand,
    Then the bytes equal the spec's canonical encoding.
    """
    assert reference.encode_output(output) == encode(output)


@FAST
@given(transactions())
def test_transaction_encoding_equals_the_spec(transaction: Transaction) -> None:
    """Given a transaction of 0 to 5 inputs and outputs.

    When it is encoded by hand,
    Then the bytes equal the spec's canonical encoding.
    """
    assert reference.encode_transaction(transaction) == encode(transaction)


@FAST
@given(signed_transactions())
def test_signed_transaction_encoding_equals_the_spec(signed: SignedTransaction) -> None:
    """Given a payment with any number of arbitrary signatures.

    When it is encoded by hand,
    Then the bytes equal the spec's canonical encoding.
    """
    assert reference.encode_signed_transaction(signed) == encode(signed)


@FAST
@given(fee_claims(), deposit_transactions())
def test_claim_and_deposit_encodings_equal_the_spec(
    claim: FeeClaim, deposit: DepositTransaction
) -> None:
    """Given any fee claim and any deposit.

    When they are encoded by hand,
    Then the bytes equal the spec's canonical encodings.
    """
    assert reference.encode_fee_claim(claim) == encode(claim)
    assert reference.encode_deposit(deposit) == encode(deposit)


@FAST
@given(block_transactions())
def test_block_transaction_encoding_and_leaf_equal_the_spec(transaction: BlockTransaction) -> None:
    """Given any of the three kinds of block transaction.

    When it is encoded as the union and hashed into a Merkle leaf,
    Then the tagged bytes and the leaf equal the spec's.
    """
    encoded = reference.encode_block_transaction(transaction)
    assert encoded == encode(transaction, BlockTransaction)
    assert reference.compute_transaction_leaf(transaction) == compute_transaction_leaf(transaction)


@settings(max_examples=30, deadline=None)
@given(blocks())
def test_block_encoding_equals_the_spec(block: Block) -> None:
    """Given a block of 0 to 8 transactions of any kind.

    When it is encoded by hand,
    Then the bytes equal the spec's canonical encoding.
    """
    assert reference.encode_block(block) == encode(block)


@FAST
@given(uint64s(), transactions())
def test_signing_hash_equals_the_spec(environment_id: Uint64, transaction: Transaction) -> None:
    """Given any environment id and any transaction.

    When the signing hash is computed by hand,
    Then it equals the spec's and is a Hash32.
    """
    expected = compute_signing_hash(environment_id, transaction)
    computed = reference.compute_signing_hash(environment_id, transaction)
    assert computed == expected
    assert isinstance(computed, Hash32)


@rejects(RejectionReason.INTEGER_OVERFLOW)
def test_count_beyond_uint32_is_rejected() -> None:
    """Given a count of 2**32 items.

    When its prefix is encoded,
    Then it is rejected with INTEGER_OVERFLOW, as the spec's Uint32 count is.
    """
    encode_count(2**32)


# Signer recovery


@FAST
@given(private_keys(), hash32s())
def test_recovery_of_valid_signature_finds_the_signer(key: bytes, message: Hash32) -> None:
    """Given a low-s signature by a random key over a random hash.

    When its signer is recovered,
    Then it is the spec's answer, the key's address.
    """
    signature = sign(key, message)
    assert reference_signatures.recover_signer(message, signature) == recover_signer(
        message, signature
    )


@settings(max_examples=150, deadline=None)
@given(
    hash32s(),
    st.one_of(
        signatures(),
        st.builds(
            make_signature,
            st.sampled_from([0, 1, NO_POINT_R, SECP256K1_ORDER - 1, SECP256K1_ORDER, 2**256 - 1]),
            st.sampled_from(
                [0, 1, SECP256K1_HALF_ORDER, SECP256K1_HALF_ORDER + 1, SECP256K1_ORDER, 2**256 - 1]
            ),
            st.integers(0, 4),
        ),
    ),
)
def test_recovery_of_any_bytes_matches_the_spec(message: Hash32, signature: Signature) -> None:
    """Given any 65 bytes, edge values of r, s and the recovery id included.

    When the signer is recovered (or not),
    Then the address or the rejection reason equals the spec's.
    """
    assert reference_signatures.try_recover_signer(message, signature) == spec_recovery(
        message, signature
    )


@rejects(RejectionReason.SIGNATURE_MALFORMED)
def test_recovery_id_two_is_malformed() -> None:
    """Given Alice's valid signature with recovery id 2.

    When its signer is recovered,
    Then it is rejected with SIGNATURE_MALFORMED.
    """
    message = Hash32(b"\x07" * 32)
    signature = sign(ALICE_KEY, message)
    reference_signatures.recover_signer(message, Signature(signature[:64] + b"\x02"))


@rejects(RejectionReason.SIGNATURE_HIGH_S)
def test_high_s_twin_is_rejected() -> None:
    """Given Alice's valid signature turned into its high-s twin (s -> n - s).

    When its signer is recovered,
    Then it is rejected with SIGNATURE_HIGH_S.
    """
    message = Hash32(b"\x07" * 32)
    signature = sign(ALICE_KEY, message)
    s = int.from_bytes(signature[32:64], "big")
    twin = make_signature(int.from_bytes(signature[:32], "big"), SECP256K1_ORDER - s, 1)
    reference_signatures.recover_signer(message, twin)


@rejects(RejectionReason.SIGNATURE_UNRECOVERABLE)
def test_r_of_no_curve_point_is_unrecoverable() -> None:
    """Given a signature whose r is the x coordinate of no curve point.

    When its signer is recovered,
    Then it is rejected with SIGNATURE_UNRECOVERABLE.
    """
    reference_signatures.recover_signer(Hash32(b"\x07" * 32), make_signature(NO_POINT_R, 1, 0))


@pytest.mark.parametrize("workers", [1, 2, 3, None])
def test_batch_recovery_equals_one_by_one(workers: int | None) -> None:
    """Given 300 signed messages (five runs for the threads), every tenth signature broken.

    When they are recovered as a batch on ``workers`` threads,
    Then each result, in order, equals the spec's address or reason for that item.
    """
    broken = [
        make_signature(0, 1, 0),
        make_signature(1, SECP256K1_ORDER - 1, 0),
        make_signature(NO_POINT_R, 1, 1),
    ]
    items: list[tuple[bytes, bytes]] = []
    for index in range(300):
        message = Hash32(index.to_bytes(32, "big"))
        key = (index + 1).to_bytes(32, "big")
        signature = broken[index % 3] if index % 10 == 0 else sign(key, message)
        items.append((message, signature))
    results = reference_signatures.recover_signers(items, workers)
    expected = [spec_recovery(Hash32(m), Signature(s)) for m, s in items]
    assert results == expected
    assert sum(isinstance(result, RejectionReason) for result in results) == 30
    assert ALICE not in results


def test_batch_of_nothing_is_empty() -> None:
    """Given no signed messages.

    When they are recovered as a batch on two threads,
    Then the result is empty.
    """
    assert reference_signatures.recover_signers([], 2) == []
