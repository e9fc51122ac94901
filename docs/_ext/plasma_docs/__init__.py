"""Local Sphinx extension of the plasma-spec site: the pages generated from the code.

Directives:

- ``plasma-rejection-table``: every rejection reason, with the functions
  that raise it (:mod:`plasma_docs.rejections`);
- ``plasma-operation-tables``: every operation table with its wire tags
  (:mod:`plasma_docs.operations`);
- ``plasma-invariant-summary`` and ``plasma-invariant-catalog``: the
  invariant catalog and the latest machine-check results
  (:mod:`plasma_docs.catalog`);
- ``plasma-scenario-index`` and ``plasma-scenarios``: the scenario
  walkthroughs (:mod:`plasma_docs.scenarios`);
- ``plasma-module``: a module's reference, of the spec or of the reference
  node (``automodule``, plus every public constant that has no docstring,
  which autodoc would leave out);
- ``plasma-presets`` and ``plasma-docstring``: the preset table and a module
  docstring placed in a guide (:mod:`plasma_docs.tables`);
- ``plasma-devnet``: the output of ``plasma-spec devnet``, run at build time
  (:mod:`plasma_docs.devnet`);
- ``plasma-wire-format``: the wire-format document of the conformance kit
  (:mod:`plasma_docs.wire_format`);
- pictures drawn at build time from the project's own data, as SVG:
  ``plasma-scenario-timeline`` (a scenario's timeline, placed by
  ``plasma-scenarios``; :mod:`plasma_docs.figures_timeline`),
  ``plasma-exit-states`` (an exit game's state diagram, its edges observed
  over the scenarios and the conformance cases;
  :mod:`plasma_docs.figures_states`), ``plasma-bench-plot`` (plots of a saved
  ``plasma-spec bench --json`` report; :mod:`plasma_docs.figures_bench`) and
  ``plasma-architecture`` (the packages and their imports;
  :mod:`plasma_docs.figures_architecture`).

It also checks, once all pages are read, that every module and public name
of ``spec/`` and ``reference/`` appears on the site (:mod:`plasma_docs.coverage`).

Configuration: ``plasma_prove_results``, the path of a ``plasma-spec prove
--json`` report to show on the catalog page (absent file: no results);
``plasma_draw_figures``, whether the pictures are drawn (set to False for
builders that show no image, such as ``doctest``).
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

from plasma_docs.catalog import InvariantCatalog, InvariantSummary
from plasma_docs.coverage import check_reference_is_complete
from plasma_docs.devnet import DevnetRun
from plasma_docs.docstrings import apply_napoleon, drop_type_docstring
from plasma_docs.figures_architecture import ArchitectureGraph
from plasma_docs.figures_bench import BenchPlot
from plasma_docs.figures_states import ExitStateDiagram
from plasma_docs.figures_svg import keep_figures_for_html
from plasma_docs.figures_timeline import ScenarioTimeline
from plasma_docs.operations import OperationTables
from plasma_docs.rejections import RejectionTable
from plasma_docs.scenarios import ScenarioIndex, ScenarioTheme
from plasma_docs.tables import ModuleDocstring, PresetTable, SpecModuleDirective
from plasma_docs.wire_format import WireFormat


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directives, the setting and the completeness check."""
    app.add_config_value("plasma_prove_results", "", "env", types=[str])
    app.add_directive("plasma-rejection-table", RejectionTable)
    app.add_directive("plasma-operation-tables", OperationTables)
    app.add_directive("plasma-invariant-summary", InvariantSummary)
    app.add_directive("plasma-invariant-catalog", InvariantCatalog)
    app.add_directive("plasma-scenario-index", ScenarioIndex)
    app.add_directive("plasma-scenarios", ScenarioTheme)
    app.add_directive("plasma-presets", PresetTable)
    app.add_directive("plasma-docstring", ModuleDocstring)
    app.setup_extension("sphinx.ext.autodoc")
    app.connect("autodoc-process-docstring", apply_napoleon)
    app.connect("autodoc-process-docstring", drop_type_docstring)
    app.connect("env-check-consistency", check_reference_is_complete)
    app.add_directive("plasma-module", SpecModuleDirective)
    app.add_directive("plasma-devnet", DevnetRun)
    app.add_directive("plasma-wire-format", WireFormat)
    app.add_config_value("plasma_draw_figures", True, "", types=[bool])
    app.connect("builder-inited", keep_figures_for_html)
    app.add_directive("plasma-scenario-timeline", ScenarioTimeline)
    app.add_directive("plasma-exit-states", ExitStateDiagram)
    app.add_directive("plasma-bench-plot", BenchPlot)
    app.add_directive("plasma-architecture", ArchitectureGraph)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
