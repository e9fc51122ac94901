"""Concrete payments states and operations mapped into the in-flight model, for the drift tests.

:func:`abstract_state` reads one payments environment of a spec
``SettlementState`` into plain integers (:class:`ConcreteFlight`), naming
output ids by small codes (:class:`OutputCodes`, shared by a test's states)
and computing every ghost of the model from the real records: how many times
each output was paid, the bonds held by open exits and piggybacks, the
native balances (everyone's, plus native deposited less native withdrawn,
which bonds never touch), each settled slot's bond split.
:func:`to_terms` turns it into :class:`~proofs.models.in_flight.model.FlightTerms`
of constants, and :func:`abstract_steps` maps a spec operation to the model
steps it stands for (a ``ProcessExits`` to several: the entries it
processes, in queue order, each in-flight one as a decision if first, then
one settlement per open piggyback of the token).
``tests/test_proofs_in_flight.py`` checks, on spec runs, that the guards and
post-states agree with the spec and that every clause holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import takewhile

import z3

from proofs.models.in_flight.model import (
    SLOTS,
    FlightCode,
    FlightRules,
    FlightTerms,
    OutcomeCode,
    SlotCode,
    StandardCode,
)
from proofs.models.in_flight.transitions import FlightParameters
from spec.environments.payments.canonicity import (
    ChallengeInFlightNotCanonical,
    RespondToNonCanonicalChallenge,
)
from spec.environments.payments.exits import ChallengeStandardExit, StartStandardExit
from spec.environments.payments.in_flight import DeleteInFlightExit, StartInFlightExit
from spec.environments.payments.marks import get_payments_records
from spec.environments.payments.piggybacks import (
    ChallengeInFlightInputSpent,
    ChallengeInFlightOutputSpent,
    PiggybackInFlightExit,
)
from spec.environments.payments.queue import get_payments_exit_queue
from spec.environments.payments.records import (
    ExitKind,
    InFlightExit,
    InFlightExitStatus,
    InFlightOutcome,
    PiggybackSide,
    PiggybackStatus,
)
from spec.environments.payments.transactions import (
    MAX_INPUTS,
    compute_output_id,
    compute_payment_output_id,
)
from spec.primitives import NATIVE_TOKEN, Hash32
from spec.settlement.operations import AdvanceTime, ProcessExits
from spec.settlement.state import Environment, ExitStatus, SettlementState
from spec.settlement.transition import Operation

STANDARD_CODES = {
    ExitStatus.OPEN: StandardCode.OPEN,
    ExitStatus.PROCESSED: StandardCode.PROCESSED,
    ExitStatus.CHALLENGED: StandardCode.CHALLENGED,
    ExitStatus.SKIPPED: StandardCode.SKIPPED,
}
"""Standard exit statuses as model codes."""

OUTCOME_CODES = {
    InFlightOutcome.UNDECIDED: OutcomeCode.UNDECIDED,
    InFlightOutcome.OUTPUTS: OutcomeCode.OUTPUTS,
    InFlightOutcome.INPUTS: OutcomeCode.INPUTS,
}
"""Outcomes as model codes."""

SLOT_CODES = {
    PiggybackStatus.NONE: SlotCode.NONE,
    PiggybackStatus.OPEN: SlotCode.OPEN,
    PiggybackStatus.CHALLENGED: SlotCode.CHALLENGED,
    PiggybackStatus.PAID: SlotCode.PAID,
    PiggybackStatus.UNPAID: SlotCode.UNPAID,
}
"""Piggyback statuses as model codes."""


@dataclass
class OutputCodes:
    """Small integer codes for output ids (from 1; 0 names no output)."""

    codes: dict[Hash32, int] = field(default_factory=dict)
    """The codes given so far."""

    def get(self, output_id: Hash32) -> int:
        """Return the code of ``output_id``, giving it the next one if new."""
        return self.codes.setdefault(output_id, len(self.codes) + 1)


@dataclass(frozen=True)
class ConcreteFlight:
    """One payments environment's exit records and ghosts, as plain integers."""

    scalars: dict[str, int]
    """``now``, counts, ``bonds_held``, ``held``, ``balances``, ``supply``."""
    arrays: dict[str, dict[int, int | bool]]
    """Per exit-indexed field, its values by exit id (``flight_canonical`` as booleans)."""
    pairs: dict[str, dict[tuple[int, int], int]]
    """Per slot-indexed field, its values by (in-flight exit id, slot)."""
    outputs: dict[str, dict[int, int]]
    """``mark`` and ``pays`` by output code (others are 0)."""


