"""Plasma Cash scenarios, registered in the one attack-scenario library.

Importing this package registers every Cash scenario in
``adversary.payments.scenarios.framework`` (after the payments ones, theme by
theme in the order of :data:`THEMES`); the library's package imports it, so
``run_all``, ``plasma-spec scenario`` and the docs list them with the rest.
The payments package is imported first, whichever of the two is imported
first, so the order of registration never depends on the entry point.
"""

import adversary.payments.scenarios  # noqa: F401 - the library first (see above)
from adversary.cash.scenarios import coin_challenges, coin_exits, loom, side_by_side

THEMES = (coin_challenges, coin_exits, loom, side_by_side)
"""Cash scenario modules, one per theme (scenarios are listed in this order)."""
