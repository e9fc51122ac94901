"""The failure store: where a campaign's failures go, for every worker and the user to replay.

A failure is kept twice:

- as a file in the campaign's output directory (a replayable trace for
  ``plasma-spec fuzz --replay``, a vector for ``plasma-spec conform
  --vectors``), written by the worker that found it; on a real cluster the
  directory must be shared by the workers and the user;
- in Hypothesis's example database, given by ``--store``: a directory (shared
  likewise; by default ``<output>/hypothesis``) or ``redis://host:port``
  (Hypothesis's ``RedisExampleDatabase``, which needs the ``redis`` package),
  under a key per game or area (:func:`get_failure_key`). The machines run
  with a fixed seed, which makes Hypothesis keep no examples of its own, so
  the store holds the saved files' contents: a user or a worker without the
  output directory gets every failure back with :func:`load_stored`
  (``plasma-spec fuzz --replay-store``).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase

REDIS_SCHEME = "redis"
"""The scheme of a store address that names a Redis server."""

REDIS_TIMEOUT_SECONDS = 3
"""How long to try reaching a Redis store."""

DEFAULT_STORE_FOLDER = "hypothesis"
"""The store's folder under the output directory when ``--store`` is not given."""


class StoreError(Exception):
    """A failure store that cannot be used; the message says why, in one line."""


def get_store_address(store: str | None, output: Path) -> str:
    """Return the store to use: ``store`` if given, else a folder under ``output``."""
    return store if store is not None else str(output / DEFAULT_STORE_FOLDER)


def get_absolute_address(address: str) -> str:
    """Return a store address that means the same in any working directory."""
    return address if is_redis_address(address) else str(Path(address).absolute())


def check_store_address(address: str) -> None:
    """Refuse a store address that cannot be used, before any work.

    Raises:
        StoreError: for a Redis address without host, without the ``redis`` package, or
            where no Redis server answers, or a directory path that is a file.
    """
    if is_redis_address(address):
        parts = urlsplit(address)
        if not parts.hostname:
            raise StoreError(f"--store {address[:80]!r} names no Redis host")
        try:
            import redis  # type: ignore[import-not-found,unused-ignore]  # noqa: PLC0415
        except ImportError:
            raise StoreError(
                "--store redis://... needs the redis package: pip install 'plasma-spec[redis]'"
            ) from None
        try:
            redis.Redis.from_url(address, socket_connect_timeout=REDIS_TIMEOUT_SECONDS).ping()
        except (redis.RedisError, OSError) as error:
            raise StoreError(f"--store {address[:80]} cannot be reached: {error}") from None
        return
    path = Path(address)
    if path.exists() and not path.is_dir():
        raise StoreError(f"--store {address[:80]} exists and is not a directory")


def is_redis_address(address: str) -> bool:
    """Return whether a store address names a Redis server."""
    return urlsplit(address).scheme == REDIS_SCHEME


def open_store(address: str) -> ExampleDatabase:
    """Open the example database a store address names (in a worker).

    Raises:
        StoreError: when the address cannot be used (see :func:`check_store_address`).
    """
    check_store_address(address)
    if is_redis_address(address):
        import redis  # noqa: PLC0415 - optional, checked above
        from hypothesis.extra.redis import RedisExampleDatabase  # noqa: PLC0415

        return RedisExampleDatabase(redis.Redis.from_url(address))
    return DirectoryBasedExampleDatabase(address)


def get_failure_key(kind: str, name: str) -> bytes:
    """Return the store key of the failures of one game (``fuzz``) or area (``conform``)."""
    return f"plasma-spec/{kind}-failures/{name}".encode()


def store_failure(address: str, key: bytes, path: Path) -> None:
    """Keep a saved failure file's contents in the store under ``key``.

    Raises:
        StoreError: when the store cannot be used.
        OSError: when the file cannot be read.
    """
    open_store(address).save(key, path.read_bytes())


def load_stored(address: str, key: bytes) -> list[bytes]:
    """Return every failure the store keeps under ``key`` (file contents), in a stable order.

    Raises:
        StoreError: when the store cannot be used.
    """
    return sorted(open_store(address).fetch(key))
