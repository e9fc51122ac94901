"""Scenario walkthroughs, generated from the attack-scenario library.

``plasma-scenario-index`` inserts a table of every scenario (name, theme,
summary, result); ``plasma-scenarios`` with a theme module's name (for
example ``adversary.payments.scenarios.priority``) inserts that theme's docstring and
one section per scenario of the theme.

Each scenario is played once per build with
:func:`adversary.payments.scenarios.framework.run_all`, and its timeline, expectation
and final holdings are rendered by the same functions that ``plasma-spec
scenario NAME`` prints with (``adversary.payments.timeline``), under a
picture of the timeline (``plasma-scenario-timeline``,
:mod:`plasma_docs.figures_timeline`). A scenario that fails,
or a theme with no page, is a warning (so ``-W`` fails the build).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import posixpath
from typing import Any

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from adversary.payments.scenarios.framework import list_scenarios, run_all
from adversary.payments.timeline import render_expectation, render_holdings, render_timeline
from plasma_docs.rst import (
    escape,
    link_invariants,
    list_table,
    literal_block,
    scenario_label,
    title,
)

logger = logging.getLogger(__name__)


@functools.cache
def play_every_scenario() -> dict[str, Any]:
    """Return the result of every scenario by name, played once per process."""
    return {result.name: result for result in run_all()}


def get_theme_scenarios() -> dict[str, list[Any]]:
    """Return the registered scenarios grouped by the theme module that defines them."""
    themes: dict[str, list[Any]] = {}
    for scenario in list_scenarios():
        themes.setdefault(scenario.script.__module__, []).append(scenario)
    return themes


def get_theme_title(module_name: str) -> str:
    """Return the first line of a theme module's docstring."""
    module = importlib.import_module(module_name)
    return (inspect.getdoc(module) or module_name).splitlines()[0]


def render_scenario(scenario: Any, result: Any) -> list[str]:
    """Return the section of one scenario: its story, then the timeline as played."""
    verdict = "passed" if result.passed else "**FAILED**"
    lines = [f".. _{scenario_label(scenario.name)}:", ""]
    lines += title(scenario.name, "-")
    lines += [f"*{escape(scenario.summary)}*", ""]
    for paragraph in scenario.description.split("\n\n"):
        lines += [link_invariants(paragraph), ""]
    lines += [f"**Source.** {escape(scenario.source)}", ""]
    lines += [
        f"Played in this build: {verdict}. Replay it with "
        f"``plasma-spec scenario {scenario.name}``.",
        "",
    ]
    lines += [f".. plasma-scenario-timeline:: {scenario.name}", ""]
    lines += literal_block(render_timeline(result.steps))
    lines += literal_block(render_expectation(result.expectation))
    lines += literal_block(render_holdings(result))
    if result.differences:
        lines += ["What differed from the expectation:", ""]
        lines += [f"- {escape(difference)}" for difference in result.differences]
        lines += [""]
    return lines


class ScenarioTheme(SphinxDirective):
    """Insert every scenario of one theme module."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        """Build the theme's sections."""
        module_name = self.arguments[0]
        scenarios = get_theme_scenarios().get(module_name, [])
        if not scenarios:
            logger.warning(
                "no scenario is registered by %s", module_name, location=self.get_location()
            )
        results = play_every_scenario()
        doc = inspect.getdoc(importlib.import_module(module_name)) or ""
        paragraphs = doc.split("\n\n")
        lines = [link_invariants(p) + "\n" for p in paragraphs]
        lines += [
            f"Module: ``{module_name}``. Play them all with ``plasma-spec scenario --all``.\n"
        ]
        for scenario in scenarios:
            result = results[scenario.name]
            if not result.passed:
                logger.warning(
                    "scenario %s failed: %s",
                    scenario.name,
                    "; ".join(result.differences),
                    location=self.get_location(),
                )
            lines += render_scenario(scenario, result)
        self.env.note_reread()
        return self.parse_text_to_nodes("\n".join(lines), allow_section_headings=True)


class ScenarioIndex(SphinxDirective):
    """Insert a table of every scenario, linked to its walkthrough."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        """Build the table; warn about themes that have no page beside this one."""
        results = play_every_scenario()
        folder = posixpath.dirname(self.env.docname)
        rows = []
        for module_name, scenarios in get_theme_scenarios().items():
            page = posixpath.join(folder, module_name.rsplit(".", 1)[-1])
            if page not in self.env.found_docs:
                logger.warning(
                    "scenario theme %s has no page %s",
                    module_name,
                    page,
                    location=self.get_location(),
                )
                continue
            name = get_theme_title(module_name).split(":")[0].removeprefix("Scenarios of ")
            theme = f":doc:`{escape(name)} </{page}>`"
            for scenario in scenarios:
                passed = results[scenario.name].passed
                rows.append(
                    [
                        f":ref:`{scenario.name} <{scenario_label(scenario.name)}>`",
                        theme,
                        escape(scenario.summary),
                        "passed" if passed else "**FAILED**",
                    ]
                )
        text = "\n".join(list_table(["Scenario", "Theme", "What it shows", "Result"], rows))
        self.env.note_reread()
        return self.parse_text_to_nodes(text)
