"""The command line refuses a user's mistakes with one line and the right exit status.

Every case below is a user error: the command must exit with 2 (usage) or 4
(a malformed vector), print one line on standard error naming what is wrong,
show no traceback, and create or change no file. The last test generates bad
command lines with Hypothesis (200 in CI; set ``PLASMA_SPEC_BOUNDARY_EXAMPLES``
for more) and holds every one of them to the same rules.
"""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.failures import ExitStatus
from cli.main import main, make_parser
from conformance.coverage import Coverage
from conformance.suite import Suite, list_traces
from conformance.trace import make_vector
from spec.presets import TINY, Preset

EXAMPLES = int(os.environ.get("PLASMA_SPEC_BOUNDARY_EXAMPLES", "200"))
"""Generated command lines per run (200 in CI)."""

# Import every subcommand now: some register Hypothesis profiles when imported,
# which Hypothesis refuses inside a running test
make_parser()


@pytest.fixture
def place(tmp_path: Path) -> Path:
    """A directory holding one file of every awkward kind the cases name."""
    (tmp_path / "text.txt").write_text("hello\n")
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "truncated.json").write_text('{"format": "plasma-spec/adversary-trace/v1", "st')
    (tmp_path / "not-a-program").write_text("#!/bin/sh\necho hi\n")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("keep me\n")
    (tmp_path / "empty").mkdir()
    trace = {"format": "plasma-spec/adversary-trace/v1", "steps": []}
    write_json(tmp_path / "unknown-action.json", {**trace, "steps": [step("explode", {})]})
    write_json(tmp_path / "wrong-argument.json", {**trace, "steps": [step("setup", {"x": 1})]})
    write_json(
        tmp_path / "wrong-type.json",
        {**trace, "steps": [step("time_passes", {"seconds": "soon"})]},
    )
    write_json(tmp_path / "steps-not-a-list.json", {**trace, "steps": 5})
    write_json(tmp_path / "a-list.json", [1, 2, 3])
    return tmp_path


def step(action: str, arguments: dict[str, object]) -> dict[str, object]:
    """Return a trace step object."""
    return {"action": action, "arguments": arguments, "notes": []}


def write_json(path: Path, document: object) -> None:
    """Write a JSON document."""
    path.write_text(json.dumps(document))


