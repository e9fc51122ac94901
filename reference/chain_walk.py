"""Validating a child block in memory, its signatures recovered ahead of the walk, in parallel.

A block is applied in two passes:

1. :func:`prepare_block` encodes every transaction once (for its Merkle leaf
   and its signing hash) and starts recovering every signature of every
   payment on a thread pool (``reference.signatures``). Recovery depends only on the
   environment id, the payment and the signature, never on the state, so it
   can run before and apart from the ordered walk.
2. :class:`BlockWalk` then walks the transactions in order, as the spec
   does, while the threads still recover the later signatures. It walks
   against an overlay: the outputs this block created or consumed so far,
   over the ledger's UTXO cache, which it never modifies. Each payment
   is checked in the spec's four stages (shape, unspent inputs, value,
   signatures), using the recovered signers when it reaches stage four, so
   that a block breaking several rules is rejected with the same reason as
   by the spec.

The walk's result (changed outputs, spent positions, totals) is what the
ledger writes, in one store transaction, when the whole block is valid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reference.signatures import RecoveryResult, SignerRecovery
from reference.transactions import (
    SIGNED_TRANSACTION_TAG,
    compute_signing_hash_of_encoding,
    encode_block_transaction,
    encode_signatures,
    encode_transaction,
    make_signing_prefix,
)
from spec.errors import RejectionReason, reject, require
from spec.payments.transactions import (
    MAX_INPUTS,
    MAX_OUTPUTS,
    BlockTransaction,
    DepositTransaction,
    FeeClaim,
    Output,
    OutputPosition,
    SignedTransaction,
)
from spec.primitives import Address, Uint8, Uint16, Uint64, Uint256

LARGEST_AMOUNT = Uint256.max_value()
"""The largest amount a ``Uint256`` holds; sums past it are rejected."""


def add_to_total(totals: dict[Address, int], token: Address, amount: int) -> None:
    """Add ``amount`` to ``token``'s total in place; adding zero adds no entry.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when the total would pass the largest ``Uint256``.
    """
    if amount == 0:
        return
    total = totals.get(token, 0) + amount
    require(total <= LARGEST_AMOUNT, RejectionReason.INTEGER_OVERFLOW, "token total")
    totals[token] = total


def sum_per_token(outputs: Sequence[Output]) -> dict[Address, int]:
    """Return the sum of the outputs' amounts per token.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` when some token's sum passes the largest ``Uint256``.
    """
    sums: dict[Address, int] = {}
    for output in outputs:
        sums[output.token] = sums.get(output.token, 0) + int(output.amount)
    # Amounts are never negative, so a sum is past the limit exactly when some partial sum was
    require(
        all(total <= LARGEST_AMOUNT for total in sums.values()),
        RejectionReason.INTEGER_OVERFLOW,
        "sum of amounts",
    )
    return sums


def may_reach_signatures(payment: SignedTransaction) -> bool:
    """Return whether a payment's counts let it reach the signature stage (worth recovering)."""
    inputs = len(payment.transaction.inputs)
    outputs = len(payment.transaction.outputs)
    return (
        1 <= inputs <= MAX_INPUTS
        and 1 <= outputs <= MAX_OUTPUTS
        and len(payment.signatures) == inputs
    )


@dataclass(frozen=True)
class PreparedBlock:
    """A block's transactions encoded, and its payments' signers being recovered."""

    encodings: list[bytes]
    """Encoding of each transaction as a ``BlockTransaction`` (its Merkle leaf's preimage)."""
    recovery: SignerRecovery
    """Recovers every signature of the block's payments, in block order, on a thread pool."""
    signature_starts: list[int | None]
    """Per transaction, the index of its first signature in ``recovery``; None if not recovered."""

    def get_signers(self, index: int, count: int) -> list[RecoveryResult]:
        """Return the recovered signers of the ``count`` signatures of transaction ``index``."""
        start = self.signature_starts[index]
        assert start is not None, "only payments that may reach their signatures are recovered"
        return [self.recovery.get(item) for item in range(start, start + count)]


def prepare_block(
    environment_id: int, transactions: Sequence[BlockTransaction], workers: int | None
) -> PreparedBlock:
    """Encode every transaction once and start recovering every payment's signers in parallel.

    The caller must close ``recovery`` (it is a context manager) when done with the block.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` only for a count beyond a ``Uint32``.
    """
    recovery = SignerRecovery(workers)
    try:
        encodings, starts = encode_and_recover(environment_id, transactions, recovery)
    except BaseException:
        recovery.close()
        raise
    recovery.finish()
    return PreparedBlock(encodings, recovery, starts)


