"""Loading a spec ``SettlementState`` into the simulator's tables, and exporting it back.

:func:`load_state` bulk-inserts any settlement state (``executemany`` per
table), computing once the counters the simulator keeps instead of scanning
(last child block number, last block number, exit count), each
environment's kind records through its kind's row, and a committee
environment's record (``reference.settlement.finality_tables``).
:func:`export_state` reads every table back into the spec's frozen dataclasses, so that the spec's
own ``compute_settlement_digest`` hashes the simulator's state; loading a
state and exporting it gives an equal state.

Mappings keep exactly the spec's entries: a zero balance or a zero ledger
total that the loaded state holds stays until an operation rewrites it (then
the spec's rules drop it), and nothing else is ever stored as zero.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict

from reference.columns import load_address, load_u64, load_u256, store_u256
from reference.environments.registry import get_kind
from reference.settlement.environment_tables import (
    ENVIRONMENT_COLUMNS,
    EnvironmentRow,
    load_block,
    load_environment,
    make_block_row,
    make_environment_row,
    store_optional_u256,
)
from reference.settlement.exit_tables import EXIT_COLUMNS, load_exit, make_exit_row
from reference.settlement.finality_tables import export_finality, load_finality
from reference.settlement.tables import SettlementTables, create_tables, write_header
from reference.store import failpoint
from spec.encoding import encode
from spec.presets import Preset
from spec.primitives import Address, Uint64, Uint256
from spec.settlement.state import (
    BlockKind,
    BlockRecord,
    Environment,
    Exit,
    SettlementState,
)

# Loading


def count_environment(environment_id: int, environment: Environment) -> EnvironmentRow:
    """Return an environment's row, with its counters computed from its block log and exits."""
    # Exit ids are assigned 0, 1, 2, ...: the simulator's exit counter relies on it
    assert set(environment.exits) == set(range(len(environment.exits))), "exit ids not 0..n-1"
    children = [n for n, record in environment.blocks.items() if record.kind == BlockKind.CHILD]
    return EnvironmentRow(
        environment_id=environment_id,
        operator=environment.operator,
        kind=environment.kind,
        rules=environment.rules,
        registered_at=environment.registered_at,
        last_child_block_number=max(children, default=Uint64(0)),
        last_block_number=max(environment.blocks, default=Uint64(0)),
        exit_count=len(environment.exits),
        bonds_held=environment.bonds_held,
    )


def list_ledger_rows(
    environment_id: int, environment: Environment
) -> list[tuple[int, bytes, bytes | None, bytes | None]]:
    """Return the ledger rows of an environment: one per token with any entry."""
    tokens = set(environment.deposited) | set(environment.withdrawn)
    return [
        (
            environment_id,
            bytes(token),
            store_optional_u256(environment.deposited.get(token)),
            store_optional_u256(environment.withdrawn.get(token)),
        )
        for token in tokens
    ]


def load_state(connection: sqlite3.Connection, state: SettlementState) -> None:
    """Create the tables in an empty database and fill them with ``state``."""
    create_tables(connection)
    write_header(connection, encode(state.preset), state.time)
    failpoint()
    connection.executemany(
        "INSERT INTO settlement_balances (account, token, amount) VALUES (?, ?, ?)",
        ((bytes(a), bytes(t), store_u256(amount)) for (a, t), amount in state.balances.items()),
    )
    for environment_id, environment in enumerate(state.environments):
        failpoint()
        load_environment_rows(connection, environment_id, environment)


