"""The devnet demo's real output, run at build time.

``plasma-devnet`` runs :func:`reference.devnet.report.run_devnet`, the
function behind ``plasma-spec devnet``, in a temporary directory (as the
command does without ``--data``), collects the lines it prints and inserts
them as a literal block. The ``part`` option picks one part of the output:
``script`` (the numbered steps), ``summary`` (who holds what), ``checks``
(the checks and the verdict) or ``all`` (the default); ``seed`` is the
command's ``--seed`` (default 0).

The demo runs once per seed and build (well under a second), and the page
that shows it is read again on every build, so it never shows stale output.
A demo whose checks fail is a warning, so a ``-W`` build fails.
"""

from __future__ import annotations

import functools
import tempfile
from dataclasses import dataclass
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from reference.devnet.report import run_devnet

logger = logging.getLogger(__name__)

PARTS = ("all", "script", "summary", "checks")
"""Values of the ``part`` option."""

SUMMARY_START = "Summary"
"""How the summary's first line starts."""

CHECKS_START = "Checks:"
"""The first line of the checks."""


@dataclass(frozen=True)
class DevnetOutput:
    """What one run of the demo printed, cut into its parts."""

    lines: tuple[str, ...]
    """Every line, in order."""
    passed: bool
    """Whether every check of the demo held."""

    def get_part(self, part: str) -> list[str]:
        """Return the lines of one part (``all``, ``script``, ``summary`` or ``checks``)."""
        lines = list(self.lines)
        summary = next(i for i, line in enumerate(lines) if line.startswith(SUMMARY_START))
        checks = lines.index(CHECKS_START)
        parts = {
            "all": lines,
            "script": lines[:summary],
            "summary": lines[summary:checks],
            "checks": lines[checks:],
        }
        return parts[part]


@functools.cache
def run_demo(seed: int) -> DevnetOutput:
    """Run the devnet demo with ``seed`` in a fresh temporary directory; return its output."""
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="plasma-devnet-") as directory:
        result = run_devnet(Path(directory), seed, lines.append)
    return DevnetOutput(tuple(lines), result.passed)


class DevnetRun(SphinxDirective):
    """Insert the output of ``plasma-spec devnet`` (or one part of it), run now."""

    has_content = False
    option_spec = {  # noqa: RUF012 - the docutils interface
        "part": lambda value: directives.choice(value, PARTS),
        "seed": directives.nonnegative_int,
    }

    def run(self) -> list[nodes.Node]:
        """Run the demo (once per seed and build) and return one literal block."""
        self.env.note_reread()
        output = run_demo(self.options.get("seed", 0))
        if not output.passed:
            logger.warning(
                "the devnet demo failed its checks", location=self.get_location(), type="plasma"
            )
        text = "\n".join(output.get_part(self.options.get("part", "all")))
        block = nodes.literal_block(text, text, language="text")
        self.set_source_info(block)
        return [block]
