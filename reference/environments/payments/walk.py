"""Validating a child block in memory, in order, over an overlay of the ledger's outputs.

A block is applied in two passes that overlap:

1. ``reference.environments.payments.prepare`` encodes every transaction,
   hashes the leaves and the tree, and recovers every signer, in chunks on a
   thread pool. None of it depends on the ledger's state.
2. :class:`BlockWalk` walks the transactions in order, as the spec does,
   each chunk as soon as it is prepared, while the threads prepare the later
   ones. It walks against an overlay: the outputs this block created or
   consumed so far, over the ledger's UTXO cache, which it never modifies.
   Each payment is checked in the spec's four stages (shape, unspent inputs,
   value, signatures), using the recovered signers when it reaches stage
   four, so that a block breaking several rules is rejected with the same
   reason as by the spec.

Outputs are keyed by their stored positions (``reference.columns``): 11-byte
strings hash and compare far faster than position dataclasses, and they are
the columns the ledger writes. Amounts are summed as plain ints, and checked
against the largest ``Uint256`` once per sum.

The walk's result (changed outputs, spent positions, totals) is what the
ledger writes, in one store transaction, when the whole block is valid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reference.signatures import RecoveryResult
from spec.environments.payments.transactions import (
    MAX_INPUTS,
    MAX_OUTPUTS,
    BlockTransaction,
    DepositTransaction,
    FeeClaim,
    Output,
    SignedTransaction,
)
from spec.errors import RejectionReason, reject, require
from spec.primitives import Address, Uint16, Uint64, Uint256

LARGEST_AMOUNT = Uint256.max_value()
"""The largest amount a ``Uint256`` holds; sums past it are rejected."""

LARGEST_TRANSACTION_INDEX = Uint16.max_value()
"""The largest transaction index a position holds."""

OUTPUT_INDEX_BYTES = tuple(bytes((index,)) for index in range(MAX_OUTPUTS))
"""The stored output index of each output of a transaction: the last byte of its position."""


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
    for total in sums.values():
        require(total <= LARGEST_AMOUNT, RejectionReason.INTEGER_OVERFLOW, "sum of amounts")
    return sums


def check_payment_shape(payment: SignedTransaction, input_keys: Sequence[bytes]) -> None:
    """Check what a payment must satisfy on its own (stage 1 of the spec's order).

    ``input_keys`` are its inputs' stored positions: distinct exactly when the inputs are.

    Raises:
        Rejected: ``TX_NO_INPUTS``, ``TX_TOO_MANY_INPUTS``, ``TX_NO_OUTPUTS``,
            ``TX_TOO_MANY_OUTPUTS``, ``TX_SIGNATURE_COUNT_MISMATCH``,
            ``TX_DUPLICATE_INPUT``, ``OUTPUT_AMOUNT_ZERO``, in that order.
    """
    inputs, outputs = len(input_keys), len(payment.transaction.outputs)
    # One test for the usual case, then each rule in order to name the one broken
    if not (
        1 <= inputs <= MAX_INPUTS
        and 1 <= outputs <= MAX_OUTPUTS
        and len(payment.signatures) == inputs
        and (inputs == 1 or len(set(input_keys)) == inputs)
    ):
        require(inputs >= 1, RejectionReason.TX_NO_INPUTS)
        require(inputs <= MAX_INPUTS, RejectionReason.TX_TOO_MANY_INPUTS)
        require(outputs >= 1, RejectionReason.TX_NO_OUTPUTS)
        require(outputs <= MAX_OUTPUTS, RejectionReason.TX_TOO_MANY_OUTPUTS)
        require(len(payment.signatures) == inputs, RejectionReason.TX_SIGNATURE_COUNT_MISMATCH)
        reject(RejectionReason.TX_DUPLICATE_INPUT)
    for output in payment.transaction.outputs:
        if not output.amount > 0:
            reject(RejectionReason.OUTPUT_AMOUNT_ZERO)


def compute_fees(spent: Sequence[Output], created: Sequence[Output]) -> dict[Address, int]:
    """Return a payment's positive fee per token: inputs minus outputs (stage 3).

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` (inputs summed first, then outputs),
            ``TX_OUTPUTS_EXCEED_INPUTS``.
    """
    if len(spent) == 1:
        fees = compute_single_input_fee(spent[0], created)
        if fees is not None:
            return fees
    inputs = sum_per_token(spent)
    outputs = sum_per_token(created)
    for token, amount in outputs.items():
        require(amount <= inputs.get(token, 0), RejectionReason.TX_OUTPUTS_EXCEED_INPUTS)
    fees = {token: amount - outputs.get(token, 0) for token, amount in inputs.items()}
    return {token: fee for token, fee in fees.items() if fee > 0}


def compute_single_input_fee(spent: Output, created: Sequence[Output]) -> dict[Address, int] | None:
    """Return :func:`compute_fees` of one input whose token every output has; None otherwise.

    The usual payment, checked without building per-token sums.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` (outputs' sum), ``TX_OUTPUTS_EXCEED_INPUTS``.
    """
    token, outputs = spent.token, 0
    for output in created:
        if output.token != token:
            return None
        outputs += int(output.amount)
    # One input is a Uint256: its sum cannot overflow
    require(outputs <= LARGEST_AMOUNT, RejectionReason.INTEGER_OVERFLOW, "sum of amounts")
    fee = int(spent.amount) - outputs
    require(fee >= 0, RejectionReason.TX_OUTPUTS_EXCEED_INPUTS)
    return {token: fee} if fee else {}


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
        utxos: Mapping[bytes, Output],
        operator: Address,
        block_number: Uint64,
        *,
        fees_paid: Mapping[Address, int],
        fees_claimed: Mapping[Address, int],
    ) -> None:
        """Start walking a block numbered ``block_number`` over the unspent outputs ``utxos``."""
        self.utxos = utxos
        """The ledger's unspent outputs before the block, by stored position; never written."""
        self.operator = operator
        """The only owner a fee claim may pay."""
        self.block_number = block_number
        """Number of the block; its outputs are created at positions in it."""
        self.block_prefix = block_number.to_bytes(8, "big")
        """The first 8 bytes of every stored position this block creates."""
        self.changes: dict[bytes, Output | None] = {}
        """Outputs this block created (an output) or consumed (None) so far, by stored position."""
        self.spent: list[bytes] = []
        """Stored positions this block's payments spent so far."""
        self.fees_paid = dict(fees_paid)
        """The chain's fees paid, with this block's payments so far."""
        self.fees_claimed = dict(fees_claimed)
        """The chain's fees claimed, with this block's claims so far."""
        self.unclaimed: dict[Address, int] = {}
        """Fees this block's payments paid that its claims have not taken yet."""

    def find_unspent(self, key: bytes) -> Output | None:
        """Return the unspent output at stored position ``key`` as the block left it so far."""
        if key in self.changes:
            return self.changes[key]
        return self.utxos.get(key)

    def apply(
        self,
        index: int,
        transaction: BlockTransaction,
        input_keys: Sequence[bytes] | None,
        signers: Sequence[RecoveryResult] | None,
    ) -> None:
        """Apply the block's transaction number ``index``, prepared by ``...payments.prepare``.

        ``input_keys`` are a payment's inputs as stored positions, and
        ``signers`` its recovered signers when its counts let it reach them.

        Raises:
            Rejected: ``INTEGER_OVERFLOW`` for an index past a ``Uint16``,
                ``DEPOSIT_IN_CHILD_BLOCK``, or any reason of a payment or fee claim.
        """
        # The spec names the index as a Uint16 before looking at the transaction
        require(index <= LARGEST_TRANSACTION_INDEX, RejectionReason.INTEGER_OVERFLOW, "Uint16")
        require(
            not isinstance(transaction, DepositTransaction),
            RejectionReason.DEPOSIT_IN_CHILD_BLOCK,
        )
        if isinstance(transaction, SignedTransaction):
            assert input_keys is not None, "every payment's inputs are prepared"
            self.apply_payment(index, transaction, input_keys, signers)
        else:
            assert isinstance(transaction, FeeClaim), "deposits were rejected above"
            self.apply_fee_claim(index, transaction)

    def apply_payment(
        self,
        index: int,
        payment: SignedTransaction,
        input_keys: Sequence[bytes],
        signers: Sequence[RecoveryResult] | None,
    ) -> None:
        """Check a payment in the spec's four stages, then spend its inputs and create outputs.

        Raises:
            Rejected: the reasons of :func:`check_payment_shape`, ``TX_INPUT_NOT_UNSPENT``,
                the reasons of :func:`compute_fees` and :func:`check_signers`, then
                ``INTEGER_OVERFLOW`` of the chain's fees paid.
        """
        check_payment_shape(payment, input_keys)
        changes, utxos = self.changes, self.utxos
        spent: list[Output] = []
        for key in input_keys:
            output = changes[key] if key in changes else utxos.get(key)
            require(output is not None, RejectionReason.TX_INPUT_NOT_UNSPENT)
            assert output is not None
            spent.append(output)
        outputs = payment.transaction.outputs
        fees = compute_fees(spent, outputs)
        assert signers is not None, "a payment of valid shape had its signers recovered"
        check_signers(spent, signers)
        for token, fee in fees.items():
            add_to_total(self.fees_paid, token, fee)
            add_to_total(self.unclaimed, token, fee)
        for key in input_keys:
            changes[key] = None
        self.spent.extend(input_keys)
        prefix = self.block_prefix + index.to_bytes(2, "big")
        for output_index, output in enumerate(outputs):
            changes[prefix + OUTPUT_INDEX_BYTES[output_index]] = output

    def apply_fee_claim(self, index: int, claim: FeeClaim) -> None:
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
        self.changes[self.block_prefix + index.to_bytes(2, "big") + OUTPUT_INDEX_BYTES[0]] = output
