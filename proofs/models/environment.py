"""One environment's settlement state as Z3 terms.

:class:`EnvironmentTerms` mirrors ``spec.settlement.state.Environment`` field
by field, over integers and integer arrays:

- rules and registration: operator, registration time, MFP, exit bond,
  deposit limit (addresses are integers);
- the block log as three arrays indexed by block number (kind, time, root),
  with ``BlockKindCode.NONE`` where nothing is committed, and two ghost
  scalars, the last child block number and the last block number (the spec
  computes both as maxima over the log);
- the exits as one array per field, indexed by exit id, with the exit count;
- the per-token ledgers ``deposited`` and ``withdrawn`` as arrays indexed by
  token (a missing token is 0, as in the spec's totals), and ``bonds_held``;
- two ghost sums: ``open_bond_sum`` (bonds of open exits) and ``paid_sum``
  (per token, the amounts paid by exits). Every store into the exit arrays
  goes through :func:`store_exit`, which updates both from the values it
  overwrites, so a ghost is the sum it names whenever it was before; the
  drift test recomputes both sums on concrete states.

Abstracted away: the environment kind (always payments), block transactions
(a root is an integer), and the preset (a model is built for the numbers of
one preset, :class:`ModelConfig`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace

import z3

from proofs.models.rules import ExitStatusCode
from spec.presets import Preset

INT = z3.IntSort()
"""The sort of every scalar."""

INT_ARRAY = z3.ArraySort(INT, INT)
"""The sort of every collection: integer to integer."""


@dataclass(frozen=True)
class ModelConfig:
    """The preset numbers a model is built for (the block interval must be a constant)."""

    name: str
    """Name of the preset."""
    block_interval: int
    """Distance between child block numbers."""
    quarantine_period: int
    """Seconds after registration before an environment can be used."""
    minimum_finalization_period: int
    """Smallest MFP an environment may register (at least 1 in every preset)."""
    minimum_exit_bond: int
    """Smallest exit bond an environment may register."""

    @classmethod
    def from_preset(cls, preset: Preset) -> ModelConfig:
        """Return the model constants of a spec preset."""
        return cls(
            name=preset.name,
            block_interval=int(preset.block_interval),
            quarantine_period=int(preset.quarantine_period),
            minimum_finalization_period=int(preset.minimum_finalization_period),
            minimum_exit_bond=int(preset.minimum_exit_bond),
        )


@dataclass(frozen=True)
class EnvironmentTerms:
    """One environment's state: each field a Z3 integer or an integer-to-integer array."""

    operator: z3.ArithRef
    """Address of the operator."""
    registered_at: z3.ArithRef
    """Registration time."""
    finalization_period: z3.ArithRef
    """MFP of the environment's rules."""
    exit_bond: z3.ArithRef
    """Exit bond of the environment's rules."""
    deposit_limit: z3.ArithRef
    """Deposit limit of the environment's rules."""
    block_kind: z3.ArrayRef
    """Block number to ``BlockKindCode``."""
    block_time: z3.ArrayRef
    """Block number to commitment time."""
    block_root: z3.ArrayRef
    """Block number to root (as an integer)."""
    last_child_block: z3.ArithRef
    """Ghost: the largest child block number, 0 when none."""
    last_block: z3.ArithRef
    """Ghost: the largest block number, 0 when none."""
    exit_count: z3.ArithRef
    """Number of exits ever started; their ids are 0 .. count - 1."""
    exit_position: z3.ArrayRef
    """Exit id to position key."""
    exit_block: z3.ArrayRef
    """Exit id to the block number of its position."""
    exit_owner: z3.ArrayRef
    """Exit id to owner."""
    exit_token: z3.ArrayRef
    """Exit id to token."""
    exit_amount: z3.ArrayRef
    """Exit id to amount."""
    exit_bond_posted: z3.ArrayRef
    """Exit id to the bond it posted."""
    exit_started_at: z3.ArrayRef
    """Exit id to start time."""
    exit_exitable_at: z3.ArrayRef
    """Exit id to exitable time."""
    exit_status: z3.ArrayRef
    """Exit id to ``ExitStatusCode``."""
    exit_paid: z3.ArrayRef
    """Exit id to the amount it was paid."""
    deposited: z3.ArrayRef
    """Token to total deposited."""
    withdrawn: z3.ArrayRef
    """Token to total paid out."""
    bonds_held: z3.ArithRef
    """Bonds held for open exits (the spec's ledger)."""
    open_bond_sum: z3.ArithRef
    """Ghost: sum of the bonds of open exits."""
    paid_sum: z3.ArrayRef
    """Ghost: token to the sum paid by exits of that token."""


FIELD_NAMES: tuple[str, ...] = tuple(field.name for field in fields(EnvironmentTerms))
"""Every field, in declaration order."""

ARRAY_FIELDS = frozenset(
    {
        "block_kind",
        "block_time",
        "block_root",
        "exit_position",
        "exit_block",
        "exit_owner",
        "exit_token",
        "exit_amount",
        "exit_bond_posted",
        "exit_started_at",
        "exit_exitable_at",
        "exit_status",
        "exit_paid",
        "deposited",
        "withdrawn",
        "paid_sum",
    }
)
"""Fields that are arrays; all others are integers."""

EXIT_FIELDS: tuple[str, ...] = tuple(
    name for name in FIELD_NAMES if name in ARRAY_FIELDS and name.startswith("exit_")
)
"""The per-exit arrays."""


