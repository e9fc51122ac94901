"""Cryptography: keccak-256, addresses and recoverable secp256k1 signatures."""

from __future__ import annotations

import pytest
from coincurve import PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from spec.crypto import (
    SECP256K1_HALF_ORDER,
    SECP256K1_ORDER,
    compute_address,
    compute_address_of_private_key,
    keccak256,
    recover_signer,
    sign,
)
from spec.errors import Rejected, RejectionReason
from spec.primitives import Address, Hash32, Signature
from tests.strategies import hash32s, private_keys
from tests.support import ALICE, ALICE_KEY, BOB, rejects

SECP256K1_FIELD_PRIME = 2**256 - 2**32 - 977
"""The prime ``p`` of secp256k1's base field (used only to explain unrecoverable r)."""

MESSAGE = keccak256(b"plasma-spec test message")
"""A fixed message hash for the example-based tests."""

FAST = settings(max_examples=40, deadline=None)


def split(signature: Signature) -> tuple[int, int, int]:
    """Return the (r, s, recovery id) of a signature."""
    return (
        int.from_bytes(signature[0:32], "big"),
        int.from_bytes(signature[32:64], "big"),
        signature[64],
    )


def join(r: int, s: int, recovery_id: int) -> Signature:
    """Return the signature with the given r, s and recovery id."""
    return Signature(r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([recovery_id]))


def compute_high_s_twin(signature: Signature) -> Signature:
    """Return the malleable twin (r, n - s, recovery id flipped) of a signature."""
    r, s, recovery_id = split(signature)
    return join(r, SECP256K1_ORDER - s, recovery_id ^ 1)


def recover_without_rules(message_hash: Hash32, signature: Signature) -> Address:
    """Recover the signer with libsecp256k1 alone, bypassing the spec's checks."""
    public_key = PublicKey.from_signature_and_message(
        bytes(signature), bytes(message_hash), hasher=None
    )
    return compute_address(public_key.format(compressed=False))


def find_unrecoverable_r() -> int:
    """Return the smallest r for which libsecp256k1 recovers no public key."""
    for r in range(1, 1000):
        try:
            recover_without_rules(MESSAGE, join(r, 1, 0))
        except ValueError:
            return r
    raise AssertionError("no unrecoverable r below 1000")


# Known answers


def test_keccak256_known_answers() -> None:
    """Given the empty string and "abc".

    When they are hashed with keccak256,
    Then the digests are Ethereum's keccak-256 values (not SHA3-256's).
    """
    assert keccak256(b"") == Hash32.from_hex(
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    )
    assert keccak256(b"abc") == Hash32.from_hex(
        "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
    )


def test_address_of_private_key_one() -> None:
    """Given the private key 1 (32 bytes, big-endian).

    When its address is derived,
    Then it is Ethereum's well-known 0x7e5f4552091a69125d5dfcb7b8c2659029395bdf.
    """
    address = compute_address_of_private_key((1).to_bytes(32, "big"))
    assert address == Address.from_hex("0x7e5f4552091a69125d5dfcb7b8c2659029395bdf")


# Signing and recovery


@FAST
@given(private_key=private_keys(), message=st.binary(max_size=64))
def test_sign_then_recover_gives_the_signer(private_key: bytes, message: bytes) -> None:
    """Given any valid private key and any message.

    When the message's keccak256 hash is signed and the signer recovered,
    Then the recovered address is the key's address, the signature obeys the
    low-s rule and its recovery id is 0 or 1.
    """
    message_hash = keccak256(message)
    signature = sign(private_key, message_hash)
    _, s, recovery_id = split(signature)
    assert recover_signer(message_hash, signature) == compute_address_of_private_key(private_key)
    assert 1 <= s <= SECP256K1_HALF_ORDER
    assert recovery_id in (0, 1)


@FAST
@given(private_key=private_keys(), signed=hash32s(), other=hash32s())
def test_wrong_message_recovers_another_address(
    private_key: bytes, signed: Hash32, other: Hash32
) -> None:
    """Given a signature over one message hash.

    When the signer is recovered against a different hash,
    Then recovery succeeds (no exception) but names a different address.
    """
    if signed == other:
        return
    signature = sign(private_key, signed)
    assert recover_signer(other, signature) != compute_address_of_private_key(private_key)


def test_recovery_of_fixed_actors() -> None:
    """Given Alice's deterministic key.

    When she signs MESSAGE,
    Then the signature recovers to ALICE and not to BOB.
    """
    recovered = recover_signer(MESSAGE, sign(ALICE_KEY, MESSAGE))
    assert recovered == ALICE and recovered != BOB


# Malformed signatures


@rejects(RejectionReason.SIGNATURE_MALFORMED)
def test_zero_r_is_rejected() -> None:
    """Given Alice's signature with r replaced by 0.

    When the signer is recovered,
    Then it is rejected with SIGNATURE_MALFORMED.
    """
    _, s, recovery_id = split(sign(ALICE_KEY, MESSAGE))
    recover_signer(MESSAGE, join(0, s, recovery_id))


