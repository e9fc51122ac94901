"""Hypothesis strategies for the spec's primitive values and payment containers.

Every strategy here draws from the whole range of its type (any ``Uint64``,
any 20 bytes for an ``Address``), not only from values the protocol accepts:
``transactions()`` draws 0 to 5 inputs and outputs, so shapes the payment
rules reject (no inputs, too many outputs) come up too. Use the ``valid_*``
strategies when a test needs values that pass the rules.

Sizes are kept small so that property tests stay fast.
"""

from __future__ import annotations

from typing import TypeVar

from hypothesis import strategies as st

from spec.crypto import SECP256K1_ORDER, sign
from spec.environments.payments.transactions import (
    Block,
    BlockTransaction,
    DepositTransaction,
    FeeClaim,
    Output,
    SignedTransaction,
    Transaction,
)
from spec.positions import OutputPosition
from spec.presets import FULL, TINY, Preset
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

MAX_SHAPE = 5
"""Most inputs, outputs or signatures drawn: one more than a payment may hold."""

MAX_BLOCK_TRANSACTIONS = 8
"""Most transactions drawn for a block (the tiny preset's tree holds 8)."""

U = TypeVar("U", bound=Uint)
B = TypeVar("B", bound=FixedBytes)


# Unsigned integers


def uints(width: type[U]) -> st.SearchStrategy[U]:
    """Draw any value of the unsigned integer type ``width``, 0 to its maximum."""
    return st.integers(min_value=0, max_value=width.max_value()).map(width)


def uint8s() -> st.SearchStrategy[Uint8]:
    """Draw any ``Uint8``."""
    return uints(Uint8)


def uint16s() -> st.SearchStrategy[Uint16]:
    """Draw any ``Uint16``."""
    return uints(Uint16)


def uint32s() -> st.SearchStrategy[Uint32]:
    """Draw any ``Uint32``."""
    return uints(Uint32)


def uint64s() -> st.SearchStrategy[Uint64]:
    """Draw any ``Uint64``."""
    return uints(Uint64)


def uint256s() -> st.SearchStrategy[Uint256]:
    """Draw any ``Uint256``."""
    return uints(Uint256)


# Fixed-length byte strings


def fixed_bytes(kind: type[B]) -> st.SearchStrategy[B]:
    """Draw any byte string of the fixed-length type ``kind``."""
    return st.binary(min_size=kind.LENGTH, max_size=kind.LENGTH).map(kind)


def addresses() -> st.SearchStrategy[Address]:
    """Draw any 20-byte address."""
    return fixed_bytes(Address)


def hash32s() -> st.SearchStrategy[Hash32]:
    """Draw any 32-byte hash."""
    return fixed_bytes(Hash32)


def signatures() -> st.SearchStrategy[Signature]:
    """Draw any 65 bytes as a signature (mostly malformed ones)."""
    return fixed_bytes(Signature)


# Keys and valid signatures


def private_keys() -> st.SearchStrategy[bytes]:
    """Draw a valid secp256k1 private key: 32 big-endian bytes of a scalar in [1, n-1]."""
    return st.integers(min_value=1, max_value=SECP256K1_ORDER - 1).map(
        lambda scalar: scalar.to_bytes(32, "big")
    )


def valid_signatures() -> st.SearchStrategy[Signature]:
    """Draw a signature made by ``sign`` with a random key over a random hash."""
    return st.builds(sign, private_keys(), hash32s())


# Payment containers


def output_positions() -> st.SearchStrategy[OutputPosition]:
    """Draw any output position."""
    return st.builds(OutputPosition, uint64s(), uint16s(), uint8s())


def outputs() -> st.SearchStrategy[Output]:
    """Draw any output, including zero amounts."""
    return st.builds(Output, addresses(), addresses(), uint256s())


def transactions() -> st.SearchStrategy[Transaction]:
    """Draw a transaction of 0 to 5 inputs and 0 to 5 outputs (valid and invalid shapes)."""
    return st.builds(
        Transaction,
        st.lists(output_positions(), max_size=MAX_SHAPE).map(tuple),
        st.lists(outputs(), max_size=MAX_SHAPE).map(tuple),
    )


def signed_transactions() -> st.SearchStrategy[SignedTransaction]:
    """Draw a transaction with 0 to 5 arbitrary signatures (any count, any bytes)."""
    return st.builds(
        SignedTransaction,
        transactions(),
        st.lists(signatures(), max_size=MAX_SHAPE).map(tuple),
    )


def fee_claims() -> st.SearchStrategy[FeeClaim]:
    """Draw any fee claim."""
    return st.builds(FeeClaim, outputs())


def deposit_transactions() -> st.SearchStrategy[DepositTransaction]:
    """Draw any deposit transaction."""
    return st.builds(DepositTransaction, outputs())


def block_transactions() -> st.SearchStrategy[BlockTransaction]:
    """Draw any of the three kinds of block transaction."""
    return st.one_of(signed_transactions(), fee_claims(), deposit_transactions())


def blocks() -> st.SearchStrategy[Block]:
    """Draw a block of 0 to 8 transactions of any kind."""
    return st.builds(
        Block, st.lists(block_transactions(), max_size=MAX_BLOCK_TRANSACTIONS).map(tuple)
    )


# Presets


def presets() -> st.SearchStrategy[Preset]:
    """Draw one of the named presets (``tiny`` or ``full``)."""
    return st.sampled_from((TINY, FULL))


def arbitrary_presets() -> st.SearchStrategy[Preset]:
    """Draw a preset with any name and any field values (for encoding, not for running)."""
    return st.builds(
        Preset,
        st.text(max_size=8),
        uint64s(),
        uint64s(),
        uint8s(),
        uint8s(),
        uint64s(),
        uint256s(),
    )
