"""``python -m reference.finality.process CONFIG``: one replica, in its own process.

Reads the :class:`~reference.finality.config.ReplicaConfig` at ``CONFIG``,
opens (or creates) the replica's file, restores its state and runs the
:class:`~reference.finality.replica_node.ReplicaNode` until it is told to
stop: SIGTERM or SIGINT (exit status 0), the starting process gone (its
parent id changed: exit status 0, so that no replica outlives whoever
started it), or its configured lifetime over. SIGKILL, of course, stops it
anywhere; its file then holds every step persisted, and a restart on the
same ``CONFIG`` resumes from there.

Failpoint settings come from ``reference.store``'s environment variables,
read when the process starts.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from reference.finality.config import ReplicaConfig
from reference.finality.replica_node import ReplicaNode
from reference.finality.replica_store import ReplicaStore

PARENT_CHECK_INTERVAL = 0.2
"""Seconds between two checks that the starting process is still there."""

STOP_GRACE = 2.0
"""Seconds the replica's loop gets to end once asked to stop."""


async def watch_parent(config: ReplicaConfig) -> None:
    """Return once the starting process is gone or the replica's lifetime is over."""
    loop = asyncio.get_running_loop()
    until = loop.time() + config.lifetime
    while loop.time() < until:
        if config.parent and os.getppid() != config.parent:
            return
        await asyncio.sleep(PARENT_CHECK_INTERVAL)


async def serve(config: ReplicaConfig) -> None:
    """Run the replica until a stop signal, the parent's end or the lifetime's."""
    store = ReplicaStore.open(config.store_path)
    try:
        node = ReplicaNode(config, store)
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(number, stopped.set)
        replica = asyncio.create_task(node.run())
        parent = asyncio.create_task(watch_parent(config))
        waiter = asyncio.create_task(stopped.wait())
        done, pending = await asyncio.wait(
            {replica, parent, waiter}, return_when=asyncio.FIRST_COMPLETED
        )
        node.stop()
        for task in pending:
            task.cancel()
        await asyncio.wait(pending, timeout=STOP_GRACE)
        for task in done:
            task.result()  # a replica that failed shows its error
    finally:
        store.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the replica configured by the one argument; return the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if len(arguments) != 1:
        print("usage: python -m reference.finality.process CONFIG", file=sys.stderr)
        return 2
    asyncio.run(serve(ReplicaConfig.load(Path(arguments[0]))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
