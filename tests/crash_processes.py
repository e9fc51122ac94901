"""Node server processes for the crash-safety test: started, asked, killed.

Two ways to start ``reference.node.server``, both real processes that SIGKILL
ends:

- :class:`ServerProcess` with ``forked=False`` runs ``python -m
  reference.node.server DIRECTORY``, exactly as a user would;
- with ``forked=True`` the process is forked from a ``multiprocessing``
  fork server that has imported ``reference.node.server`` once
  (:func:`get_fork_context`), and runs the same ``main`` on the same
  arguments, its standard input and output on pipes. It skips only the
  interpreter's start-up and imports (about 0.2 s, which over the hundreds of
  kills of the test would be most of its time).

Where it dies is chosen by the failpoint settings of ``reference.store``
(:class:`KillPlan`): the variables of a real process, or the same settings
loaded by the forked one before it serves.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import multiprocessing.context
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from reference.store import (
    FAILPOINT_LOG_VARIABLE,
    FAILPOINT_NAMED_VARIABLE,
    FAILPOINT_VARIABLE,
    FAILPOINTS,
)

ROOT = Path(__file__).resolve().parent.parent
"""The repository, so that a server process imports this checkout."""

ANSWER_TIMEOUT = 60.0
"""Seconds a forked server may take to end once its input is closed."""


@dataclass(frozen=True)
class KillPlan:
    """Where a server process is to die: failpoint settings of ``reference.store``."""

    kill_at: int | None = None
    """Kill at this failpoint reached (counting from 1), or never."""
    named: frozenset[str] = frozenset()
    """Kill at the first of these failpoints reached (if before ``kill_at``)."""
    log: Path | None = None
    """File to which the killing failpoint's name is appended."""

    def get_variables(self) -> dict[str, str]:
        """Return the environment variables that set this plan."""
        variables = {}
        if self.kill_at is not None:
            variables[FAILPOINT_VARIABLE] = str(self.kill_at)
        if self.named:
            variables[FAILPOINT_NAMED_VARIABLE] = ",".join(sorted(self.named))
        if self.log is not None:
            variables[FAILPOINT_LOG_VARIABLE] = str(self.log)
        return variables


def get_fork_context() -> multiprocessing.context.ForkServerContext:
    """Return the fork server context whose server has imported the node server."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["reference.node.server", "tests.crash_processes"])
    return context


def run_forked_server(
    directory: str, variables: dict[str, str], requests: Connection, answers: Connection
) -> None:
    """Run ``reference.node.server.main`` in a forked process, on two pipes."""
    from reference.node import server

    FAILPOINTS.load(variables)
    os.dup2(requests.fileno(), 0)
    os.dup2(answers.fileno(), 1)
    requests.close()
    answers.close()
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115 - for the process's life
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.exit(server.main([directory]))


class ServerProcess:
    """A node server process fed one request at a time."""

    def __init__(self, directory: Path, plan: KillPlan, forked: bool) -> None:
        """Start a server on ``directory`` that dies as ``plan`` says."""
        self.forked = forked
        """Whether the process was forked from the fork server."""
        self.popen: subprocess.Popen[bytes] | None = None
        """The process, when started as a command."""
        self.process: multiprocessing.process.BaseProcess | None = None
        """The process, when forked."""
        if forked:
            self.start_forked(directory, plan)
        else:
            self.start_command(directory, plan)

    def start_command(self, directory: Path, plan: KillPlan) -> None:
        """Start ``python -m reference.node.server DIRECTORY``."""
        environment = {
            name: value
            for name, value in os.environ.items()
            if name not in (FAILPOINT_VARIABLE, FAILPOINT_NAMED_VARIABLE, FAILPOINT_LOG_VARIABLE)
        }
        environment.update(plan.get_variables())
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "reference.node.server", str(directory)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
            env=environment,
        )
        assert self.popen.stdin is not None and self.popen.stdout is not None
        self.requests, self.answers = self.popen.stdin, self.popen.stdout

    def start_forked(self, directory: Path, plan: KillPlan) -> None:
        """Fork a process from the fork server to run the server's ``main``."""
        request_read, request_write = os.pipe()
        answer_read, answer_write = os.pipe()
        child_requests = Connection(request_read, writable=False)
        child_answers = Connection(answer_write, readable=False)
        self.process = get_fork_context().Process(
            target=run_forked_server,
            args=(str(directory), plan.get_variables(), child_requests, child_answers),
            daemon=True,
        )
        self.process.start()
        child_requests.close()
        child_answers.close()
        self.requests = open(request_write, "wb")  # noqa: SIM115 - closed by finish
        self.answers = open(answer_read, "rb")  # noqa: SIM115 - closed by finish

    def send(self, line: bytes) -> bool:
        """Write one line; return False if the process has gone."""
        try:
            self.requests.write(line + b"\n")
            self.requests.flush()
        except BrokenPipeError:
            return False
        return True

    def ask(self, request: dict[str, Any]) -> dict[str, Any] | None:
        """Send one request; return the answer, or None if the process died first."""
        if not self.send(json.dumps(request).encode("utf-8")):
            return None
        line = self.answers.readline()
        return json.loads(line) if line else None

    def kill_later(self, seconds: float) -> None:
        """Kill the process with SIGKILL after ``seconds``, from another thread."""

        def kill() -> None:
            # Both check that the process was not reaped yet, so no other process is hit
            if self.popen is not None:
                self.popen.send_signal(signal.SIGKILL)
            elif self.process is not None:
                self.process.kill()

        timer = threading.Timer(seconds, kill)
        timer.daemon = True
        timer.start()

    def finish(self) -> int:
        """Close the input and return how the process ended (``-9`` when killed)."""
        with contextlib.suppress(BrokenPipeError):
            self.requests.close()
        try:
            if self.popen is not None:
                return self.popen.wait(timeout=ANSWER_TIMEOUT)
            assert self.process is not None
            self.process.join(ANSWER_TIMEOUT)
            assert self.process.exitcode is not None, "the forked server did not end"
            return self.process.exitcode
        finally:
            self.answers.close()
