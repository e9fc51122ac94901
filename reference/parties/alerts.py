"""What a payments watcher reports, and the duties a watcher can be given besides its own checks.

A :class:`~reference.parties.watcher.Watcher` raises :class:`Alert` values: the
bad blocks it found, with the deadline honest owners must meet, and what it
did about exits. Its own checks cover the block log and standard exits; more
duties (:class:`WatcherDuty`), such as the in-flight exits of the wallets it
guards (``reference.parties.in_flight_watch``), run at each of its ticks,
after its own checks, and their alerts join its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from spec.primitives import Uint64


class AlertKind(StrEnum):
    """What a watcher found or did."""

    INVALID_BLOCK = "invalid_block"
    """A published child block breaks the chain's rules."""
    WITHHELD_BLOCK = "withheld_block"
    """A committed child block was not published in time (or not as committed)."""
    EXIT_CHALLENGED = "exit_challenged"
    """An exit of a spent output was challenged; the watcher won its bond."""
    EXIT_OF_INVALID_OUTPUT = "exit_of_invalid_output"
    """An exit of an output the valid chain never created (MVP cannot challenge it)."""
    IN_FLIGHT_EXIT_STARTED = "in_flight_exit_started"
    """A guarded wallet's payment that may be withheld: its in-flight exit was started."""
    PIGGYBACKED = "piggybacked"
    """A guarded wallet piggybacked its inputs or outputs of an in-flight exit."""
    IN_FLIGHT_CHALLENGED = "in_flight_challenged"
    """An in-flight exit was challenged: not canonical, or a piggyback spent."""
    CHALLENGE_ANSWERED = "challenge_answered"
    """A canonicity challenge was answered with the payment's inclusion."""
    IN_FLIGHT_EXIT_PROCESSED = "in_flight_exit_processed"
    """An in-flight exit was processed (by the watcher, for the bounty): who was paid."""


@dataclass(frozen=True)
class Alert:
    """A watcher's warning to users."""

    kind: AlertKind
    """What was found."""
    environment_id: Uint64
    """The environment concerned."""
    block_number: Uint64
    """The bad block; for an exit, the block that spent its output (challenged) or
    created it (invalid output); for an in-flight exit, its youngest input's block."""
    deadline: Uint64 | None
    """For a bad block: owners of outputs created before the first bad block (or by
    deposits) must start their exits strictly before this time."""
    message: str
    """What happened and what to do, for people."""


class WatcherDuty(Protocol):
    """A duty a watcher runs at each tick, after its own checks."""

    def tick(self) -> list[Alert]:
        """Do what is due now; return the new alerts."""
        ...
