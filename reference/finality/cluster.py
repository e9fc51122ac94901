"""A committee's replica processes on this machine: started, killed, restarted, read.

A :class:`Cluster` gives each member of a committee (``fixtures.finality``'s
deterministic validators) a loopback port, a configuration file and a
SQLite file in one directory, and runs each replica as ``python -m
reference.finality.process CONFIG`` (:meth:`Cluster.start`), optionally with
failpoint settings (``reference.store``'s variables) so that it dies at a
chosen place. :meth:`Cluster.kill` sends SIGKILL; :meth:`Cluster.stop`
stops every replica (SIGTERM, then SIGKILL for one that lingers) and is what
leaving the ``with`` block does, whatever happened inside it, so no replica
outlives its cluster. Each replica also ends by itself when the process
that started it is gone.

Replicas are read through their files (:meth:`Cluster.read`), which SQLite
lets another process read while the replica writes.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType

from fixtures.finality import make_committee
from reference.finality.config import HOST, ReplicaConfig
from reference.finality.observe import Observation, read_record
from reference.finality.replica_store import ReplicaStore
from reference.store import FAILPOINT_LOG_VARIABLE, FAILPOINT_NAMED_VARIABLE, FAILPOINT_VARIABLE
from spec.finality.committee import Committee

SOURCE_ROOT = Path(__file__).resolve().parent.parent.parent
"""The checkout holding ``reference``, put on the replicas' import path."""

STOP_TIMEOUT = 5.0
"""Seconds a replica may take to stop after SIGTERM before it is killed."""

FAILPOINT_VARIABLES = (FAILPOINT_VARIABLE, FAILPOINT_NAMED_VARIABLE, FAILPOINT_LOG_VARIABLE)
"""The variables that arm failpoints; a replica gets only the ones it is started with."""


def allocate_ports(count: int) -> tuple[int, ...]:
    """Return ``count`` distinct loopback ports that were free a moment ago."""
    sockets = []
    try:
        for _ in range(count):
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            probe.bind((HOST, 0))
            sockets.append(probe)
        return tuple(probe.getsockname()[1] for probe in sockets)
    finally:
        for probe in sockets:
            probe.close()


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    """Return True as soon as ``predicate()`` holds, False if ``timeout`` seconds pass first."""
    until = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= until:
            return False
        time.sleep(interval)


class Cluster:
    """Replica processes of one committee, sharing a directory."""

    def __init__(
        self,
        directory: Path,
        *,
        stakes: tuple[int, ...] = (1, 1, 1, 1),
        byzantine: frozenset[int] = frozenset(),
        timer: float = 0.4,
        seed: int = 0,
        chain_id: int = 0,
    ) -> None:
        """Prepare (not start) replicas of ``stakes``; those at ``byzantine`` misbehave."""
        committee, keys = make_committee(stakes)
        self.committee: Committee = committee
        """The committee (members in address order; a replica's index is its position)."""
        self.directory = directory
        """Where the configurations and the replicas' files are."""
        members = tuple(v.address.hex() for v in committee.validators)
        ports = allocate_ports(len(members))
        self.configs = [
            ReplicaConfig(
                chain_id=chain_id,
                index=index,
                key=keys[v.address].hex(),
                members=members,
                stakes=tuple(int(m.stake) for m in committee.validators),
                ports=ports,
                directory=str(directory),
                timer=timer,
                byzantine=index in byzantine,
                seed=seed,
                parent=os.getpid(),
            )
            for index, v in enumerate(committee.validators)
        ]
        """Each replica's configuration."""
        self._processes: dict[int, subprocess.Popen[bytes]] = {}
        """The replicas running (or dead and not yet reaped), by index."""
        directory.mkdir(parents=True, exist_ok=True)
        for config in self.configs:
            config.save(self.get_config_path(config.index))

    def get_config_path(self, index: int) -> Path:
        """Return where replica ``index``'s configuration is."""
        return self.directory / f"replica-{index}.json"

    def start(self, index: int, failpoints: Mapping[str, str] | None = None) -> None:
        """Start replica ``index`` (it resumes from its file), with failpoint variables if any."""
        assert not self.is_running(index), f"replica {index} is running"
        environment = {k: v for k, v in os.environ.items() if k not in FAILPOINT_VARIABLES}
        environment.update(failpoints or {})
        path = environment.get("PYTHONPATH")
        environment["PYTHONPATH"] = f"{SOURCE_ROOT}{os.pathsep}{path}" if path else str(SOURCE_ROOT)
        command = [sys.executable, "-m", "reference.finality.process"]
        self._processes[index] = subprocess.Popen(
            [*command, str(self.get_config_path(index))],
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )

    def start_all(self) -> None:
        """Start every replica not running."""
        for config in self.configs:
            if not self.is_running(config.index):
                self.start(config.index)

    def is_running(self, index: int) -> bool:
        """Return whether replica ``index``'s process is alive."""
        process = self._processes.get(index)
        return process is not None and process.poll() is None

    def get_exit_code(self, index: int) -> int | None:
        """Return how replica ``index`` ended (``-9`` when killed), or None while it runs."""
        process = self._processes.get(index)
        return None if process is None else process.poll()

    def kill(self, index: int) -> None:
        """Kill replica ``index`` with SIGKILL and reap it."""
        process = self._processes.get(index)
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()

    def stop(self) -> None:
        """Stop every replica: SIGTERM, then SIGKILL after :data:`STOP_TIMEOUT`; reap them all."""
        for process in self._processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self._processes.values():
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def read(self, index: int) -> ReplicaStore:
        """Open replica ``index``'s file for reading (close it when done)."""
        return ReplicaStore.open_reader(self.configs[index].store_path)

    def count_commits(self, index: int) -> int:
        """Return how many blocks replica ``index`` has committed so far."""
        if not self.configs[index].store_path.exists():
            return 0
        reader = self.read(index)
        try:
            return reader.count_commits()
        finally:
            reader.close()

    def observe(self) -> Observation:
        """Return what every replica's file shows now (each must have started once)."""
        records = tuple(
            read_record(config.store_path, config.address, config.byzantine)
            for config in self.configs
        )
        return Observation(self.configs[0].chain_id, records)

    def get_committed_view(self, index: int) -> int:
        """Return the view of replica ``index``'s committed head (0 before its first commit)."""
        reader = self.read(index)
        try:
            commits = reader.read_commits()
        finally:
            reader.close()
        return max((c.view for c in commits), default=0)

    def __enter__(self) -> Cluster:
        """Use the cluster in a ``with`` block that stops it."""
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        """Stop every replica, whatever happened."""
        self.stop()
