"""Reading the node server's request lines: bounded size, nesting and numbers, typed errors.

:func:`read_line` reads one line of raw bytes, and :func:`parse_request`
turns it into a JSON object or raises a :class:`RequestError` with a
documented code, and nothing else, whatever the input. Each limit
(:class:`Limits`) is checked before the work it protects:

1. the line's length, while it is read: a longer line is read to its end in
   pieces and dropped, never kept whole;
2. UTF-8, decoded here (``strict``), so the locale plays no part;
3. the nesting depth of arrays and objects and the length of number
   literals, measured with bytes methods (``count``, ``translate``, ``find``)
   and sums over signed bytes, never a Python loop over the line. A line
   with at most ``max_depth`` opening brackets and no run of more than
   ``max_digits`` digits passes at once (every ordinary request does); any
   other is measured again on a copy with its strings blanked out (escaped
   backslashes and quotes removed first, so a string ends at its closing
   quote), since hex and text may hold digits and brackets;
4. only then ``json.loads``, which rejects repeated fields too.

A line of white space only is an error too: every line gets one answer.

=====================  ===============================================================
code                   meaning
=====================  ===============================================================
``empty_line``         the line holds nothing but white space
``line_too_long``      the line is longer than ``max_line_bytes`` (newline excluded)
``not_utf8``           the line is not UTF-8
``too_deep``           arrays and objects nest deeper than ``max_depth``
``number_too_long``    a number literal has more than ``max_digits`` digits
``not_json``           the line is not one JSON value
``not_an_object``      the JSON value is not an object
``duplicate_field``    the object names a field twice
=====================  ===============================================================
"""

from __future__ import annotations

import argparse
import json
import re
from array import array
from dataclasses import dataclass
from itertools import accumulate
from typing import IO, Any

MESSAGE_LENGTH = 200
"""Longest message of an error answer: input is quoted, never echoed whole."""

SKIP_CHUNK = 1024 * 1024
"""Bytes read at a time while the rest of a line that is too long is skipped."""

DEPTH_CHUNK = 64 * 1024
"""Brackets summed at a time when the nesting depth is measured (stops early past the limit)."""

JSON_STRING = re.compile(rb'"[^"]*"')
"""A JSON string literal once its escaped backslashes and quotes are removed."""

NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
"""Every byte but the four brackets (deleted to keep the brackets only)."""

BRACKET_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
"""Opening brackets to +1 and closing ones to -1 (as signed bytes)."""

DIGITS_ONLY = bytes(b"0"[0] if byte in b"0123456789" else b"a"[0] for byte in range(256))
"""Every digit to ``0``, every other byte to ``a``: runs of digits become runs of ``0``."""


@dataclass(frozen=True)
class Limits:
    """How large a request line may be; each is a server option."""

    max_line_bytes: int = 96 * 1024 * 1024
    """Longest line, in bytes, newline excluded (96 MiB).

    The largest block of the ``full`` preset (2**16 payments of 4 inputs and 4
    outputs) is 79.3 MB of hex; a ``tiny`` block at most 9.7 kB.
    """
    max_depth: int = 16
    """Deepest nesting of arrays and objects (a request is one flat object: depth 1)."""
    max_digits: int = 100
    """Longest number literal, in digits (a ``Uint64`` has at most 20)."""


class RequestError(Exception):
    """A request that cannot be served: the code and message of its error answer."""

    def __init__(self, code: str, message: str) -> None:
        """Refuse with ``code`` (a documented error code) and a message for people."""
        super().__init__(message)
        self.code = code
        """The documented error code."""
        self.message = message[:MESSAGE_LENGTH]
        """What was wrong (at most :data:`MESSAGE_LENGTH` characters)."""

    def to_answer(self) -> dict[str, str]:
        """Return the answer: ``{"error": code, "message": message}``."""
        return {"error": self.code, "message": self.message}


