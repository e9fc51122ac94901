"""The devnet's Plasma Cash environment: its operator, the coin wallets and their watchers.

:class:`CashParties` is the Cash side of a
:class:`~reference.devnet.network.Devnet`: one Cash environment run by
:data:`CASH_OPERATOR`, a :class:`~reference.parties.coin_board.CoinBoard`
(in the devnet's board file), a coin wallet for every user and a coin
watcher for every honest one. Like the payments side, each action goes
through the parties: a transfer is signed by the owner's wallet, checked by
the operator, committed as a sparse root on the settlement layer and
published as leaves on the board, from which every wallet checks the
histories of its coins.

Files in the data directory: ``cash-operator.sqlite``,
``coin-wallet-<name>.sqlite`` and ``coin-watcher-<name>.sqlite``.
"""

from __future__ import annotations

from collections.abc import Callable

from fixtures import ALICE, BOB, CAROL, DAVE, MALLORY, TOKEN_B, Actor, make_actor
from reference.environments.cash.encoding import compute_compact_proof
from reference.parties.coin_board import CoinBoard, compute_leaf_hashes, make_coin_deposit
from reference.parties.coin_operator import CoinOperator
from reference.parties.coin_wallet import CoinWallet
from reference.parties.coin_watcher import CoinAlert, CoinWatcher
from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.environments.cash.coins import SignedTransfer
from spec.environments.cash.witnesses import IncludedLeaf
from spec.errors import Rejected
from spec.primitives import Uint64, Uint256
from spec.settlement.operations import Deposit

CASH_OPERATOR = make_actor("cash-operator")
"""Operator of the Cash environment (it turns byzantine in the demo)."""

CASH_USERS = (ALICE, BOB, CAROL, DAVE, MALLORY)
"""Actors with a coin wallet."""

CASH_GUARDED = (ALICE, BOB, CAROL, DAVE)
"""Honest actors whose coin wallet has a watcher."""

CASH_TOKEN = TOKEN_B
"""Token of every coin of the demo (token A stays the payments environments')."""

WatchedAlert = tuple[str, Uint64, CoinAlert]
"""A coin watcher's alert with the watcher's name and the settlement time it was raised."""


class CashParties:
    """The parties of the devnet's Cash environment."""

    def __init__(
        self,
        open_store: Callable[[str], Store],
        settlement: SettlementSimulator,
        board_store: Store,
        environment_id: Uint64,
    ) -> None:
        """Start the Cash parties of a registered (and active) Cash environment."""
        self.settlement = settlement
        """The settlement layer."""
        self.environment_id = environment_id
        """The Cash environment."""
        self.board = CoinBoard(board_store)
        """Where Cash blocks' leaves are published (the devnet's board file)."""
        self.operator = CoinOperator.create(
            open_store("cash-operator"), settlement, self.board, environment_id
        )
        """The Cash operator."""
        depth = int(settlement.preset.coin_tree_depth)
        self.wallets = {
            actor.name: CoinWallet(open_store(f"coin-wallet-{actor.name}"), actor.key, depth)
            for actor in CASH_USERS
        }
        """Each user's coin wallet, by name."""
        self.watchers = {
            actor.name: CoinWatcher(
                open_store(f"coin-watcher-{actor.name}"),
                self.wallets[actor.name],
                settlement,
                self.board,
                environment_id,
            )
            for actor in CASH_GUARDED
        }
        """Each honest user's coin watcher, by name."""
        self.alerts: list[WatchedAlert] = []
        """Every alert the coin watchers raised, with who raised it and when."""

    @property
    def bond(self) -> Uint256:
        """The Cash environment's exit bond (also the history challenges' bond)."""
        return self.settlement.get_rules(self.environment_id).exit_bond

    def sync_wallets(self) -> None:
        """Let every coin wallet read the newly published blocks and check its coins."""
        for wallet in self.wallets.values():
            wallet.sync(self.settlement, self.board, self.environment_id)

    def watch(self) -> list[WatchedAlert]:
        """Let every coin watcher act; then the operator retires finalized coins."""
        raised = [
            (name, self.settlement.time, alert)
            for name, watcher in self.watchers.items()
            for alert in watcher.tick()
        ]
        self.operator.follow_exits()
        self.alerts.extend(raised)
        return raised

    def deposit(self, actor: Actor, amount: int) -> Uint64:
        """Deposit ``amount`` of the Cash token for ``actor``: a new coin; return its id.

        Raises:
            Rejected: any reason of the ``Deposit`` operation.
        """
        operation = Deposit(self.environment_id, actor.address, CASH_TOKEN, Uint256(amount))
        coin_id = make_coin_deposit(self.settlement, self.board, operation)
        self.operator.follow_deposits()
        self.sync_wallets()
        return coin_id

    def submit(self, sender: Actor, coin_id: int, recipient: Actor) -> SignedTransfer:
        """Have ``sender``'s wallet sign a transfer of a coin and hand it to the operator.

        Raises:
            Rejected: when the operator refuses it (the wallet then owns the coin again).
        """
        wallet = self.wallets[sender.name]
        signed = wallet.transfer(self.environment_id, coin_id, recipient.address)
        try:
            self.operator.submit(signed)
        except Rejected:
            wallet.cancel_transfer(self.environment_id, coin_id)
            raise
        return signed

    def commit(self) -> Uint64:
        """Have the operator commit and publish its next block; return its number."""
        number = self.operator.commit_block()
        self.sync_wallets()
        return number

    def start_exit(self, actor: Actor, coin_id: int) -> Uint64:
        """Start the exit of one of ``actor``'s coins with its wallet; return the exit id.

        Raises:
            Rejected: any reason of ``StartCoinExit``.
        """
        exit_id = Uint64(self.settlement.get_coin_exit_count(self.environment_id))
        wallet = self.wallets[actor.name]
        self.settlement.apply(wallet.make_exit(self.environment_id, coin_id, self.bond))
        return exit_id

    def make_witness(self, block_number: Uint64, coin_id: int) -> IncludedLeaf:
        """Return a published leaf of a coin with its proof (anyone can, from the board)."""
        leaves = self.board.get_leaves(self.environment_id, block_number)
        assert leaves is not None and coin_id in leaves, "a published leaf"
        depth = int(self.settlement.preset.coin_tree_depth)
        proof = compute_compact_proof(compute_leaf_hashes(leaves), coin_id, depth)
        return IncludedLeaf(block_number, leaves[coin_id], proof)

    def list_stores(self) -> list[Store]:
        """Return the stores of the Cash parties (the board's is the devnet's)."""
        stores = [self.operator.ledger.store]
        stores += [wallet.store for wallet in self.wallets.values()]
        stores += [watcher.store for watcher in self.watchers.values()]
        return stores
