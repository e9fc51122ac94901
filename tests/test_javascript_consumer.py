"""The JavaScript consumer (consumers/javascript), written from the kit's documents alone.

It checks both presets' suites (schema, provenance hashes, digests, byte-identical
re-encoding, readable views), and its codec-only adapter passes ``plasma-spec
conform`` with every other vector skipped. Node and the packages of its
package-lock.json must be installed (``npm ci --prefix consumers/javascript``):
without them these tests fail, they are never skipped.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.coverage import Coverage
from conformance.suite import Suite, list_traces, write_suite
from conformance.trace import compute_content_hash, make_vector
from conformance.wire_format import WIRE_FORMAT_FILE, build_wire_format
from spec.presets import FULL
from tests.test_conformance_harness import get_tiny_suite

CONSUMER = Path(__file__).resolve().parent.parent / "consumers" / "javascript"
CHECKER = CONSUMER / "src" / "check-suite.mjs"
ADAPTER = CONSUMER / "src" / "adapter.mjs"
PLASMA_SPEC = Path(sys.executable).parent / "plasma-spec"
INSTALL_HINT = "run `npm ci --prefix consumers/javascript` (needs Node 20 and npm)"
SUMMARY = re.compile(
    r"^checked (\d+) vectors, (\d+) steps, (\d+) canonical-json examples: "
    r"(\d+) checks, (\d+) failures",
    re.MULTILINE,
)
CODEC_DECODE = "codec/Decode/"
REFRESH_HINT = (
    "consumers/javascript/wire-format.json is stale: copy wire-format.json from a suite "
    "just written by `plasma-spec vectors` over it"
)


@functools.cache
def get_full_suite() -> Suite:
    """Return the full suite, built once per test session.

    Its coverage is left empty: measuring which spec lines run triples the build
    time, and the consumer reads no coverage file.
    """
    vectors = {path: make_vector(trace) for path, trace in list_traces(FULL)}
    return Suite(vectors, Coverage.of(vectors.values(), set()))


def require_node() -> str:
    """Return the node executable, failing (never skipping) when it or the packages are missing."""
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"node is not installed: {INSTALL_HINT}")
    if not (CONSUMER / "node_modules" / "ajv").is_dir():
        pytest.fail(f"consumers/javascript/node_modules is missing: {INSTALL_HINT}")
    return node


def run_checker(suite: Path) -> subprocess.CompletedProcess[str]:
    """Run the JavaScript checker on a suite directory."""
    return subprocess.run(
        [require_node(), str(CHECKER), str(suite)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def read_index(suite: Path) -> list[dict[str, object]]:
    """Return the suite's index.json entries."""
    entries: list[dict[str, object]] = json.loads((suite / "index.json").read_text())
    return entries


def has_encoded_first_step(path: Path) -> bool:
    """Tell whether a vector's first operation is given by its bytes."""
    return json.loads(path.read_text())["steps"][0]["operation"]["encoding"] is not None


@pytest.fixture(scope="module")
def tiny_suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny suite, written once for the module."""
    directory = tmp_path_factory.mktemp("tiny")
    write_suite(get_tiny_suite(), directory)
    return directory


@pytest.fixture(scope="module")
def full_suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full suite, written once for the module."""
    directory = tmp_path_factory.mktemp("full")
    write_suite(get_full_suite(), directory)
    return directory


@pytest.mark.parametrize("preset", ["tiny", "full"])
def test_checker_passes_every_vector_of_a_suite(
    preset: str, request: pytest.FixtureRequest
) -> None:
    """Given a freshly written suite of a preset.

    When the JavaScript checker runs on it,
    Then it exits 0 having checked every vector and step of the index and the eight
    canonical-json examples, with no failure.
    """
    suite: Path = request.getfixturevalue(f"{preset}_suite")
    result = run_checker(suite)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = SUMMARY.search(result.stdout)
    assert summary is not None, result.stdout[-2000:]
    vectors, steps, examples, checks, failures = map(int, summary.groups())
    index = read_index(suite)
    assert vectors == len(index)
    assert steps == sum(int(str(entry["steps"])) for entry in index)
    assert examples == 8
    assert checks > 4 * vectors + steps
    assert failures == 0
    assert "FAIL" not in result.stdout


def test_checker_names_an_edited_vector_and_a_wrong_digest(
    tiny_suite: Path, tmp_path: Path
) -> None:
    """Given a copy of the tiny suite with two vectors spoilt.

    One has a byte of an operation edited (its content hash left alone), the other a
    wrong digest under a recomputed content hash.
    When the JavaScript checker runs on the copy,
    Then it exits 1, and its failure lines name those two files and no other.
    """
    copy = tmp_path / "suite"
    shutil.copytree(tiny_suite, copy)
    paths = [str(entry["path"]) for entry in read_index(copy)]
    edited = next(
        p for p in paths if p.startswith("settlement/") and has_encoded_first_step(copy / p)
    )
    wrong = next(p for p in paths if p.startswith(CODEC_DECODE))
    vector = json.loads((copy / edited).read_text())
    encoding = vector["steps"][0]["operation"]["encoding"]
    vector["steps"][0]["operation"]["encoding"] = encoding[:-2] + (
        "01" if encoding[-2:] == "00" else "00"
    )
    (copy / edited).write_text(json.dumps(vector, indent=1))
    vector = json.loads((copy / wrong).read_text())
    vector["steps"][0]["expected"]["digest"] = "0x" + "ab" * 32
    vector["provenance"]["content_hash"] = compute_content_hash(vector)
    (copy / wrong).write_text(json.dumps(vector, indent=1))
    result = run_checker(copy)
    assert result.returncode == 1
    failures = [line for line in result.stdout.splitlines() if line.startswith("FAIL ")]
    assert any(line.startswith(f"FAIL {edited}: provenance content hash") for line in failures)
    assert any(line.startswith(f"FAIL {wrong} step 0: digest") for line in failures)
    named = {line.removeprefix("FAIL ").split(":")[0].split(" ")[0] for line in failures}
    assert named == {edited, wrong, "index.json"}