def encode_and_recover(
    environment_id: int, transactions: Sequence[BlockTransaction], recovery: SignerRecovery
) -> tuple[list[bytes], list[int | None]]:
    """Return each transaction's encoding and first signature's index; add signatures to recover.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` only for a count beyond a ``Uint32``.
    """
    prefix = make_signing_prefix(environment_id)
    encodings: list[bytes] = []
    starts: list[int | None] = []
    for transaction in transactions:
        if not isinstance(transaction, SignedTransaction):
            encodings.append(encode_block_transaction(transaction))
            starts.append(None)
            continue
        body = encode_transaction(transaction.transaction)
        encodings.append(SIGNED_TRANSACTION_TAG + body + encode_signatures(transaction))
        if not may_reach_signatures(transaction):
            starts.append(None)
            continue
        message = compute_signing_hash_of_encoding(prefix, body)
        starts.append(len(recovery))
        for signature in transaction.signatures:
            recovery.add(message, signature)
    return encodings, starts


def check_payment_shape(payment: SignedTransaction) -> None:
    """Check what a payment must satisfy on its own (stage 1 of the spec's order).

    Raises:
        Rejected: ``TX_NO_INPUTS``, ``TX_TOO_MANY_INPUTS``, ``TX_NO_OUTPUTS``,
            ``TX_TOO_MANY_OUTPUTS``, ``TX_SIGNATURE_COUNT_MISMATCH``,
            ``TX_DUPLICATE_INPUT``, ``OUTPUT_AMOUNT_ZERO``, in that order.
    """
    inputs, outputs = payment.transaction.inputs, payment.transaction.outputs
    require(len(inputs) >= 1, RejectionReason.TX_NO_INPUTS)
    require(len(inputs) <= MAX_INPUTS, RejectionReason.TX_TOO_MANY_INPUTS)
    require(len(outputs) >= 1, RejectionReason.TX_NO_OUTPUTS)
    require(len(outputs) <= MAX_OUTPUTS, RejectionReason.TX_TOO_MANY_OUTPUTS)
    require(len(payment.signatures) == len(inputs), RejectionReason.TX_SIGNATURE_COUNT_MISMATCH)
    require(len(set(inputs)) == len(inputs), RejectionReason.TX_DUPLICATE_INPUT)
    require(all(output.amount > 0 for output in outputs), RejectionReason.OUTPUT_AMOUNT_ZERO)


def compute_fees(spent: Sequence[Output], created: Sequence[Output]) -> dict[Address, int]:
    """Return a payment's positive fee per token: inputs minus outputs (stage 3).

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` (inputs summed first, then outputs),
            ``TX_OUTPUTS_EXCEED_INPUTS``.
    """
    inputs = sum_per_token(spent)
    outputs = sum_per_token(created)
    require(
        all(amount <= inputs.get(token, 0) for token, amount in outputs.items()),
        RejectionReason.TX_OUTPUTS_EXCEED_INPUTS,
    )
    fees = {token: amount - outputs.get(token, 0) for token, amount in inputs.items()}
    return {token: fee for token, fee in fees.items() if fee > 0}


def check_signers(spent: Sequence[Output], signers: Sequence[RecoveryResult]) -> None:
    """Check, in input order, that each input's signature recovers to its owner (stage 4).

    Raises:
        Rejected: ``SIGNATURE_MALFORMED``, ``SIGNATURE_HIGH_S``,
            ``SIGNATURE_UNRECOVERABLE``, ``TX_INPUT_NOT_SIGNED_BY_OWNER``.
    """
    for output, signer in zip(spent, signers, strict=True):
        if isinstance(signer, RejectionReason):
            reject(signer)
        require(signer == output.owner, RejectionReason.TX_INPUT_NOT_SIGNED_BY_OWNER)


