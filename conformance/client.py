"""The harness side of the adapter protocol: an implementation running as a subprocess.

Every answer must come within a timeout, as one line of JSON holding an
object with ``"ok": true``. Anything else ends the session with an
:class:`ImplementationFailure` saying which way the implementation failed:
it **hung** (no answer in time), **crashed** (its process ended or closed its
output) or answered **garbage** (not JSON, not an object, or a field of the
wrong shape). An ``"ok": false`` answer with an error code is an
:class:`ErrorAnswer`: the runner reports it for its vector and step and goes on.
"""

from __future__ import annotations

import json
import queue
import shlex
import subprocess
import threading
from typing import IO

from conformance.readable import JsonValue

HUNG = "hung"
CRASHED = "crashed"
GARBAGE = "garbage"


class ImplementationFailure(Exception):  # noqa: N818 - names what happened, like Rejected
    """The implementation broke the protocol; ``kind`` is ``hung``, ``crashed`` or ``garbage``."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"implementation {kind}: {detail}")
        self.kind = kind
        """How it failed."""
        self.detail = detail
        """What was seen."""


class ErrorAnswer(ImplementationFailure):
    """The implementation answered ``"ok": false``: a protocol error, but the process lives on.

    The harness reports it for the vector and step that asked (an operation the
    implementation does not support, say) and goes on with the next vector.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(GARBAGE, f"error answer: {code!r}: {message}")
        self.code = code
        """The answer's ``error`` code."""
        self.message = message
        """The answer's ``message``."""


class Implementation:
    """A running implementation adapter."""

    def __init__(self, command: str, timeout: float) -> None:
        """Start ``command`` (split like a shell would) with pipes to talk to it."""
        self.command = command
        """The command line."""
        self.timeout = timeout
        """Seconds to wait for each answer."""
        self.process = subprocess.Popen(
            shlex.split(command),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        """Lines of its output; None once it closed it."""
        self.errors: list[str] = []
        """Its standard error, kept to explain a crash."""
        threading.Thread(target=self.pump, args=(self.process.stdout,), daemon=True).start()
        threading.Thread(target=self.drain, args=(self.process.stderr,), daemon=True).start()

    def pump(self, stream: IO[str] | None) -> None:
        """Move lines of the implementation's output to the queue (a reader thread)."""
        assert stream is not None
        for line in stream:
            self.lines.put(line)
        self.lines.put(None)

    def drain(self, stream: IO[str] | None) -> None:
        """Keep the implementation's standard error (a reader thread)."""
        assert stream is not None
        for line in stream:
            self.errors.append(line)
            del self.errors[:-20]

    def request(self, message: dict[str, JsonValue]) -> dict[str, JsonValue]:
        """Send one request and return the answer.

        Raises:
            ImplementationFailure: when it hangs, crashes or answers garbage.
        """
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as error:
            raise self.crashed(f"could not send {message.get('command')}: {error}") from None
        try:
            line = self.lines.get(timeout=self.timeout)
        except queue.Empty:
            detail = f"no answer to {message.get('command')} within {self.timeout:g} s"
            raise ImplementationFailure(HUNG, detail) from None
        if line is None:
            raise self.crashed(f"output closed while answering {message.get('command')}")
        return parse_answer(line)

    def crashed(self, detail: str) -> ImplementationFailure:
        """Return the failure of a process that ended, with its exit code and last errors."""
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            code = None
        tail = "".join(self.errors[-5:]).strip()
        return ImplementationFailure(CRASHED, f"{detail} (exit code {code}) {tail}".strip())

    def close(self) -> None:
        """Say goodbye and end the process (killing it if it does not leave)."""
        try:
            if self.process.poll() is None:
                assert self.process.stdin is not None
                self.process.stdin.write(json.dumps({"command": "bye"}) + "\n")
                self.process.stdin.close()
                self.process.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired, ValueError):
            self.process.kill()
            self.process.wait()


def parse_answer(line: str) -> dict[str, JsonValue]:
    """Return an answer line as an object.

    Raises:
        ErrorAnswer: for ``"ok": false`` with an ``error`` code.
        ImplementationFailure: ``garbage`` for anything else that is not an object with
            ``"ok": true``.
    """
    try:
        answer = json.loads(line)
    except json.JSONDecodeError:
        raise ImplementationFailure(GARBAGE, f"not JSON: {line[:80]!r}") from None
    if not isinstance(answer, dict):
        raise ImplementationFailure(GARBAGE, f"not a JSON object: {line[:80]!r}")
    if answer.get("ok") is not True:
        code, message = answer.get("error"), answer.get("message", "")
        if answer.get("ok") is False and isinstance(code, str):
            raise ErrorAnswer(code[:80], str(message)[:200])
        raise ImplementationFailure(GARBAGE, f"not an answer: {line[:80]!r}")
    return answer


def require_field(answer: dict[str, JsonValue], name: str, kind: type) -> JsonValue:
    """Return a field of an answer, checking its JSON type.

    Raises:
        ImplementationFailure: ``garbage`` when it is missing or of another type.
    """
    value = answer.get(name)
    if not isinstance(value, kind):
        raise ImplementationFailure(GARBAGE, f"field {name!r} is {value!r}")
    return value
