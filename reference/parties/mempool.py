"""The operator's mempool: payments admitted one at a time or in batches, in the spec's order.

A payment is admitted as the spec would check it at its place in the next
block (``spec.environments.payments.chain.validate_payment``: shape, unspent inputs,
value, signatures, in that order), against the ledger's unspent outputs as
the payments admitted before it leave them: an overlay of what they spent and
created, keyed by stored positions (``reference.columns``) like the ledger's
own walk (``reference.environments.payments.walk``), whose checks it reuses. Amounts are
plain ints, checked against the largest ``Uint256`` once per sum.

A batch (:meth:`Mempool.add_many`) is first prepared on the ledger's thread
pool by ``reference.environments.payments.prepare``: each payment's encoding, signing hash
and recovered signers, which depend on nothing but the payment and the
environment. Its payments are then admitted in order with those signers, as
each chunk of the batch is ready, so the verdicts and reasons are those of
:meth:`Mempool.add` called on each payment in turn.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from reference.columns import store_position
from reference.environments.payments.encoding import (
    compute_leaf_of_encoding,
    compute_transaction_leaf,
    encode_transaction,
    make_signing_prefix,
)
from reference.environments.payments.ledger import ChildChainLedger
from reference.environments.payments.prepare import BlockPreparation, PreparedChunk
from reference.environments.payments.walk import (
    LARGEST_TRANSACTION_INDEX,
    OUTPUT_INDEX_BYTES,
    check_payment_shape,
    compute_fees,
)
from reference.hashing import hash_bytes
from reference.merkle import IncrementalMerkleTree
from reference.signatures import RecoveryResult, try_recover_signer
from spec.environments.payments.transactions import (
    MAX_INPUTS,
    Block,
    FeeClaim,
    Output,
    SignedTransaction,
)
from spec.errors import Rejected, RejectionReason, reject, require
from spec.positions import OutputPosition
from spec.primitives import Address, Hash32, Uint64, Uint256

Refusal = tuple[SignedTransaction, Rejected]
"""A payment the mempool refused, with the rejection that says why."""


class Mempool:
    """The payments waiting for the next child block, validated against it as they arrive."""

    def __init__(self, ledger: ChildChainLedger, block_number: Uint64) -> None:
        """Start an empty mempool for the block ``block_number`` over ``ledger``."""
        self.ledger = ledger
        """The operator's ledger; its unspent outputs are read, never written."""
        self.block_number = block_number
        """Number the next block will take."""
        self.block_prefix = block_number.to_bytes(8, "big")
        """The first 8 bytes of every stored position the next block creates."""
        self.signing_prefix = make_signing_prefix(ledger.environment_id)
        """What precedes a payment's encoding in its signed message."""
        self.size_limit = ledger.get_block_size_limit()
        """The most transactions the next block may hold."""
        self.changes: dict[bytes, Output | None] = {}
        """Outputs the pending payments created (an output) or spent (None), by stored position."""
        self.unclaimed: dict[Address, int] = {}
        """Fees per token the pending payments leave for the operator's fee claims."""
        self.payments: list[SignedTransaction] = []
        """Accepted payments, in arrival order."""
        self.tree = IncrementalMerkleTree(int(ledger.transaction_tree_depth))
        """Merkle tree of the accepted payments, grown one leaf per payment."""
        self.known_signers: dict[tuple[bytes, bytes], RecoveryResult] = {}
        """Signers recovered for the accepted payments, by (signing hash, signature).

        The ledger reuses them when it applies the block, so each signature is
        recovered once (recovery is a pure function of that pair)."""

    def find_unspent(self, position: OutputPosition) -> Output | None:
        """Return the unspent output at ``position`` as the pending payments leave it."""
        key = store_position(position)
        if key in self.changes:
            return self.changes[key]
        return self.ledger.utxos.get(key)

    def add(self, payment: SignedTransaction) -> None:
        """Accept ``payment`` as the next transaction of the block, or refuse it.

        Raises:
            Rejected: ``BLOCK_TOO_LARGE`` when the block has no room left for it
                and its fee claims; else the reasons of ``validate_payment_shape``,
                ``TX_INPUT_NOT_UNSPENT`` (also for a second spend of an output a
                pending payment spends), ``INTEGER_OVERFLOW``,
                ``TX_OUTPUTS_EXCEED_INPUTS``, ``SIGNATURE_MALFORMED``,
                ``SIGNATURE_HIGH_S``, ``SIGNATURE_UNRECOVERABLE``,
                ``TX_INPUT_NOT_SIGNED_BY_OWNER``, in the spec's order; last,
                ``INTEGER_OVERFLOW`` when its index would pass a ``Uint16``.
        """
        self.admit(payment, None, None, None, None)

    def add_many(self, payments: Sequence[SignedTransaction]) -> list[Refusal]:
        """Add ``payments`` in order, as :meth:`add` on each would; return the refused ones.

        Signing hashes and signers are prepared on the ledger's threads, chunk
        by chunk, while the payments of the chunks already prepared are
        admitted. Each refused payment comes with the ``Rejected`` that
        :meth:`add` would raise for it at that point, in the batch's order.
        """
        refused: list[Refusal] = []
        depth = int(self.ledger.transaction_tree_depth)
        environment_id = self.ledger.environment_id
        with BlockPreparation(environment_id, payments, depth, self.ledger.workers) as chunks:
            for number in range(chunks.chunk_count):
                start = number * chunks.chunk_size
                batch = payments[start : start + chunks.chunk_size]
                refused.extend(self.admit_chunk(batch, get_prepared(chunks, number)))
        return refused

    def admit_chunk(
        self, batch: Sequence[SignedTransaction], chunk: PreparedChunk | None
    ) -> list[Refusal]:
        """Admit a run of payments in order with their prepared parts (None: unprepared)."""
        refused: list[Refusal] = []
        for offset, payment in enumerate(batch):
            try:
                if chunk is None:
                    self.admit(payment, None, None, None, None)
                else:
                    self.admit(
                        payment,
                        chunk.input_keys[offset],
                        chunk.signers[offset],
                        chunk.encodings[offset],
                        chunk.messages[offset],
                    )
            except Rejected as rejection:
                refused.append((payment, rejection))
        return refused

    def admit(
        self,
        payment: SignedTransaction,
        input_keys: Sequence[bytes] | None,
        signers: Sequence[RecoveryResult] | None,
        encoding: bytes | None,
        message: bytes | None,
    ) -> None:
        """Check ``payment`` with whatever was prepared for it, then accept it.

        ``input_keys`` are its inputs as stored positions, ``signers`` its
        recovered signers (over the signing hash ``message``) and ``encoding``
        its encoding as a block transaction; each is computed here when None.

        Raises:
            Rejected: the reasons of :meth:`add`, in its order.
        """
        inputs = payment.transaction.inputs
        # Keep room for the payment and a fee claim per token it may pay fees in
        room = self.size_limit - len(self.payments) - len(self.unclaimed)
        new_claims = min(len(inputs), MAX_INPUTS)
        require(room >= 1 + new_claims, RejectionReason.BLOCK_TOO_LARGE, "the next block is full")
        keys = [store_position(p) for p in inputs] if input_keys is None else input_keys
        check_payment_shape(payment, keys)
        changes, utxos = self.changes, self.ledger.utxos
        spent: list[Output] = []
        for key in keys:
            output = changes[key] if key in changes else utxos.get(key)
            # Verify every input is unspent, counting the pending payments' spends
            require(output is not None, RejectionReason.TX_INPUT_NOT_UNSPENT)
            assert output is not None
            spent.append(output)
        fees = compute_fees(spent, payment.transaction.outputs)
        if signers is None or message is None:
            message, signers = self.recover_signers(payment)
        check_prepared_signers(spent, signers)
        self.accept(payment, keys, fees, encoding)
        for signature, signer in zip(payment.signatures, signers, strict=True):
            self.known_signers[(message, signature)] = signer

    def recover_signers(self, payment: SignedTransaction) -> tuple[bytes, list[RecoveryResult]]:
        """Return a payment's signing hash and the signer (or reason) of each signature."""
        message = hash_bytes(self.signing_prefix + encode_transaction(payment.transaction))
        return message, [try_recover_signer(message, s) for s in payment.signatures]

    def accept(
        self,
        payment: SignedTransaction,
        input_keys: Sequence[bytes],
        fees: dict[Address, int],
        encoding: bytes | None,
    ) -> None:
        """Add a checked payment: spend its inputs, create its outputs, count its fees.

        Raises:
            Rejected: ``INTEGER_OVERFLOW`` when its index would pass a ``Uint16``.
        """
        index = len(self.payments)
        require(index <= LARGEST_TRANSACTION_INDEX, RejectionReason.INTEGER_OVERFLOW, "Uint16")
        leaf = (
            compute_transaction_leaf(payment)
            if encoding is None
            else compute_leaf_of_encoding(encoding)
        )
        changes = self.changes
        for key in input_keys:
            changes[key] = None
        prefix = self.block_prefix + index.to_bytes(2, "big")
        for output_index, output in enumerate(payment.transaction.outputs):
            changes[prefix + OUTPUT_INDEX_BYTES[output_index]] = output
        unclaimed = self.unclaimed
        for token, fee in fees.items():
            unclaimed[token] = unclaimed.get(token, 0) + fee
        self.payments.append(payment)
        self.tree.append(leaf)

    def make_fee_claims(self) -> list[FeeClaim]:
        """Return one claim per token of the fees the pending payments leave, token order."""
        operator = self.ledger.operator
        return [
            FeeClaim(Output(operator, token, Uint256(amount)))
            for token, amount in sorted(self.unclaimed.items())
        ]

    def build(self) -> tuple[Block, Hash32]:
        """Return the block (payments, then fee claims) and its root; the mempool is unchanged."""
        claims = self.make_fee_claims()
        tree = copy.deepcopy(self.tree)
        for claim in claims:
            tree.append(compute_transaction_leaf(claim))
        return Block((*self.payments, *claims)), tree.get_root()


