"""The abstraction function: concrete spec states and operations to values of the Z3 model.

:func:`abstract_environment` maps a ``spec.settlement.state.Environment`` to
the values of :class:`~proofs.models.environment.EnvironmentTerms` (Python
integers and integer maps, with the ghosts computed from the records), and
:func:`make_environment_terms` turns those into Z3 constants: arrays are
``K(0)`` plus one store per entry. :func:`abstract_settlement` does the
same for a whole state, so that the drift test can put concrete (pre,
operation, post) triples into the model's relations.

What is dropped: settlement-layer balances and the preset (a model is built
for one preset's numbers). Operations: ``proofs.models.operation_abstraction``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import z3

from proofs.models.environment import (
    ARRAY_FIELDS,
    ENVIRONMENT_SORT,
    FIELD_NAMES,
    INT,
    EnvironmentTerms,
    pack_environment,
)
from proofs.models.rules import BlockKindCode, ExitStatusCode, compute_position_key
from proofs.models.settlement import SettlementTerms
from spec.positions import OutputPosition
from spec.settlement.state import (
    BlockKind,
    Environment,
    ExitStatus,
    SettlementState,
    get_last_block_number,
    get_last_child_block_number,
)

BLOCK_KIND_CODES = {BlockKind.CHILD: BlockKindCode.CHILD, BlockKind.DEPOSIT: BlockKindCode.DEPOSIT}
EXIT_STATUS_CODES = {
    ExitStatus.OPEN: ExitStatusCode.OPEN,
    ExitStatus.CHALLENGED: ExitStatusCode.CHALLENGED,
    ExitStatus.PROCESSED: ExitStatusCode.PROCESSED,
}


@dataclass
class EnvironmentValues:
    """Concrete values of the model's environment fields (missing array entries are 0)."""

    scalars: dict[str, int] = field(default_factory=dict)
    """Integer fields by name."""
    arrays: dict[str, dict[int, int]] = field(default_factory=dict)
    """Array fields by name: index to value."""


def number(value: int) -> z3.ArithRef:
    """Return a Z3 integer constant."""
    return z3.IntVal(int(value))


def as_integer(value: bytes) -> int:
    """Return an address or hash as the model's integer (big-endian)."""
    return int.from_bytes(value, "big")


def as_position_key(position: OutputPosition) -> int:
    """Return an output position as the model's position key."""
    key = compute_position_key(
        int(position.block_number), int(position.transaction_index), int(position.output_index)
    )
    assert isinstance(key, int)
    return key


def abstract_blocks(environment: Environment, values: EnvironmentValues) -> None:
    """Fill the block log arrays and the last-block ghosts."""
    for number, record in environment.blocks.items():
        values.arrays["block_kind"][int(number)] = BLOCK_KIND_CODES[record.kind]
        values.arrays["block_time"][int(number)] = int(record.timestamp)
        values.arrays["block_root"][int(number)] = as_integer(record.root)
    values.scalars["last_child_block"] = int(get_last_child_block_number(environment))
    values.scalars["last_block"] = int(get_last_block_number(environment))


def abstract_exits(environment: Environment, values: EnvironmentValues) -> None:
    """Fill the exit arrays, the exit count and the two ghost sums."""
    arrays, open_bonds = values.arrays, 0
    for exit_id, exit in environment.exits.items():
        index, token = int(exit_id), as_integer(exit.token)
        arrays["exit_position"][index] = as_position_key(exit.position)
        arrays["exit_block"][index] = int(exit.position.block_number)
        arrays["exit_owner"][index] = as_integer(exit.owner)
        arrays["exit_token"][index] = token
        arrays["exit_amount"][index] = int(exit.amount)
        arrays["exit_bond_posted"][index] = int(exit.bond)
        arrays["exit_started_at"][index] = int(exit.started_at)
        arrays["exit_exitable_at"][index] = int(exit.exitable_at)
        arrays["exit_status"][index] = EXIT_STATUS_CODES[exit.status]
        arrays["exit_paid"][index] = int(exit.paid)
        arrays["paid_sum"][token] = arrays["paid_sum"].get(token, 0) + int(exit.paid)
        open_bonds += int(exit.bond) if exit.status == ExitStatus.OPEN else 0
    values.scalars["exit_count"] = len(environment.exits)
    values.scalars["open_bond_sum"] = open_bonds


def abstract_environment(environment: Environment) -> EnvironmentValues:
    """Return the model's values for one concrete environment (ghosts computed from it)."""
    values = EnvironmentValues(arrays={name: {} for name in ARRAY_FIELDS})
    rules = environment.rules
    values.scalars.update(
        operator=as_integer(environment.operator),
        registered_at=int(environment.registered_at),
        finalization_period=int(rules.minimal_finalization_period),
        exit_bond=int(rules.exit_bond),
        deposit_limit=int(rules.deposit_limit),
        bonds_held=int(environment.bonds_held),
    )
    abstract_blocks(environment, values)
    abstract_exits(environment, values)
    for name, totals in (
        ("deposited", environment.deposited),
        ("withdrawn", environment.withdrawn),
    ):
        values.arrays[name] = {as_integer(token): int(amount) for token, amount in totals.items()}
    return values


def make_array(entries: Mapping[int, int]) -> z3.ArrayRef:
    """Return the Z3 array that is 0 everywhere except at ``entries``."""
    array = z3.K(INT, z3.IntVal(0))
    for index, value in sorted(entries.items()):
        array = z3.Store(array, index, value)
    return array


def make_environment_terms(values: EnvironmentValues) -> EnvironmentTerms:
    """Return the model environment holding exactly ``values``."""
    terms = {
        name: make_array(values.arrays[name])
        if name in ARRAY_FIELDS
        else z3.IntVal(values.scalars[name])
        for name in FIELD_NAMES
    }
    return EnvironmentTerms(**terms)


def abstract_settlement(state: SettlementState) -> SettlementTerms:
    """Return the model state of a concrete settlement state (balances dropped)."""
    unused = pack_environment(make_environment_terms(abstract_environment_placeholder()))
    environments = z3.K(z3.IntSort(), unused)
    for index, environment in enumerate(state.environments):
        record = pack_environment(make_environment_terms(abstract_environment(environment)))
        environments = z3.Store(environments, index, record)
    assert environments.sort().range() == ENVIRONMENT_SORT
    return SettlementTerms(
        z3.IntVal(int(state.time)), z3.IntVal(len(state.environments)), environments
    )


def abstract_environment_placeholder() -> EnvironmentValues:
    """Return the all-zero environment that fills unregistered ids."""
    return EnvironmentValues(
        scalars={name: 0 for name in FIELD_NAMES if name not in ARRAY_FIELDS},
        arrays={name: {} for name in ARRAY_FIELDS},
    )