def snapshot(directory: Path) -> dict[str, bytes]:
    """Return every file under ``directory`` with its bytes (directories as empty entries)."""
    return {
        str(path.relative_to(directory)): path.read_bytes() if path.is_file() else b"<dir>"
        for path in sorted(directory.rglob("*"))
    }


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``plasma-spec`` in this process; return its status, output and error output."""
    try:
        status = main(argv)
    except SystemExit as exit_:  # argparse's own refusals
        status = exit_.code if isinstance(exit_.code, int) else 2
    captured = capsys.readouterr()
    return status, captured.out, captured.err


CASES: list[tuple[str, int, str]] = [
    ("fuzz --minutes -1", 2, "argument --minutes: must be above 0"),
    ("fuzz --minutes 0", 2, "argument --minutes: must be above 0"),
    ("fuzz --minutes nan", 2, "argument --minutes"),
    ("fuzz --seed -4", 2, "argument --seed: must not be negative"),
    ("fuzz --replay {place}/missing.json", 2, "cannot read it"),
    ("fuzz --replay {place}/empty", 2, "cannot read it"),
    ("fuzz --replay {place}/binary.bin", 2, "not UTF-8 text"),
    ("fuzz --replay {place}/truncated.json", 2, "not JSON"),
    ("fuzz --replay {place}/text.txt", 2, "not JSON"),
    ("fuzz --replay {place}/a-list.json", 2, "not a plasma-spec/adversary-trace/v1 trace"),
    ("fuzz --replay {place}/steps-not-a-list.json", 2, "its steps are not a list"),
    ("fuzz --replay {place}/unknown-action.json", 2, "step 1 names no game action"),
    ("fuzz --replay {place}/wrong-argument.json", 2, "step 1 (setup)"),
    ("fuzz --replay {place}/wrong-type.json", 2, "seconds is not of type int"),
    ("fuzz --minutes 0.001 --output {place}/text.txt", 2, "exists and is not a directory"),
    ("vectors --out {place}/text.txt", 2, "exists and is not a directory"),
    ("vectors --out {place}/full", 2, "is not empty"),
    ("vectors --out {place}/full --replace", 2, "holds no vector suite"),
    ("vectors --preset huge --out {place}/new", 2, "invalid choice"),
    ("conform --impl ''", 2, "--impl is empty"),
    ("conform --impl '   '", 2, "--impl is empty"),
    ("conform --impl '\"unbalanced'", 2, "cannot be split into words"),
    ("conform --impl {place}/missing-program", 2, "names no executable program"),
    ("conform --impl {place}/not-a-program", 2, "names no executable program"),
    ("conform --vectors {place}/missing", 2, "does not exist"),
    ("conform --vectors {place}/empty", 2, "holds no vector"),
    ("conform --timeout -1", 2, "argument --timeout: must be above 0"),
    ("conform --timeout 0", 2, "argument --timeout: must be above 0"),
    ("conform --traces -1", 2, "argument --traces: must not be negative"),
    ("conform --minutes -5", 2, "argument --minutes: must be above 0"),
    ("conform --traces 1e3", 2, "not a whole number"),
    ("conform --failures {place}/text.txt", 2, "exists and is not a directory"),
    ("mutate --only no-such-mutant", 2, "no mutant named 'no-such-mutant'"),
    ("mutate --jobs 0", 2, "argument --jobs: must be at least 1"),
    ("mutate --profile nope", 2, "invalid choice"),
    ("bench --workers 0", 2, "argument --workers: must be at least 1"),
    ("bench --transactions 0", 2, "sizes must be from 1"),
    ("bench --exits ten", 2, "not a list of sizes"),
    ("bench --spec-budget -1", 2, "argument --spec-budget"),
    ("devnet --data {place}/text.txt", 2, "exists and is not a directory"),
    ("devnet --seed -1", 2, "must not be negative"),
    ("scenario no-such-scenario", 2, "unknown scenario"),
    ("scenario", 2, "give a scenario NAME"),
    ("invariants --bogus", 2, "unrecognized arguments"),
    ("no-such-command", 2, "invalid choice"),
]
"""(command line, exit status, what standard error must say)."""


@pytest.mark.parametrize(("command", "status", "message"), CASES, ids=[c[0] for c in CASES])
def test_user_error_is_one_line_and_changes_nothing(
    command: str, status: int, message: str, place: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a command line with one user error.

    When plasma-spec runs it,
    Then it exits with the usage status, says what is wrong on its last line of standard
    error, prints no traceback, and no file of the working directory changes.
    """
    before = snapshot(place)
    code, _, error = run_cli(shlex.split(command.format(place=place)), capsys)
    assert code == status, error
    assert "Traceback" not in error
    assert message in error.strip().splitlines()[-1]
    assert snapshot(place) == before