def get_slot_ids(exit: InFlightExit, codes: OutputCodes) -> list[int]:
    """Return the code of each slot's output id (0 for the slots the payment lacks)."""
    ids = [0] * SLOTS
    for k, output_id in enumerate(exit.input_ids):
        ids[k] = codes.get(output_id)
    for i in range(len(exit.transaction.outputs)):
        ids[MAX_INPUTS + i] = codes.get(compute_payment_output_id(exit.transaction, i))
    return ids


def get_slot_statuses(exit: InFlightExit) -> list[PiggybackStatus]:
    """Return each slot's piggyback status (NONE for the slots the payment lacks)."""
    statuses = [PiggybackStatus.NONE] * SLOTS
    for k, piggyback in enumerate(exit.input_piggybacks):
        statuses[k] = piggyback.status
    for i, piggyback in enumerate(exit.output_piggybacks):
        statuses[MAX_INPUTS + i] = piggyback.status
    return statuses


def get_native_balances(state: SettlementState) -> int:
    """Return native balances plus native deposited less native withdrawn, over environments."""
    total = sum(int(v) for (_, token), v in state.balances.items() if token == NATIVE_TOKEN)
    for environment in state.environments:
        total += int(environment.deposited.get(NATIVE_TOKEN, 0))
        total -= int(environment.withdrawn.get(NATIVE_TOKEN, 0))
    return total


def abstract_state(state: SettlementState, env: int, codes: OutputCodes) -> ConcreteFlight:
    """Return the model view of environment ``env``, ghosts computed from the records."""
    environment = state.environments[env]
    records = get_payments_records(environment)
    bounty = int(environment.rules.processing_bounty)
    arrays: dict[str, dict[int, int | bool]] = {
        name: {}
        for name in (
            "std_output",
            "std_status",
            "std_bond",
            "flight_status",
            "flight_outcome",
            "flight_canonical",
            "flight_bond",
            "flight_started",
            "flight_inputs",
            "flight_outputs",
        )
    }
    pairs: dict[str, dict[tuple[int, int], int]] = {
        name: {} for name in ("slot_id", "slot_status", "refund", "bounty")
    }
    marks: dict[int, int] = {}
    pays: dict[int, int] = {}
    held = 0
    for exit_id, exit in environment.exits.items():
        output = codes.get(exit.output_id)
        arrays["std_output"][int(exit_id)] = output
        arrays["std_status"][int(exit_id)] = STANDARD_CODES[exit.status]
        arrays["std_bond"][int(exit_id)] = int(exit.bond)
        held += int(exit.bond) if exit.status == ExitStatus.OPEN else 0
        if exit.status == ExitStatus.PROCESSED:
            pays[output] = pays.get(output, 0) + 1
    for exit_id, flight in records.in_flight_exits.items():
        e, bond = int(exit_id), int(flight.bond)
        arrays["flight_status"][e] = (
            FlightCode.ACTIVE if flight.status == InFlightExitStatus.ACTIVE else FlightCode.DELETED
        )
        arrays["flight_outcome"][e] = OUTCOME_CODES[flight.outcome]
        arrays["flight_canonical"][e] = flight.canonical
        arrays["flight_bond"][e] = bond
        arrays["flight_started"][e] = int(flight.started_at)
        arrays["flight_inputs"][e] = len(flight.inputs)
        arrays["flight_outputs"][e] = len(flight.transaction.outputs)
        undecided = flight.outcome == InFlightOutcome.UNDECIDED
        if flight.status == InFlightExitStatus.ACTIVE and undecided:
            held += bond
        for k, (output, status) in enumerate(
            zip(get_slot_ids(flight, codes), get_slot_statuses(flight), strict=True)
        ):
            settled = status in (PiggybackStatus.PAID, PiggybackStatus.UNPAID)
            pairs["slot_id"][(e, k)] = output
            pairs["slot_status"][(e, k)] = SLOT_CODES[status]
            pairs["refund"][(e, k)] = bond - bounty if settled else 0
            pairs["bounty"][(e, k)] = bounty if settled else 0
            held += bond if status == PiggybackStatus.OPEN else 0
            if status == PiggybackStatus.PAID:
                pays[output] = pays.get(output, 0) + 1
    for output_id, reference in records.finalized.items():
        offset = 1 if reference.kind == ExitKind.STANDARD else 2
        marks[codes.get(output_id)] = 2 * int(reference.exit_id) + offset
    balances = get_native_balances(state)
    bonds = sum(int(e.bonds_held) for e in state.environments)
    scalars = {
        "now": int(state.time),
        "std_count": len(environment.exits),
        "flight_count": len(records.in_flight_exits),
        "bonds_held": int(environment.bonds_held),
        "held": held,
        "balances": balances,
        "supply": balances + bonds,
    }
    return ConcreteFlight(scalars, arrays, pairs, {"mark": marks, "pays": pays})


