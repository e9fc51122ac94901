"""What a replica process is told, and the failpoints of the replicated node.

A :class:`ReplicaConfig` is written as JSON (private to its owner) by the
process that starts the replica (:mod:`reference.finality.cluster`) and read
by the replica (:mod:`reference.finality.process`). It holds the replica's
private key, the committee (addresses and stakes, in the committee's order),
each member's loopback port, the pacemaker's base timer and whether the
replica plays the byzantine part.

Failpoints. The replica's own crash places (:func:`replica_failpoint`) are
named ``MODULE:LINE`` like ``reference.store``'s and kill through the same
counter (:data:`reference.store.FAILPOINTS`, set by the same environment
variables), but are a separate family: the node server's crash test requires
every ``failpoint()`` of ``reference/`` to be reached by the node server,
which never runs a replica; the replicas' crash test finds these by name
(:data:`REPLICA_FAILPOINT_FUNCTION`) and requires each of them instead.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from reference.store import FAILPOINTS, PRIVATE_FILE_MODE, get_failpoint_name
from spec.finality.committee import Committee, Validator
from spec.primitives import Address, Uint64

REPLICA_FAILPOINT_FUNCTION = "replica_failpoint"
"""The name crash tests look for to find the replicas' failpoints in the source."""

HOST = "127.0.0.1"
"""Replicas listen and connect on loopback only."""


def replica_failpoint() -> None:
    """Mark a place where a replica's crash test may kill the process (see the module docstring)."""
    if not FAILPOINTS.armed:
        return
    caller = sys._getframe(1)
    FAILPOINTS.reach(get_failpoint_name(caller.f_globals["__name__"], caller.f_lineno))


@dataclass(frozen=True)
class ReplicaConfig:
    """Everything a replica process needs to run."""

    chain_id: int
    """The environment whose blocks the committee certifies."""
    index: int
    """This replica's position in ``members`` (the committee's address order)."""
    key: str
    """This replica's private key, hex."""
    members: tuple[str, ...]
    """Every member's address, hex, in the committee's (increasing address) order."""
    stakes: tuple[int, ...]
    """Each member's stake, in the same order."""
    ports: tuple[int, ...]
    """Each member's loopback port, in the same order."""
    directory: str
    """Where the replica keeps its SQLite file."""
    timer: float = 0.4
    """The pacemaker's base view timer, in seconds (doubled on consecutive failures)."""
    byzantine: bool = False
    """Whether the replica equivocates (``reference.finality.byzantine``)."""
    seed: int = 0
    """Seed of the roots the replica proposes."""
    parent: int = 0
    """Process id of the starter: the replica ends when it is gone (0: never checked)."""
    lifetime: float = 600.0
    """Seconds after which the replica ends by itself (a guard against leaks)."""

    @property
    def address(self) -> Address:
        """This replica's member address."""
        return Address(bytes.fromhex(self.members[self.index]))

    @property
    def private_key(self) -> bytes:
        """This replica's private key."""
        return bytes.fromhex(self.key)

    @property
    def store_path(self) -> Path:
        """The replica's SQLite file."""
        return Path(self.directory) / f"replica-{self.index}.sqlite"

    def get_committee(self) -> Committee:
        """Return the committee the replica belongs to."""
        return Committee(
            tuple(
                Validator(Address(bytes.fromhex(a)), Uint64(s))
                for a, s in zip(self.members, self.stakes, strict=True)
            )
        )

    def get_port_of(self, address: Address) -> int:
        """Return a member's port."""
        return self.ports[self.members.index(address.hex())]

    def save(self, path: Path) -> None:
        """Write the configuration as JSON, readable by its owner only."""
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(asdict(self), file)

    @classmethod
    def load(cls, path: Path) -> ReplicaConfig:
        """Read a configuration written by :meth:`save`."""
        document = json.loads(path.read_text(encoding="utf-8"))
        for name in ("members", "stakes", "ports"):
            document[name] = tuple(document[name])
        return cls(**document)
