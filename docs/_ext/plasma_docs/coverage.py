"""Completeness check: every module and public name of ``spec/`` and ``reference/`` is rendered.

After all pages are read, the Python domain knows every object the pages
describe. Each module of ``spec/`` and each public module of ``reference/``
(the reference node) must be among them, with every public name it defines
(:func:`plasma_docs.source.get_public_names`), and so must every member of
:class:`spec.errors.RejectionReason`. Whatever is missing is a warning, so a
``-W`` build fails when the spec or the node gains a module or a name the
site does not show.
"""

from __future__ import annotations

from typing import cast

from sphinx.application import Sphinx
from sphinx.domains.python import PythonDomain
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from plasma_docs.source import get_public_names, iter_reference_modules, iter_spec_modules
from spec.errors import RejectionReason

logger = logging.getLogger(__name__)


def find_missing_names(documented: set[str]) -> list[str]:
    """Return the modules and public names absent from ``documented`` (full dotted names)."""
    missing = []
    for module in (*iter_spec_modules(), *iter_reference_modules()):
        if module.name not in documented:
            missing.append(module.name)
            continue
        missing += [
            f"{module.name}.{name}"
            for name in get_public_names(module)
            if f"{module.name}.{name}" not in documented
        ]
    missing += [
        f"spec.errors.RejectionReason.{reason.name}"
        for reason in RejectionReason
        if f"spec.errors.RejectionReason.{reason.name}" not in documented
    ]
    return missing


def check_reference_is_complete(app: Sphinx, env: BuildEnvironment) -> None:
    """Warn about every spec or reference-node module or public name the site leaves out."""
    documented = set(cast(PythonDomain, env.get_domain("py")).objects)
    for name in find_missing_names(documented):
        logger.warning("the site does not document %s", name, type="plasma")
