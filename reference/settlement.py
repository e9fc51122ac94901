"""The settlement layer simulator: the root contract of the reference node.

:class:`SettlementSimulator` applies settlement operations with the semantics
of ``spec.settlement.transition.state_transition``: the same rejection
reasons, checked in the same order, and the same resulting state, as equal
digests show. It is a second, independent implementation, built to be fast
and durable rather than to be read as a specification:

- the state lives in SQLite (``reference.settlement_tables``), with indexes so
  that every operation costs O(log n) per row it touches: balances by
  (account, token), the block log by (environment, number), exits by
  (environment, exit id) and by (environment, position), and the exit queues
  as a partial index over the open exits in priority order;
- values the spec finds by scanning (the last child block number, the next
  exit id) are counters on the environment's row;
- every accepted operation is appended, canonically encoded, to the
  ``operation_log`` table: the node's journal.

Atomicity: each operation runs in one
:meth:`~reference.store.Store.transaction` (state changes and the journal
entry together). A rejection or a crash leaves the database as it was. The
simulator keeps nothing in memory but the preset, which never changes, so a
simulator reopened from its file (:meth:`SettlementSimulator.open`) is the
same simulator.

Modules: the tables and their typed access in ``reference.settlement_tables``
and ``reference.settlement_access``; registration, deposits, blocks and time in
``reference.settlement_steps``; exits in ``reference.settlement_exits``;
loading and exporting whole states in ``reference.settlement_export``; the
streamed state digest in ``reference.settlement_digest``.

Loaded states: :meth:`SettlementSimulator.create` takes any
``SettlementState``. Where a loaded state breaks the protocol's own
bookkeeping (bonds held below an open exit's bond, withdrawn above
deposited), the simulator raises what the spec's checked arithmetic raises
there (``INTEGER_UNDERFLOW``), like the spec.
"""

from __future__ import annotations

from collections.abc import Callable