def abstract_rules(environment: Environment) -> dict[str, int]:
    """Return the rules the model reads, as integers."""
    rules = environment.rules
    return {
        "period": int(rules.minimal_finalization_period),
        "exit_bond": int(rules.exit_bond),
        "processing_bounty": int(rules.processing_bounty),
    }


def to_rules(values: dict[str, int]) -> FlightRules:
    """Return rules of constants."""
    return FlightRules(
        *(z3.IntVal(values[name]) for name in ("period", "exit_bond", "processing_bounty"))
    )


def to_terms(concrete: ConcreteFlight) -> FlightTerms:
    """Return the model state of constants standing for ``concrete`` (arrays as store chains)."""
    values: dict[str, z3.ExprRef] = {name: z3.IntVal(v) for name, v in concrete.scalars.items()}
    for name, entries in concrete.arrays.items():
        if name == "flight_canonical":
            array: z3.ArrayRef = z3.K(z3.IntSort(), z3.BoolVal(False))
            for key, flag in entries.items():
                array = z3.Store(array, key, z3.BoolVal(bool(flag)))
        else:
            array = z3.K(z3.IntSort(), z3.IntVal(0))
            for key, number in entries.items():
                array = z3.Store(array, key, int(number))
        values[name] = array
    for name, pair_entries in concrete.pairs.items():
        pair_array = z3.Lambda([z3.Int("_e"), z3.Int("_k")], z3.IntVal(0))
        for (e, k), number in pair_entries.items():
            pair_array = z3.Store(pair_array, e, k, number)
        values[name] = pair_array
    for name, output_entries in concrete.outputs.items():
        output_array = z3.K(z3.IntSort(), z3.IntVal(0))
        for key, number in output_entries.items():
            output_array = z3.Store(output_array, key, number)
        values[name] = output_array
    return FlightTerms(**values)


ModelStep = tuple[str, dict[str, int | list[int]]]
"""A transition's name and its parameters (``ids``: the slots' output codes)."""


def to_parameters(values: dict[str, int | list[int]]) -> FlightParameters:
    """Return parameters of constants (unnamed ones are 0)."""
    ids = z3.K(z3.IntSort(), z3.IntVal(0))
    listed = values.get("ids", [])
    assert isinstance(listed, list)
    for k, code in enumerate(listed):
        ids = z3.Store(ids, k, code)
    scalars = {
        name: z3.IntVal(int(value)) for name, value in values.items() if not isinstance(value, list)
    }
    names = ("exit_id", "k", "output", "bond", "inputs", "outputs", "time")
    return FlightParameters(**{name: scalars.get(name, z3.IntVal(0)) for name in names}, ids=ids)


