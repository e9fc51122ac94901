"""The settlement layer simulator: the root contract of the reference node.

:class:`SettlementSimulator` applies settlement operations with the semantics
of ``spec.settlement.transition.state_transition``: the same rejection
reasons, checked in the same order, and the same resulting state, as equal
digests show. It is a second, independent implementation, built to be fast
and durable rather than to be read as a specification:

- the state lives in SQLite (``reference.settlement.tables``), with indexes so
  that every operation costs O(log n) per row it touches: balances by
  (account, token), the block log by (environment, number), exits by
  (environment, exit id) and by (environment, position), and the exit queues
  as a partial index over the open exits in priority order (for payments,
  merged with an indexed table of the in-flight exits' queue entries);
- values the spec finds by scanning (the last child block number, the next
  exit id) are counters on the environment's row;
- every accepted operation is appended, canonically encoded, to the
  ``operation_log`` table: the node's journal.

Dispatch: :meth:`SettlementSimulator.apply` finds the operation's step in
:data:`STEPS`, the simulator's step table keyed by operation type, as
``state_transition`` finds its ``process_*`` function in the spec's
operation table (``spec.settlement.transition.OPERATIONS``).
:func:`compute_step_table` builds it from the steps every environment shares
(:data:`CORE_STEPS`: ``reference.settlement.steps``, whose ``ProcessExits``
step hands each queue to its environment's kind, and the committee
environments' ``reference.settlement.certified``) and the steps each kind
adds (its exit game, from ``reference.environments.registry``), and refuses
it unless its operation types are exactly the spec table's. A step reads and
writes the state only through :class:`~reference.settlement.tables.SettlementTables`.

Atomicity: each operation runs in one
:meth:`~reference.store.Store.transaction` (state changes and the journal
entry together). A rejection or a crash leaves the database as it was. The
simulator keeps nothing in memory but the preset, which never changes, so a
simulator reopened from its file (:meth:`SettlementSimulator.open`) is the
same simulator. Loading and exporting whole states is
``reference.settlement.export``; the streamed digest, ``.digest``.

Loaded states: :meth:`SettlementSimulator.create` takes any
``SettlementState``. Where a loaded state breaks the protocol's own
bookkeeping (bonds held below an open exit's bond, withdrawn above
deposited), the simulator raises what the spec's checked arithmetic raises
there (``INTEGER_UNDERFLOW``), like the spec.
"""

from __future__ import annotations

from collections.abc import Mapping

from reference.environments.interface import SettlementStep
from reference.environments.registry import KINDS, get_kind
from reference.settlement.certified import report_conflicting_commits, submit_certified_block
from reference.settlement.digest import compute_state_digest
from reference.settlement.export import export_state, load_state
from reference.settlement.finality_tables import compute_registered_finality
from reference.settlement.steps import (
    advance_time,
    deposit,
    process_exit_queue,
    register_environment,
    submit_block,
)
from reference.settlement.tables import HEADER_TABLE, SettlementTables
from reference.store import Store, failpoint
from spec.encoding import decode, decode_as, encode
from spec.environments.cash.records import CoinExit, SettledCoin
from spec.environments.payments.records import ExitReference, InFlightExit
from spec.positions import OutputPosition
from spec.presets import Preset
from spec.primitives import Address, Hash32, Uint64, Uint256
from spec.settlement.operations import (
    AdvanceTime,
    Deposit,
    ProcessExits,
    RegisterEnvironment,
    ReportConflictingCommits,
    SubmitBlock,
    SubmitCertifiedBlock,
)
from spec.settlement.state import BlockRecord, Environment, EnvironmentRules, Exit, SettlementState
from spec.settlement.transition import OPERATIONS, Operation

CORE_STEPS: Mapping[type, SettlementStep] = {
    RegisterEnvironment: register_environment,
    Deposit: deposit,
    SubmitBlock: submit_block,
    ProcessExits: process_exit_queue,
    AdvanceTime: advance_time,
    SubmitCertifiedBlock: submit_certified_block,
    ReportConflictingCommits: report_conflicting_commits,
}
"""Steps of the operations every environment kind shares, by operation type."""


def compute_step_table(
    tables: tuple[Mapping[type, SettlementStep], ...],
    operations: Mapping[type, object] = OPERATIONS,
) -> dict[type, SettlementStep]:
    """Return the steps of ``tables`` by operation type, checked against the spec's table.

    ``operations`` is the spec's operation table (``spec.settlement.transition.OPERATIONS``).

    Raises:
        AssertionError: when two tables have a step for one operation type, or the
            spec's table has an operation the steps miss, or the reverse.
    """
    steps: dict[type, SettlementStep] = {}
    for table in tables:
        assert not set(table) & set(steps), "two steps for one operation"
        steps.update(table)
    missing = sorted(t.__name__ for t in set(operations) - set(steps))
    extra = sorted(t.__name__ for t in set(steps) - set(operations))
    assert not missing, f"the spec's operations {missing} have no step in the reference"
    assert not extra, f"the reference has steps for {extra}, which the spec does not list"
    return steps


