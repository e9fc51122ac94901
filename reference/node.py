"""A reference node's data directory: the settlement simulator and its child chains.

A :class:`Node` keeps one SQLite file per component in its directory:

- ``settlement.sqlite``: the settlement layer simulator (the root contract);
- ``chain-<id>.sqlite``: the payments child chain ledger of environment ``<id>``,
  created the first time a step of that environment arrives.

Every step commits atomically in its own file. The components are separate
files on purpose: on a real deployment the root contract, each operator and
each watcher are different parties with their own storage, and each one
recovers on its own after a crash.
"""

from __future__ import annotations

from pathlib import Path

from reference.chain import ChildChainLedger
from reference.settlement import SettlementSimulator
from reference.store import Store
from spec.payments.chain import compute_genesis_child_chain
from spec.payments.transactions import Block, DepositTransaction, OutputPosition
from spec.primitives import Uint64
from spec.settlement.operations import Operation
from spec.settlement.state import SettlementState

SETTLEMENT_FILE = "settlement.sqlite"
"""File name of the settlement simulator's database."""


def get_chain_file(environment_id: int) -> str:
    """Return the file name of an environment's child chain database."""
    return f"chain-{environment_id}.sqlite"


class Node:
    """The settlement simulator and the child chain ledgers of one data directory."""

    def __init__(self, directory: Path, settlement: SettlementSimulator, workers: int | None):
        """Wrap an opened settlement simulator; use :meth:`create` or :meth:`open`."""
        self.directory = directory
        """Where the node's databases live."""
        self.settlement = settlement
        """The settlement layer simulator."""
        self.workers = workers
        """Signature-recovery threads of each child chain ledger (None: one per core)."""
        self.chains: dict[int, ChildChainLedger] = {}
        """Child chain ledgers opened so far, by environment id."""

    @classmethod
    def create(cls, directory: Path, genesis: SettlementState, workers: int | None = None) -> Node:
        """Create a node in an empty (or new) directory, starting from ``genesis``."""
        directory.mkdir(parents=True, exist_ok=True)
        assert not (directory / SETTLEMENT_FILE).exists(), f"{directory} already holds a node"
        settlement = SettlementSimulator.create(Store(directory / SETTLEMENT_FILE), genesis)
        return cls(directory, settlement, workers)

    @classmethod
    def open(cls, directory: Path, workers: int | None = None) -> Node:
        """Open the node kept in ``directory``."""
        settlement = SettlementSimulator.open(Store(directory / SETTLEMENT_FILE))
        return cls(directory, settlement, workers)

    @staticmethod
    def exists(directory: Path) -> bool:
        """Return whether ``directory`` holds a node."""
        return (directory / SETTLEMENT_FILE).exists()

    def get_chain(self, environment_id: int) -> ChildChainLedger:
        """Return the ledger of a registered environment, creating it on first use."""
        if environment_id not in self.chains:
            self.chains[environment_id] = self.open_or_create_chain(environment_id)
        return self.chains[environment_id]

    def open_or_create_chain(self, environment_id: int) -> ChildChainLedger:
        """Open an environment's ledger file, or create it from the environment's genesis."""
        store = Store(self.directory / get_chain_file(environment_id))
        if ChildChainLedger.exists(store):
            return ChildChainLedger.open(store, workers=self.workers)
        operator = self.settlement.get_operator(Uint64(environment_id))
        depth = self.settlement.preset.transaction_tree_depth
        genesis = compute_genesis_child_chain(Uint64(environment_id), operator, depth)
        return ChildChainLedger.create(store, genesis, workers=self.workers)

    def get_chain_ids(self) -> list[int]:
        """Return the environments whose ledger file exists, in id order."""
        found = {int(path.stem.split("-")[1]) for path in self.directory.glob("chain-*.sqlite")}
        return sorted(found | set(self.chains))

    def apply_operation(self, operation: Operation) -> None:
        """Apply a settlement operation.

        Raises:
            Rejected: as :meth:`reference.settlement.SettlementSimulator.apply` does.
        """
        self.settlement.apply(operation)

    def apply_deposit(
        self, environment_id: int, block_number: Uint64, deposit: DepositTransaction
    ) -> None:
        """Apply a deposit block to an environment's child chain.

        Raises:
            Rejected: as :meth:`reference.chain.ChildChainLedger.apply_deposit` does.
        """
        self.get_chain(environment_id).apply_deposit(block_number, deposit)

    def apply_block(self, environment_id: int, block_number: Uint64, block: Block) -> None:
        """Apply a child block to an environment's child chain.

        Raises:
            Rejected: as :meth:`reference.chain.ChildChainLedger.apply_block` does.
        """
        self.get_chain(environment_id).apply_block(block_number, block)

    def apply_exit(self, environment_id: int, position: OutputPosition) -> None:
        """Remove an exited output from an environment's child chain.

        Raises:
            Rejected: as :meth:`reference.chain.ChildChainLedger.apply_exit` does.
        """
        self.get_chain(environment_id).apply_exit(position)
