"""Sphinx configuration of the plasma-spec documentation site.

Build (warnings are errors), from the repository root:

    .venv/bin/sphinx-build -W --keep-going -b html docs docs/_build/html
    .venv/bin/sphinx-build -W -b doctest docs docs/_build/doctest

The invariant catalog shows the latest machine-check results when a
``plasma-spec prove --json`` report exists (see ``plasma_prove_results``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "_ext"))

from spec import SPEC_VERSION  # noqa: E402 - the path is set just above

project = "plasma-spec"
author = "The plasma-spec authors"
copyright = "The plasma-spec authors, Apache-2.0"
version = SPEC_VERSION
release = SPEC_VERSION

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.viewcode",
    "myst_parser",
    "plasma_docs",
]

exclude_patterns = ["_build", "README.md"]
templates_path: list[str] = []
nitpicky = True
"""Every cross-reference must resolve: a broken link fails the build."""

nitpick_ignore = [
    # Standard-library and third-party names that appear in signatures; the
    # site links no outside documentation (the build runs offline).
    ("py:class", "Self"),
    ("py:class", "NoReturn"),
    ("py:class", "ClassVar"),
    ("py:class", "T"),
    ("py:class", "K"),
    ("py:class", "V"),
]
nitpick_ignore_regex = [
    ("py:class", r"(typing|collections|collections\.abc|enum|dataclasses|types)\..*"),
    ("py:class", r"(int|str|bytes|bool|float|tuple|list|dict|set|frozenset|type|object)"),
    ("py:class", r"(Any|Mapping|Sequence|Iterable|Iterator|Callable|Counter)"),
    ("py:(class|exc)", r"(Exception|ValueError|KeyError|StrEnum|Enum)"),
    # The reference node's signatures name the standard library and the
    # libraries it runs on (SQLite, threads, ctypes, coincurve, pycryptodome).
    (
        "py:(class|exc)",
        r"(sqlite3|pathlib|concurrent\.futures|ctypes|coincurve|Crypto|argparse)\..*",
    ),
]

# Autodoc: every public name of spec/ and reference/, in the order of the source (the
# reading order), with Google-style docstrings.
autodoc_default_options = {
    "members": True,
    "undoc-members": True,
    "member-order": "bysource",
    "show-inheritance": True,
}
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
autoclass_content = "class"
# Google-style sections (Raises:, Args:) are read by napoleon, applied by the
# local extension to functions and classes only (see plasma_docs.docstrings).
python_use_unqualified_type_names = True

# Doctest: the examples on the site run against the spec.
doctest_test_doctest_blocks = "default"

# Machine-check results shown on the invariant catalog page: a report written
# by ``plasma-spec prove --json``. The prover is never run by the build.
plasma_prove_results = os.environ.get("PLASMA_SPEC_PROVE_JSON", str(DOCS / "_build" / "prove.json"))

# Theme: Furo (pinned in the ``docs`` extra). Side navigation with the four
# sections of the home page's toctrees at desktop widths, a drawer on a phone,
# search in the sidebar. It uses the system's fonts and ships its own scripts:
# the built site fetches nothing from another host (tests/test_docs_browser.py
# checks this in Chromium).
html_theme = "furo"
html_title = f"plasma-spec {SPEC_VERSION}"
html_static_path = ["_static"]
html_css_files = ["plasma.css"]
html_favicon = "_static/favicon.svg"
html_theme_options = {
    "navigation_with_keys": True,
    "top_of_page_buttons": [],
}
html_show_sourcelink = False
