"""The documentation site: both Sphinx builds pass, and the reference leaves nothing out.

The HTML build and the doctest build run once each per session, in a
temporary directory, as the README's commands do (warnings are errors; see
tests/site_build.py, which the browser test shares). The checks then
read the built HTML: every module and public name of ``spec/`` (found here
with :mod:`ast`, independently of the site's own extension) has an anchor in
the reference, and so does every public module of ``reference/`` (the
reference node) with its public names; every rejection reason is in the
reference and in the generated table, every catalogued invariant has its
section, and the devnet page shows the demo's output, run at build time.
"""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

import pytest

from spec.errors import RejectionReason
from spec.invariants.catalog import CATALOG
from tests.site_build import get_built_site, load_report

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "spec"
REFERENCE = ROOT / "reference"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the HTML site built (with the session's prove report) for this session, doctests run.

    The build is shared with tests/test_docs_browser.py (see tests/site_build.py);
    the fixture fails if either Sphinx build exited non-zero, showing what it printed.
    """
    return get_built_site(tmp_path_factory)


def read_html(site: Path) -> str:
    """Return the text of every page of the built site."""
    return "\n".join(page.read_text(encoding="utf-8") for page in sorted(site.rglob("*.html")))


def iter_package_modules(package: Path) -> list[tuple[str, Path]]:
    """Return (dotted name, file) of every public module of a package (``__init__`` included)."""
    modules = []
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        elif any(part.startswith("_") for part in parts):
            continue
        modules.append((".".join(parts), path))
    return modules


def iter_spec_modules() -> list[tuple[str, Path]]:
    """Return (dotted name, file) of every module of ``spec/``."""
    return iter_package_modules(SPEC)


def find_missing_anchors(pages: str, modules: list[tuple[str, Path]]) -> list[str]:
    """Return the modules and public names of ``modules`` that have no anchor in ``pages``."""
    expected = [name for name, _ in modules]
    expected += [f"{module}.{name}" for module, path in modules for name in get_public_names(path)]
    return [
        name
        for name in expected
        if f'id="{name}"' not in pages and f'id="module-{name}"' not in pages
    ]


def get_public_names(path: Path) -> list[str]:
    """Return the public functions, classes and constants a module defines at top level."""
    names: list[str] = []
    for statement in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(statement, ast.FunctionDef | ast.ClassDef):
            names.append(statement.name)
        elif isinstance(statement, ast.Assign):
            names += [target.id for target in statement.targets if isinstance(target, ast.Name)]
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            names.append(statement.target.id)
    return [name for name in names if not name.startswith("_")]


def test_every_public_name_of_the_spec_is_in_the_reference(site: Path) -> None:
    """Given the site, When each spec module and public name is looked up, Then it has an anchor."""
    modules = iter_spec_modules()
    assert sum(1 + len(get_public_names(path)) for _, path in modules) > 200
    assert find_missing_anchors(read_html(site / "reference"), modules) == []


def test_every_module_of_the_reference_node_has_its_page(site: Path) -> None:
    """Given the site, When each reference module and public name is looked up, Then it has one."""
    modules = iter_package_modules(REFERENCE)
    names = {name for name, _ in modules}
    expected = {
        "reference",
        "reference.settlement",
        "reference.settlement.simulator",
        "reference.environments.payments.ledger",
        "reference.node.server",
        "reference.store",
    }
    assert expected <= names
    assert find_missing_anchors(read_html(site / "node"), modules) == []


def test_node_pages_are_in_the_table_of_contents(site: Path) -> None:
    """Given the site, When the home page is read, Then it links the reference node's pages."""
    home = (site / "index.html").read_text(encoding="utf-8")
    for page in ("architecture", "devnet", "benchmarks", "api/index"):
        assert f'href="node/{page}.html"' in home, page


def test_devnet_page_shows_a_passing_run_made_at_build_time(site: Path) -> None:
    """Given the site, When the devnet page is read, Then it holds the demo's real output."""
    page = (site / "node" / "devnet.html").read_text(encoding="utf-8")
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert "plasma-spec devnet: data in" in text
    assert re.search(r"^\[ ?(\d+)/\1\] t=\d+ ", text, re.MULTILINE), "the script's last step"
    assert "Summary (token A" in text
    assert "Result: the demo's expectations hold" in text
    assert "FAILED" not in text


def test_every_rejection_reason_is_documented_and_tabled(site: Path) -> None:
    """Given the site, When each reason is looked up, Then it is in the reference and the table."""
    reference = (site / "reference" / "errors.html").read_text(encoding="utf-8")
    table = (site / "reference" / "rejections.html").read_text(encoding="utf-8")
    for reason in RejectionReason:
        assert f'id="spec.errors.RejectionReason.{reason.name}"' in reference, reason.name
        assert reason.value in table, reason.value


def test_every_invariant_has_its_section_and_the_report_results(site: Path) -> None:
    """Given a prove report (CI's own, or the sample).

    When the catalog is built,
    Then each id has a section, and the report's results are shown on the page.
    """
    page = (site / "invariants.html").read_text(encoding="utf-8")
    for invariant in CATALOG:
        assert f'id="{invariant.identifier.lower()}"' in page, invariant.identifier
        assert invariant.identifier in page
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    results = load_report()["results"]
    for result in results[:5] + results[-5:]:
        assert result["name"] in text, result["name"]
    bounded = next(r for r in results if r["outcome"] == "bounded" and r["depth"] is not None)
    assert f"bounded (depth {bounded['depth']})" in text
    assert "were not generated in this build" not in text


def test_every_scenario_has_its_walkthrough(site: Path) -> None:
    """Given the built site, When the scenario pages are read, Then every scenario has a section."""
    from adversary.payments.scenarios.framework import list_scenarios

    pages = read_html(site / "guides" / "scenarios")
    for scenario in list_scenarios():
        assert f'id="scenario-{scenario.name}"' in pages, scenario.name
