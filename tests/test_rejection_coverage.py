"""Every rejection reason is expected, exactly, by at least one test."""

from __future__ import annotations

import importlib
import pkgutil

import tests
from spec.errors import RejectionReason
from tests.support import REJECTION_TESTS


def test_every_rejection_reason_has_an_exact_test() -> None:
    """Given every test module is imported.

    When the registry of ``@rejects`` tests is compared with the reason enum,
    Then every reason has at least one test expecting exactly it.
    """
    for module in pkgutil.iter_modules(tests.__path__):
        if module.name.startswith("test_"):
            importlib.import_module(f"tests.{module.name}")
    missing = sorted(reason.value for reason in RejectionReason if reason not in REJECTION_TESTS)
    assert not missing, f"rejection reasons no test triggers: {missing}"
