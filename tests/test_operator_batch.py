"""The operator's batch admission: ``Operator.submit_many`` against one-by-one ``submit``.

A batch is prepared on the ledger's threads (signing hashes, signers) and
then admitted in order, so it must give exactly the verdicts, reasons,
block and root of submitting its payments one at a time. Each test builds
two identical deployments (``tests.test_reference_roles.make_rig``), feeds
the same payments to one with ``submit`` and to the other with
``submit_many``, and compares; the blocks are judged by the spec.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from fixtures import ALICE, BOB, MALLORY, TOKEN_A, Actor
from reference.environments.payments import prepare as chain_prepare
from reference.parties.operator import Operator
from reference.signatures import RecoveryResult, try_recover_signer
from spec.crypto import SECP256K1_ORDER
from spec.environments.payments.chain import apply_block
from spec.environments.payments.kind import compute_child_chain_digest
from spec.environments.payments.transactions import (
    Block,
    Output,
    SignedTransaction,
    Transaction,
    compute_block_root,
)
from spec.errors import Rejected, RejectionReason
from spec.positions import OutputPosition
from spec.primitives import Signature, Uint8, Uint16, Uint256
from tests.test_reference_roles import DEPTH, ENV, Rig, make_rig

Verdict = RejectionReason | None
"""Why a payment was refused, or None when it was accepted."""

DEPOSITS_PER_INTERVAL = 3
"""Deposit blocks that fit between two child blocks in the TINY preset."""

THREADS = 2
"""Workers given to the ledger, so that a batch of several chunks is prepared on a pool."""


class OverlongSignatures(tuple[Signature, ...]):
    """Signatures claiming a count no ``Uint32`` prefix holds: their encoding overflows."""

    def __len__(self) -> int:
        return 2**32


def pay(actor: Actor, amount: int) -> Output:
    """Return an output of ``amount`` of token A to ``actor``."""
    return Output(actor.address, TOKEN_A, Uint256(amount))


def fund(rig: Rig, deposits: Sequence[tuple[Actor, int]]) -> list[OutputPosition]:
    """Make the deposits in order and return their output positions.

    An empty child block is committed after every third deposit: a block
    interval of the TINY preset holds three deposit blocks.
    """
    positions = []
    for count, (actor, amount) in enumerate(deposits, start=1):
        positions.append(OutputPosition(rig.deposit(actor, amount), Uint16(0), Uint8(0)))
        if count % DEPOSITS_PER_INTERVAL == 0:
            rig.operator.commit_block()
    return positions


def sign(
    rig: Rig, actor: Actor, inputs: Sequence[OutputPosition], outputs: Sequence[Output]
) -> SignedTransaction:
    """Return the payment of ``inputs`` to ``outputs`` signed by ``actor``'s wallet."""
    return rig.wallets[actor.name].sign(ENV, Transaction(tuple(inputs), tuple(outputs)))


def with_signature(payment: SignedTransaction, signature: bytes) -> SignedTransaction:
    """Return ``payment`` carrying ``signature`` instead of its own."""
    return SignedTransaction(payment.transaction, (Signature(signature),))


def make_mixed_batch(rig: Rig) -> tuple[SignedTransaction, list[SignedTransaction]]:
    """Fund the rig and return a pending payment and a batch breaking many rules after it.

    The verdict each payment of the batch deserves is :data:`MIXED_VERDICTS`.
    """
    a1, a2, b1, m1 = fund(rig, [(ALICE, 100), (ALICE, 40), (BOB, 50), (MALLORY, 30)])
    pending = sign(rig, MALLORY, [m1], [pay(BOB, 30)])
    # The batch's first payment takes index 1 of the next block, after the pending one
    created = OutputPosition(rig.operator.get_next_block_number(), Uint16(1), Uint8(0))
    spend_a2 = sign(rig, ALICE, [a2], [pay(BOB, 40)])
    signature = bytes(spend_a2.signatures[0])
    high_s = (SECP256K1_ORDER - int.from_bytes(signature[32:64], "big")).to_bytes(32, "big")
    batch = [
        sign(rig, ALICE, [a1], [pay(BOB, 60), pay(ALICE, 38)]),
        sign(rig, ALICE, [a1], [pay(MALLORY, 100)]),
        sign(rig, MALLORY, [m1], [pay(MALLORY, 30)]),
        sign(rig, BOB, [created], [pay(MALLORY, 59)]),
        sign(rig, MALLORY, [b1], [pay(MALLORY, 50)]),
        with_signature(spend_a2, bytes(32) + signature[32:]),
        with_signature(spend_a2, signature[:32] + high_s + bytes((1 - signature[64],))),
        sign(rig, ALICE, [a2], []),
        sign(rig, ALICE, [a2, a2], [pay(BOB, 40)]),
        sign(rig, ALICE, [a2], [pay(BOB, 40), pay(ALICE, 0)]),
        sign(rig, ALICE, [a2], [pay(BOB, 41)]),
        SignedTransaction(spend_a2.transaction, OverlongSignatures(spend_a2.signatures)),
        spend_a2,
        sign(rig, BOB, [b1], [pay(ALICE, 45)]),
    ]
    return pending, batch


MIXED_VERDICTS: list[Verdict] = [
    None,
    RejectionReason.TX_INPUT_NOT_UNSPENT,
    RejectionReason.TX_INPUT_NOT_UNSPENT,
    None,
    RejectionReason.TX_INPUT_NOT_SIGNED_BY_OWNER,
    RejectionReason.SIGNATURE_MALFORMED,
    RejectionReason.SIGNATURE_HIGH_S,
    RejectionReason.TX_NO_OUTPUTS,
    RejectionReason.TX_DUPLICATE_INPUT,
    RejectionReason.OUTPUT_AMOUNT_ZERO,
    RejectionReason.TX_OUTPUTS_EXCEED_INPUTS,
    RejectionReason.TX_SIGNATURE_COUNT_MISMATCH,
    None,
    None,
]
"""What the batch of :func:`make_mixed_batch` deserves, payment by payment."""


