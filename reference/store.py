"""The SQLite store: one file, one transaction per operation, failpoints for crash tests.

Every component of the reference node keeps its state in a :class:`Store`.
Each protocol operation runs inside :meth:`Store.transaction`: it either
commits whole or, when it raises (a :class:`~spec.errors.Rejected` or a
crash), leaves nothing behind. The database runs in write-ahead-log mode with
``synchronous=FULL``, so a committed transaction survives the process being
killed, and one that was not committed is rolled back when the file is next
opened.

Files. A store on disk creates its file private to its owner (mode
:data:`PRIVATE_FILE_MODE`, ``0600``) unless given another mode; SQLite gives
its side files (``-wal``, ``-shm``) the mode of the database file. An
existing file keeps its mode.

Failpoints. :func:`failpoint` marks places inside an operation where a crash
test may kill the process (between two writes, just before or just after a
commit). A failpoint is named by where it is called: ``MODULE:LINE``, for
example ``reference.settlement.exits:89`` (:func:`get_failpoint_name`), so the
names are found by reading the source and cannot drift from it. Three
environment variables, read when the process starts (or again by
:meth:`FailpointCounter.load`), choose where to kill:

- :data:`FAILPOINT_VARIABLE` (``PLASMA_REFERENCE_KILL_AT``), a number ``n``:
  the ``n``-th failpoint reached kills the process with SIGKILL;
- :data:`FAILPOINT_NAMED_VARIABLE` (``PLASMA_REFERENCE_KILL_AT_NAMED``), failpoint
  names separated by commas: the first of them reached kills the process (or
  the ``n``-th failpoint, if that comes first);
- :data:`FAILPOINT_LOG_VARIABLE` (``PLASMA_REFERENCE_KILL_LOG``), a file: the
  name of the failpoint that kills the process is appended to it first.

Without either variable a failpoint costs one comparison.
:func:`paused_failpoints` turns them off while work that cannot hurt on a
crash runs (a trial in memory).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

FAILPOINT_VARIABLE = "PLASMA_REFERENCE_KILL_AT"
"""Environment variable: the number of the failpoint at which to kill the process."""

FAILPOINT_NAMED_VARIABLE = "PLASMA_REFERENCE_KILL_AT_NAMED"
"""Environment variable: failpoint names, separated by commas; the first one reached kills."""

FAILPOINT_LOG_VARIABLE = "PLASMA_REFERENCE_KILL_LOG"
"""Environment variable: a file to which the killing failpoint's name is appended."""

MEMORY = ":memory:"
"""Path of a store kept in memory only (tests and benchmarks)."""

PRIVATE_FILE_MODE = 0o600
"""Mode of the database files a store creates unless told otherwise: owner only."""


def get_failpoint_name(module: str, line: int) -> str:
    """Return the name of the failpoint called at ``line`` of ``module`` (a dotted name)."""
    return f"{module}:{line}"


class FailpointCounter:
    """Counts failpoints reached and kills the process at the chosen one."""

    def __init__(
        self,
        kill_at: int | None = None,
        named: frozenset[str] = frozenset(),
        log: str | None = None,
    ) -> None:
        """Kill at the ``kill_at``-th failpoint reached, or at the first one in ``named``."""
        self.kill_at = kill_at
        """Number of the failpoint that kills the process, or None."""
        self.named = named
        """Names of failpoints of which the first reached kills the process."""
        self.log = log
        """File to which the killing failpoint's name is appended, or None."""
        self.reached = 0
        """Failpoints reached so far in this process (outside paused blocks)."""
        self.paused = 0
        """How many :func:`paused_failpoints` blocks are open; none counts while one is."""
        self.armed = kill_at is not None or bool(named)
        """Whether some failpoint may kill the process (else a failpoint returns at once)."""

    def load(self, environment: Mapping[str, str]) -> None:
        """Take the settings from environment variables (see the module docstring)."""
        kill_at = environment.get(FAILPOINT_VARIABLE)
        named = environment.get(FAILPOINT_NAMED_VARIABLE)
        self.kill_at = int(kill_at) if kill_at else None
        self.named = frozenset(named.split(",")) if named else frozenset()
        self.log = environment.get(FAILPOINT_LOG_VARIABLE) or None
        self.reached = 0
        self.armed = self.kill_at is not None or bool(self.named)

    def reach(self, name: str) -> None:
        """Count the failpoint ``name``; kill the process if it is the chosen one."""
        if self.paused:
            return
        self.reached += 1
        chosen = self.kill_at is not None and self.reached >= self.kill_at
        if chosen or name in self.named:
            if self.log is not None:
                with open(self.log, "a", encoding="utf-8") as log:
                    log.write(name + "\n")
            os.kill(os.getpid(), signal.SIGKILL)


FAILPOINTS = FailpointCounter()
"""The process's failpoint counter."""

FAILPOINTS.load(os.environ)


def failpoint() -> None:
    """Mark a place where a crash test may kill the process."""
    if not FAILPOINTS.armed:
        return
    caller = sys._getframe(1)
    FAILPOINTS.reach(get_failpoint_name(caller.f_globals["__name__"], caller.f_lineno))


@contextmanager
def paused_failpoints() -> Iterator[None]:
    """Count no failpoint inside the block (work whose crash cannot hurt, such as a trial)."""
    FAILPOINTS.paused += 1
    try:
        yield
    finally:
        FAILPOINTS.paused -= 1


def create_private_file(path: Path, mode: int) -> None:
    """Create an empty file with exactly ``mode`` (whatever the umask) unless it exists."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        return
    try:
        os.fchmod(descriptor, mode)
    finally:
        os.close(descriptor)


class Store:
    """A SQLite database holding one component's state."""

    def __init__(self, path: str | Path = MEMORY, mode: int = PRIVATE_FILE_MODE) -> None:
        """Open (or create, with ``mode``) the database at ``path``; ``":memory:"``: in memory."""
        self.path = str(path)
        """Where the database lives."""
        if self.path != MEMORY:
            create_private_file(Path(path), mode)
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

    def has_tables(self) -> bool:
        """Return whether the database has any table at all."""
        return self.connection.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None

    def close(self) -> None:
        """Close the database."""
        self.connection.close()
