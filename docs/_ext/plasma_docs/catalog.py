"""The invariant catalog page and the latest machine-check results.

``plasma-invariant-summary`` inserts one table row per invariant;
``plasma-invariant-catalog`` inserts one section per invariant, generated from
:data:`spec.invariants.catalog.CATALOG`: statement, rationale, strengthening,
the predicates the entry points at, the checks that cover it (with the
number of attack scenarios, which the spec does not import, counted here),
and, when a results file exists, the latest result of each machine check of
that invariant.

The results file is the JSON report of ``plasma-spec prove --json``; its path
is the ``plasma_prove_results`` setting (``docs/conf.py``: the environment
variable ``PLASMA_SPEC_PROVE_JSON``, else ``docs/_build/prove.json``). The
build never runs the prover: when the file is absent the page says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from adversary.payments.scenarios.framework import list_scenarios
from plasma_docs.rst import (
    escape,
    invariant_label,
    link_invariants,
    list_table,
    literal,
    literal_block,
    title,
)
from spec import SPEC_VERSION
from spec.invariants.catalog import CATALOG
from spec.invariants.checks import describe_check
from spec.invariants.entry import Invariant

logger = logging.getLogger(__name__)

PASSING_OUTCOMES = frozenset({"proved", "bounded", "caught"})
"""Outcomes of a check that supports its claim (``proofs.results.CheckResult.passed``)."""


@dataclass(frozen=True)
class ProveReport:
    """A ``plasma-spec prove --json`` report, as read by the site."""

    path: Path
    """Where it was read from."""
    document: dict[str, Any]
    """The parsed JSON."""
    modified: datetime
    """When the file was last written."""

    def results_of(self, identifier: str) -> list[dict[str, Any]]:
        """Return the check results covering one invariant, in report order."""
        return [r for r in self.document.get("results", []) if identifier in r["invariants"]]


def load_report(setting: str) -> ProveReport | None:
    """Return the prove report at ``setting``, or None when there is none.

    Raises:
        ValueError: when the file exists but is not a prove report.
    """
    if not setting:
        return None
    path = Path(setting)
    if not path.is_file():
        return None
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or "results" not in document:
        raise ValueError(f"{path} is not a 'plasma-spec prove --json' report")
    modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    return ProveReport(path, document, modified)


def get_report(directive: SphinxDirective) -> ProveReport | None:
    """Return the configured prove report, noting it as a dependency of the page."""
    setting = str(directive.config.plasma_prove_results or "")
    try:
        report = load_report(setting)
    except ValueError as error:
        logger.warning(str(error), location=(directive.env.docname, directive.lineno))
        return None
    if report is not None:
        directive.env.note_dependency(str(report.path))
    return report


def describe_predicates(invariant: Invariant) -> str:
    """Return the predicates an entry points at: links to the spec's, names of the trace ones."""
    links = [
        f":func:`~{function.__module__}.{function.__qualname__}`"
        for function in invariant.predicates.get_functions()
    ]
    traces = [literal(name) for name in invariant.predicates.trace]
    if traces:
        traces[-1] += " (a trace property, decided by the adversary on its ground truth)"
    return ", ".join(links + traces)


def describe_scope(invariant: Invariant) -> str:
    """Return the layer, scopes and kind of an invariant in words."""
    scopes = ", ".join(scope.value for scope in invariant.scopes)
    kind = f"; {invariant.kind.value} kind" if invariant.kind is not None else ""
    return f"{invariant.layer.value}; {scopes}{kind}"


def format_seconds(seconds: float) -> str:
    """Return a duration for a table cell."""
    return f"{seconds:.2f} s"


def format_outcome(result: dict[str, Any]) -> str:
    """Return a result's outcome, with its depth for bounded checks."""
    outcome = str(result["outcome"])
    if result.get("depth") is not None:
        outcome += f" (depth {result['depth']})"
    return f"**{outcome}**" if outcome.startswith(("failed", "unknown")) else outcome


