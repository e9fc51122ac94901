"""Exit statuses and the user-facing errors of ``plasma-spec``.

Every subcommand ends with one of the :class:`ExitStatus` codes, which keep
apart what a CI job must never confuse:

====  ===================  ====================================================
code  name                 meaning
====  ===================  ====================================================
0     ``OK``               the command did its work and every check passed
1     ``FAILED``           a check failed: a disagreement with the spec, a
                           failing proof, scenario, replay or devnet check, a
                           surviving mutant, a missed rejection reason
2     ``USAGE``            the command could not run as given: a bad argument,
                           a missing, unreadable or malformed input file, an
                           output path that cannot be written
3     ``IMPLEMENTATION``   (``conform``) the implementation under test hung,
                           crashed or answered garbage
4     ``VECTOR``           (``conform``) a vector given with ``--vectors`` is
                           itself malformed; the message names its file
141   ``PIPE_CLOSED``      the reader closed the output pipe (``| head``)
====  ===================  ====================================================

A user's mistake is reported as one line on standard error, never as a
traceback: subcommands raise :class:`UsageError` or :class:`MalformedVectorError`, and
``cli.main`` prints them. The argument types below refuse bad numbers while
the command line is parsed, before any work starts.
"""

from __future__ import annotations

import argparse
from enum import IntEnum
from pathlib import Path


class ExitStatus(IntEnum):
    """The exit status of ``plasma-spec``."""

    OK = 0
    """Done; every check passed."""
    FAILED = 1
    """A check failed (the spec or the implementation under test disagreed, or a proof failed)."""
    USAGE = 2
    """The command could not run as given (argument or input file)."""
    IMPLEMENTATION = 3
    """The implementation under test hung, crashed or answered garbage."""
    VECTOR = 4
    """A conformance vector given to ``conform`` is malformed."""
    PIPE_CLOSED = 141
    """The reader closed the output pipe (128 + SIGPIPE, as shells report it)."""


class UsageError(Exception):
    """The command cannot run as given; the message says what is wrong, in one line."""


class MalformedVectorError(Exception):
    """A vector file is malformed: the vector's fault, not the implementation's."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        """The vector's file."""
        self.problem = problem
        """What is wrong with it."""


def positive_int(text: str) -> int:
    """Return a whole number of at least 1 (an argparse type).

    Raises:
        argparse.ArgumentTypeError: for anything else.
    """
    value = parse_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    """Return a whole number of at least 0 (an argparse type).

    Raises:
        argparse.ArgumentTypeError: for anything else.
    """
    value = parse_int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {value}")
    return value


def parse_int(text: str) -> int:
    """Return the whole number ``text`` names, of at most 18 digits.

    Raises:
        argparse.ArgumentTypeError: for anything else.
    """
    stripped = text.strip().lstrip("+-")
    if not stripped.isdecimal() or len(stripped) > 18:
        raise argparse.ArgumentTypeError(f"not a whole number of at most 18 digits: {text[:40]!r}")
    return int(text)


def positive_float(text: str) -> float:
    """Return a finite number above 0 (an argparse type), of at most a million.

    Raises:
        argparse.ArgumentTypeError: for anything else.
    """
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text[:40]!r}") from None
    if not 0 < value <= 1e6:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 1,000,000, got {text[:40]}")
    return value


def require_directory_or_absent(path: Path, what: str) -> None:
    """Refuse a path that exists and is not a directory (an output directory to create).

    Raises:
        UsageError: naming the path.
    """
    if path.exists() and not path.is_dir():
        raise UsageError(f"{what} {path} exists and is not a directory")