def submit_one_by_one(operator: Operator, payments: Sequence[SignedTransaction]) -> list[Verdict]:
    """Submit each payment in turn; return each one's verdict."""
    verdicts: list[Verdict] = []
    for payment in payments:
        try:
            operator.submit(payment)
        except Rejected as rejection:
            verdicts.append(rejection.reason)
        else:
            verdicts.append(None)
    return verdicts


def submit_as_batch(operator: Operator, payments: Sequence[SignedTransaction]) -> list[Verdict]:
    """Submit the payments as one batch; return each one's verdict."""
    refused = operator.submit_many(payments)
    reasons = {id(payment): rejection.reason for payment, rejection in refused}
    assert len(reasons) == len(refused), "each refused payment is reported once"
    assert [p for p, _ in refused] == [p for p in payments if id(p) in reasons], "batch order"
    return [reasons.get(id(payment)) for payment in payments]


def make_threaded_rig() -> Rig:
    """Return a deployment whose operator prepares batches on a pool of threads."""
    rig = make_rig()
    rig.operator.ledger.workers = THREADS
    return rig


def test_batch_gives_the_verdicts_block_and_root_of_one_by_one_submission() -> None:
    """Given two identical deployments, each with a payment of Mallory's deposit pending.

    When the same batch (valid payments, one spending another's output, double
    spends within the batch and of the pending input, a thief's and malformed
    signatures, malformed shapes, an overspend, a signature count past a
    Uint32) goes to one through ``submit`` one by one and to the other
    through ``submit_many``,
    Then both give every payment the verdict and reason the spec gives, the
    blocks and roots built are equal, and both commit the same root.
    """
    single, batched = make_threaded_rig(), make_threaded_rig()
    pending, payments = make_mixed_batch(single)
    assert make_mixed_batch(batched) == (pending, payments)
    single.operator.submit(pending)
    batched.operator.submit(pending)
    assert submit_one_by_one(single.operator, payments) == MIXED_VERDICTS
    assert submit_as_batch(batched.operator, payments) == MIXED_VERDICTS
    assert batched.operator.build_block() == single.operator.build_block()
    number = single.operator.commit_block()
    assert batched.operator.commit_block() == number
    single_record = single.settlement.get_block(ENV, number)
    batched_record = batched.settlement.get_block(ENV, number)
    assert single_record is not None and batched_record is not None
    assert batched_record.root == single_record.root


def test_block_built_from_a_batch_applies_in_the_spec() -> None:
    """Given a deployment with a payment pending and the mixed batch admitted after it.

    When the operator commits the block,
    Then the published block (five payments, one fee claim of 8) applies in the
    spec with the committed root, and the ledger ends with the spec's digest.
    """
    rig = make_threaded_rig()
    pending, payments = make_mixed_batch(rig)
    rig.operator.submit(pending)
    rig.operator.submit_many(payments)
    before = rig.operator.ledger.get_state()
    number = rig.operator.commit_block()
    published = rig.board.get_block(ENV, number)
    record = rig.settlement.get_block(ENV, number)
    assert published is not None and record is not None
    after = apply_block(before, number, Block(published))
    assert len(published) == 6 and published[-1].output.amount == 8  # type: ignore[union-attr]
    assert record.root == compute_block_root(published, DEPTH)
    assert rig.operator.ledger.compute_digest() == compute_child_chain_digest(after)


def test_batch_past_the_block_size_is_refused_as_one_by_one() -> None:
    """Given two identical deployments where Alice holds seven deposits of 10.

    When seven payments of 9 (a fee of 1 each) go to one one by one and to the
    other as a batch,
    Then both accept the six that leave room for the fee claim in a block of
    eight and refuse the seventh with BLOCK_TOO_LARGE, with equal blocks.
    """
    single, batched = make_threaded_rig(), make_threaded_rig()
    payments = []
    for rig in (single, batched):
        positions = fund(rig, [(ALICE, 10)] * 7)
        payments = [sign(rig, ALICE, [position], [pay(BOB, 9)]) for position in positions]
    expected: list[Verdict] = [None] * 6 + [RejectionReason.BLOCK_TOO_LARGE]
    assert submit_one_by_one(single.operator, payments) == expected
    assert submit_as_batch(batched.operator, payments) == expected
    assert batched.operator.build_block() == single.operator.build_block()


def test_each_signature_is_recovered_once_from_admission_to_commit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given a deployment and the mixed batch.

    When the batch is admitted and the block committed, counting recoveries,
    Then the ledger recovers none of the admitted payments' signatures again
    (it reuses the mempool's), and the committed block still equals the spec's.
    """
    rig = make_threaded_rig()
    pending, payments = make_mixed_batch(rig)
    rig.operator.submit(pending)
    rig.operator.submit_many(payments)
    before = rig.operator.ledger.get_state()
    recovered: list[bytes] = []

    def counting(message: bytes, signature: bytes) -> RecoveryResult:
        recovered.append(signature)
        return try_recover_signer(message, signature)

    monkeypatch.setattr(chain_prepare, "try_recover_signer", counting)
    number = rig.operator.commit_block()
    assert recovered == []
    published = rig.board.get_block(ENV, number)
    assert published is not None
    after = apply_block(before, number, Block(published))
    assert rig.operator.ledger.compute_digest() == compute_child_chain_digest(after)
