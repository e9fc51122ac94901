"""The payments kind's records at the settlement layer: reading them, and the finalized marks.

Every exit of a payments environment, standard or in-flight, ends by
settling outputs: paying them, or (for the inputs of a canonical in-flight
transaction) retiring them unpaid. Each settled output gets a finalized mark
naming the exit that settled it (:class:`~spec.environments.payments.records.ExitReference`).
A mark is written once and never changes, and every exit consults it: a
standard exit of a marked output cannot start, an open one is skipped when it
reaches processing, and an in-flight exit pays no marked input or output.
This is what makes one payout per output hold across the two exit kinds.
"""

from __future__ import annotations

from dataclasses import replace

from spec.environments.payments.records import ExitReference, InFlightExit, PaymentsRecords
from spec.primitives import Hash32, Uint64
from spec.settlement.state import Environment
from spec.totals import with_entry


def get_payments_records(environment: Environment) -> PaymentsRecords:
    """Return a payments environment's own records."""
    records = environment.kind_records
    assert isinstance(records, PaymentsRecords), "not a payments environment"
    return records


def with_payments_records(environment: Environment, records: PaymentsRecords) -> Environment:
    """Return ``environment`` with its payments records replaced."""
    return replace(environment, kind_records=records)


def get_finalizing_exit(environment: Environment, output_id: Hash32) -> ExitReference | None:
    """Return the exit that settled the output ``output_id``, or None if none has."""
    return get_payments_records(environment).finalized.get(output_id)


def is_finalized(environment: Environment, output_id: Hash32) -> bool:
    """Return whether an exit has settled the output ``output_id``."""
    return get_finalizing_exit(environment, output_id) is not None


def with_finalized(environment: Environment, output_id: Hash32, exit: ExitReference) -> Environment:
    """Return ``environment`` with the output ``output_id`` marked settled by ``exit``.

    Callers mark only outputs no exit has settled: a mark is written once.
    """
    records = get_payments_records(environment)
    assert output_id not in records.finalized, "a finalized mark is written once"
    records = replace(records, finalized=with_entry(records.finalized, output_id, exit))
    return with_payments_records(environment, records)


def with_in_flight_exit(
    environment: Environment, exit_id: Uint64, exit: InFlightExit
) -> Environment:
    """Return ``environment`` with one in-flight exit stored (added or replaced)."""
    records = get_payments_records(environment)
    exits = with_entry(records.in_flight_exits, exit_id, exit)
    return with_payments_records(environment, replace(records, in_flight_exits=exits))