def load_environment_rows(
    connection: sqlite3.Connection, environment_id: int, environment: Environment
) -> None:
    """Insert one environment, its block log, ledgers, exits, kind's records and committee."""
    connection.execute(
        f"INSERT INTO settlement_environments ({ENVIRONMENT_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        make_environment_row(count_environment(environment_id, environment)),
    )
    connection.executemany(
        "INSERT INTO settlement_blocks (environment_id, number, kind, root, timestamp) "
        "VALUES (?, ?, ?, ?, ?)",
        (make_block_row(environment_id, n, record) for n, record in environment.blocks.items()),
    )
    connection.executemany(
        "INSERT INTO settlement_ledgers (environment_id, token, deposited, withdrawn) "
        "VALUES (?, ?, ?, ?)",
        list_ledger_rows(environment_id, environment),
    )
    connection.executemany(
        f"INSERT INTO settlement_exits (environment_id, {EXIT_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (make_exit_row(environment_id, int(i), exit) for i, exit in environment.exits.items()),
    )
    get_kind(environment.kind).load_records(connection, environment_id, environment.kind_records)
    load_finality(connection, environment_id, environment.finality)


# Exporting


def export_state(connection: sqlite3.Connection, preset: Preset) -> SettlementState:
    """Return the whole stored state as the spec's ``SettlementState``."""
    balances = {
        (load_address(account), load_address(token)): load_u256(amount)
        for account, token, amount in connection.execute(
            "SELECT account, token, amount FROM settlement_balances"
        )
    }
    rows = connection.execute(
        f"SELECT {ENVIRONMENT_COLUMNS} FROM settlement_environments ORDER BY id"
    )
    environments = [load_environment(row) for row in rows]
    blocks = export_blocks(connection)
    exits = export_exits(connection)
    deposited, withdrawn = export_ledgers(connection)
    finality = export_finality(connection)
    exported = tuple(
        Environment(
            operator=row.operator,
            kind=row.kind,
            rules=row.rules,
            registered_at=row.registered_at,
            blocks=blocks[row.environment_id],
            exits=exits[row.environment_id],
            deposited=deposited[row.environment_id],
            withdrawn=withdrawn[row.environment_id],
            bonds_held=row.bonds_held,
            kind_records=get_kind(row.kind).export_records(connection, row.environment_id),
            finality=finality.get(row.environment_id),
        )
        for row in environments
    )
    time = SettlementTables(connection).read_time()
    return SettlementState(preset=preset, time=time, balances=balances, environments=exported)


def export_blocks(connection: sqlite3.Connection) -> defaultdict[int, dict[Uint64, BlockRecord]]:
    """Return every environment's block log, by environment id."""
    blocks: defaultdict[int, dict[Uint64, BlockRecord]] = defaultdict(dict)
    rows = connection.execute(
        "SELECT environment_id, number, kind, root, timestamp FROM settlement_blocks"
    )
    for environment_id, number, kind, root, timestamp in rows:
        blocks[environment_id][load_u64(number)] = load_block(kind, root, timestamp)
    return blocks


def export_exits(connection: sqlite3.Connection) -> defaultdict[int, dict[Uint64, Exit]]:
    """Return every environment's exits, by environment id."""
    exits: defaultdict[int, dict[Uint64, Exit]] = defaultdict(dict)
    rows = connection.execute(f"SELECT environment_id, {EXIT_COLUMNS} FROM settlement_exits")
    for row in rows:
        exit_id, exit = load_exit(row[1:])
        exits[row[0]][exit_id] = exit
    return exits


Ledgers = defaultdict[int, dict[Address, Uint256]]
"""One ledger (deposited or withdrawn) of every environment, by environment id."""


def export_ledgers(connection: sqlite3.Connection) -> tuple[Ledgers, Ledgers]:
    """Return every environment's deposited and withdrawn totals, by environment id."""
    deposited: Ledgers = defaultdict(dict)
    withdrawn: Ledgers = defaultdict(dict)
    rows = connection.execute(
        "SELECT environment_id, token, deposited, withdrawn FROM settlement_ledgers"
    )
    for environment_id, token, deposit_total, withdrawal_total in rows:
        if deposit_total is not None:
            deposited[environment_id][load_address(token)] = load_u256(deposit_total)
        if withdrawal_total is not None:
            withdrawn[environment_id][load_address(token)] = load_u256(withdrawal_total)
    return deposited, withdrawn
