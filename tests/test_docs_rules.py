"""The rendered spec shows each check and one-line definition as written (``plasma_docs.rules``).

The site's module pages end with these tables, so a boundary (``>=`` or
``>``) can be read on the page instead of guessed from prose.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

from plasma_docs.rules import find_checks, find_predicates, render_rules  # noqa: E402
from plasma_docs.source import SpecModule, find_module  # noqa: E402

SAMPLE = '''
def is_open(x):
    """Doc."""
    return x.time >= x.start + x.period


def get_checked(x):
    """Doc."""
    require(x is not None, RejectionReason.MISSING)
    return x


def validate(x):
    """Doc."""
    # Verify the amount is positive
    # (zero creates nothing)
    require(x.amount > 0, RejectionReason.AMOUNT_ZERO)

    def inner(y):
        reject(RejectionReason.INNER_REFUSED)

    return inner
'''


def test_checks_carry_their_comment_condition_reason_and_innermost_function() -> None:
    """Given a module with a commented ``require`` and a ``reject`` in a nested function.

    When its checks are read,
    Then each has its function, its joined comment, its condition as written and its reason.
    """
    checks = find_checks(ast.parse(SAMPLE), SAMPLE.splitlines())
    assert [(c.function, c.condition, c.reasons) for c in checks] == [
        ("get_checked", "x is not None", ("MISSING",)),
        ("validate", "x.amount > 0", ("AMOUNT_ZERO",)),
        ("inner", "", ("INNER_REFUSED",)),
    ]
    assert checks[1].comment == "Verify the amount is positive (zero creates nothing)"
    assert checks[2].comment == ""


def test_one_line_readers_are_listed_with_their_expression() -> None:
    """Given a one-return predicate, a reader that checks first, and a longer function.

    When its one-line definitions are read,
    Then only the predicate is listed, with its boundary exactly as written.
    """
    assert find_predicates(ast.parse(SAMPLE)) == [("is_open", "x.time >= x.start + x.period")]


def test_the_quarantine_boundary_is_on_the_settlement_state_page() -> None:
    """Given the spec module that defines the quarantine.

    When its rules are rendered,
    Then the page shows the ``>=`` of the quarantine's end.
    """
    text = "\n".join(render_rules(find_module("spec.settlement.state")))
    assert "``is_environment_active``" in text
    expected = "state.time >= environment.registered_at + state.preset.quarantine_period"
    assert f"``{expected}``" in text


def test_a_module_without_checks_renders_nothing(tmp_path: Path) -> None:
    """Given a module with no check and no one-line reader.

    When its rules are rendered,
    Then nothing is added to its page.
    """
    path = tmp_path / "plain.py"
    path.write_text('"""Doc."""\n\nVALUE = 1\n')
    assert render_rules(SpecModule("spec.plain", path)) == []
