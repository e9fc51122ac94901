"""Raw operations for differential runs: values of the right types, drawn from their whole range.

The plausible operations of ``tests.differential_operations`` follow the
state; these do not: any number (often at an edge of its width), any bytes as
an address, hash or signature, payments of zero to four inputs, outputs and
signatures. Most are rejected at the first check; both implementations must
still agree on which check that is.
"""

from __future__ import annotations

from fixtures import WATCHER
from spec.environments.payments.canonicity import ChallengeInFlightNotCanonical
from spec.environments.payments.exits import ChallengeStandardExit, StartStandardExit
from spec.environments.payments.in_flight import StartInFlightExit, TransactionInclusion
from spec.environments.payments.piggybacks import PiggybackInFlightExit
from spec.environments.payments.records import PiggybackSide
from spec.environments.payments.transactions import (
    BlockTransaction,
    DepositTransaction,
    FeeClaim,
    Output,
    SignedTransaction,
    Transaction,
)
from spec.positions import OutputPosition, TransactionPosition
from spec.primitives import Address, Hash32, Signature, Uint8, Uint16, Uint32, Uint64, Uint256
from spec.settlement.operations import AdvanceTime, Deposit, ProcessExits, SubmitBlock
from spec.settlement.transition import Operation
from tests.differential import Chooser


def draw_raw_position(chooser: Chooser) -> OutputPosition:
    """Draw an arbitrary output position."""
    return OutputPosition(
        Uint64(chooser.raw_integer(64)),
        Uint16(chooser.raw_integer(16)),
        Uint8(chooser.raw_integer(8)),
    )


def draw_raw_output(chooser: Chooser) -> Output:
    """Draw an arbitrary output."""
    return Output(
        Address(chooser.raw_bytes(20)),
        Address(chooser.raw_bytes(20)),
        Uint256(chooser.raw_integer(256)),
    )


def draw_raw_payment(chooser: Chooser) -> SignedTransaction:
    """Draw a payment of 0 to 4 arbitrary inputs, outputs and signatures (mostly malformed)."""
    inputs = tuple(draw_raw_position(chooser) for _ in range(chooser.pick(5)))
    outputs = tuple(draw_raw_output(chooser) for _ in range(chooser.pick(5)))
    signatures = tuple(Signature(chooser.raw_bytes(65)) for _ in range(chooser.pick(5)))
    return SignedTransaction(Transaction(inputs, outputs), signatures)


def draw_raw_transaction(chooser: Chooser) -> BlockTransaction:
    """Draw an arbitrary block transaction of any kind."""
    kind = chooser.pick(3)
    if kind == 0:
        return draw_raw_payment(chooser)
    output = draw_raw_output(chooser)
    return FeeClaim(output) if kind == 1 else DepositTransaction(output)


def draw_garbage(chooser: Chooser) -> Operation:
    """Draw a raw operation: any values of the right types, most of them meaningless."""
    number, amount = Uint64(chooser.raw_integer(64)), Uint256(chooser.raw_integer(256))
    sender, token = Address(chooser.raw_bytes(20)), Address(chooser.raw_bytes(20))
    small_id = Uint64(chooser.pick(5))  # mostly a registered environment
    kind = chooser.pick(9)
    if kind == 0:
        return Deposit(number, sender, token, amount)
    if kind == 1:
        return SubmitBlock(small_id, sender, number, Hash32(chooser.raw_bytes(32)))
    if kind == 2:
        proof = tuple(Hash32(chooser.raw_bytes(32)) for _ in range(chooser.pick(5)))
        position, transaction = draw_raw_position(chooser), draw_raw_transaction(chooser)
        return StartStandardExit(small_id, sender, position, transaction, proof, amount)
    if kind == 3:
        payment, index = draw_raw_payment(chooser), Uint8(chooser.raw_integer(8))
        return ChallengeStandardExit(small_id, sender, number, payment, index)
    if kind == 4:
        return ProcessExits(small_id, WATCHER.address, token, Uint32(chooser.raw_integer(32)))
    if kind >= 6:
        return draw_raw_in_flight(chooser, kind - 6)
    return AdvanceTime(number)


def draw_raw_in_flight(chooser: Chooser, kind: int) -> Operation:
    """Draw a raw in-flight operation: start, piggyback or canonicity challenge (``kind`` 0-2)."""
    sender, small_id = Address(chooser.raw_bytes(20)), Uint64(chooser.pick(5))
    exit_id, index = Uint64(chooser.raw_integer(64)), Uint8(chooser.raw_integer(8))
    if kind == 0:
        count = chooser.pick(3)
        transactions = tuple(draw_raw_transaction(chooser) for _ in range(count))
        proofs = tuple((Hash32(chooser.raw_bytes(32)),) for _ in range(chooser.pick(3)))
        amount = Uint256(chooser.raw_integer(256))
        payment = draw_raw_payment(chooser)
        return StartInFlightExit(small_id, sender, payment, transactions, proofs, amount)
    if kind == 1:
        side = chooser.choice((PiggybackSide.INPUT, PiggybackSide.OUTPUT))
        bond = Uint256(chooser.raw_integer(256))
        return PiggybackInFlightExit(small_id, sender, exit_id, side, index, bond)
    position = TransactionPosition(Uint64(chooser.raw_integer(64)), Uint16(chooser.raw_integer(16)))
    inclusion = TransactionInclusion(position, ()) if chooser.pick(2) else None
    payment = draw_raw_payment(chooser)
    return ChallengeInFlightNotCanonical(small_id, sender, exit_id, payment, index, inclusion)
