"""Settlement operations as Z3 parameters: what each transition relation is given.

Each container holds one operation's fields as integer terms: fresh constants
in the proofs (:func:`declare_parameters`), concrete values in the drift test
(``proofs.models.abstraction``). ``domain()`` states the ranges of the
spec's field types (Uint64, Uint256, 20-byte addresses, ...).

The operations of the payments exit game (start and challenge a standard
exit) have their parameters in ``proofs.models.payments.parameters``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar, Protocol, TypeVar

import z3

from proofs.models.rules import NO_VALUE, UINT64_MAX, UINT256_MAX, is_in_range

ADDRESS_MAX = 2**160 - 1
"""Largest address as an integer."""

HASH_MAX = 2**256 - 1
"""Largest 32-byte hash as an integer."""

UINT32_MAX = 2**32 - 1
"""Largest Uint32 (the process limit)."""

PROCESS_STEPS = 3
"""Head steps ``ProcessExits`` is unrolled to (a call that pays more is outside the model)."""


def is_address(value: z3.ArithRef) -> z3.BoolRef:
    """Return whether ``value`` is a 20-byte address."""
    return is_in_range(value, ADDRESS_MAX)


def is_optional(value: z3.ArithRef, upper: int) -> z3.BoolRef:
    """Return whether ``value`` is ``NO_VALUE`` or in ``[0, upper]``."""
    return z3.Or(value == NO_VALUE, is_in_range(value, upper))


@dataclass(frozen=True)
class RegisterParameters:
    """``RegisterEnvironment``: the operator and the rules."""

    operator: z3.ArithRef
    """Caller and future operator."""
    finalization_period: z3.ArithRef
    """MFP of the rules."""
    exit_bond: z3.ArithRef
    """Exit bond of the rules."""
    deposit_limit: z3.ArithRef
    """Deposit limit of the rules."""

    def domain(self) -> tuple[z3.BoolRef, ...]:
        """Return the ranges of the fields' types."""
        return (
            is_address(self.operator),
            is_in_range(self.finalization_period, UINT64_MAX),
            is_in_range(self.exit_bond, UINT256_MAX),
            is_in_range(self.deposit_limit, UINT256_MAX),
        )


@dataclass(frozen=True)
class DepositParameters:
    """``Deposit``: owner, token, amount, and the root of the deposit block it writes."""

    owner: z3.ArithRef
    """Depositor and owner of the new output."""
    token: z3.ArithRef
    """Token deposited."""
    amount: z3.ArithRef
    """Amount deposited."""
    root: z3.ArithRef
    """Root of the deposit block (a hash of owner, token and amount in the spec)."""

    def domain(self) -> tuple[z3.BoolRef, ...]:
        """Return the ranges of the fields' types."""
        return (
            is_address(self.owner),
            is_address(self.token),
            is_in_range(self.amount, UINT256_MAX),
            is_in_range(self.root, HASH_MAX),
        )


@dataclass(frozen=True)
class SubmitBlockParameters:
    """``SubmitBlock``: sender, block number, root."""

    sender: z3.ArithRef
    """Caller."""
    block_number: z3.ArithRef
    """Number the block claims."""
    root: z3.ArithRef
    """Root committed."""

    def domain(self) -> tuple[z3.BoolRef, ...]:
        """Return the ranges of the fields' types."""
        return (
            is_address(self.sender),
            is_in_range(self.block_number, UINT64_MAX),
            is_in_range(self.root, HASH_MAX),
        )


@dataclass(frozen=True)
class ProcessHeadParameters:
    """One step of ``ProcessExits``: the queue's token and the exit at its head."""

    token: z3.ArithRef
    """Token of the queue."""
    head: z3.ArithRef
    """Exit id of the queue's head (chosen by the solver; the step requires it is the head)."""

    def domain(self) -> tuple[z3.BoolRef, ...]:
        """Return the ranges of the fields' types."""
        return (is_address(self.token),)


@dataclass(frozen=True)
class ProcessExitsParameters:
    """``ProcessExits``: token and limit, with one head per processing step the model unrolls."""

    token: z3.ArithRef
    """Token of the queue."""
    max_exits: z3.ArithRef
    """Most exits to process."""
    heads: tuple[z3.ArithRef, ...]
    """Exit id processed at each unrolled step (solver-chosen; each must be the head)."""

    def domain(self) -> tuple[z3.BoolRef, ...]:
        """Return the ranges of the fields' types."""
        return (is_address(self.token), is_in_range(self.max_exits, UINT32_MAX))


@dataclass(frozen=True)
class AdvanceTimeParameters:
    """``AdvanceTime``: the new time."""

    time: z3.ArithRef
    """New settlement time."""

    def domain(self) -> tuple[z3.BoolRef, ...]:
        """Return the ranges of the fields' types."""
        return (is_in_range(self.time, UINT64_MAX),)


class OperationParameters(Protocol):
    """What every parameter container is: a dataclass of integer terms, with their ranges."""

    __dataclass_fields__: ClassVar[dict[str, Any]]
    """The dataclass fields (every container is a frozen dataclass)."""

    def domain(self) -> tuple[z3.BoolRef, ...]:
        """Return the ranges of the fields' types."""
        ...


Parameters = TypeVar("Parameters", bound=OperationParameters)
"""A parameter container of one operation (this module's, or a kind's)."""


def declare_parameters(kind: type[Parameters], prefix: str) -> Parameters:
    """Return parameters of ``kind`` whose every field is a fresh integer ``prefix.field``."""
    return kind(**{field.name: z3.Int(f"{prefix}.{field.name}") for field in fields(kind)})


def declare_process_exits(prefix: str, steps: int) -> ProcessExitsParameters:
    """Return symbolic ``ProcessExits`` parameters unrolled to ``steps`` processing steps."""
    heads = tuple(z3.Int(f"{prefix}.head{index}") for index in range(steps))
    return ProcessExitsParameters(z3.Int(f"{prefix}.token"), z3.Int(f"{prefix}.max_exits"), heads)


def list_parameter_terms(parameters: object) -> tuple[tuple[str, z3.ArithRef], ...]:
    """Return (name, term) for every field of an operation's parameters (heads flattened)."""
    named: list[tuple[str, z3.ArithRef]] = []
    for field in fields(parameters):  # type: ignore[arg-type]
        value = getattr(parameters, field.name)
        if isinstance(value, tuple):
            named.extend((f"{field.name}[{index}]", term) for index, term in enumerate(value))
        else:
            named.append((field.name, value))
    return tuple(named)