STEPS: Mapping[type, SettlementStep] = compute_step_table(
    (CORE_STEPS, *(kind.settlement_steps for kind in KINDS.values()))
)
"""The simulator's step table: every settlement operation's step, by operation type."""


def get_step(operation: Operation) -> SettlementStep:
    """Return the step of an operation's type (every operation of the union has one)."""
    step = STEPS.get(type(operation))
    assert step is not None, f"{type(operation).__name__} is not a settlement operation"
    return step


class SettlementSimulator:
    """The settlement layer kept in a :class:`~reference.store.Store`."""

    def __init__(self, store: Store, preset: Preset) -> None:
        """Wrap a store holding a simulator; use :meth:`create` or :meth:`open`."""
        self.store = store
        """Where the state and the journal are kept."""
        self.preset = preset
        """Protocol parameters; part of the state, and never changed by an operation."""

    # Opening

    @staticmethod
    def exists(store: Store) -> bool:
        """Return whether ``store`` holds a settlement simulator."""
        return store.has_table(HEADER_TABLE)

    @classmethod
    def create(cls, store: Store, state: SettlementState) -> SettlementSimulator:
        """Create a simulator in an empty store, holding any spec state ``state``.

        ``state`` may be a genesis or any later state (environments, blocks,
        exits, ledgers, bonds), as long as each environment's exit ids are
        ``0, 1, 2, ...`` as the spec assigns them.
        """
        assert not cls.exists(store), "the store already holds a settlement simulator"
        with store.transaction() as connection:
            load_state(connection, state)
        return cls(store, state.preset)

    @classmethod
    def open(cls, store: Store) -> SettlementSimulator:
        """Open the simulator kept in ``store``."""
        assert cls.exists(store), "the store holds no settlement simulator"
        encoding = SettlementTables(store.connection).read_preset_encoding()
        return cls(store, decode(Preset, encoding))

    @property
    def tables(self) -> SettlementTables:
        """The tables, read through the store's connection."""
        return SettlementTables(self.store.connection)

    # Operations

    def apply(self, operation: Operation) -> None:
        """Apply one settlement operation through its step, as ``state_transition`` would.

        The step and the journal entry run in one store transaction.

        Raises:
            Rejected: any reason of the operation's step (for ``Deposit``,
                :func:`reference.settlement.steps.deposit`, and so on); nothing
                changes then.
        """
        step = get_step(operation)
        with self.store.transaction() as connection:
            tables = SettlementTables(connection)
            step(tables, self.preset, operation)
            failpoint()
            tables.append_operation(encode(operation, Operation))

    # The journal

    def applied_count(self) -> int:
        """Return how many operations were accepted (the journal's length)."""
        return self.tables.count_operations()

    def get_applied_operations(self, start: int = 0) -> list[Operation]:
        """Return the accepted operations from sequence number ``start`` on, in order."""
        encodings = self.tables.read_operations(start)
        return [decode_as(Operation, encoding) for encoding in encodings]

    # Queries for wallets and watchers

    @property
    def time(self) -> Uint64:
        """The settlement clock."""
        return self.tables.read_time()

    def get_balance(self, account: Address, token: Address) -> Uint256:
        """Return an account's settlement-layer balance of a token."""
        return self.tables.read_balance(account, token)

    def get_environment_count(self) -> int:
        """Return how many environments are registered (their ids are 0 to count - 1)."""
        return self.tables.count_environments()

    def get_operator(self, environment_id: Uint64) -> Address:
        """Return an environment's operator.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``.
        """
        return self.tables.get_environment(environment_id).operator

    def get_rules(self, environment_id: Uint64) -> EnvironmentRules:
        """Return an environment's rules.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``.
        """
        return self.tables.get_environment(environment_id).rules

    def get_registered_at(self, environment_id: Uint64) -> Uint64:
        """Return when an environment was registered (it is usable one quarantine later).

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``.
        """
        return self.tables.get_environment(environment_id).registered_at

    def get_bonds_held(self, environment_id: Uint64) -> Uint256:
        """Return the bonds an environment holds for its open exits.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``.
        """
        return self.tables.get_environment(environment_id).bonds_held

    def get_environment_as_registered(self, environment_id: Uint64) -> Environment:
        """Return an environment as registered: no blocks, exits, ledgers, records or certified yet.

        Its operator, kind, rules and registration time are what a kind's child
        chain genesis is computed from (``ChildChainSpec.compute_genesis``).

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``.
        """
        row = self.tables.get_environment(environment_id)
        return Environment(
            operator=row.operator,
            kind=row.kind,
            rules=row.rules,
            registered_at=row.registered_at,
            blocks={},
            exits={},
            deposited={},
            withdrawn={},
            bonds_held=Uint256(0),
            kind_records=get_kind(row.kind).spec.compute_genesis_records(),
            finality=compute_registered_finality(self.tables.read_committee(row.environment_id)),
        )

    def get_block(self, environment_id: Uint64, number: Uint64) -> BlockRecord | None:
        """Return the block log entry at a number, or None (also for an unknown environment)."""
        if environment_id >= self.get_environment_count():
            return None
        return self.tables.read_block(int(environment_id), number)

    def get_exit(self, environment_id: Uint64, exit_id: Uint64) -> Exit | None:
        """Return an exit by id, or None (also for an unknown environment)."""
        if environment_id >= self.get_environment_count():
            return None
        environment = self.tables.read_environment(int(environment_id))
        if exit_id >= environment.exit_count:
            return None
        return self.tables.read_exit(int(environment_id), int(exit_id))

    def get_exit_count(self, environment_id: Uint64) -> int:
        """Return how many exits an environment ever had (the next exit id).

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``.
        """
        return self.tables.get_environment(environment_id).exit_count

    def get_open_exits(self, environment_id: Uint64) -> list[tuple[Uint64, Exit]]:
        """Return an environment's open exits with their ids, by id (read through the queue index).

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``.
        """
        environment = self.tables.get_environment(environment_id)
        return self.tables.read_open_exits(environment.environment_id)

    def get_exit_of_position(
        self, environment_id: Uint64, position: OutputPosition
    ) -> tuple[Uint64, Exit] | None:
        """Return the exit ever started for an output, with its id, if any.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``.
        """
        environment = self.tables.get_environment(environment_id)
        return self.tables.find_exit_of_position(environment.environment_id, position)

    def get_in_flight_exit(self, environment_id: Uint64, exit_id: Uint64) -> InFlightExit | None:
        """Return a payments in-flight exit by id, or None (also for an unknown environment)."""
        if environment_id >= self.get_environment_count():
            return None
        return self.tables.read_in_flight_exit(int(environment_id), exit_id)

    def get_finalizing_exit(
        self, environment_id: Uint64, output_id: Hash32
    ) -> ExitReference | None:
        """Return the exit whose finalized mark names a payments output, or None."""
        if environment_id >= self.get_environment_count():
            return None
        return self.tables.read_finalized(int(environment_id), output_id)

    def get_coin(self, environment_id: Uint64, coin_id: Uint64) -> SettledCoin | None:
        """Return a Plasma Cash coin as the settlement layer knows it, or None.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``.
        """
        environment = self.tables.get_environment(environment_id)
        return self.tables.read_coin(environment.environment_id, coin_id)

    def get_coin_exit(self, environment_id: Uint64, exit_id: Uint64) -> CoinExit | None:
        """Return a Plasma Cash coin exit with its open challenges, or None.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``.
        """
        environment = self.tables.get_environment(environment_id)
        return self.tables.read_coin_exit(environment.environment_id, exit_id)

    def get_coin_exit_count(self, environment_id: Uint64) -> int:
        """Return how many coin exits a Cash environment ever had (the next exit id).

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``.
        """
        environment = self.tables.get_environment(environment_id)
        return self.tables.count_coin_exits(environment.environment_id)

    def get_next_child_block_number(self, environment_id: Uint64) -> Uint64:
        """Return the number the operator's next child block must take.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``; ``INTEGER_OVERFLOW`` past the largest Uint64.
        """
        environment = self.tables.get_environment(environment_id)
        return environment.last_child_block_number + self.preset.block_interval

    def get_next_deposit_block_number(self, environment_id: Uint64) -> Uint64:
        """Return the number the next deposit block would take.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``; ``INTEGER_OVERFLOW`` past the largest Uint64.
        """
        environment = self.tables.get_environment(environment_id)
        return environment.last_block_number + 1

    def get_vault_balance(self, environment_id: Uint64, token: Address) -> Uint256:
        """Return what an environment's vault holds of a token: deposited minus withdrawn.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``.
        """
        environment = self.tables.get_environment(environment_id)
        ledger = self.tables.read_ledger(environment.environment_id, token)
        deposited = Uint256(0) if ledger.deposited is None else ledger.deposited
        return deposited - (Uint256(0) if ledger.withdrawn is None else ledger.withdrawn)

    # The whole state

    def get_state(self) -> SettlementState:
        """Return the whole state as the spec's ``SettlementState`` (reads every row)."""
        return export_state(self.store.connection, self.preset)

    def compute_digest(self) -> Hash32:
        """Return ``spec.digest.compute_settlement_digest(self.get_state())``, streamed.

        The tables are hashed in key order without building the state
        (``reference.settlement.digest``): the same hash, much faster.
        """
        return compute_state_digest(self.store.connection)
