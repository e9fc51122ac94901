"""The SQLite store: one file, one transaction per operation, failpoints for crash tests.

Every component of the reference node keeps its state in a :class:`Store`.
Each protocol operation runs inside :meth:`Store.transaction`: it either
commits whole or, when it raises (a :class:`~spec.errors.Rejected` or a
crash), leaves nothing behind. The database runs in write-ahead-log mode with
``synchronous=FULL``, so a committed transaction survives the process being
killed, and one that was not committed is rolled back when the file is next
opened.

Failpoints. :func:`failpoint` marks places inside an operation where a crash
test may kill the process (between two writes, just before or just after a
commit). When the environment variable :data:`FAILPOINT_VARIABLE` holds a
number ``n``, the ``n``-th failpoint reached kills the process with SIGKILL;
otherwise failpoints cost one comparison.
"""

from __future__ import annotations

import os
import signal
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FAILPOINT_VARIABLE = "PLASMA_REFERENCE_KILL_AT"
"""Environment variable: the number of the failpoint at which to kill the process."""

MEMORY = ":memory:"
"""Path of a store kept in memory only (tests and benchmarks)."""


class FailpointCounter:
    """Counts failpoints reached and kills the process at the chosen one."""

    def __init__(self, kill_at: int | None) -> None:
        self.kill_at = kill_at
        """Number of the failpoint that kills the process, or None for never."""
        self.reached = 0
        """Failpoints reached so far in this process."""

    def reach(self) -> None:
        """Count one failpoint; kill the process if it is the chosen one."""
        if self.kill_at is None:
            return
        self.reached += 1
        if self.reached >= self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)


def read_kill_at() -> int | None:
    """Return the failpoint number set in the environment, if any."""
    value = os.environ.get(FAILPOINT_VARIABLE)
    return int(value) if value else None


FAILPOINTS = FailpointCounter(read_kill_at())
"""The process's failpoint counter."""


def failpoint() -> None:
    """Mark a place where a crash test may kill the process."""
    FAILPOINTS.reach()


class Store:
    """A SQLite database holding one component's state."""

    def __init__(self, path: str | Path = MEMORY) -> None:
        """Open (or create) the database at ``path``; ``":memory:"`` keeps it in memory."""
        self.path = str(path)
        """Where the database lives."""
        self.connection = sqlite3.connect(self.path, isolation_level=None)
        """The connection; in autocommit mode outside :meth:`transaction`."""
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=FULL")
        self.connection.execute("PRAGMA foreign_keys=ON")
        self.depth = 0
        """How many :meth:`transaction` blocks are open (nested ones join the outer one)."""

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block of statements atomically: all commit, or none do.

        Nested uses join the outermost transaction. An exception inside rolls
        everything back and propagates.
        """
        if self.depth > 0:
            self.depth += 1
            try:
                yield self.connection
            finally:
                self.depth -= 1
            return
        self.connection.execute("BEGIN IMMEDIATE")
        self.depth = 1
        try:
            failpoint()
            yield self.connection
            failpoint()
            self.connection.execute("COMMIT")
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        finally:
            self.depth = 0
        failpoint()

    def has_table(self, name: str) -> bool:
        """Return whether the database has a table called ``name``."""
        row = self.connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        return row is not None

    def close(self) -> None:
        """Close the database."""
        self.connection.close()
