"""Google-style docstrings through napoleon, for everything but attributes and constants.

The spec writes ``Raises:`` and ``Args:`` sections in Google style, which
:class:`sphinx.ext.napoleon.GoogleDocstring` turns into reST fields. The
spec's attribute and constant docstrings are plain sentences that often start
``Name: what it is`` ("The operator: the only owner a fee claim may pay.");
napoleon would read the text before the colon as a type. So this
module applies napoleon itself, on ``autodoc-process-docstring``, to modules,
classes, functions and methods only, instead of loading
``sphinx.ext.napoleon`` (which would apply it to every docstring).

A constant without a docstring of its own would show the docstring of its
value's type (a ``dict`` constant, the text of ``dict``):
:func:`drop_type_docstring` removes it.
"""

from __future__ import annotations

import inspect
from typing import Any, cast

from sphinx.application import Sphinx
from sphinx.ext.napoleon import Config
from sphinx.ext.napoleon.docstring import GoogleDocstring

NAPOLEON = Config(
    napoleon_google_docstring=True,
    napoleon_numpy_docstring=False,
    napoleon_use_rtype=False,
    napoleon_use_param=True,
)
"""How napoleon reads the spec's docstrings."""

PLAIN_KINDS = frozenset({"attribute", "data", "property"})
"""Kinds of object whose docstring is prose, left as written."""


def apply_napoleon(  # noqa: PLR0917 - the signature of the autodoc event
    app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """Rewrite Google-style sections of one docstring as reST fields, in place."""
    if what in PLAIN_KINDS:
        return
    docstring = GoogleDocstring(
        lines, cast(Any, NAPOLEON), app, cast(Any, what), name, obj, options
    )
    lines[:] = docstring.lines()


def drop_type_docstring(  # noqa: PLR0917 - the signature of the autodoc event
    app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """Empty the docstring of a constant when it is only its value's type's docstring."""
    if what not in PLAIN_KINDS or inspect.isclass(obj) or inspect.isroutine(obj):
        return
    type_doc = inspect.getdoc(type(obj))
    if type_doc and " ".join("\n".join(lines).split()) == " ".join(type_doc.split()):
        lines.clear()
