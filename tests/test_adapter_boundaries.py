"""The conformance adapters answer every line with one typed answer and never die.

Each adapter (the reference adapter, and the faulty one, which shares its
reading of requests) runs as a real subprocess kept alive across the whole
module, with small limits so that oversize requests are cheap to send. Every
line gets exactly one JSON answer; a request that cannot be served gets
``"ok": false`` with a documented error code and leaves the loaded state as it
was; the adapter's standard error never shows a traceback. The generated part
sends 200 lines (more with ``PLASMA_SPEC_BOUNDARY_EXAMPLES``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conformance.suite import list_traces
from conformance.trace import make_vector
from spec.presets import TINY

EXAMPLES = int(os.environ.get("PLASMA_SPEC_BOUNDARY_EXAMPLES", "200"))
"""Generated lines per adapter (200 in CI)."""

LIMITS = ("--max-line-bytes", "200000", "--max-depth", "16", "--max-digits", "90")
"""Small limits, so that oversize requests are cheap to send."""

ERROR_CODES = {
    "empty_line",
    "line_too_long",
    "not_utf8",
    "too_deep",
    "number_too_long",
    "not_json",
    "not_an_object",
    "duplicate_field",
    "unknown_command",
    "bad_field",
    "unknown_area",
    "unknown_preset",
    "bad_hex",
    "invalid_state",
    "no_state",
    "bad_operation",
}
"""Every error code ``conformance/PROTOCOL.md`` documents."""

ADAPTERS = {
    "reference": [sys.executable, "-m", "conformance.reference_adapter", *LIMITS],
    "faulty": [
        *(sys.executable, "-m", "conformance.faulty_adapter", "--fault", "wrong-priority"),
        *LIMITS,
    ],
}
"""The adapters under test, by name."""


class Adapter:
    """An adapter process and the requests sent to it."""

    def __init__(self, command: list[str]) -> None:
        """Start ``command`` with pipes."""
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )

    def send(self, line: bytes) -> dict[str, Any]:
        """Send one line; return the one answer (a JSON object), failing on anything else."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(line + b"\n")
        self.process.stdin.flush()
        answer_line = self.process.stdout.readline()
        assert answer_line.endswith(b"\n"), f"no answer to {line[:80]!r}"
        answer = json.loads(answer_line)
        assert isinstance(answer, dict), answer
        assert len(answer_line) < 4096 or answer.get("ok") is True, "an error echoed too much"
        return answer

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send a request object."""
        return self.send(json.dumps(message).encode())

    def get_state(self) -> dict[str, Any]:
        """Return the dump answer (the loaded state, or the no_state error)."""
        return self.request({"command": "dump"})

    def close(self) -> str:
        """Say bye, wait for the process, and return its standard error."""
        assert self.process.stdin is not None and self.process.stderr is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)
        return self.process.stderr.read().decode("utf-8", "replace")


VECTOR = make_vector(list_traces(TINY)[0][1])
"""A valid vector of the tiny suite: its initial state and first operation are valid requests."""

RESET = {
    "command": "reset",
    "area": VECTOR["area"],
    "preset": "tiny",
    "state": VECTOR["initial_state"]["encoding"],
}
"""A valid reset."""

APPLY = {"command": "apply", "operation": VECTOR["steps"][0]["operation"]}
"""A valid apply of that vector's first step."""


@pytest.fixture(scope="module", params=sorted(ADAPTERS))
def adapter(request: pytest.FixtureRequest) -> Iterator[Adapter]:
    """A running adapter; at the end its standard error must hold no traceback."""
    running = Adapter(ADAPTERS[request.param])
    yield running
    error_output = running.close()
    assert "Traceback" not in error_output, error_output[-2000:]
    assert running.process.returncode == 0


def test_requests_before_a_reset_are_refused(adapter: Adapter) -> None:
    """Given an adapter with nothing loaded (these tests run first on each adapter).

    When dump and apply are requested,
    Then each is refused with no_state.
    """
    assert adapter.get_state()["error"] == "no_state"
    assert adapter.request(APPLY)["error"] == "no_state"


