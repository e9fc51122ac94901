"""The site's pictures, drawn from the project's data, checked without building the site.

The docs extension (``docs/_ext/plasma_docs``) draws a timeline per attack
scenario, a state diagram per exit game, the benchmark plots and the package
graph. These tests check what each picture is made of (the events of a
scenario, the observed moves of the exits, the imports of the packages, the
bench report) and that each renders as SVG holding the expected words.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

from plasma_docs import (  # noqa: E402 - the extension's folder is put on the path above
    figures_architecture,
    figures_bench,
    figures_observe,
    figures_states,
    figures_svg,
    figures_timeline,
    figures_timeline_data,
)

from adversary.payments.scenarios.framework import run_scenario  # noqa: E402
from adversary.payments.scenarios.records import MovementKind  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"
"""The SVG namespace, as ElementTree names tags."""

SCENARIO = "spent-output-exit-challenged"
"""A scenario with a challenged exit and a processed one."""


def read_svg_text(svg: str) -> str:
    """Return every text of an SVG document, joined by spaces (parsing it as XML)."""
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return " ".join(" ".join(node.itertext()) for node in root.iter(f"{SVG}text"))


@pytest.fixture(scope="module")
def transitions() -> Counter[figures_states.Transition]:
    """Every exit move observed over the scenarios and the case library (played once)."""
    found: Counter[figures_states.Transition] = figures_states.find_transitions()
    return found


def test_timeline_has_the_exit_start_and_payout_at_the_scenario_times() -> None:
    """Given the scenario where Alice's spent output is exited and Bob's is paid.

    When its timeline is made from a second, observed play,
    Then the observed steps equal the library's, Bob's exit window starts at his
    start step and ends processed at the time the expectation pays him, and
    Alice's ends challenged at the challenge step.
    """
    result = run_scenario(SCENARIO)
    observation = figures_observe.observe_scenario(SCENARIO)
    timeline = figures_timeline_data.make_timeline(observation, result)
    assert observation.steps == result.steps
    windows = {w.label: w for w in timeline.windows}
    bob = windows["standard exit #1 (bob)"]
    payout = result.expectation.payouts[0]
    assert payout.owner.name == "bob"
    assert (bob.settled, bob.ending) == (payout.at, "processed")
    assert timeline.rows[bob.row].time == bob.started
    assert bob.matures is not None and bob.started < bob.matures <= payout.at
    alice = windows["standard exit #0 (alice)"]
    challenge = next(s for s in result.steps if s.kind == "challenge")
    assert (alice.settled, alice.ending) == (challenge.time, "challenged")
    paid = [r for r in timeline.rows if "bob paid 100" in r.note]
    assert [r.time for r in paid] == [payout.at]
    assert any(m.kind == MovementKind.PAID for s in result.steps for m in s.movements)


def test_timeline_svg_is_xml_with_labels_and_is_deterministic() -> None:
    """Given the scenario's timeline.

    When it is drawn twice,
    Then both SVG documents are the same, parse as XML, and hold the title, a
    block label, the holdings and the window's end words.
    """
    result = run_scenario(SCENARIO)
    timeline = figures_timeline_data.make_timeline(
        figures_observe.observe_scenario(SCENARIO), result
    )
    svg = figures_timeline.draw_timeline(timeline)
    assert svg == figures_timeline.draw_timeline(timeline)
    text = read_svg_text(svg)
    _, _, block = timeline.blocks[0]
    for words in (f"Scenario {SCENARIO}", f"block {block}", "At the end", "bob +100 native"):
        assert words in text, words
    assert "standard exit #1 (bob): processed" in text
    assert "standard exit #0 (alice) ends challenged" in figures_timeline.describe_timeline(
        timeline
    )


def test_state_diagram_edges_include_known_moves_and_every_enum_state(
    transitions: Counter[figures_states.Transition],
) -> None:
    """Given the moves observed over every scenario and every settlement case.

    When they are searched,
    Then the known moves of each exit game are there, and every member of the
    spec's exit enums is reached.
    """
    family = figures_observe.Family
    expected = [
        (family.STANDARD, figures_states.START, "StartStandardExit", "open"),
        (family.STANDARD, "open", "ChallengeStandardExit", "challenged"),
        (family.STANDARD, "open", "ProcessExits", "skipped"),
        (family.PIGGYBACK, "none", "PiggybackInFlightExit", "open"),
        (family.COIN_EXIT, "open · no open history challenge", "ChallengeCoinHistory",
         "open · history challenged"),
        (family.COIN, "exiting", "FinalizeCoinExit", "exited"),
    ]  # fmt: skip
    for move in expected:
        assert figures_states.Transition(*move) in transitions, move
    assert figures_states.find_unreached_members(transitions) == []


def test_an_unreached_state_is_reported(
    transitions: Counter[figures_states.Transition],
) -> None:
    """Given the observed moves without those that reach a skipped standard exit.

    When unreached enum members are looked for,
    Then exactly ``ExitStatus.SKIPPED`` is reported.
    """
    kept = [t for t in transitions if "skipped" not in (t.before, t.after)]
    assert figures_states.find_unreached_members(kept) == ["ExitStatus.SKIPPED (standard exit)"]


def test_state_diagram_svg_names_states_and_operations(
    transitions: Counter[figures_states.Transition],
) -> None:
    """Given the observed moves.

    When the in-flight diagram is drawn by dot,
    Then its SVG parses and names the piggyback states and the canonicity operations.
    """
    graph = figures_states.make_state_graph("in-flight", transitions)
    text = read_svg_text(figures_svg.render_dot(graph))
    for words in ("unpaid", "challenged", "ChallengeInFlightNotCanonical", "DeleteInFlightExit"):
        assert words in text, words


def test_architecture_has_no_edge_out_of_spec() -> None:
    """Given the repository's packages.

    When their imports are read,
    Then spec imports no other package, and reference and proofs import spec.
    """
    edges = figures_architecture.find_package_imports(figures_architecture.ROOT)
    assert not [edge for edge in edges if edge[0] == "spec"]
    assert edges[("reference", "spec")] > 0 and edges[("proofs", "spec")] > 0


def test_architecture_finds_a_planted_import(tmp_path: Path) -> None:
    """Given a tree where a module of spec imports reference inside a function.

    When the imports are read,
    Then the edge spec -> reference is found, counted once, and a relative import is not an edge.
    """
    for package in ("spec", "reference"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text(f'"""The {package}."""\n')
    (tmp_path / "spec" / "bad.py").write_text(
        "from . import good\n\ndef f():\n    import reference.node\n    return reference\n"
    )
    edges = figures_architecture.find_package_imports(tmp_path)
    assert edges == {("spec", "reference"): 1}


def test_bench_report_is_drawn_and_a_malformed_one_refused(tmp_path: Path) -> None:
    """Given the committed bench report, and three broken ones.

    When each is read,
    Then the committed one is drawn with the recovery bound, and the broken ones
    are refused with a message naming the file and what is wrong.
    """
    committed = figures_bench.read_report(ROOT / "docs" / "node" / "bench-report.json")
    text = read_svg_text(figures_bench.draw_report(committed))
    assert "recovery bound" in text and "block validation, reference" in text
    missing = tmp_path / "missing.json"
    not_json = tmp_path / "not.json"
    not_json.write_text("{")
    no_sizes = tmp_path / "no-sizes.json"
    report = json.loads(json.dumps(committed))
    del report["measurements"][0]["size"]
    no_sizes.write_text(json.dumps(report))
    cases = [(missing, "cannot read"), (not_json, "not JSON"), (no_sizes, "'size' is a required")]
    for path, words in cases:
        with pytest.raises(figures_svg.FigureError) as raised:
            figures_bench.read_report(path)
        assert words in str(raised.value) and str(path) in str(raised.value)
    assert "at measurements/0" in str(raised.value)


def test_image_node_points_at_the_written_file(tmp_path: Path) -> None:
    """Given a build environment whose page is guides/scenarios/challenges.

    When a picture is written for it,
    Then the file lands beside the doctrees, and the node's relative URI, alt
    text and class lead to it.
    """
    env = SimpleNamespace(
        doctreedir=str(tmp_path / "build" / ".doctrees"),
        docname="guides/scenarios/challenges",
        doc2path=lambda name: tmp_path / "docs" / f"{name}.rst",
    )
    svg = '<svg xmlns="http://www.w3.org/2000/svg"/>'
    node = figures_svg.make_image_node(env, "Timeline: A/B", svg, "what it shows")
    target = (tmp_path / "docs" / "guides" / "scenarios" / node["uri"]).resolve()
    assert target.parent == tmp_path / "build" / ".doctrees" / figures_svg.FIGURE_FOLDER
    assert target.read_text() == svg and target.name.startswith("timeline-a-b-")
    assert (node["alt"], node["classes"]) == ("what it shows", [figures_svg.FIGURE_CLASS])