def get_processing_steps(
    state: SettlementState, operation: ProcessExits, codes: OutputCodes
) -> list[ModelStep]:
    """Return the model steps of an accepted ``ProcessExits``: each entry it processes, in order."""
    environment = state.environments[operation.environment_id]
    queue = get_payments_exit_queue(environment, operation.token)
    mature = list(takewhile(lambda entry: entry[0][0] <= state.time, queue))
    records = get_payments_records(environment)
    steps: list[ModelStep] = []
    for _, reference in mature[: operation.max_exits]:
        exit_id = int(reference.exit_id)
        if reference.kind == ExitKind.STANDARD:
            steps.append(("process_standard_exit", {"exit_id": exit_id}))
            continue
        flight = records.in_flight_exits[reference.exit_id]
        if flight.outcome == InFlightOutcome.UNDECIDED:
            steps.append(("decide_in_flight_exit", {"exit_id": exit_id}))
        sides = (
            (PiggybackSide.INPUT, flight.inputs, flight.input_piggybacks, 0),
            (
                PiggybackSide.OUTPUT,
                flight.transaction.outputs,
                flight.output_piggybacks,
                MAX_INPUTS,
            ),
        )
        for _, outputs, piggybacks, offset in sides:
            for index, (output, piggyback) in enumerate(zip(outputs, piggybacks, strict=True)):
                if piggyback.status == PiggybackStatus.OPEN and output.token == operation.token:
                    steps.append(("settle_piggyback", {"exit_id": exit_id, "k": offset + index}))
    return steps


def abstract_steps(
    state: SettlementState, operation: Operation, codes: OutputCodes, post: SettlementState | None
) -> list[ModelStep]:
    """Return the model steps ``operation`` stands for (``post``: the spec's, if accepted).

    Empty for an operation the model does not represent.
    """
    if isinstance(operation, AdvanceTime):
        return [("advance_time", {"time": int(operation.time)})]
    if isinstance(operation, ProcessExits):
        return get_processing_steps(state, operation, codes) if post is not None else []
    if isinstance(operation, StartStandardExit):
        output = codes.get(compute_output_id(operation.transaction, operation.position))
        return [("start_standard_exit", {"output": output, "bond": int(operation.bond)})]
    if isinstance(operation, ChallengeStandardExit):
        return [("challenge_standard_exit", {"exit_id": int(operation.exit_id)})]
    if isinstance(operation, StartInFlightExit):
        if post is None:
            return []
        records = get_payments_records(post.environments[operation.environment_id])
        flight = records.in_flight_exits[max(records.in_flight_exits)]
        values: dict[str, int | list[int]] = {
            "bond": int(operation.bond),
            "inputs": len(flight.inputs),
            "outputs": len(flight.transaction.outputs),
            "ids": get_slot_ids(flight, codes),
        }
        return [("start_in_flight_exit", values)]
    return get_exit_game_steps(operation)


def get_exit_game_steps(operation: Operation) -> list[ModelStep]:
    """Return the model step of a piggyback, in-flight challenge, response or deletion."""
    if isinstance(operation, PiggybackInFlightExit):
        offset = 0 if operation.side == PiggybackSide.INPUT else MAX_INPUTS
        values: dict[str, int | list[int]] = {
            "exit_id": int(operation.exit_id),
            "k": offset + int(operation.index),
            "bond": int(operation.bond),
        }
        return [("piggyback_in_flight_exit", values)]
    if isinstance(operation, ChallengeInFlightInputSpent):
        values = {"exit_id": int(operation.exit_id), "k": int(operation.input_index)}
        return [("challenge_in_flight_input_spent", values)]
    if isinstance(operation, ChallengeInFlightOutputSpent):
        values = {"exit_id": int(operation.exit_id), "k": MAX_INPUTS + int(operation.output_index)}
        return [("challenge_in_flight_output_spent", values)]
    if isinstance(operation, ChallengeInFlightNotCanonical):
        return [("challenge_in_flight_not_canonical", {"exit_id": int(operation.exit_id)})]
    if isinstance(operation, RespondToNonCanonicalChallenge):
        return [("respond_to_non_canonical_challenge", {"exit_id": int(operation.exit_id)})]
    if isinstance(operation, DeleteInFlightExit):
        return [("delete_in_flight_exit", {"exit_id": int(operation.exit_id)})]
    return []
