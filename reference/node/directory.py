"""A reference node's data directory: the settlement simulator and one ledger per environment.

A :class:`Node` keeps one SQLite file per component in its directory:

- ``settlement.sqlite``: the settlement layer simulator (the root contract);
- ``chain-<id>.sqlite``: the child chain ledger of environment ``<id>``,
  created by the first step of that environment that is accepted.

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

A rejected step changes nothing, on disk either: the first step of an
environment is tried on a ledger in memory, and the ledger's file is created
only once that step is accepted (a ``chain-<id>.sqlite`` file is never made
for an environment the settlement layer does not have, nor for a step that is
then rejected).

Files the node creates are private to their owner: the directory (and any
parent it creates) gets mode ``0700``, the databases ``0600`` (SQLite gives
their ``-wal`` and ``-shm`` files the same), unless another ``file_mode`` is
given (the directory's mode then adds search permission wherever the files
have read permission: ``0640`` gives ``0750``). Existing files and directories
keep their modes.

Recovery of chain files, on :meth:`Node.open_if_exists` (and before :meth:`Node.create`).
Only files named ``chain-<id>.sqlite`` with ``<id>`` a ``Uint64`` in canonical
decimal (no sign, no leading zero) are the node's; any other file is ignored
and left alone. For each of the node's chain files:

- environment ``<id>`` is registered and the file holds a ledger: it is that
  environment's ledger;
- environment ``<id>`` is registered and the file holds no table (its creation
  was interrupted by a crash, or an old node made it on a rejected request):
  it is left in place, reported by nobody, and the ledger is created in it by
  the environment's first accepted step, as if it did not exist;
- environment ``<id>`` is not registered and the file holds no table: a
  phantom, made by older nodes for a step naming an unknown environment. It is
  removed, with its ``-wal``, ``-shm`` and ``-journal`` side files, so that it
  can never stand for the environment when one with that id is registered;
- environment ``<id>`` is not registered and the file holds tables: a node
  never writes such a file, so the data is foreign (a file copied in, or a
  settlement file replaced). The node refuses to open the directory
  (:class:`ForeignChainFile`) rather than delete or trust it.

A chain file of a registered environment is never deleted.
"""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

from reference.environments.interface import ChainLedger, ReferenceKind
from reference.environments.registry import get_kind
from reference.settlement.simulator import SettlementSimulator
from reference.store import PRIVATE_FILE_MODE, Store, paused_failpoints
from spec.primitives import Uint64
from spec.settlement.state import SettlementState
from spec.settlement.transition import Operation

SETTLEMENT_FILE = "settlement.sqlite"
"""File name of the settlement simulator's database."""

CHAIN_FILE_NAME = re.compile(r"chain-(0|[1-9][0-9]*)\.sqlite")
"""The name of a child chain's database: ``chain-<id>.sqlite``, the id in canonical decimal."""

SIDE_FILE_SUFFIXES = ("-wal", "-shm", "-journal")
"""Suffixes of the files SQLite keeps beside a database."""


class ForeignChainFile(Exception):  # noqa: N818 - named for what it reports
    """A chain file holds tables, but the settlement layer has no such environment."""


def get_chain_file(environment_id: int) -> str:
    """Return the file name of an environment's child chain database."""
    return f"chain-{environment_id}.sqlite"


def parse_chain_file(name: str) -> int | None:
    """Return the environment id a file name stands for, or None if it is no chain file.

    Only canonical names count: ``chain-7.sqlite``, not ``chain-07.sqlite``, and
    the id must be a ``Uint64``.
    """
    match = CHAIN_FILE_NAME.fullmatch(name)
    if match is None:
        return None
    identifier = int(match.group(1))
    return identifier if identifier <= Uint64.max_value() else None


def get_directory_mode(file_mode: int) -> int:
    """Return the mode of directories for files of ``file_mode``: search wherever read is."""
    return file_mode | ((file_mode & 0o444) >> 2)


def make_directory(directory: Path, mode: int) -> None:
    """Create ``directory`` and any missing parent, each with exactly ``mode``."""
    missing: list[Path] = []
    path = directory
    while not path.exists():
        missing.append(path)
        path = path.parent
    for path in reversed(missing):
        path.mkdir(mode)
        os.chmod(path, mode)