@pytest.fixture(scope="module")
def first_vector() -> dict[str, Any]:
    """The first vector of the tiny suite."""
    return make_vector(list_traces(TINY)[0][1])


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not JSON"),
        ('{"format": "plasma-spec/conformance-trace/v1"}', "breaks the schema"),
        ("BAD-AREA", "breaks the schema at area"),
        ("BAD-HEX", "breaks the schema at initial_state/encoding"),
        ("BAD-DIGEST", "initial state's digest is not the state's"),
        ("BAD-STATE", "initial state does not decode"),
    ],
)
def test_malformed_vector_is_the_vectors_fault(
    content: str,
    problem: str,
    first_vector: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Given a vector directory holding one malformed vector.

    When conform replays it,
    Then it exits 4 (a vector fault, not the implementation's), names the file and the
    problem, and starts no implementation.
    """
    vector = first_vector
    broken = {
        "BAD-AREA": {**vector, "area": "moon"},
        "BAD-HEX": {**vector, "initial_state": {**vector["initial_state"], "encoding": "zz"}},
        "BAD-DIGEST": {
            **vector,
            "initial_state": {**vector["initial_state"], "digest": "0x" + "00" * 32},
        },
        "BAD-STATE": {**vector, "initial_state": {**vector["initial_state"], "encoding": "0x00"}},
    }
    directory = tmp_path / "vectors"
    directory.mkdir()
    write_json(directory / "a-good.json", vector)
    target = directory / "z-broken.json"
    if content in broken:
        write_json(target, broken[content])
    else:
        target.write_text(content)
    never = tmp_path / "never-started"
    command = ["conform", "--vectors", str(directory), "--impl", f"touch {never}"]
    code, output, error = run_cli(command, capsys)
    assert code == ExitStatus.VECTOR, error
    assert "z-broken.json" in error and problem in error
    assert "Traceback" not in error and not output
    assert not never.exists()


@pytest.mark.parametrize(
    "impl", ["false", "cat", "sh -c 'echo not json'"], ids=["exits", "echoes", "garbage"]
)
def test_implementation_that_misbehaves_is_an_implementation_fault(
    impl: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given programs that start but do not speak the adapter protocol.

    When conform runs them,
    Then it exits 3 (an implementation fault), not 1 (a disagreement) or 2 (usage).
    """
    command = ["conform", "--impl", impl, "--timeout", "2", "--failures", str(tmp_path / "f")]
    code, output, error = run_cli(command, capsys)
    assert code == ExitStatus.IMPLEMENTATION, (output, error)
    assert "FAIL: the implementation" in output
    assert "Traceback" not in error


def make_small_suite(preset: Preset) -> Suite:
    """Return a suite of the first three traces (the directory handling is what is tested)."""
    vectors = {path: make_vector(trace) for path, trace in list_traces(preset)[:3]}
    return Suite(vectors, Coverage.of(vectors.values(), set()))


def test_vectors_replace_leaves_no_stale_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a directory holding a suite written before and a stale vector in it.

    When vectors --replace writes a (small) suite there,
    Then the stale file is gone and the new suite is whole, with nothing left beside it.
    """
    monkeypatch.setattr("cli.vectors.build_suite", make_small_suite)
    out = tmp_path / "suite"
    out.mkdir()
    (out / "index.json").write_text("[]")
    (out / "settlement").mkdir()
    (out / "settlement" / "stale.json").write_text("{}")
    code, output, _ = run_cli(["vectors", "--out", str(out), "--replace"], capsys)
    # The small suite misses most rejection reasons, which the command reports with 1
    assert code == ExitStatus.FAILED and "MISSED" in output, output
    assert not (out / "settlement" / "stale.json").exists()
    index = json.loads((out / "index.json").read_text())
    assert sorted(entry["path"] for entry in index) == sorted(
        str(path.relative_to(out)) for path in out.rglob("*.json") if path.parent != out
    )
    assert len(index) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["suite"]


# Generated bad command lines

BAD_NUMBERS = st.sampled_from(["-1", "0", "-0.5", "nan", "inf", "-inf", "1e999", "x", "", " "])
"""Values no numeric option accepts (0 is refused by the options that need a positive one)."""

COMMANDS = {
    "fuzz": ["--minutes"],
    "conform": ["--timeout", "--minutes"],
    "mutate": ["--jobs"],
    "bench": ["--workers", "--transactions", "--exits", "--spec-budget"],
}
"""Subcommands, with options for which every value of BAD_NUMBERS is bad."""

JUNK = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=30)
"""Any text, as an extra argument."""


@st.composite
def bad_command_lines(draw: st.DrawFn) -> list[str]:
    """Draw a subcommand with at least one bad option value, and maybe junk around it."""
    command = draw(st.sampled_from(sorted(COMMANDS)))
    options = draw(st.lists(st.sampled_from(COMMANDS[command]), min_size=1, max_size=3))
    argv = [command]
    for option in options:
        argv += [option, draw(BAD_NUMBERS)]
    argv += draw(st.lists(JUNK.filter(lambda t: t not in ("-h", "--help")), max_size=2))
    return argv


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(argv=bad_command_lines())
def test_generated_bad_command_lines_are_refused_cleanly(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a generated command line with at least one bad numeric value.

    When plasma-spec runs it in a scratch directory,
    Then it exits 2 with a message on standard error, no traceback, and no file appears.
    """
    before = snapshot(tmp_path)
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        code, _, error = run_cli(argv, capsys)
    finally:
        os.chdir(cwd)
    assert code == ExitStatus.USAGE, (argv, error)
    assert "Traceback" not in error and error.strip()
    assert snapshot(tmp_path) == before
