"""Small generated pieces: a spec module's reference, the preset table, a module docstring.

``plasma-module`` inserts the reference of one module of the spec or of the
reference node. ``plasma-presets``
inserts one row per field of :class:`spec.presets.Preset` with its docstring
and its value in every preset of :data:`spec.presets.PRESETS`.
``plasma-docstring`` inserts the docstring of a module (for example the
encoding table of ``spec.encoding``) where a guide needs it, so that the
guide never restates, and never drifts from, the spec.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect

from docutils import nodes
from sphinx.pycode import ModuleAnalyzer
from sphinx.util.docutils import SphinxDirective

from plasma_docs.rst import list_table
from plasma_docs.rules import render_rules
from plasma_docs.source import find_module, get_assigned_names
from spec.presets import PRESETS, Preset


def format_value(value: object) -> str:
    """Return a preset value for a table cell: integers with thousands separators."""
    if isinstance(value, int):
        return f"{int(value):,}"
    return f"``{value}``"


class PresetTable(SphinxDirective):
    """Insert the table of preset parameters and their values."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        """Build the table."""
        field_docs = ModuleAnalyzer.for_module("spec.presets").find_attr_docs()
        rows = []
        for field in dataclasses.fields(Preset):
            doc = inspect.cleandoc("\n".join(field_docs.get(("Preset", field.name), [""])))
            link = f":attr:`~spec.presets.Preset.{field.name}`"
            values = [format_value(getattr(preset, field.name)) for preset in PRESETS.values()]
            rows.append([link, doc or "—", *values])
        header = ["Parameter", "Meaning", *(f":data:`~spec.presets.{n.upper()}`" for n in PRESETS)]
        self.env.note_reread()
        return self.parse_text_to_nodes("\n".join(list_table(header, rows)))


class ModuleDocstring(SphinxDirective):
    """Insert the docstring of the module named as the argument, parsed as reST."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        """Parse the docstring."""
        module = importlib.import_module(self.arguments[0])
        self.env.note_reread()
        return self.parse_text_to_nodes(inspect.getdoc(module) or "")


class SpecModuleDirective(SphinxDirective):
    """Insert the reference of one module: ``automodule`` and its undocumented constants.

    The module is one of ``spec/`` or of ``reference/`` (the reference node).
    A spec module's reference ends with its checks and predicates as written
    (:func:`plasma_docs.rules.render_rules`).
    ``automodule`` documents module-level constants only when they have a
    docstring. Every public name must be in the reference, so
    each public constant without one is added with ``autodata`` after the
    module's members; once the spec gives it a docstring, ``automodule``
    documents it and it is no longer added here.
    """

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        """Build the module's reference."""
        name = self.arguments[0]
        module = find_module(name)
        attribute_docs = ModuleAnalyzer.for_module(name).find_attr_docs()
        documented = {attribute for (owner, attribute) in attribute_docs if owner == ""}
        assigned = get_assigned_names(module)
        lines = [f".. automodule:: {name}", ""]
        for constant in assigned:
            if constant not in documented:
                lines += [f".. autodata:: {name}.{constant}", ""]
        if name.startswith("spec."):
            lines += render_rules(module)
        return self.parse_text_to_nodes("\n".join(lines))