def get_side_files(path: Path) -> list[Path]:
    """Return the paths of the files SQLite may keep beside the database at ``path``."""
    return [path.parent / (path.name + suffix) for suffix in SIDE_FILE_SUFFIXES]


def holds_tables(path: Path) -> bool:
    """Return whether the SQLite database at ``path`` has any table, changing nothing.

    The file is opened read-only (so no checkpoint rewrites it), and any side
    file the reading made is removed again.
    """
    if not path.exists():
        return False
    existing = {side for side in get_side_files(path) if side.exists()}
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return connection.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None
    finally:
        connection.close()
        for side in get_side_files(path):
            if side not in existing:
                side.unlink(missing_ok=True)


def remove_database(path: Path) -> None:
    """Remove a database file and its side files."""
    for file in (path, *get_side_files(path)):
        file.unlink(missing_ok=True)


def find_chain_files(directory: Path) -> list[tuple[int, Path]]:
    """Return the node's chain files in ``directory`` (canonical names only), with their ids."""
    found = [(parse_chain_file(path.name), path) for path in directory.glob("chain-*.sqlite")]
    return sorted((identifier, path) for identifier, path in found if identifier is not None)


def find_chain_ledgers(directory: Path) -> list[Path]:
    """Return the node's chain files in ``directory`` that hold tables (changing nothing)."""
    return [path for _, path in find_chain_files(directory) if holds_tables(path)]


def recover_chain_files(
    directory: Path, environment_count: int, file_mode: int = PRIVATE_FILE_MODE
) -> dict[int, Store]:
    """Apply the recovery rules of the module docstring to the chain files of ``directory``.

    Returns the stores of the registered environments' files, opened (each
    file is opened once, and kept open for its ledger: a second connection
    closing would checkpoint the log for nothing), by environment id. Nothing
    is removed unless every file passes.

    Raises:
        ForeignChainFile: when a chain file of an environment id at or past
            ``environment_count`` holds tables.
    """
    files = find_chain_files(directory)
    phantoms = [path for identifier, path in files if identifier >= environment_count]
    for path in phantoms:
        if holds_tables(path):
            raise ForeignChainFile(
                f"{path} holds tables, but the settlement layer has no environment"
                f" {parse_chain_file(path.name)}: move it away"
            )
    for path in phantoms:
        remove_database(path)
    return {
        identifier: Store(path, file_mode)
        for identifier, path in files
        if identifier < environment_count
    }