def render_results(results: list[dict[str, Any]]) -> list[str]:
    """Return the table of one invariant's latest check results."""
    if not results:
        return ["No machine check in the report covers this invariant.", ""]
    rows = [
        [
            literal(str(r["name"])),
            escape(str(r["method"])),
            format_outcome(r),
            format_seconds(float(r["seconds"])),
        ]
        for r in results
    ]
    lines = list_table(["Check", "Method", "Result", "Time"], rows, widths=[52, 18, 18, 12])
    for result in results:
        if result["outcome"] in PASSING_OUTCOMES or not result.get("detail"):
            continue
        lines += [f"Counterexample or explanation of {literal(str(result['name']))}:", ""]
        lines += literal_block(str(result["detail"]))
    return lines


def render_invariant(
    invariant: Invariant, scenario_count: int, report: ProveReport | None
) -> list[str]:
    """Return the section of one invariant."""
    lines = [f".. _{invariant_label(invariant.identifier)}:", ""]
    lines += title(f"{invariant.identifier} {invariant.title}", "-")
    lines += [f":Layer and scope: {escape(describe_scope(invariant))}"]
    lines += [f":Predicates: {describe_predicates(invariant)}"]
    lines += ["", f"**Statement.** {link_invariants(invariant.statement)}", ""]
    lines += [f"**Rationale.** {link_invariants(invariant.rationale)}", ""]
    if invariant.strengthening:
        lines += [f"**Strengthening.** {link_invariants(invariant.strengthening)}", ""]
    lines += ["**Checks that cover it.**", ""]
    lines += [
        f"- {link_invariants(describe_check(check, scenario_count))}" for check in invariant.checks
    ]
    lines += [""]
    if report is not None:
        lines += ["**Latest machine-check results.**", ""]
        lines += render_results(report.results_of(invariant.identifier))
    return lines


def render_report_status(report: ProveReport | None, setting: str) -> list[str]:
    """Return the paragraph saying where the results come from, or that there are none."""
    if report is None:
        return [
            ".. note::",
            "",
            "   Machine-check results were not generated in this build: no "
            "``plasma-spec prove --json`` report was found"
            + (f" at {literal(str(Path(setting).name))}" if setting else "")
            + ". See :ref:`prove-results` to include them.",
            "",
        ]
    document = report.document
    version = str(document.get("spec_version", "?"))
    verdict = "every check passed" if document.get("passed") else "**some checks failed**"
    lines = [
        ".. admonition:: Machine-check results in this build",
        "",
        f"   From a ``plasma-spec prove --json`` report written "
        f"{report.modified:%Y-%m-%d %H:%M} UTC for spec version {escape(version)}: "
        f"{document.get('checks', 0)} checks, {document.get('failed', 0)} failed; {verdict}.",
        "",
    ]
    if version != SPEC_VERSION:
        lines += [
            f"   The report is for spec version {escape(version)}, not {SPEC_VERSION}: "
            "regenerate it before trusting it.",
            "",
        ]
    return lines


class InvariantCatalog(SphinxDirective):
    """Insert one section per catalogued invariant."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        """Build the sections."""
        report = get_report(self)
        scenario_count = len(list_scenarios())
        lines = render_report_status(report, str(self.config.plasma_prove_results or ""))
        for invariant in CATALOG:
            lines += render_invariant(invariant, scenario_count, report)
        return self.parse_text_to_nodes("\n".join(lines), allow_section_headings=True)


class InvariantSummary(SphinxDirective):
    """Insert a table with one row per catalogued invariant, linked to its section."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        """Build the table."""
        rows = [
            [
                f":ref:`{invariant.identifier} <{invariant_label(invariant.identifier)}>`",
                escape(invariant.title),
                escape(describe_scope(invariant)),
            ]
            for invariant in CATALOG
        ]
        text = "\n".join(list_table(["Id", "Invariant", "Layer; scope"], rows, [12, 40, 48]))
        return self.parse_text_to_nodes(text)
