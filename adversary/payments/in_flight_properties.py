"""INV-18 for in-flight exits: the honest receiver's and the honest sender's promises.

:func:`adversary.payments.properties.check_honest_withdrawal` checks three
promises; this module states the two about More Viable Plasma's in-flight
exits. For an environment ``e`` with first bad block ``B`` committed at
``T_B`` (none if ``e`` is sound) and period ``MFP``, a payment ``P`` is an
*honest in-flight payment* when

- it was withheld or never included: no block numbered below ``B`` (any
  committed block, if ``e`` is sound) holds a payment with ``P``'s body;
- each of its inputs was created before ``B``: by a valid block numbered
  below ``B`` (:func:`is_created_before_bad_block`; a deposit made after
  ``B`` does not count);

and a piggyback of one of ``P``'s inputs or outputs is *timely* when it was
made before ``T_B + MFP`` (any time, if ``e`` is sound); the spec accepts
piggybacks only in the exit's first phase. Then:

- **(b) in-flight receiver**: if moreover no input owner of ``P`` signed
  another spend of that input, every timely piggyback of an output of ``P``
  by an honest owner, once its token's queue entry is mature, was paid the
  output's amount;
- **(c) in-flight sender**: every timely piggyback of an input of ``P`` by
  an honest owner who signed no other spend of it, once the exit paid inputs
  (the payment's outputs are not paid) and its token's entry is mature, was
  paid the input's amount.

Assumptions, which the stateful game makes true: honest actors watch at least
once per half MFP (so they piggyback in every exit's first phase), watchers
challenge a standard exit of an input its owner spent in flight, and an
honest receiver accepts a payment only if its inputs have no exit.
"""

from __future__ import annotations

from collections.abc import Iterator

from adversary.payments.processing import get_in_flight_exits
from adversary.payments.truth import (
    InputSigners,
    compute_input_signers,
    format_position,
    get_exit_deadline,
    is_in_reality,
)
from adversary.payments.world import World
from spec.environments.payments.piggybacks import PiggybackInFlightExit
from spec.environments.payments.records import (
    InFlightExit,
    InFlightOutcome,
    Piggyback,
    PiggybackSide,
    PiggybackStatus,
)
from spec.environments.payments.transactions import SignedTransaction, Transaction
from spec.invariants.evaluate import Violation
from spec.invariants.ids import InvariantId
from spec.positions import OutputPosition
from spec.primitives import Address, Uint64

PiggybackKey = tuple[int, int, PiggybackSide, int]
"""(environment, in-flight exit id, side, index) of one piggyback."""


def get_piggyback_times(world: World) -> dict[PiggybackKey, int]:
    """Return when each accepted piggyback was made, read from the world's log."""
    return {
        (int(op.environment_id), int(op.exit_id), op.side, int(op.index)): time
        for op, time in zip(world.log, world.times, strict=True)
        if isinstance(op, PiggybackInFlightExit)
    }


def is_in_flight(world: World, env: int, body: Transaction) -> bool:
    """Return whether no block before the first bad one (any block, if sound) holds ``body``."""
    bad = world.chains[env].first_bad_block
    return not any(
        isinstance(transaction, SignedTransaction) and transaction.transaction == body
        for number, block in world.chains[env].contents.items()
        if bad is None or number < bad
        for transaction in block
    )


def is_created_before_bad_block(world: World, env: int, position: OutputPosition) -> bool:
    """Return whether a valid block numbered below ``B`` (any, if sound) created the output.

    Unlike :func:`~adversary.payments.truth.is_in_reality`, a deposit made
    after ``B`` does not count: its block is numbered after the bad one.
    """
    bad = world.chains[env].first_bad_block
    return is_in_reality(world, env, position) and (bad is None or position.block_number < bad)


def is_honest_in_flight_payment(world: World, env: int, exit: InFlightExit) -> bool:
    """Return whether an exit's payment was in flight and every input predates ``B``."""
    return is_in_flight(world, env, exit.transaction) and all(
        is_created_before_bad_block(world, env, position) for position in exit.transaction.inputs
    )


def has_other_spend(signers: dict[Transaction, InputSigners], exit: InFlightExit) -> bool:
    """Return whether some input's owner signed a spend of it other than the payment itself."""
    return any(
        exit.inputs[index].owner in by_input.get(position, frozenset())
        for body, by_input in signers.items()
        if body != exit.transaction
        for index, position in enumerate(exit.transaction.inputs)
    )


def get_signers_by_payment(world: World, env: int) -> dict[Transaction, InputSigners]:
    """Return, per known payment body, who signed each of its inputs."""
    signers: dict[Transaction, InputSigners] = {}
    for payment in world.chains[env].signed_spends:
        known = signers.get(payment.transaction, {})
        signers[payment.transaction] = compute_input_signers(env, [payment], known)
    return signers


def iterate_claims(
    world: World, honest: frozenset[Address]
) -> Iterator[tuple[int, Uint64, InFlightExit, PiggybackSide, int, Piggyback]]:
    """Yield every timely piggyback by an honest owner on an honest in-flight payment's exit."""
    times = get_piggyback_times(world)
    for env, environment in enumerate(world.settlement.environments):
        deadline = get_exit_deadline(world, env)
        for exit_id, exit in sorted(get_in_flight_exits(environment).items()):
            if not is_honest_in_flight_payment(world, env, exit):
                continue
            for side, outputs, piggybacks in (
                (PiggybackSide.INPUT, exit.inputs, exit.input_piggybacks),
                (PiggybackSide.OUTPUT, exit.transaction.outputs, exit.output_piggybacks),
            ):
                for index, (output, piggyback) in enumerate(zip(outputs, piggybacks, strict=True)):
                    made = times.get((env, int(exit_id), side, index))
                    if output.owner not in honest or made is None:
                        continue
                    if deadline is None or made < deadline:
                        yield env, exit_id, exit, side, index, piggyback


def check_in_flight_withdrawal(world: World, honest: frozenset[Address]) -> list[Violation]:
    """INV-18 (b) and (c): honest in-flight receivers and senders are paid (see the module)."""
    found = []
    now = int(world.settlement.time)
    signers = {env: get_signers_by_payment(world, env) for env in range(len(world.chains))}
    for env, exit_id, exit, side, index, piggyback in iterate_claims(world, honest):
        output = (
            exit.inputs[index] if side == PiggybackSide.INPUT else exit.transaction.outputs[index]
        )
        entry = exit.exitable_at.get(output.token)
        if entry is None or int(entry) > now:
            continue
        if side == PiggybackSide.OUTPUT:
            promised = not has_other_spend(signers[env], exit)
        else:
            position = exit.transaction.inputs[index]
            others = [
                body
                for body, by_input in signers[env].items()
                if body != exit.transaction and output.owner in by_input.get(position, frozenset())
            ]
            promised = not others and exit.outcome != InFlightOutcome.OUTPUTS
        paid = piggyback.status == PiggybackStatus.PAID and piggyback.paid == output.amount
        if promised and not paid:
            inputs = ", ".join(format_position(p) for p in exit.transaction.inputs)
            found.append(
                Violation(
                    InvariantId.HONEST_WITHDRAWAL,
                    f"env {env} in-flight exit {int(exit_id)} (spending {inputs}): honest "
                    f"{side.value} {index} ({int(output.amount)}) {piggyback.status.value}, "
                    f"paid {int(piggyback.paid)}, outcome {exit.outcome.value}",
                )
            )
    return found
