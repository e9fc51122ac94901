"""The persistent cursor of an exit follower: the next exit id to read, and the exits seen open.

Exits are numbered 0, 1, 2, ... per environment and never deleted, so a
follower reads each new exit once, by id, and remembers the ones it saw open
to read them again until they end: what an event subscription gives a real
client. The payments follower (``reference.parties.board.ExitFollower``) and
the Cash one (``reference.parties.coin_board.CoinExitFollower``) keep their
cursors in two tables each, named by a prefix, in the follower's store.
"""

from __future__ import annotations

from reference.store import Store
from spec.primitives import Uint64


def make_cursor_schema(prefix: str) -> tuple[str, str]:
    """Return the two tables of a cursor whose table names start with ``prefix``."""
    return (
        f"""CREATE TABLE IF NOT EXISTS {prefix}follower_cursor (
            environment_id INTEGER PRIMARY KEY,
            next_exit_id INTEGER NOT NULL
        )""",
        f"""CREATE TABLE IF NOT EXISTS {prefix}follower_open (
            environment_id INTEGER NOT NULL,
            exit_id INTEGER NOT NULL,
            PRIMARY KEY (environment_id, exit_id)
        ) WITHOUT ROWID""",
    )


class ExitCursor:
    """Where a follower of one environment's exits is, kept in its store."""

    def __init__(self, store: Store, prefix: str, environment_id: Uint64) -> None:
        """Open (or start, at exit 0) the cursor of ``environment_id`` in ``store``."""
        self.store = store
        """Where the cursor is kept."""
        self.prefix = prefix
        """Start of its two tables' names."""
        self.environment_id = int(environment_id)
        """The environment followed."""
        with store.transaction() as connection:
            for statement in make_cursor_schema(prefix):
                connection.execute(statement)
            connection.execute(
                f"INSERT OR IGNORE INTO {prefix}follower_cursor VALUES (?, 0)",
                (self.environment_id,),
            )

    def read(self) -> tuple[int, list[int]]:
        """Return the next exit id to read, and the ids seen open (in increasing order)."""
        connection = self.store.connection
        (start,) = connection.execute(
            f"SELECT next_exit_id FROM {self.prefix}follower_cursor WHERE environment_id = ?",
            (self.environment_id,),
        ).fetchone()
        tracked = [
            int(exit_id)
            for (exit_id,) in connection.execute(
                f"SELECT exit_id FROM {self.prefix}follower_open"
                " WHERE environment_id = ? ORDER BY exit_id",
                (self.environment_id,),
            )
        ]
        return int(start), tracked

    def write(self, next_exit_id: int, open_ids: list[int]) -> None:
        """Record, in one transaction, the next id to read and the ids now seen open."""
        environment = self.environment_id
        with self.store.transaction() as writer:
            writer.execute(
                f"UPDATE {self.prefix}follower_cursor SET next_exit_id = ?"
                " WHERE environment_id = ?",
                (next_exit_id, environment),
            )
            writer.execute(
                f"DELETE FROM {self.prefix}follower_open WHERE environment_id = ?", (environment,)
            )
            writer.executemany(
                f"INSERT INTO {self.prefix}follower_open VALUES (?, ?)",
                [(environment, exit_id) for exit_id in open_ids],
            )
