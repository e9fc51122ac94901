"""The documentation site, built once per test session for every test that reads it.

Two Sphinx builds run at the same time, one per core, as the README's
commands do (warnings are errors): the HTML site, with the
``plasma-spec prove --json`` report ``.ci/run`` wrote before the tests (or a
sample one when there is none) for the invariant catalog to show, and
the doctests. tests/test_docs.py reads the HTML; tests/test_docs_browser.py
loads it in Chromium. Whichever asks first builds it; the other reuses the
same directory, so the suite pays for one build.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

SAMPLE_REPORT = {
    "spec_version": "0.2.0",
    "passed": True,
    "checks": 2,
    "failed": 0,
    "rows": [],
    "controls": [],
    "results": [
        {
            "name": "INV-01/deposit [tiny]",
            "invariants": ["INV-01"],
            "method": "inductive",
            "outcome": "proved",
            "seconds": 0.25,
            "depth": None,
            "detail": "",
        },
        {
            "name": "INV-18/honest-withdrawal",
            "invariants": ["INV-18"],
            "method": "bmc",
            "outcome": "bounded",
            "seconds": 2.5,
            "depth": 8,
            "detail": "",
        },
    ],
}
"""A small ``plasma-spec prove --json`` report for the HTML build to show."""


@dataclass(frozen=True)
class SiteBuild:
    """The outcome of building the site: where the HTML is, and what any failed build printed."""

    html: Path
    """The directory of the built HTML site (``index.html`` at its top)."""
    failures: tuple[str, ...]
    """One entry per build that exited non-zero: its command and what it printed."""


def start_sphinx(builder: str, output: Path, environment: dict[str, str]) -> subprocess.Popen[str]:
    """Start one Sphinx build, warnings as errors, with its own doctree cache; return it."""
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", builder]
    command += ["-d", str(output / f"doctrees-{builder}"), str(DOCS), str(output / builder)]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def build_site(output: Path) -> SiteBuild:
    """Build the HTML site (with the prove report of :func:`load_report`) and the doctests.

    The two builds are independent (each has its own doctree cache), so they
    run at the same time; both are waited for, whatever the first one did.
    """
    report = output / "prove.json"
    report.write_text(json.dumps(load_report()), encoding="utf-8")
    builds = {
        "html": start_sphinx("html", output, {**os.environ, "PLASMA_SPEC_PROVE_JSON": str(report)}),
        "doctest": start_sphinx("doctest", output, {**os.environ, "PLASMA_SPEC_PROVE_JSON": ""}),
    }
    printed = {builder: build.communicate() for builder, build in builds.items()}
    failures = tuple(
        f"sphinx -b {builder} exited {build.returncode}:\n{printed[builder][0]}\n"
        f"{printed[builder][1]}"
        for builder, build in builds.items()
        if build.returncode != 0
    )
    return SiteBuild(html=output / "html", failures=failures)


PROVE_REPORT = DOCS / "_build" / "prove.json"
"""The report ``.ci/run`` writes before the tests (``plasma-spec prove --json``)."""


@functools.cache
def load_report() -> dict[str, Any]:
    """Return the prove report the site shows: ``.ci/run``'s when it wrote one, else the sample.

    In CI the suite's build is the site with the real proof results (``.ci/run``
    builds it no other time); a machine without a report shows the sample.
    """
    try:
        report: dict[str, Any] = json.loads(PROVE_REPORT.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return SAMPLE_REPORT
    results = report.get("results") if isinstance(report, dict) else None
    return report if isinstance(results, list) and results else SAMPLE_REPORT


@functools.cache
def build_site_once(session_directory: Path) -> SiteBuild:
    """Build the site under a session's temporary directory, once per session (cached)."""
    output = session_directory / "docs-site"
    output.mkdir()
    return build_site(output)


REPORTED: set[Path] = set()
"""The failed builds whose output a test has already shown (shown once, not at every test)."""


def get_built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the HTML of the site built for this test session; fail if a build failed.

    The first call builds it; every later call of the session (from any test
    module) returns the same directory, or fails again: the first failing
    test shows what Sphinx printed, the later ones point to it.
    """
    build = build_site_once(tmp_path_factory.getbasetemp())
    if build.failures and build.html in REPORTED:
        pytest.fail("the site's build failed: see the first test that used it", pytrace=False)
    if build.failures:
        REPORTED.add(build.html)
        pytest.fail("\n".join(build.failures), pytrace=False)
    return build.html
