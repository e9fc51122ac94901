"""The worker side of ``conform`` campaigns: one running adapter per worker process.

Starting an implementation's adapter costs time (a process, its imports, a
hello), so each worker process starts the adapter of a command line once
and reuses it for every task it runs (:data:`ADAPTERS`). A task whose
adapter hangs, crashes or answers garbage discards it: the next task on that
worker starts a fresh one.
"""

from __future__ import annotations

import atexit
from dataclasses import dataclass

from conformance.client import Implementation
from conformance.runner import say_hello


@dataclass
class RunningAdapter:
    """An adapter process and what it announced."""

    implementation: Implementation
    """The running process."""
    capabilities: set[str]
    """The capabilities its hello announced."""


class AdapterCache:
    """The adapters this process runs, by (command line, timeout)."""

    def __init__(self) -> None:
        self.running: dict[tuple[str, float], RunningAdapter] = {}
        """The running adapters."""
        self.started = 0
        """Adapters started by this process so far."""

    def get(self, command: str, timeout: float) -> RunningAdapter:
        """Return the running adapter of ``command``, starting it (and greeting it) if need be.

        Raises:
            OSError: when the command cannot be started.
            ImplementationFailure: when it hangs, crashes or answers garbage to the hello.
        """
        key = (command, timeout)
        adapter = self.running.get(key)
        if adapter is not None and adapter.implementation.process.poll() is None:
            return adapter
        self.discard(command, timeout)
        implementation = Implementation(command, timeout)
        self.started += 1
        try:
            _name, capabilities = say_hello(implementation)
        except BaseException:
            implementation.close()
            raise
        adapter = RunningAdapter(implementation, capabilities)
        self.running[key] = adapter
        return adapter

    def discard(self, command: str, timeout: float) -> None:
        """End the adapter of ``command`` (after it failed), if one runs."""
        adapter = self.running.pop((command, timeout), None)
        if adapter is not None:
            adapter.implementation.close()

    def close_all(self) -> None:
        """End every adapter this process runs."""
        for command, timeout in list(self.running):
            self.discard(command, timeout)


ADAPTERS = AdapterCache()
"""This process's adapters: a worker's live across its tasks."""

atexit.register(ADAPTERS.close_all)
