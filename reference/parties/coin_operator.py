"""The operator of one Plasma Cash environment: pending transfers, blocks, roots, publication.

A :class:`CoinOperator` keeps its own
:class:`~reference.environments.cash.ledger.CashLedger` (the valid history
of its chain, with every coin's leaves) and:

- accepts signed transfers for the next block (:meth:`CoinOperator.submit`),
  checking each as the spec checks it in a block
  (``spec.environments.cash.chain.validate_transfer``): one transfer per coin
  (``TRANSFER_COIN_REPEATED``), a live coin, its latest block, its owner's
  signature;
- commits the next block (:meth:`CoinOperator.commit_block`): applies it to
  its ledger, submits its sparse root to the settlement layer
  (``SubmitBlock``), then publishes its leaves on the
  :class:`~reference.parties.coin_board.CoinBoard`;
- follows deposit blocks (:meth:`CoinOperator.follow_deposits`) and
  finalized coin exits (:meth:`CoinOperator.follow_exits`) into its ledger.

A byzantine operator (the demo's attacker) commits a block its ledger would
refuse (:meth:`CoinOperator.commit_forged_block`), such as a transfer of
someone else's coin that its owner never signed.
"""

from __future__ import annotations

from collections.abc import Sequence

from reference.environments.cash.encoding import compute_signing_hash, get_leaf_coin
from reference.environments.cash.ledger import CashLedger
from reference.parties.coin_board import (
    CoinBoard,
    CoinExitFollower,
    compute_coin_root,
)
from reference.settlement.simulator import SettlementSimulator
from reference.signatures import recover_signer
from reference.store import Store
from spec.environments.cash.chain import compute_genesis_cash_chain
from spec.environments.cash.coins import CoinBlock, CoinLeaf, CoinMint, SignedTransfer
from spec.environments.cash.records import CoinExitStatus
from spec.errors import RejectionReason, require
from spec.primitives import Address, Uint64
from spec.settlement.operations import SubmitBlock
from spec.settlement.state import BlockKind