BAD_LINES: list[tuple[bytes, str]] = [
    (b"", "empty_line"),
    (b"   \t ", "empty_line"),
    (b"x" * 200_001, "line_too_long"),
    (b'{"command": "hello", "pad": "' + b"x" * 200_000 + b'"}', "line_too_long"),
    (b"\xff\xfe{}", "not_utf8"),
    (b"[" * 17 + b"]" * 17, "too_deep"),
    (b'{"a": ' + b"[" * 20 + b"]" * 20 + b"}", "too_deep"),
    (b'{"command": "reset", "n": ' + b"9" * 91 + b"}", "number_too_long"),
    (b"{nope", "not_json"),
    (b'{"command": "hello"', "not_json"),
    (b"[1, 2]", "not_an_object"),
    (b'"hello"', "not_an_object"),
    (b"{}", "unknown_command"),
    (b'{"command": "dump", "command": "dump"}', "duplicate_field"),
    (b'{"command": 7}', "unknown_command"),
    (b'{"command": "' + b"z" * 100_000 + b'"}', "unknown_command"),
    (b'{"command": "reset"}', "bad_field"),
    (b'{"command": "reset", "area": "moon", "preset": "tiny", "state": "0x"}', "unknown_area"),
    (
        b'{"command": "reset", "area": "settlement", "preset": "huge", "state": "0x"}',
        "unknown_preset",
    ),
    (
        b'{"command": "reset", "area": "settlement", "preset": "tiny", "state": "00"}',
        "bad_hex",
    ),
    (
        b'{"command": "reset", "area": "settlement", "preset": "tiny", "state": "0x0"}',
        "bad_hex",
    ),
    (
        b'{"command": "reset", "area": "settlement", "preset": "tiny", "state": "0x00"}',
        "invalid_state",
    ),
    (b'{"command": "apply"}', "bad_field"),
    (b'{"command": "apply", "operation": []}', "bad_field"),
    (b'{"command": "apply", "operation": {"name": 3, "encoding": null}}', "bad_field"),
    (
        b'{"command": "apply", "operation": {"name": "Deposit", "encoding": "0xzz"}}',
        "bad_hex",
    ),
    (
        b'{"command": "apply", "operation": {"name": "Nope", "encoding": null, "view": {"x": 1}}}',
        "bad_operation",
    ),
    (
        b'{"command": "apply", "operation": {"name": "Deposit", "encoding": null, "view": 5}}',
        "bad_operation",
    ),
]
"""(line, error code) for requests each adapter must refuse."""


@pytest.mark.parametrize(("line", "code"), BAD_LINES, ids=[c for _, c in BAD_LINES])
def test_bad_line_gets_its_error_and_changes_nothing(
    adapter: Adapter, line: bytes, code: str
) -> None:
    """Given an adapter holding a state.

    When a bad line is sent,
    Then the one answer is ok false with the expected code, and the state is as it was.
    """
    if adapter.get_state().get("ok") is not True:
        assert adapter.request(RESET)["ok"] is True
    before = adapter.get_state()
    answer = adapter.send(line)
    assert answer["ok"] is False and answer["error"] == code, answer
    assert len(answer["message"]) <= 200
    assert adapter.get_state() == before


def test_rejected_reset_keeps_the_loaded_state(adapter: Adapter) -> None:
    """Given an adapter holding a settlement state.

    When a reset of another area with bytes that do not decode is sent,
    Then it is refused, and the settlement state and its area are still loaded.
    """
    assert adapter.request(RESET)["ok"] is True
    before = adapter.get_state()
    refused = adapter.request({**RESET, "area": "payments-chain", "state": "0x0102"})
    assert refused["error"] == "invalid_state"
    assert adapter.get_state() == before
    applied = adapter.request(APPLY)
    assert applied["ok"] is True and applied["digest"] == VECTOR["steps"][0]["expected"]["digest"]


# Generated lines

VALID = [RESET, APPLY, {"command": "dump"}, {"command": "hello"}]
"""Valid requests, the seeds of mutated ones."""

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
"""Any JSON value, small."""


@st.composite
def mutated_requests(draw: st.DrawFn) -> bytes:
    """Draw a valid request with one field removed, replaced or given a wrong type."""
    request = dict(draw(st.sampled_from(VALID)))
    key = draw(st.sampled_from([*request, "extra"]))
    if draw(st.booleans()) and key in request:
        del request[key]
    else:
        request[key] = draw(JSON_VALUES)
    return json.dumps(request).encode()


LINES = st.one_of(
    st.binary(max_size=200).filter(lambda data: b"\n" not in data and b"\r" not in data),
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    mutated_requests(),
    st.integers(17, 40).map(lambda depth: b"[" * depth + b"]" * depth),
    st.integers(91, 400).map(lambda digits: b'{"command": "dump", "n": ' + b"1" * digits + b"}"),
    st.integers(200_001, 300_000).map(lambda size: b"a" * size),
)
"""Lines to send: random bytes, random JSON, mutated requests, and oversize ones."""


def says_bye(line: bytes) -> bool:
    """Return whether a line is a bye request (which would end the adapter)."""
    try:
        request = json.loads(line)
    except ValueError:
        return False
    return isinstance(request, dict) and request.get("command") == "bye"


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(line=LINES)
def test_generated_lines_get_one_typed_answer_each(adapter: Adapter, line: bytes) -> None:
    """Given an adapter holding a state (reloaded when a generated reset replaced it).

    When a generated line is sent,
    Then exactly one JSON object answers it; a refusal carries a documented code and
    changes nothing, and a rejected operation leaves the digest as it was.
    """
    assume(not says_bye(line))
    before = adapter.get_state()
    if before.get("ok") is not True:
        assert adapter.request(RESET)["ok"] is True
        before = adapter.get_state()
    answer = adapter.send(line.replace(b"\n", b" "))
    if answer["ok"] is False:
        assert answer["error"] in ERROR_CODES, answer
        assert adapter.get_state() == before
    elif answer.get("outcome") == "rejected":
        assert adapter.get_state() == before
