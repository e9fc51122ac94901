"""Codec cases: one accepted decode of every type in the codec's type list.

Each case decodes the canonical bytes of one value of the named type (a
primitive, a payments or Plasma Cash type, an operation union, a child-chain
state) and re-encodes them, so an implementation's decoder and encoder are
checked on every type a codec step may name, not only on the types the
rejection cases happen to use. The values come from the same worlds as the
other cases: Alice's payment, her minted coin passed to Bob with its witness.
"""

from __future__ import annotations

from typing import Any

from conformance.case_library.cash_chain_cases import ENV, start_cash_chain, transfer_block
from conformance.case_library.cash_worlds import CASH_ENVIRONMENT, start_passed_on
from conformance.case_library.codec_cases import start_codec
from conformance.case_library.worlds import ALICE, BOB, make_output, make_payment, make_position
from conformance.cases import TraceBuilder, case
from fixtures import CAROL
from spec.codec import CODEC_TYPES, Decode
from spec.encoding import encode
from spec.environments.cash.coins import CoinBlock, CoinMint, Transfer, sign_transfer
from spec.environments.cash.steps import ApplyMint
from spec.environments.payments.steps import ApplyDeposit
from spec.environments.payments.transactions import DepositTransaction
from spec.presets import Preset
from spec.primitives import NATIVE_TOKEN, Hash32, Uint8, Uint16, Uint32, Uint64, Uint256
from spec.settlement.operations import AdvanceTime


def decode_value(preset: Preset, type_name: str, value: Any) -> TraceBuilder:
    """Return a codec trace decoding ``value``'s canonical bytes as ``type_name``."""
    builder = start_codec(preset)
    builder.apply(Decode(type_name, encode(value, CODEC_TYPES[type_name])))
    return builder


@case(None)
def decode_each_primitive(preset: Preset) -> TraceBuilder:
    """Every primitive of the codec's list decodes and re-encodes: integers, bytes, hashes."""
    builder = start_codec(preset)
    payment = make_payment([make_position(1)], [make_output(BOB, 5)], [ALICE])
    values = {
        "Uint8": Uint8(200),
        "Uint16": Uint16(60_000),
        "Uint32": Uint32(4_000_000_000),
        "Uint64": Uint64(2**64 - 1),
        "Uint256": Uint256(2**255 + 7),
        "Address": ALICE.address,
        "Hash32": Hash32(bytes(range(32))),
        "Signature": payment.signatures[0],
        "bytes": b"plasma",
    }
    for name, value in values.items():
        builder.apply(Decode(name, encode(value, CODEC_TYPES[name])))
    return builder


@case(None)
def decode_payments_types(preset: Preset) -> TraceBuilder:
    """A position, a payment (signed and unsigned), a settlement and a chain operation decode."""
    builder = start_codec(preset)
    payment = make_payment([make_position(1)], [make_output(BOB, 5)], [ALICE])
    deposit = ApplyDeposit(Uint64(1), DepositTransaction(make_output(ALICE, 100)))
    for name, value in (
        ("OutputPosition", make_position(4, 1, 2)),
        ("Transaction", payment.transaction),
        ("SignedTransaction", payment),
        ("Operation", AdvanceTime(Uint64(60))),
        ("ChainOperation", deposit),
    ):
        builder.apply(Decode(name, encode(value, CODEC_TYPES[name])))
    return builder


@case(None)
def decode_cash_types(preset: Preset) -> TraceBuilder:
    """A mint, a transfer (signed and not), a leaf, a block, a proof and both witnesses decode."""
    _, world, blocks = start_passed_on(preset)
    env, coin = CASH_ENVIRONMENT, world.coin
    included = world.witness(env, blocks[0], coin)
    signed = sign_transfer(ENV, Transfer(Uint64(1), Uint64(1), BOB.address), ALICE.key)
    mint = CoinMint(Uint64(2), CAROL.address, NATIVE_TOKEN, Uint256(5))
    builder = start_codec(preset)
    for name, value in (
        ("CoinMint", CoinMint(Uint64(1), ALICE.address, NATIVE_TOKEN, Uint256(100))),
        ("Transfer", signed.transfer),
        ("SignedTransfer", signed),
        ("CoinLeaf", signed),
        ("CoinBlock", CoinBlock((signed,))),
        ("CompactProof", included.proof),
        ("IncludedLeaf", included),
        ("IncludedTransfer", world.transfer_witness(env, blocks[1], coin)),
        ("CashChainOperation", ApplyMint(mint)),
    ):
        builder.apply(Decode(name, encode(value, CODEC_TYPES[name])))
    return builder


@case(None)
def decode_cash_chain_state(preset: Preset) -> TraceBuilder:
    """A Cash child chain state after a mint and a transfer decodes and re-encodes."""
    chain = start_cash_chain(preset)
    chain.apply(transfer_block(preset, (1, 1, ALICE, BOB)))
    return decode_value(preset, "CashChainState", chain.state)