class Node:
    """The settlement simulator and the child chain ledgers of one data directory."""

    def __init__(
        self,
        directory: Path,
        settlement: SettlementSimulator,
        workers: int | None,
        file_mode: int = PRIVATE_FILE_MODE,
        stores: dict[int, Store] | None = None,
    ):
        """Wrap an opened settlement simulator; use :meth:`create` or :meth:`open`.

        ``stores`` are the opened files of registered environments (from
        :func:`recover_chain_files`).
        """
        self.directory = directory
        """Where the node's databases live."""
        self.settlement = settlement
        """The settlement layer simulator."""
        self.workers = workers
        """Signature-recovery threads of each child chain ledger (None: one per core)."""
        self.file_mode = file_mode
        """Mode of the database files the node creates."""
        self.stores = {} if stores is None else stores
        """Opened chain files not yet used by a ledger, by environment id."""
        self.ledgers = {env for env, store in self.stores.items() if store.has_tables()}
        """Environments whose ledger exists (in its file), by id."""
        self.chains: dict[int, tuple[ReferenceKind, ChainLedger]] = {}
        """Child chain ledgers opened so far, with their kind, by environment id."""

    @classmethod
    def create(
        cls,
        directory: Path,
        genesis: SettlementState,
        workers: int | None = None,
        file_mode: int = PRIVATE_FILE_MODE,
    ) -> Node:
        """Create a node in a new directory, or one holding no node, starting from ``genesis``.

        Raises:
            ForeignChainFile: when the directory holds a chain file with tables.
            OSError: when the directory or a file cannot be made.
        """
        if directory.exists():
            recover_chain_files(directory, 0)
        make_directory(directory, get_directory_mode(file_mode))
        store = Store(directory / SETTLEMENT_FILE, file_mode)
        assert not SettlementSimulator.exists(store), f"{directory} already holds a node"
        settlement = SettlementSimulator.create(store, genesis)
        return cls(directory, settlement, workers, file_mode)

    @classmethod
    def open(
        cls, directory: Path, workers: int | None = None, file_mode: int = PRIVATE_FILE_MODE
    ) -> Node:
        """Open the node kept in ``directory`` (which must hold one), recovering its chain files.

        Raises:
            ForeignChainFile: when a chain file of an unknown environment holds tables.
        """
        node = cls.open_if_exists(directory, workers, file_mode)
        assert node is not None, f"{directory} holds no node"
        return node

    @classmethod
    def open_if_exists(
        cls, directory: Path, workers: int | None = None, file_mode: int = PRIVATE_FILE_MODE
    ) -> Node | None:
        """Open the node kept in ``directory``, recovering its chain files; None if it has none.

        A directory has no node until the settlement file's creation has
        committed (an ``init`` killed before that left an empty file).

        Raises:
            ForeignChainFile: when a chain file of an unknown environment holds tables.
        """
        path = directory / SETTLEMENT_FILE
        if not path.exists():
            return None
        store = Store(path, file_mode)
        if not SettlementSimulator.exists(store):
            store.close()
            return None
        settlement = SettlementSimulator.open(store)
        stores = recover_chain_files(directory, settlement.get_environment_count(), file_mode)
        return cls(directory, settlement, workers, file_mode, stores)

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
            self.ledgers.add(environment_id)
        return self.chains[environment_id]

    def get_chain_kind(self, environment_id: int) -> ReferenceKind:
        """Return the kind of a registered environment (which says how its steps decode).

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT`` when no environment has that id.
        """
        identifier = Uint64(environment_id)
        return get_kind(self.settlement.get_environment_as_registered(identifier).kind)

    def get_kind_and_genesis(self, environment_id: int) -> tuple[ReferenceKind, object]:
        """Return an environment's kind and the genesis of its child chain.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT`` when no environment has that id.
        """
        identifier = Uint64(environment_id)
        environment = self.settlement.get_environment_as_registered(identifier)
        kind = get_kind(environment.kind)
        genesis = kind.spec.chain.compute_genesis(identifier, environment, self.settlement.preset)
        return kind, genesis

    def open_or_create_chain(self, environment_id: int) -> tuple[ReferenceKind, ChainLedger]:
        """Open an environment's ledger file, or create it from the kind's genesis.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT`` when no environment has that id.
        """
        kind, genesis = self.get_kind_and_genesis(environment_id)
        store = self.stores.pop(environment_id, None)
        if store is None:
            store = Store(self.directory / get_chain_file(environment_id), self.file_mode)
        if kind.is_ledger_in(store):
            return kind, kind.open_ledger(store, self.workers)
        return kind, kind.create_ledger(store, genesis, self.workers)

    def get_chain_ids(self) -> list[int]:
        """Return the environments whose ledger exists, in id order."""
        return sorted(self.ledgers)

    def apply_operation(self, operation: Operation) -> None:
        """Apply a settlement operation.

        Raises:
            Rejected: as :meth:`~reference.settlement.simulator.SettlementSimulator.apply` does.
        """
        self.settlement.apply(operation)

    def apply_chain_step(self, environment_id: int, step: object) -> None:
        """Apply a step of the spec's child chain (``ApplyDeposit``, ...) to a ledger.

        The step goes to the environment's ledger, applied as the environment's
        kind says (``ReferenceKind.chain_steps``). The first step of an
        environment without a ledger is tried first on a ledger in memory; the
        ledger's file is created only if that step is accepted.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``, or any reason of the ledger's step.
        """
        if environment_id not in self.ledgers:
            self.try_first_step(environment_id, step)
        kind, ledger = self.get_kind_and_chain(environment_id)
        apply = kind.chain_steps.get(type(step))
        assert apply is not None, f"{type(step).__name__} is not a step of {kind.kind} chains"
        apply(ledger, step)

    def try_first_step(self, environment_id: int, step: object) -> None:
        """Apply a step to the environment's genesis in memory, to learn whether it is accepted.

        No failpoint counts here: a crash in memory changes nothing.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``, or any reason of the ledger's step.
        """
        kind, genesis = self.get_kind_and_genesis(environment_id)
        apply = kind.chain_steps.get(type(step))
        assert apply is not None, f"{type(step).__name__} is not a step of {kind.kind} chains"
        with paused_failpoints():
            trial = kind.create_ledger(Store(), genesis, self.workers)
            try:
                apply(trial, step)
            finally:
                trial.close()