def test_conform_runs_the_codec_vectors_and_skips_the_rest(
    tiny_suite: Path, tmp_path: Path
) -> None:
    """Given the codec vectors of the tiny suite and one vector of every other group.

    When ``plasma-spec conform`` runs them against the JavaScript adapter (no traces),
    Then every codec vector passes, every other one is skipped, and it exits 0.
    """
    selection = tmp_path / "selection"
    groups: set[str] = set()
    chosen = 0
    for entry in read_index(tiny_suite):
        path = str(entry["path"])
        group = path.rsplit("/", 1)[0]
        if path.startswith(CODEC_DECODE) or group not in groups:
            groups.add(group)
            chosen += 1
            (selection / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(tiny_suite / path, selection / path)
    codec = len(list((selection / CODEC_DECODE).iterdir()))
    result = subprocess.run(
        [
            str(PLASMA_SPEC),
            *("conform", "--impl", f"{require_node()} {ADAPTER}", "--traces", "0"),
            *("--vectors", str(selection), "--workers", "1"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "capabilities: codec" in result.stdout
    counts = re.search(
        r"^Vectors: (\d+) passed, (\d+) failed, (\d+) skipped", result.stdout, re.MULTILINE
    )
    assert counts is not None, result.stdout
    assert tuple(map(int, counts.groups())) == (codec, 0, chosen - codec)
    assert codec >= 17
    assert chosen - codec >= 20


def apply_decode(encoding: str) -> bytes:
    """Return an apply request line for a codec Decode operation given by its bytes."""
    operation = {"name": "Decode", "encoding": encoding, "view": None}
    return json.dumps({"command": "apply", "operation": operation}).encode()


def test_adapter_answers_bad_lines_with_protocol_codes() -> None:
    """Given the JavaScript adapter.

    When it is sent bad lines, requests before a reset, a codec reset and Decode steps
    given by their bytes or by their view,
    Then each line gets one answer with the protocol's error code or the codec's outcome,
    and it stops after bye.
    """
    lines = [
        b"",
        b"not json",
        b"[1]",
        b'{"command": "dump", "command": "dump"}',
        b'{"command": "frob"}',
        b'{"command": "dump"}',
        b'{"command": "reset", "area": "codec", "preset": "tiny", "state": "0x0000"}',
        b'{"command": "reset", "area": "codec", "preset": "huge", "state": "0x00000000"}',
        b'{"command": "reset", "area": "codec", "preset": "tiny", "state": "0x00000000"}',
        # Decode(type_name "bool", data 0x01), each a 4-byte count and its bytes
        apply_decode("0x00000004626f6f6c0000000101"),
        apply_decode("0x00000004626f6f6c0000000102"),
        json.dumps(
            {
                "command": "apply",
                "operation": {
                    "name": "Decode",
                    "encoding": None,
                    "view": {"type_name": "bool", "data": "0x00"},
                },
            }
        ).encode(),
        b'{"command": "dump"}',
        b"\xff",
        b'{"command": "bye"}',
        b'{"command": "hello"}',
    ]
    result = subprocess.run(
        [require_node(), str(ADAPTER)],
        input=b"\n".join(lines) + b"\n",
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    answers = [json.loads(line) for line in result.stdout.decode().splitlines()]
    errors = [answer.get("error") for answer in answers]
    assert errors[:9] == [
        "empty_line",
        "not_json",
        "not_an_object",
        "duplicate_field",
        "unknown_command",
        "no_state",
        "invalid_state",
        "unknown_preset",
        None,
    ]
    assert [answers[9]["outcome"], answers[10]["outcome"], answers[10]["reason"]] == [
        "accepted",
        "rejected",
        "encoding_invalid_flag",
    ]
    assert answers[9]["digest"] == answers[10]["digest"] != answers[8]["digest"]
    assert [answers[11]["outcome"], answers[11]["reason"]] == ["accepted", None]
    assert answers[12] == {"ok": True, "state": "0x0000000100"}
    assert [answers[13]["error"], answers[14]] == ["not_utf8", {"ok": True}]
    assert len(answers) == 15


def test_shipped_wire_format_is_the_generated_one() -> None:
    """Given the copy of wire-format.json the adapter reads by default.

    When it is compared with the document the spec generates now,
    Then they are equal (refresh it from any suite written by ``plasma-spec vectors``).
    """
    shipped = json.loads((CONSUMER / WIRE_FORMAT_FILE).read_text())
    assert shipped == json.loads(json.dumps(build_wire_format())), REFRESH_HINT
