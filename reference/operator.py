"""The operator of one payments environment: mempool, blocks, commitments, publication.

An :class:`Operator` keeps its own :class:`~reference.chain.ChildChainLedger`
(the valid history of its chain) and:

- accepts signed payments into a mempool (:meth:`Operator.submit`), checking
  each one as the spec would check it in the next block: against the ledger's
  unspent outputs as the payments already pending leave them. A second spend
  of an output is refused with ``TX_INPUT_NOT_UNSPENT``, the reason the spec
  gives once the first spend is in a block;
- builds the next block from the pending payments in arrival order, followed
  by one fee claim per token for the fees they left; its root is computed
  incrementally (``reference.merkle.IncrementalMerkleTree``) as payments
  arrive;
- commits it (:meth:`Operator.commit_block`): applies it to its ledger,
  submits the root to the settlement layer (``SubmitBlock``), then publishes
  the transactions on the :class:`~reference.board.BlockBoard`, where
  users and watchers download them;
- follows deposit blocks (:meth:`Operator.follow_deposits`) and processed
  exits (:meth:`Operator.follow_exits`) into its ledger.

A byzantine operator (the demo's attacker) can withhold a block
(``commit_block(publish=False)``) or commit a block its ledger would refuse
(:meth:`Operator.commit_forged_block`), for instance a payment from nowhere.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from reference.board import BlockBoard, ExitFollower, compute_block_root
from reference.chain import ChildChainLedger
from reference.merkle import IncrementalMerkleTree
from reference.settlement import SettlementSimulator
from reference.signatures import recover_signer
from reference.store import Store
from reference.transactions import compute_signing_hash, compute_transaction_leaf
from spec.errors import Rejected, RejectionReason, require
from spec.payments.chain import (
    compute_genesis_child_chain,
    compute_output_totals,
    validate_payment_shape,
)
from spec.payments.transactions import (
    MAX_INPUTS,
    Block,
    BlockTransaction,
    DepositTransaction,
    FeeClaim,
    Output,
    OutputPosition,
    SignedTransaction,
)
from spec.primitives import Address, Hash32, Uint8, Uint16, Uint64, Uint256
from spec.settlement.operations import SubmitBlock
from spec.settlement.state import BlockKind, ExitStatus


class Mempool:
    """The payments waiting for the next child block, validated against it as they arrive.

    Each payment is checked as the spec checks it at its place in the block
    (``spec.payments.chain.validate_payment``: shape, unspent inputs, value,
    signatures, in that order), against the ledger's unspent outputs as the
    payments before it leave them: an overlay of what they spent and created.
    """

    def __init__(self, ledger: ChildChainLedger, block_number: Uint64) -> None:
        """Start an empty mempool for the block ``block_number`` over ``ledger``."""
        self.ledger = ledger
        """The operator's ledger; its unspent outputs are read, never written."""
        self.block_number = block_number
        """Number the next block will take."""
        self.changes: dict[OutputPosition, Output | None] = {}
        """Outputs the pending payments created (an output) or spent (None)."""
        self.unclaimed: dict[Address, int] = {}
        """Fees per token the pending payments leave for the operator's fee claims."""
        self.payments: list[SignedTransaction] = []
        """Accepted payments, in arrival order."""
        self.tree = IncrementalMerkleTree(int(ledger.transaction_tree_depth))
        """Merkle tree of the accepted payments, grown one leaf per payment."""

    def find_unspent(self, position: OutputPosition) -> Output | None:
        """Return the unspent output at ``position`` as the pending payments leave it."""
        if position in self.changes:
            return self.changes[position]
        return self.ledger.get_output(position)

    def add(self, payment: SignedTransaction) -> None:
        """Accept ``payment`` as the next transaction of the block, or refuse it.

        Raises:
            Rejected: ``BLOCK_TOO_LARGE`` when the block has no room left for it
                and its fee claims; else the reasons of ``validate_payment_shape``,
                ``TX_INPUT_NOT_UNSPENT`` (also for a second spend of an output a
                pending payment spends), ``INTEGER_OVERFLOW``,
                ``TX_OUTPUTS_EXCEED_INPUTS``, ``SIGNATURE_MALFORMED``,
                ``SIGNATURE_HIGH_S``, ``SIGNATURE_UNRECOVERABLE``,
                ``TX_INPUT_NOT_SIGNED_BY_OWNER``, in the spec's order.
        """
        inputs, outputs = payment.transaction.inputs, payment.transaction.outputs
        # Keep room for the payment and a fee claim per token it may pay fees in
        room = self.ledger.get_block_size_limit() - len(self.payments) - len(self.unclaimed)
        new_claims = min(len(inputs), MAX_INPUTS)
        require(room >= 1 + new_claims, RejectionReason.BLOCK_TOO_LARGE, "the next block is full")
        validate_payment_shape(payment)
        found = [self.find_unspent(position) for position in inputs]
        spent = [output for output in found if output is not None]
        # Verify every input is unspent, counting the pending payments' spends
        require(len(spent) == len(inputs), RejectionReason.TX_INPUT_NOT_UNSPENT)
        fees = compute_fees(spent, outputs)
        message = compute_signing_hash(self.ledger.environment_id, payment.transaction)
        for output, signature in zip(spent, payment.signatures, strict=True):
            # Verify each input's signature recovers to its owner
            require(
                recover_signer(message, signature) == output.owner,
                RejectionReason.TX_INPUT_NOT_SIGNED_BY_OWNER,
            )
        self.accept(payment, fees)

    def accept(self, payment: SignedTransaction, fees: dict[Address, int]) -> None:
        """Add a checked payment: spend its inputs, create its outputs, count its fees."""
        index = Uint16(len(self.payments))
        for position in payment.transaction.inputs:
            self.changes[position] = None
        for output_index, output in enumerate(payment.transaction.outputs):
            self.changes[OutputPosition(self.block_number, index, Uint8(output_index))] = output
        for token, fee in fees.items():
            self.unclaimed[token] = self.unclaimed.get(token, 0) + fee
        self.payments.append(payment)
        self.tree.append(compute_transaction_leaf(payment))

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