class BlockWalk:
    """A block being applied: its changes so far over the ledger's outputs, and its fees."""

    def __init__(
        self,
        utxos: Mapping[OutputPosition, Output],
        operator: Address,
        block_number: Uint64,
        *,
        fees_paid: Mapping[Address, int],
        fees_claimed: Mapping[Address, int],
        prepared: PreparedBlock,
    ) -> None:
        """Start walking a block numbered ``block_number`` over the unspent outputs ``utxos``."""
        self.prepared = prepared
        """The block's encodings and recovered signers."""
        self.utxos = utxos
        """The ledger's unspent outputs before the block; read, never written."""
        self.operator = operator
        """The only owner a fee claim may pay."""
        self.block_number = block_number
        """Number of the block; its outputs are created at positions in it."""
        self.changes: dict[OutputPosition, Output | None] = {}
        """Outputs this block created (an output) or consumed (None) so far."""
        self.spent: list[OutputPosition] = []
        """Positions this block's payments spent so far."""
        self.fees_paid = dict(fees_paid)
        """The chain's fees paid, with this block's payments so far."""
        self.fees_claimed = dict(fees_claimed)
        """The chain's fees claimed, with this block's claims so far."""
        self.unclaimed: dict[Address, int] = {}
        """Fees this block's payments paid that its claims have not taken yet."""

    def find_unspent(self, position: OutputPosition) -> Output | None:
        """Return the unspent output at ``position`` as the block left it so far."""
        if position in self.changes:
            return self.changes[position]
        return self.utxos.get(position)

    def apply(self, index: int, transaction: BlockTransaction) -> None:
        """Apply the block's transaction number ``index``.

        Raises:
            Rejected: ``INTEGER_OVERFLOW`` for an index past a ``Uint16``,
                ``DEPOSIT_IN_CHILD_BLOCK``, or any reason of a payment or fee claim.
        """
        # The spec names the index as a Uint16 before looking at the transaction
        transaction_index = Uint16(index)
        require(
            not isinstance(transaction, DepositTransaction),
            RejectionReason.DEPOSIT_IN_CHILD_BLOCK,
        )
        if isinstance(transaction, SignedTransaction):
            self.apply_payment(transaction_index, transaction)
        else:
            assert isinstance(transaction, FeeClaim), "deposits were rejected above"
            self.apply_fee_claim(transaction_index, transaction)

    def apply_payment(self, transaction_index: Uint16, payment: SignedTransaction) -> None:
        """Check a payment in the spec's four stages, then spend its inputs and create outputs.

        Raises:
            Rejected: the reasons of :func:`check_payment_shape`, ``TX_INPUT_NOT_UNSPENT``,
                the reasons of :func:`compute_fees` and :func:`check_signers`, then
                ``INTEGER_OVERFLOW`` of the chain's fees paid.
        """
        check_payment_shape(payment)
        inputs, outputs = payment.transaction.inputs, payment.transaction.outputs
        found = [self.find_unspent(position) for position in inputs]
        spent = [output for output in found if output is not None]
        require(len(spent) == len(inputs), RejectionReason.TX_INPUT_NOT_UNSPENT)
        fees = compute_fees(spent, outputs)
        check_signers(spent, self.prepared.get_signers(transaction_index, len(inputs)))
        for token, fee in fees.items():
            add_to_total(self.fees_paid, token, fee)
            add_to_total(self.unclaimed, token, fee)
        for position in inputs:
            self.changes[position] = None
        self.spent.extend(inputs)
        for output_index, output in enumerate(outputs):
            position = OutputPosition(self.block_number, transaction_index, Uint8(output_index))
            self.changes[position] = output

    def apply_fee_claim(self, transaction_index: Uint16, claim: FeeClaim) -> None:
        """Check a fee claim against the operator and this block's unclaimed fees; create it.

        Raises:
            Rejected: ``FEE_CLAIM_NOT_TO_OPERATOR``, ``OUTPUT_AMOUNT_ZERO``,
                ``FEE_CLAIM_EXCEEDS_FEES``, then ``INTEGER_OVERFLOW`` of the fees claimed.
        """
        output = claim.output
        require(output.owner == self.operator, RejectionReason.FEE_CLAIM_NOT_TO_OPERATOR)
        require(output.amount > 0, RejectionReason.OUTPUT_AMOUNT_ZERO)
        unclaimed = self.unclaimed.get(output.token, 0)
        require(output.amount <= unclaimed, RejectionReason.FEE_CLAIM_EXCEEDS_FEES)
        add_to_total(self.fees_claimed, output.token, int(output.amount))
        if unclaimed > output.amount:
            self.unclaimed[output.token] = unclaimed - int(output.amount)
        else:
            del self.unclaimed[output.token]
        position = OutputPosition(self.block_number, transaction_index, Uint8(0))
        self.changes[position] = output
