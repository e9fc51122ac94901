"""The wire format between replicas: length-prefixed frames of canonically encoded messages.

A frame is a 4-byte big-endian length followed by that many bytes: the
spec's canonical encoding (``spec.encoding``) of one
:data:`spec.finality.replica.Message` (a proposal, a vote or a timeout, with
its union tag). Frames carry no sender: every message is signed, and the
receiving replica's state machine recovers and checks the signer. A
connection carries frames one way only, from the replica that opened it.

A frame longer than :data:`MAX_FRAME_SIZE`, or whose bytes are not exactly
one message's canonical encoding, ends the connection (:class:`FrameError`):
the reader cannot trust where the next frame starts.
"""

from __future__ import annotations

import asyncio
from typing import Protocol, cast

from spec.encoding import decode_as, encode
from spec.errors import Rejected
from spec.finality.replica import Message

LENGTH_BYTES = 4
"""Size of a frame's length prefix."""

MAX_FRAME_SIZE = 1 << 20
"""Longest frame accepted, in bytes (a proposal carries at most two certificates of 64 members)."""


class FrameSource(Protocol):
    """Where frames are read from: an ``asyncio.StreamReader``, or anything that reads alike."""

    async def read(self, n: int = -1) -> bytes:
        """Return up to ``n`` bytes (fewer at the end of the stream, none after it)."""
        ...

    async def readexactly(self, n: int) -> bytes:
        """Return exactly ``n`` bytes, or raise ``asyncio.IncompleteReadError``."""
        ...


class FrameError(Exception):
    """A frame that cannot be read: too long, cut short, or not one message's encoding."""


def encode_frame(message: Message) -> bytes:
    """Return the frame carrying ``message``."""
    body = encode(message, Message)
    return len(body).to_bytes(LENGTH_BYTES, "big") + body


def decode_body(body: bytes) -> Message:
    """Return the message whose canonical encoding is ``body``.

    Raises:
        FrameError: when ``body`` is not exactly one message's encoding.
    """
    try:
        return cast(Message, decode_as(Message, body))
    except Rejected as rejected:
        raise FrameError(f"not a message: {rejected.reason.value}") from None


def decode_frames(data: bytes) -> tuple[list[Message], bytes]:
    """Return the whole frames at the start of ``data`` and the bytes left over.

    Raises:
        FrameError: for a frame longer than :data:`MAX_FRAME_SIZE` or not a message.
    """
    messages = []
    while len(data) >= LENGTH_BYTES:
        length = int.from_bytes(data[:LENGTH_BYTES], "big")
        if length > MAX_FRAME_SIZE:
            raise FrameError(f"frame of {length} bytes is too long")
        if len(data) < LENGTH_BYTES + length:
            break
        messages.append(decode_body(data[LENGTH_BYTES : LENGTH_BYTES + length]))
        data = data[LENGTH_BYTES + length :]
    return messages, data


async def read_frame(reader: FrameSource) -> Message | None:
    """Return the next message of a stream, or None at its clean end (between frames).

    Raises:
        FrameError: for a frame cut short, too long, or not a message.
    """
    prefix = await reader.read(LENGTH_BYTES)
    if not prefix:
        return None
    try:
        prefix += await reader.readexactly(LENGTH_BYTES - len(prefix))
        length = int.from_bytes(prefix, "big")
        if length > MAX_FRAME_SIZE:
            raise FrameError(f"frame of {length} bytes is too long")
        body = await reader.readexactly(length)
    except asyncio.IncompleteReadError:
        raise FrameError("stream ended inside a frame") from None
    return decode_body(body)
