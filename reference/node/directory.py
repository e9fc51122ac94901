"""A reference node's data directory: the settlement simulator and one ledger per environment.

A :class:`Node` keeps one SQLite file per component in its directory:

- ``settlement.sqlite``: the settlement layer simulator (the root contract);
- ``chain-<id>.sqlite``: the child chain ledger of environment ``<id>``,
  created the first time a step of that environment arrives.

Each environment gets the ledger of its kind: the node reads the
environment's :class:`~spec.settlement.state.EnvironmentKind` from the
settlement layer and takes the kind's row of the reference registry
(``reference.environments.registry``), which says how to find, open and
create that kind's ledger and how each of the spec's child chain steps
applies to it. A new ledger starts from the spec's genesis of the kind
(``ChildChainSpec.compute_genesis``) for the environment as registered. The
node never names a kind.

Every step commits atomically in its own file. The components are separate
files on purpose: on a real deployment the root contract, each operator and
each watcher are different parties with their own storage, and each one
recovers on its own after a crash.
"""

from __future__ import annotations

from pathlib import Path

from reference.environments.interface import ChainLedger, ReferenceKind
from reference.environments.registry import get_kind
from reference.settlement.simulator import SettlementSimulator
from reference.store import Store
from spec.primitives import Uint64
from spec.settlement.state import SettlementState
from spec.settlement.transition import Operation

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
        self.chains: dict[int, tuple[ReferenceKind, ChainLedger]] = {}
        """Child chain ledgers opened so far, with their kind, by environment id."""

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

    def get_chain(self, environment_id: int) -> ChainLedger:
        """Return the ledger of a registered environment, creating it on first use.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT`` when no environment has that id.
        """
        return self.get_kind_and_chain(environment_id)[1]

    def get_kind_and_chain(self, environment_id: int) -> tuple[ReferenceKind, ChainLedger]:
        """Return an environment's kind and its ledger, opening or creating it on first use.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT`` when no environment has that id.
        """
        if environment_id not in self.chains:
            self.chains[environment_id] = self.open_or_create_chain(environment_id)
        return self.chains[environment_id]

    def open_or_create_chain(self, environment_id: int) -> tuple[ReferenceKind, ChainLedger]:
        """Open an environment's ledger file, or create it from the kind's genesis.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT`` when no environment has that id.
        """
        identifier = Uint64(environment_id)
        environment = self.settlement.get_environment_as_registered(identifier)
        kind = get_kind(environment.kind)
        store = Store(self.directory / get_chain_file(environment_id))
        if kind.is_ledger_in(store):
            return kind, kind.open_ledger(store, self.workers)
        genesis = kind.spec.chain.compute_genesis(identifier, environment, self.settlement.preset)
        return kind, kind.create_ledger(store, genesis, self.workers)

    def get_chain_ids(self) -> list[int]:
        """Return the environments whose ledger file exists, in id order."""
        found = {int(path.stem.split("-")[1]) for path in self.directory.glob("chain-*.sqlite")}
        return sorted(found | set(self.chains))

    def apply_operation(self, operation: Operation) -> None:
        """Apply a settlement operation.

        Raises:
            Rejected: as :meth:`~reference.settlement.simulator.SettlementSimulator.apply` does.
        """
        self.settlement.apply(operation)

    def apply_chain_step(self, environment_id: int, step: object) -> None:
        """Apply a step of the spec's child chain (``ApplyDeposit``, ...) to a ledger.

        The step goes to the environment's ledger, applied as the environment's
        kind says (``ReferenceKind.chain_steps``).

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``, or any reason of the ledger's step.
        """
        kind, ledger = self.get_kind_and_chain(environment_id)
        apply = kind.chain_steps.get(type(step))
        assert apply is not None, f"{type(step).__name__} is not a step of {kind.kind} chains"
        apply(ledger, step)