class CoinOperator:
    """The operator of one Cash environment."""

    def __init__(
        self,
        ledger: CashLedger,
        settlement: SettlementSimulator,
        board: CoinBoard,
        address: Address,
    ) -> None:
        """Wrap an opened ledger; use :meth:`create` or :meth:`open`."""
        self.ledger = ledger
        """The operator's view of its chain: every mint and block it applied."""
        self.settlement = settlement
        """The settlement layer it commits roots to."""
        self.board = board
        """Where it publishes its blocks' leaves."""
        self.address = address
        """The operator's address: it submits roots."""
        self.follower = CoinExitFollower(ledger.store, settlement, ledger.environment_id)
        """Follows the environment's coin exits, to retire finalized coins."""
        self.pending: list[SignedTransfer] = []
        """Transfers waiting for the next block, in arrival order (the next block's leaves)."""

    @classmethod
    def create(
        cls,
        store: Store,
        settlement: SettlementSimulator,
        board: CoinBoard,
        environment_id: Uint64,
    ) -> CoinOperator:
        """Start operating a registered Cash environment, with a new ledger in ``store``."""
        genesis = compute_genesis_cash_chain(environment_id, settlement.preset.coin_tree_depth)
        ledger = CashLedger.create(store, genesis, workers=1)
        return cls(ledger, settlement, board, settlement.get_operator(environment_id))

    @classmethod
    def open(cls, store: Store, settlement: SettlementSimulator, board: CoinBoard) -> CoinOperator:
        """Reopen an operator from its store (no transfer is pending)."""
        ledger = CashLedger.open(store, workers=1)
        return cls(ledger, settlement, board, settlement.get_operator(ledger.environment_id))

    @property
    def environment_id(self) -> Uint64:
        """The environment operated."""
        return self.ledger.environment_id

    @property
    def depth(self) -> int:
        """Depth of every block's sparse tree."""
        return int(self.ledger.coin_tree_depth)

    # Pending transfers

    def submit(self, signed: SignedTransfer) -> None:
        """Accept a transfer for the next block, or refuse it with the spec's reason.

        Raises:
            Rejected: ``TRANSFER_COIN_REPEATED``, ``TRANSFER_COIN_UNKNOWN``,
                ``TRANSFER_NOT_FROM_LAST_BLOCK``, the signature reasons,
                ``TRANSFER_NOT_SIGNED_BY_OWNER``.
        """
        transfer = signed.transfer
        pending = {int(t.transfer.coin_id) for t in self.pending}
        # Verify the next block moves the coin only once
        require(int(transfer.coin_id) not in pending, RejectionReason.TRANSFER_COIN_REPEATED)
        coin = self.ledger.get_coin(int(transfer.coin_id))
        # Verify the transfer moves a live coin
        require(coin is not None, RejectionReason.TRANSFER_COIN_UNKNOWN)
        assert coin is not None
        # Verify the transfer spends the coin's latest mint or transfer
        require(
            transfer.previous_block == coin.last_block,
            RejectionReason.TRANSFER_NOT_FROM_LAST_BLOCK,
        )
        message = compute_signing_hash(int(self.environment_id), transfer)
        # Verify the coin's owner signed it
        require(
            recover_signer(message, bytes(signed.signature)) == coin.owner,
            RejectionReason.TRANSFER_NOT_SIGNED_BY_OWNER,
        )
        self.pending.append(signed)

    # Blocks

    def get_next_block_number(self) -> Uint64:
        """Return the number the settlement layer expects for the next child block."""
        return self.settlement.get_next_child_block_number(self.environment_id)

    def commit_block(self) -> Uint64:
        """Apply the pending transfers as the next block, commit its root, publish its leaves.

        Returns the block's number. The ledger applies the block first, so the
        operator never commits a root its own rules refuse.

        Raises:
            Rejected: any reason of the ledger's ``apply_block`` or of ``SubmitBlock``.
        """
        number = self.get_next_block_number()
        transfers = tuple(self.pending)
        self.ledger.apply_block(number, CoinBlock(transfers))
        self.submit_and_publish(number, transfers)
        self.pending = []
        return number

    def commit_forged_block(self, leaves: Sequence[CoinLeaf]) -> Uint64:
        """Commit and publish a block the operator's own ledger is never asked to apply.

        The byzantine operator's move: the settlement layer sees only the root,
        so it accepts, say, a transfer of a coin its owner never signed. The
        pending transfers wait for the next block.

        Raises:
            Rejected: any reason of ``SubmitBlock``.
        """
        number = self.get_next_block_number()
        self.submit_and_publish(number, leaves)
        return number

    def submit_and_publish(self, number: Uint64, leaves: Sequence[CoinLeaf]) -> None:
        """Commit the root of ``leaves`` as block ``number``, then publish them.

        Raises:
            Rejected: any reason of ``SubmitBlock``.
        """
        keyed = {int(get_leaf_coin(leaf)): leaf for leaf in leaves}
        root = compute_coin_root(keyed, self.depth)
        self.settlement.apply(SubmitBlock(self.environment_id, self.address, number, root))
        self.board.publish(self.environment_id, number, leaves)

    # Following the settlement layer

    def follow_deposits(self) -> int:
        """Apply the deposit blocks posted since the ledger's last block; return how many.

        Only a mint whose root is the one the settlement layer wrote is applied.
        """
        applied = 0
        for number in self.board.get_numbers_after(self.environment_id, self.ledger.block_number):
            record = self.settlement.get_block(self.environment_id, number)
            leaves = self.board.get_leaves(self.environment_id, number)
            if record is None or record.kind != BlockKind.DEPOSIT or leaves is None:
                continue
            mint = leaves.get(int(number))
            if (
                isinstance(mint, CoinMint)
                and len(leaves) == 1
                and compute_coin_root(leaves, self.depth) == record.root
            ):
                self.ledger.apply_mint(mint)
                applied += 1
        return applied

    def follow_exits(self) -> int:
        """Retire the coins of newly finalized exits; return how many.

        A pending transfer of a retired coin is dropped.
        """
        _, ended = self.follower.poll()
        retired = 0
        for _, exit in ended:
            if exit.status == CoinExitStatus.FINALIZED and self.ledger.get_coin(int(exit.coin_id)):
                self.ledger.apply_exit(exit.coin_id)
                retired += 1
        live = self.ledger.coins
        self.pending = [t for t in self.pending if int(t.transfer.coin_id) in live]
        return retired