def get_prepared(chunks: BlockPreparation, number: int) -> PreparedChunk | None:
    """Return chunk ``number`` of a batch prepared, or None when a count breaks its encoding.

    A count beyond a ``Uint32`` cannot be encoded; such a payment is refused
    for its shape before its encoding is needed, so its chunk is admitted
    without preparation.
    """
    try:
        return chunks.get(number)
    except Rejected:
        return None


def check_signer(output: Output, signer: RecoveryResult) -> None:
    """Check that one input's recovered signer is its owner.

    Raises:
        Rejected: the reason no signer was recovered (``SIGNATURE_MALFORMED``,
            ``SIGNATURE_HIGH_S``, ``SIGNATURE_UNRECOVERABLE``), else
            ``TX_INPUT_NOT_SIGNED_BY_OWNER``.
    """
    if isinstance(signer, RejectionReason):
        reject(signer)
    # Verify each input's signature recovers to its owner
    require(signer == output.owner, RejectionReason.TX_INPUT_NOT_SIGNED_BY_OWNER)


def check_prepared_signers(spent: Sequence[Output], signers: Sequence[RecoveryResult]) -> None:
    """Check, in input order, each input's signer recovered ahead of the admission.

    Raises:
        Rejected: the reasons of :func:`check_signer`, for the first input failing.
    """
    for output, signer in zip(spent, signers, strict=True):
        check_signer(output, signer)
