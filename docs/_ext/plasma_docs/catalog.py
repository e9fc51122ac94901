"""The invariant catalog page and the latest machine-check results.

``plasma-invariant-summary`` inserts one table row per invariant;
``plasma-invariant-catalog`` inserts one section per invariant, generated from
:data:`spec.invariants.catalog.CATALOG`: statement, rationale, strengthening,
the predicates of ``spec.invariants`` that decide it, the checks that cover
it, and, when a results file exists, the latest result of each machine check
of that invariant.

The results file is the JSON report of ``plasma-spec prove --json``; its path
is the ``plasma_prove_results`` setting (``docs/conf.py``: the environment
variable ``PLASMA_SPEC_PROVE_JSON``, else ``docs/_build/prove.json``). The
build never runs the prover: when the file is absent the page says so.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

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
from spec.invariants.catalog import CATALOG, Invariant

logger = logging.getLogger(__name__)

PREDICATE_MODULES = ("spec.invariants.settlement", "spec.invariants.child_chain")
"""Modules whose ``check_*`` functions decide invariants on concrete values."""

PASSING_OUTCOMES = frozenset({"proved", "bounded", "caught"})
"""Outcomes of a check that supports its claim (``proofs.results.CheckResult.passed``)."""

PREDICATE_ID = re.compile(r"^(INV-\d\d)\b")
"""The id a predicate's docstring starts with."""


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


def find_predicates() -> dict[str, list[str]]:
    """Return, per invariant id, the predicates of ``spec.invariants`` that decide it."""
    found: dict[str, list[str]] = {}
    for module_name in PREDICATE_MODULES:
        module = importlib.import_module(module_name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module_name:
                continue
            match = PREDICATE_ID.match(inspect.getdoc(function) or "")
            if match:
                found.setdefault(match.group(1), []).append(f"{module_name}.{name}")
    return found


def describe_scope(invariant: Invariant) -> str:
    """Return the layer and scopes of an invariant in words."""
    scopes = ", ".join(scope.value for scope in invariant.scopes)
    return f"{invariant.layer.value}; {scopes}"


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
    invariant: Invariant, predicates: list[str], report: ProveReport | None
) -> list[str]:
    """Return the section of one invariant."""
    lines = [f".. _{invariant_label(invariant.identifier)}:", ""]
    lines += title(f"{invariant.identifier} {invariant.title}", "-")
    lines += [f":Layer and scope: {escape(describe_scope(invariant))}"]
    if predicates:
        links = ", ".join(f":func:`~{target}`" for target in predicates)
        lines += [f":Predicates: {links}"]
    else:
        lines += [":Predicates: none in ``spec/``: a trace property, decided by the checks below"]
    lines += ["", f"**Statement.** {link_invariants(invariant.statement)}", ""]
    lines += [f"**Rationale.** {link_invariants(invariant.rationale)}", ""]
    if invariant.strengthening:
        lines += [f"**Strengthening.** {link_invariants(invariant.strengthening)}", ""]
    lines += ["**Checks that cover it.**", ""]
    lines += [f"- {link_invariants(check)}" for check in invariant.checks]
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
        predicates = find_predicates()
        lines = render_report_status(report, str(self.config.plasma_prove_results or ""))
        for invariant in CATALOG:
            lines += render_invariant(invariant, predicates.get(invariant.identifier, []), report)
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