def quote(value: object) -> str:
    """Return a short printable quotation of any value, for a message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def read_line(stream: IO[bytes], limit: int) -> bytes | None:
    """Return the next line without its newline, None at the end of input.

    A line longer than ``limit`` is read to its end and dropped; the value
    returned for it is its first ``limit + 1`` bytes, so the caller can tell.
    """
    line = stream.readline(limit + 1)
    if not line:
        return None
    if line.endswith(b"\n"):
        return line[:-1]
    if len(line) <= limit:
        return line  # the last line of the input, without a newline
    while (rest := stream.readline(SKIP_CHUNK)) and not rest.endswith(b"\n"):
        pass
    return line


def blank_strings(data: bytes) -> bytes:
    """Return ``data`` with every string literal replaced by one letter.

    Escaped backslashes go first, then escaped quotes, so that every quote
    left opens or closes a string. A quote still left after the blanking
    opens a string that never ends.
    """
    unescaped = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    return JSON_STRING.sub(b"s", unescaped)


def is_deeper_than(blanked: bytes, max_depth: int) -> bool:
    """Return whether the brackets of ``blanked`` (no strings) nest deeper than ``max_depth``."""
    brackets = blanked.translate(None, NOT_BRACKETS)
    if brackets.count(b"[") + brackets.count(b"{") <= max_depth:
        return False  # every valid request: a depth never exceeds the number of openings
    steps = array("b")
    steps.frombytes(brackets.translate(BRACKET_STEPS))
    depth = 0
    for start in range(0, len(steps), DEPTH_CHUNK):
        sums = list(accumulate(steps[start : start + DEPTH_CHUNK], initial=depth))
        if max(sums) > max_depth:
            return True
        depth = sums[-1]
    return False


def has_long_number(data: bytes, max_digits: int) -> bool:
    """Return whether ``data`` has a run of more than ``max_digits`` digits (bytes methods only)."""
    return data.translate(DIGITS_ONLY).find(b"0" * (max_digits + 1)) >= 0


def check_before_parsing(data: bytes, limits: Limits) -> None:
    """Check nesting depth and number lengths without parsing; strings are blanked out first.

    The raw line is tried first: a line with few brackets and no long run of
    digits (hex strings included) passes without the blanking.

    Raises:
        RequestError: ``too_deep``, ``number_too_long`` or ``not_json`` (a string that
            never ends).
    """
    few_brackets = data.count(b"[") + data.count(b"{") <= limits.max_depth
    if few_brackets and not has_long_number(data, limits.max_digits):
        return
    blanked = blank_strings(data)
    if b'"' in blanked:
        raise RequestError("not_json", "a string that never ends")
    if not few_brackets and is_deeper_than(blanked, limits.max_depth):
        raise RequestError("too_deep", f"arrays and objects nest deeper than {limits.max_depth}")
    if has_long_number(blanked, limits.max_digits):
        raise RequestError("number_too_long", f"a number of more than {limits.max_digits} digits")


def make_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Return the JSON object of ``pairs`` (a ``json.loads`` hook).

    Raises:
        RequestError: ``duplicate_field`` when a field is named twice.
    """
    request = dict(pairs)
    if len(request) != len(pairs):
        names = [name for name, _ in pairs]
        repeated = next(name for name in names if names.count(name) > 1)
        raise RequestError("duplicate_field", f"the field {quote(repeated)} is given twice")
    return request


def parse_request(data: bytes, limits: Limits) -> dict[str, Any]:
    """Return the JSON object of one line (as :func:`read_line` returns it).

    Raises:
        RequestError: with a code of the module docstring's table.
    """
    if len(data) > limits.max_line_bytes:
        raise RequestError("line_too_long", f"a line longer than {limits.max_line_bytes} bytes")
    if not data.strip():
        raise RequestError("empty_line", "an empty line is not a request")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RequestError("not_utf8", f"not UTF-8 at byte {error.start}") from None
    check_before_parsing(data, limits)
    try:
        request = json.loads(text, object_pairs_hook=make_object)
    except (ValueError, RecursionError) as error:
        raise RequestError("not_json", f"not JSON: {str(error)[:120]}") from None
    if not isinstance(request, dict):
        raise RequestError(
            "not_an_object", f"a request is a JSON object, not {type(request).__name__}"
        )
    return request


# The limits as command-line options (the server's and the conformance adapters')


def parse_positive(text: str) -> int:
    """Return a positive integer option (an ``argparse`` type).

    Raises:
        argparse.ArgumentTypeError: for anything else.
    """
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {text[:40]!r}")
    return value


def add_limit_options(parser: argparse.ArgumentParser, defaults: Limits) -> None:
    """Add ``--max-line-bytes``, ``--max-depth`` and ``--max-digits`` to a command line."""
    parser.add_argument(
        "--max-line-bytes",
        type=parse_positive,
        default=defaults.max_line_bytes,
        help=f"longest request line in bytes (default {defaults.max_line_bytes})",
    )
    parser.add_argument(
        "--max-depth",
        type=parse_positive,
        default=defaults.max_depth,
        help=f"deepest nesting of arrays and objects (default {defaults.max_depth})",
    )
    parser.add_argument(
        "--max-digits",
        type=parse_positive,
        default=defaults.max_digits,
        help=f"longest number literal in digits (default {defaults.max_digits})",
    )


def read_limit_options(options: argparse.Namespace) -> Limits:
    """Return the limits a command line with :func:`add_limit_options` chose."""
    return Limits(options.max_line_bytes, options.max_depth, options.max_digits)