@rejects(RejectionReason.SIGNATURE_MALFORMED)
def test_zero_s_is_rejected() -> None:
    """Given Alice's signature with s replaced by 0.

    When the signer is recovered,
    Then it is rejected with SIGNATURE_MALFORMED.
    """
    r, _, recovery_id = split(sign(ALICE_KEY, MESSAGE))
    recover_signer(MESSAGE, join(r, 0, recovery_id))


@rejects(RejectionReason.SIGNATURE_MALFORMED)
def test_r_equal_to_the_order_is_rejected() -> None:
    """Given Alice's signature with r replaced by the group order n.

    When the signer is recovered,
    Then it is rejected with SIGNATURE_MALFORMED (r must be below n).
    """
    _, s, recovery_id = split(sign(ALICE_KEY, MESSAGE))
    recover_signer(MESSAGE, join(SECP256K1_ORDER, s, recovery_id))


@rejects(RejectionReason.SIGNATURE_MALFORMED)
def test_recovery_id_two_is_rejected() -> None:
    """Given Alice's signature with recovery id 2 (the "x = r + n" case).

    When the signer is recovered,
    Then it is rejected with SIGNATURE_MALFORMED (only 0 and 1 are allowed).
    """
    r, s, _ = split(sign(ALICE_KEY, MESSAGE))
    recover_signer(MESSAGE, join(r, s, 2))


@rejects(RejectionReason.SIGNATURE_MALFORMED)
def test_legacy_recovery_id_27_is_rejected() -> None:
    """Given Alice's signature with Ethereum's legacy v = 27 instead of recovery id 0.

    When the signer is recovered,
    Then it is rejected with SIGNATURE_MALFORMED (the spec takes 0 or 1, not 27 or 28).
    """
    r, s, _ = split(sign(ALICE_KEY, MESSAGE))
    recover_signer(MESSAGE, join(r, s, 27))


# The low-s rule


@rejects(RejectionReason.SIGNATURE_HIGH_S)
def test_high_s_twin_is_rejected() -> None:
    """Given the high-s twin (r, n - s, recovery id flipped) of Alice's signature.

    When the signer is recovered,
    Then it is rejected with SIGNATURE_HIGH_S.
    """
    recover_signer(MESSAGE, compute_high_s_twin(sign(ALICE_KEY, MESSAGE)))


@FAST
@given(private_key=private_keys(), message_hash=hash32s())
def test_high_s_twin_recovers_the_same_signer_without_the_rule(
    private_key: bytes, message_hash: Hash32
) -> None:
    """Given a valid signature and its high-s twin.

    When libsecp256k1 recovers the twin's signer directly (bypassing the low-s check),
    Then it names the same address: a second valid-looking signature for the same
    payment exists, which is why the spec accepts only the low-s one.
    """
    signature = sign(private_key, message_hash)
    twin = compute_high_s_twin(signature)
    assert twin != signature
    assert recover_without_rules(message_hash, twin) == compute_address_of_private_key(private_key)


def test_s_at_half_the_order_is_allowed() -> None:
    """Given Alice's signature with s set to floor(n / 2), the largest low s.

    When the signer is recovered,
    Then the low-s rule lets it through (some address recovers), while floor(n / 2) + 1
    is rejected with SIGNATURE_HIGH_S.
    """
    r, _, recovery_id = split(sign(ALICE_KEY, MESSAGE))
    assert isinstance(recover_signer(MESSAGE, join(r, SECP256K1_HALF_ORDER, recovery_id)), Address)
    with pytest.raises(Rejected) as raised:
        recover_signer(MESSAGE, join(r, SECP256K1_HALF_ORDER + 1, recovery_id))
    assert raised.value.reason == RejectionReason.SIGNATURE_HIGH_S


# Unrecoverable signatures


def test_unrecoverable_r_has_no_curve_point() -> None:
    """Given the smallest r for which libsecp256k1's recovery fails.

    When r**3 + 7 is tested for being a square modulo p (Euler's criterion),
    Then it is not: no curve point has x = r, so no public key can be recovered.
    """
    r = find_unrecoverable_r()
    assert pow(r**3 + 7, (SECP256K1_FIELD_PRIME - 1) // 2, SECP256K1_FIELD_PRIME) != 1
    for smaller in range(1, r):
        assert pow(smaller**3 + 7, (SECP256K1_FIELD_PRIME - 1) // 2, SECP256K1_FIELD_PRIME) == 1


@rejects(RejectionReason.SIGNATURE_UNRECOVERABLE)
def test_signature_with_no_curve_point_is_rejected() -> None:
    """Given a well-formed low-s signature whose r is the x of no curve point.

    When the signer is recovered,
    Then it is rejected with SIGNATURE_UNRECOVERABLE.
    """
    recover_signer(MESSAGE, join(find_unrecoverable_r(), 1, 0))