def compute_fees(spent: Sequence[Output], created: Sequence[Output]) -> dict[Address, int]:
    """Return a payment's positive fee per token: its inputs minus its outputs.

    Raises:
        Rejected: ``INTEGER_OVERFLOW`` (inputs summed first, then outputs),
            ``TX_OUTPUTS_EXCEED_INPUTS``.
    """
    inputs = compute_output_totals(spent)
    outputs = compute_output_totals(created)
    # Verify no token's outputs sum to more than its inputs
    require(
        all(amount <= inputs.get(token, 0) for token, amount in outputs.items()),
        RejectionReason.TX_OUTPUTS_EXCEED_INPUTS,
    )
    fees = {token: int(amount) - int(outputs.get(token, 0)) for token, amount in inputs.items()}
    return {token: fee for token, fee in fees.items() if fee > 0}


class Operator:
    """The operator of one payments environment."""

    def __init__(
        self,
        ledger: ChildChainLedger,
        settlement: SettlementSimulator,
        board: BlockBoard,
        follower: ExitFollower,
    ) -> None:
        """Wrap an opened ledger; use :meth:`create` or :meth:`open`."""
        self.ledger = ledger
        """The operator's view of its chain: every block it applied."""
        self.settlement = settlement
        """The settlement layer it commits roots to."""
        self.board = board
        """Where it publishes its blocks."""
        self.follower = follower
        """Follows the environment's exits, to remove processed ones from the ledger."""
        self.mempool = Mempool(ledger, self.get_next_block_number())
        """Payments waiting for the next block."""

    @classmethod
    def create(
        cls,
        store: Store,
        settlement: SettlementSimulator,
        board: BlockBoard,
        environment_id: Uint64,
    ) -> Operator:
        """Start operating a registered environment, with a new ledger in ``store``."""
        genesis = compute_genesis_child_chain(
            environment_id,
            settlement.get_operator(environment_id),
            settlement.preset.transaction_tree_depth,
        )
        ledger = ChildChainLedger.create(store, genesis, workers=1)
        return cls(ledger, settlement, board, ExitFollower(store, settlement, environment_id))

    @classmethod
    def open(cls, store: Store, settlement: SettlementSimulator, board: BlockBoard) -> Operator:
        """Reopen an operator from its store (the mempool starts empty)."""
        ledger = ChildChainLedger.open(store, workers=1)
        follower = ExitFollower(store, settlement, ledger.environment_id)
        return cls(ledger, settlement, board, follower)

    @property
    def environment_id(self) -> Uint64:
        """The environment operated."""
        return self.ledger.environment_id

    @property
    def address(self) -> Address:
        """The operator's address: it submits roots and receives fee claims."""
        return self.ledger.operator

    def get_next_block_number(self) -> Uint64:
        """Return the number the settlement layer expects for the next child block."""
        return self.settlement.get_next_child_block_number(self.environment_id)

    # Mempool

    def submit(self, payment: SignedTransaction) -> None:
        """Accept a payment for the next block, or refuse it with the spec's reason.

        Raises:
            Rejected: the reasons of :meth:`Mempool.add`.
        """
        self.mempool.add(payment)

    def get_pending(self) -> list[SignedTransaction]:
        """Return the payments waiting for the next block, in arrival order."""
        return list(self.mempool.payments)

    def reset_mempool(self, keep: Sequence[SignedTransaction]) -> list[SignedTransaction]:
        """Start a new mempool for the next block number and re-add ``keep`` in order.

        Returns the payments that no longer pass (say, an input exited meanwhile).
        """
        self.mempool = Mempool(self.ledger, self.get_next_block_number())
        dropped = []
        for payment in keep:
            try:
                self.mempool.add(payment)
            except Rejected:
                dropped.append(payment)
        return dropped

    # Blocks

    def build_block(self) -> tuple[Uint64, Block, Hash32]:
        """Return the next block's number, transactions and root, without committing it."""
        block, root = self.mempool.build()
        return self.mempool.block_number, block, root

    def commit_block(self, publish: bool = True) -> Uint64:
        """Apply the next block to the ledger, commit its root, publish it; return its number.

        With ``publish=False`` the operator withholds the block: the root is
        committed but nobody can download the transactions. The ledger applies
        the block first, so that an operator never commits a root its own rules
        refuse.

        Raises:
            Rejected: any reason of the ledger's ``apply_block`` or of ``SubmitBlock``.
        """
        number, block, root = self.build_block()
        self.ledger.apply_block(number, block)
        self.submit_root(number, root)
        if publish:
            self.board.publish(self.environment_id, number, block.transactions)
        self.reset_mempool([])
        return number

    def commit_forged_block(
        self, transactions: Sequence[BlockTransaction], publish: bool = True
    ) -> Uint64:
        """Commit (and publish) a block the operator's own ledger is never asked to apply.

        This is the byzantine operator's move: the settlement layer sees only the
        root, so it accepts a block holding, say, a payment from nowhere. The
        mempool's payments wait for the next block.

        Raises:
            Rejected: any reason of ``SubmitBlock``.
        """
        number = self.get_next_block_number()
        root = compute_block_root(transactions, int(self.ledger.transaction_tree_depth))
        self.submit_root(number, root)
        if publish:
            self.board.publish(self.environment_id, number, transactions)
        self.reset_mempool(self.mempool.payments)
        return number

    def submit_root(self, number: Uint64, root: Hash32) -> None:
        """Commit a block root on the settlement layer.

        Raises:
            Rejected: any reason of ``SubmitBlock``.
        """
        self.settlement.apply(SubmitBlock(self.environment_id, self.address, number, root))

    # Following the settlement layer

    def follow_deposits(self) -> int:
        """Apply the deposit blocks published since the ledger's last block; return how many.

        Only a deposit block whose root is the one the settlement layer wrote
        is applied.
        """
        applied = 0
        for number, transactions in self.board.get_blocks_after(
            self.environment_id, self.ledger.block_number
        ):
            record = self.settlement.get_block(self.environment_id, number)
            deposit = transactions[0]
            depth = int(self.ledger.transaction_tree_depth)
            if (
                record is not None
                and record.kind == BlockKind.DEPOSIT
                and isinstance(deposit, DepositTransaction)
                and compute_block_root(transactions, depth) == record.root
            ):
                self.ledger.apply_deposit(number, deposit)
                applied += 1
        return applied

    def follow_exits(self) -> int:
        """Remove the outputs of newly processed exits from the ledger; return how many.

        Pending payments that spent such an output are dropped from the mempool.
        """
        _, finished = self.follower.poll()
        removed = 0
        for _, exit in finished:
            if exit.status == ExitStatus.PROCESSED and self.ledger.get_output(exit.position):
                self.ledger.apply_exit(exit.position)
                removed += 1
        if removed:
            self.reset_mempool(self.mempool.payments)
        return removed
