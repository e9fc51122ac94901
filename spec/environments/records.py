"""The kinds' own settlement records: one variant per environment kind.

Some exit games need state of their own at the settlement layer (Plasma
Cash keeps its coins and their exits). Each kind defines that state in its
``records`` module, from primitive values only, and :data:`KindRecords` is
their union: the type of ``Environment.kind_records``. Like the registry,
this module names every kind; the settlement state imports it, and nothing
else of the kinds.
"""

from __future__ import annotations

from spec.encoding import declare_union_tags
from spec.environments.cash.records import CashRecords
from spec.environments.payments.records import PaymentsRecords

KindRecords = PaymentsRecords | CashRecords
"""The settlement records of an environment, by its kind."""

declare_union_tags(KindRecords, {PaymentsRecords: 0, CashRecords: 1})