from reference import settlement_exits as exits
from reference import settlement_steps as steps
from reference.settlement_access import SettlementTables
from reference.settlement_digest import compute_state_digest
from reference.settlement_export import export_state, load_state
from reference.settlement_tables import HEADER_TABLE
from reference.store import Store, failpoint
from spec.encoding import decode, decode_as, encode
from spec.payments.transactions import OutputPosition
from spec.presets import Preset
from spec.primitives import Address, Hash32, Uint64, Uint256
from spec.settlement.operations import (
    AdvanceTime,
    ChallengeStandardExit,
    Deposit,
    Operation,
    ProcessExits,
    RegisterEnvironment,
    StartStandardExit,
    SubmitBlock,
)
from spec.settlement.state import BlockRecord, EnvironmentRules, Exit, SettlementState


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
        """Apply one settlement operation, as ``state_transition`` would.

        Raises:
            Rejected: any reason of the operation's method below; nothing changes then.
        """
        match operation:
            case RegisterEnvironment():
                self.register_environment(operation)
            case Deposit():
                self.deposit(operation)
            case SubmitBlock():
                self.submit_block(operation)
            case StartStandardExit():
                self.start_standard_exit(operation)
            case ChallengeStandardExit():
                self.challenge_standard_exit(operation)
            case ProcessExits():
                self.process_exits(operation)
            case AdvanceTime():
                self.advance_time(operation)

    def run(self, operation: Operation, step: Callable[[SettlementTables], None]) -> None:
        """Run ``step`` (which applies ``operation``) and journal ``operation``, in one transaction.

        Raises:
            Rejected: whatever ``step`` raises; the transaction is then rolled back.
        """
        with self.store.transaction() as connection:
            tables = SettlementTables(connection)
            step(tables)
            failpoint()
            tables.append_operation(encode(operation, Operation))

    def register_environment(self, operation: RegisterEnvironment) -> None:
        """Register a new environment, operated by the sender.

        Raises:
            Rejected: ``FINALIZATION_PERIOD_TOO_SHORT``, ``EXIT_BOND_TOO_LOW``,
                ``DEPOSIT_LIMIT_ZERO``.
        """
        self.run(operation, lambda t: steps.register_environment(t, self.preset, operation))

    def deposit(self, operation: Deposit) -> None:
        """Lock the owner's funds in an environment's vault and write a deposit block.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_IN_QUARANTINE``,
                ``DEPOSIT_AMOUNT_ZERO``, ``DEPOSIT_ABOVE_LIMIT``, ``TOO_MANY_DEPOSITS``,
                ``INSUFFICIENT_FUNDS``, ``INTEGER_OVERFLOW``.
        """
        self.run(operation, lambda t: steps.deposit(t, self.preset, operation))

    def submit_block(self, operation: SubmitBlock) -> None:
        """Commit the root of the next child block.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_IN_QUARANTINE``,
                ``NOT_OPERATOR``, ``BLOCK_ALREADY_COMMITTED``, ``BLOCK_NUMBER_UNEXPECTED``,
                ``INTEGER_OVERFLOW``.
        """
        self.run(operation, lambda t: steps.submit_block(t, self.preset, operation))

    def start_standard_exit(self, operation: StartStandardExit) -> None:
        """Start the exit of an output and take its bond.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``, ``ENVIRONMENT_IN_QUARANTINE``,
                ``UNKNOWN_BLOCK``, ``INCLUSION_PROOF_INVALID``,
                ``OUTPUT_INDEX_OUT_OF_RANGE``, ``EXIT_NOT_BY_OWNER``,
                ``EXIT_BOND_WRONG_AMOUNT``, ``EXIT_ALREADY_STARTED``,
                ``INSUFFICIENT_FUNDS``, ``INTEGER_OVERFLOW``.
        """
        self.run(operation, lambda t: exits.start_standard_exit(t, self.preset, operation))

    def challenge_standard_exit(self, operation: ChallengeStandardExit) -> None:
        """Cancel an open exit with a spend of its output signed by its owner.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``, ``UNKNOWN_EXIT``, ``EXIT_NOT_OPEN``,
                ``CHALLENGE_NOT_SPENDING_EXIT``, ``CHALLENGE_NOT_SIGNED_BY_OWNER``,
                ``SIGNATURE_MALFORMED``, ``SIGNATURE_HIGH_S``, ``SIGNATURE_UNRECOVERABLE``,
                ``INTEGER_OVERFLOW``.
        """
        self.run(operation, lambda t: exits.challenge_standard_exit(t, operation))

    def process_exits(self, operation: ProcessExits) -> None:
        """Pay mature exits of one (environment, token) queue in priority order.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``, ``PROCESS_LIMIT_ZERO``,
                ``NO_EXIT_TO_PROCESS``, ``INTEGER_OVERFLOW``.
        """
        self.run(operation, lambda t: exits.process_exits(t, operation))

    def advance_time(self, operation: AdvanceTime) -> None:
        """Move the settlement clock forward.

        Raises:
            Rejected: ``TIME_NOT_INCREASING``.
        """
        self.run(operation, lambda t: steps.advance_time(t, operation))

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
        return steps.read_registered_environment(self.tables, environment_id).operator

    def get_rules(self, environment_id: Uint64) -> EnvironmentRules:
        """Return an environment's rules.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``.
        """
        return steps.read_registered_environment(self.tables, environment_id).rules

    def get_registered_at(self, environment_id: Uint64) -> Uint64:
        """Return when an environment was registered (it is usable one quarantine later).

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``.
        """
        return steps.read_registered_environment(self.tables, environment_id).registered_at

    def get_bonds_held(self, environment_id: Uint64) -> Uint256:
        """Return the bonds an environment holds for its open exits.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``.
        """
        return steps.read_registered_environment(self.tables, environment_id).bonds_held

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
        return steps.read_registered_environment(self.tables, environment_id).exit_count

    def get_open_exits(self, environment_id: Uint64) -> list[tuple[Uint64, Exit]]:
        """Return an environment's open exits with their ids, by id (read through the queue index).

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``.
        """
        environment = steps.read_registered_environment(self.tables, environment_id)
        return self.tables.read_open_exits(environment.environment_id)

    def get_exit_of_position(
        self, environment_id: Uint64, position: OutputPosition
    ) -> tuple[Uint64, Exit] | None:
        """Return the exit ever started for an output, with its id, if any.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``.
        """
        environment = steps.read_registered_environment(self.tables, environment_id)
        return self.tables.find_exit_of_position(environment.environment_id, position)

    def get_next_child_block_number(self, environment_id: Uint64) -> Uint64:
        """Return the number the operator's next child block must take.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``; ``INTEGER_OVERFLOW`` past the largest Uint64.
        """
        environment = steps.read_registered_environment(self.tables, environment_id)
        return environment.last_child_block_number + self.preset.block_interval

    def get_next_deposit_block_number(self, environment_id: Uint64) -> Uint64:
        """Return the number the next deposit block would take.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``; ``INTEGER_OVERFLOW`` past the largest Uint64.
        """
        environment = steps.read_registered_environment(self.tables, environment_id)
        return environment.last_block_number + 1

    def get_vault_balance(self, environment_id: Uint64, token: Address) -> Uint256:
        """Return what an environment's vault holds of a token: deposited minus withdrawn.

        Raises:
            Rejected: ``UNKNOWN_ENVIRONMENT``.
        """
        environment = steps.read_registered_environment(self.tables, environment_id)
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
        (``reference.settlement_digest``): the same hash, much faster.
        """
        return compute_state_digest(self.store.connection)
