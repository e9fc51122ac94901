"""The registry of environment kinds: one row per kind, keyed by its ``EnvironmentKind``.

This is the one place that names concrete kinds. The settlement layer finds
a kind's rules here (:func:`get_kind`) from an environment's ``kind`` field
and never imports a kind itself. Adding a kind is: a member of
:class:`~spec.settlement.state.EnvironmentKind` with its wire tag, a package
under ``spec/environments/`` whose ``kind`` module builds its
:class:`~spec.environments.interface.EnvironmentKindSpec`, one row in
:data:`KINDS`, its settlement operations in :data:`KindOperation`, and
its settlement records in ``spec.environments.records``.
"""

from __future__ import annotations

from collections.abc import Mapping

from spec.environments.cash.challenges import (
    ChallengeCoinDoubleSpend,
    ChallengeCoinHistory,
    ChallengeCoinSpent,
    RespondCoinHistory,
)
from spec.environments.cash.exits import FinalizeCoinExit, StartCoinExit
from spec.environments.cash.kind import CASH
from spec.environments.interface import EnvironmentKindSpec
from spec.environments.payments.canonicity import (
    ChallengeInFlightNotCanonical,
    RespondToNonCanonicalChallenge,
)
from spec.environments.payments.exits import ChallengeStandardExit, StartStandardExit
from spec.environments.payments.in_flight import DeleteInFlightExit, StartInFlightExit
from spec.environments.payments.kind import PAYMENTS
from spec.environments.payments.piggybacks import (
    ChallengeInFlightInputSpent,
    ChallengeInFlightOutputSpent,
    PiggybackInFlightExit,
)
from spec.settlement.state import EnvironmentKind

KINDS: Mapping[EnvironmentKind, EnvironmentKindSpec] = {
    EnvironmentKind.PAYMENTS: PAYMENTS,
    EnvironmentKind.CASH: CASH,
}
"""Every environment kind, by its member of ``EnvironmentKind``."""

KindOperation = (
    StartStandardExit
    | ChallengeStandardExit
    | StartCoinExit
    | ChallengeCoinSpent
    | ChallengeCoinDoubleSpend
    | ChallengeCoinHistory
    | RespondCoinHistory
    | FinalizeCoinExit
    | StartInFlightExit
    | PiggybackInFlightExit
    | ChallengeInFlightNotCanonical
    | RespondToNonCanonicalChallenge
    | ChallengeInFlightInputSpent
    | ChallengeInFlightOutputSpent
    | DeleteInFlightExit
)
"""Every settlement operation that some kind adds (its exit game)."""


def get_kind(kind: EnvironmentKind) -> EnvironmentKindSpec:
    """Return the rules of an environment kind."""
    return KINDS[kind]
