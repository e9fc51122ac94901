"""Cryptography: keccak-256 and secp256k1 recoverable signatures.

Signatures follow Ethereum's conventions: a 65-byte ``r ‖ s ‖ v`` with
recovery id ``v`` in {0, 1}, the low-s rule (``s <= n/2``) so that each
signature has no malleable twin, and addresses derived as the last 20 bytes of
the keccak-256 hash of the uncompressed public key without its prefix byte.

The arithmetic is done by libsecp256k1 (through ``coincurve``) and keccak by
``pycryptodome``; this module states the rules around them.
"""

from __future__ import annotations

from coincurve import PrivateKey, PublicKey
from Crypto.Hash import keccak

from spec.errors import RejectionReason, reject, require
from spec.primitives import Address, Hash32, Signature

SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
"""The order ``n`` of the secp256k1 group."""

SECP256K1_HALF_ORDER = SECP256K1_ORDER // 2
"""The largest ``s`` the low-s rule allows, ``floor(n / 2)``."""


def keccak256(data: bytes) -> Hash32:
    """Return the keccak-256 digest of ``data`` (Ethereum's hash, not SHA3-256)."""
    return Hash32(keccak.new(digest_bits=256, data=data).digest())


def compute_address(public_key: bytes) -> Address:
    """Return the address of a 65-byte uncompressed public key (``0x04 ‖ x ‖ y``)."""
    assert len(public_key) == 65 and public_key[0] == 4, "not an uncompressed public key"
    return Address(keccak256(public_key[1:])[12:])


def compute_address_of_private_key(private_key: bytes) -> Address:
    """Return the address controlled by a 32-byte private key."""
    public_key = PrivateKey(private_key).public_key.format(compressed=False)
    return compute_address(public_key)


def sign(private_key: bytes, message_hash: Hash32) -> Signature:
    """Sign a 32-byte message hash; the result obeys the low-s rule.

    This is a helper for tests and wallets: the protocol only ever verifies.
    """
    signature = Signature(PrivateKey(private_key).sign_recoverable(message_hash, hasher=None))
    assert int.from_bytes(signature[32:64], "big") <= SECP256K1_HALF_ORDER
    return signature


def recover_signer(message_hash: Hash32, signature: Signature) -> Address:
    """Return the address that signed ``message_hash``.

    Raises:
        Rejected: ``SIGNATURE_MALFORMED`` when r or s is outside [1, n-1] or the
            recovery id is not 0 or 1; ``SIGNATURE_HIGH_S`` when s > n/2;
            ``SIGNATURE_UNRECOVERABLE`` when no public key recovers.
    """
    r = int.from_bytes(signature[0:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    recovery_id = signature[64]
    # Verify r is a non-zero scalar below the group order
    require(0 < r < SECP256K1_ORDER, RejectionReason.SIGNATURE_MALFORMED, "r out of range")
    # Verify s is a non-zero scalar below the group order
    require(0 < s < SECP256K1_ORDER, RejectionReason.SIGNATURE_MALFORMED, "s out of range")
    # Verify the recovery id is one of the two Ethereum allows
    require(recovery_id in (0, 1), RejectionReason.SIGNATURE_MALFORMED, "recovery id")
    # Verify s is in the lower half of the order (no malleable twin)
    require(s <= SECP256K1_HALF_ORDER, RejectionReason.SIGNATURE_HIGH_S)
    try:
        public_key = PublicKey.from_signature_and_message(
            bytes(signature), bytes(message_hash), hasher=None
        )
    except ValueError:
        # Verify some public key recovers from the signature and message
        reject(RejectionReason.SIGNATURE_UNRECOVERABLE)
    return compute_address(public_key.format(compressed=False))
