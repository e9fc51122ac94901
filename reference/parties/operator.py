"""The operator of one payments environment: mempool, blocks, commitments, publication.

An :class:`Operator` keeps its own :class:`~reference.environments.payments.ledger.ChildChainLedger`
(the valid history of its chain) and:

- accepts signed payments into a mempool (:meth:`Operator.submit`, or
  :meth:`Operator.submit_many` for a batch, whose signatures are recovered
  in parallel; see ``reference.parties.mempool``), checking
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
  the transactions on the :class:`~reference.parties.board.BlockBoard`, where
  users and watchers download them;
- follows deposit blocks (:meth:`Operator.follow_deposits`) and processed
  exits (:meth:`Operator.follow_exits`) into its ledger.

A byzantine operator (the demo's attacker) can withhold a block
(``commit_block(publish=False)``) or commit a block its ledger would refuse
(:meth:`Operator.commit_forged_block`), for instance a payment from nowhere.
"""

from __future__ import annotations

from collections.abc import Sequence

from reference.environments.payments.ledger import ChildChainLedger
from reference.parties.board import BlockBoard, ExitFollower, compute_block_root
from reference.parties.mempool import Mempool, Refusal
from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.environments.payments.chain import compute_genesis_child_chain
from spec.environments.payments.transactions import (
    Block,
    BlockTransaction,
    DepositTransaction,
    SignedTransaction,
)
from spec.primitives import Address, Hash32, Uint64
from spec.settlement.operations import SubmitBlock
from spec.settlement.state import BlockKind, ExitStatus


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
            Rejected: the reasons of
                :meth:`reference.parties.mempool.Mempool.add`.
        """
        self.mempool.add(payment)

    def submit_many(self, payments: Sequence[SignedTransaction]) -> list[Refusal]:
        """Submit ``payments`` in order, as :meth:`submit` on each would; return the refused ones.

        The batch's signatures are recovered on the ledger's threads ahead of
        the in-order admission (``reference.parties.mempool``). Each refused
        payment comes with the ``Rejected`` :meth:`submit` would raise for it.
        """
        return self.mempool.add_many(payments)

    def get_pending(self) -> list[SignedTransaction]:
        """Return the payments waiting for the next block, in arrival order."""
        return list(self.mempool.payments)

    def reset_mempool(self, keep: Sequence[SignedTransaction]) -> list[SignedTransaction]:
        """Start a new mempool for the next block number and re-add ``keep`` in order.

        Returns the payments that no longer pass (say, an input exited meanwhile).
        """
        self.mempool = Mempool(self.ledger, self.get_next_block_number())
        return [payment for payment, _ in self.mempool.add_many(keep)]

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
        # The ledger checks the block again, reusing the mempool's signature recoveries
        self.ledger.apply_block(number, block, self.mempool.known_signers)
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
