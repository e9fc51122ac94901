"""The attack-scenario library: named end-to-end scripts with their expected outcomes.

Importing the package registers every scenario (one module per theme, then
the Plasma Cash scenarios of ``adversary.cash.scenarios``); run them with
:func:`adversary.payments.scenarios.framework.run_scenario` or
:func:`~adversary.payments.scenarios.framework.run_all`.
"""

from adversary.payments.scenarios import (
    challenges,
    commitments,
    exit_starts,
    fees,
    in_flight,
    in_flight_bugs,
    in_flight_challenges,
    invalid_blocks,
    isolation,
    priority,
    withholding,
)

THEMES = (
    challenges,
    commitments,
    exit_starts,
    fees,
    in_flight,
    in_flight_bugs,
    in_flight_challenges,
    invalid_blocks,
    isolation,
    priority,
    withholding,
)
"""Scenario modules, one per theme (scenarios are listed in this order)."""

import adversary.cash.scenarios  # noqa: E402, F401 - registers the Cash scenarios after these