def get_field_sort(name: str) -> z3.SortRef:
    """Return the Z3 sort of a field."""
    return INT_ARRAY if name in ARRAY_FIELDS else INT


def declare_environment(prefix: str) -> EnvironmentTerms:
    """Return an environment whose every field is a fresh constant named ``prefix.field``."""
    terms = {name: z3.Const(f"{prefix}.{name}", get_field_sort(name)) for name in FIELD_NAMES}
    return EnvironmentTerms(**terms)


def map_fields(
    combine: Callable[..., z3.ExprRef], *environments: EnvironmentTerms
) -> EnvironmentTerms:
    """Return the environment whose field ``f`` is ``combine(e.f for e in environments)``."""
    return EnvironmentTerms(
        **{name: combine(*(getattr(e, name) for e in environments)) for name in FIELD_NAMES}
    )


def select_environment(
    condition: z3.BoolRef, then: EnvironmentTerms, otherwise: EnvironmentTerms
) -> EnvironmentTerms:
    """Return ``then`` where ``condition`` holds, else ``otherwise``, field by field."""
    return map_fields(lambda a, b: z3.If(condition, a, b), then, otherwise)


def make_environment_sort() -> tuple[z3.DatatypeSortRef, Callable[..., z3.ExprRef]]:
    """Return the Z3 record sort of an environment and its constructor."""
    record = z3.Datatype("Environment")
    record.declare("environment", *((name, get_field_sort(name)) for name in FIELD_NAMES))
    sort = record.create()
    return sort, sort.environment


ENVIRONMENT_SORT, ENVIRONMENT_RECORD = make_environment_sort()
"""An environment as one Z3 value, for arrays of environments (the isolation model)."""


def pack_environment(environment: EnvironmentTerms) -> z3.DatatypeRef:
    """Return the environment as one record value."""
    return ENVIRONMENT_RECORD(*(getattr(environment, name) for name in FIELD_NAMES))


def unpack_environment(record: z3.DatatypeRef) -> EnvironmentTerms:
    """Return the fields of an environment record as terms."""
    accessors = {name: getattr(ENVIRONMENT_SORT, name)(record) for name in FIELD_NAMES}
    return EnvironmentTerms(**accessors)


def is_exit_open(environment: EnvironmentTerms, exit_id: z3.ArithRef) -> z3.BoolRef:
    """Return whether ``exit_id`` names an existing exit that is open."""
    return z3.And(
        exit_id >= 0,
        exit_id < environment.exit_count,
        environment.exit_status[exit_id] == ExitStatusCode.OPEN,
    )


def store_exit(
    environment: EnvironmentTerms, exit_id: z3.ArithRef, **values: z3.ArithRef
) -> EnvironmentTerms:
    """Return the environment with exit ``exit_id``'s fields set to ``values`` (others kept).

    Updates the ghost sums from the values overwritten: an exit id below the
    exit count counted before the store, one at or above it did not. The
    exit count itself is not changed here.
    """
    stored = {name: z3.Store(getattr(environment, name), exit_id, values[name]) for name in values}
    after = replace(environment, **stored)
    existed = z3.And(exit_id >= 0, exit_id < environment.exit_count)
    return replace(
        after,
        open_bond_sum=update_open_bond_sum(environment, after, exit_id, existed),
        paid_sum=update_paid_sum(environment, after, exit_id, existed),
    )


def update_open_bond_sum(
    before: EnvironmentTerms, after: EnvironmentTerms, exit_id: z3.ArithRef, existed: z3.BoolRef
) -> z3.ArithRef:
    """Return the open-bond ghost after one exit's store: take out its old share, add its new."""
    old_share = z3.If(
        z3.And(existed, before.exit_status[exit_id] == ExitStatusCode.OPEN),
        before.exit_bond_posted[exit_id],
        0,
    )
    new_share = z3.If(
        after.exit_status[exit_id] == ExitStatusCode.OPEN, after.exit_bond_posted[exit_id], 0
    )
    return before.open_bond_sum - old_share + new_share


def update_paid_sum(
    before: EnvironmentTerms, after: EnvironmentTerms, exit_id: z3.ArithRef, existed: z3.BoolRef
) -> z3.ArrayRef:
    """Return the paid ghost after one exit's store: take out its old payment, add its new."""
    old_token, new_token = before.exit_token[exit_id], after.exit_token[exit_id]
    old_paid = z3.If(existed, before.exit_paid[exit_id], 0)
    without_old = z3.Store(before.paid_sum, old_token, before.paid_sum[old_token] - old_paid)
    return z3.Store(without_old, new_token, without_old[new_token] + after.exit_paid[exit_id])


def compute_initial_environment(
    operator: z3.ArithRef,
    finalization_period: z3.ArithRef,
    exit_bond: z3.ArithRef,
    deposit_limit: z3.ArithRef,
    now: z3.ArithRef,
) -> EnvironmentTerms:
    """Return a newly registered environment (spec ``process_register_environment``)."""
    empty = z3.K(INT, z3.IntVal(0))
    zero = z3.IntVal(0)
    scalars = {
        "operator": operator,
        "registered_at": now,
        "finalization_period": finalization_period,
        "exit_bond": exit_bond,
        "deposit_limit": deposit_limit,
    }
    return EnvironmentTerms(
        **{name: scalars.get(name, empty if name in ARRAY_FIELDS else zero) for name in FIELD_NAMES}
    )
