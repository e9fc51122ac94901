"""Properties of a world: the catalog after every step, and the exit game's promises.

Two kinds of check, each returning the list of violations it finds:

- **step checks** (:func:`check_step`): after one world action, every
  settlement invariant of the catalog on (pre-state, operation, post-state),
  the payout ledger (who receives what), and every child-chain invariant on
  each environment's reality;
- **trace properties**, judged on a world whose exits have all been settled:
  honest withdrawal (:func:`check_honest_withdrawal`, INV-18: standard exits
  here, in-flight receivers and senders in
  :mod:`adversary.payments.in_flight_properties`) and exit ordering
  (:func:`check_exit_ordering`, INV-19).

Definitions shared by both trace properties (their helpers live in
:mod:`adversary.payments.truth`), for an environment ``e`` with
minimal finalization period ``MFP`` (its rules'):

- ``B`` is ``e``'s first bad block (invalid or withheld) and ``T_B`` the
  settlement time at which its root was committed; ``e`` is *compromised* when
  ``B`` exists. The *exit deadline* of a compromised ``e`` is ``T_B + MFP``.
- An output is *in reality* when the block that created it is part of the
  valid history: a deposit block, or a child block numbered below ``B``
  (every such block was applied to reality in full).
- An output *depends on the bad block* when a child block numbered ``B`` or
  higher created it (everything the operator committed from ``B`` on).
- The owner *signed a spend* of an output when some payment the world knows
  (``ChainRecord.signed_spends``, included in a block or not) names the output
  as input ``i`` and signature ``i`` recovers, under ``e``'s signing domain, to
  the output's owner. Forged spends (another key's signature) do not count.

Spec functions are looked up through their modules at call time, so that a
mutation analysis that patches a spec module is seen here.
"""

from __future__ import annotations

from collections import Counter

from adversary.payments.in_flight_properties import check_in_flight_withdrawal
from adversary.payments.processing import Ledger, check_processing, compute_expected_ledger
from adversary.payments.truth import (
    InputSigners,
    compute_input_signers,
    depends_on_bad_block,
    format_position,
    format_token,
    get_bad_block_time,
    get_exit_deadline,
    get_input_signer,
    get_input_signers,
    get_period,
    is_in_reality,
)
from adversary.payments.world import World
from fixtures import get_actor_name
from spec.invariants import evaluate
from spec.invariants.evaluate import Violation
from spec.invariants.ids import InvariantId
from spec.primitives import Address, Uint64
from spec.settlement.state import Exit, ExitStatus, SettlementState
from spec.settlement.transition import Operation

__all__ = [
    "InputSigners",
    "check_exit_ordering",
    "check_exit_pair",
    "check_honest_withdrawal",
    "check_payouts",
    "check_processing",
    "check_reality_step",
    "check_settlement_step",
    "check_step",
    "compute_expected_ledger",
    "compute_input_signers",
    "depends_on_bad_block",
    "format_position",
    "format_token",
    "get_bad_block_time",
    "get_exit_deadline",
    "get_input_signer",
    "get_input_signers",
    "get_period",
    "is_honest_claim",
    "is_in_reality",
    "is_timely_valid_exit",
]


# Step checks


def check_payouts(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[Violation]:
    """INV-09 (destinations): balances move exactly as :func:`compute_expected_ledger` says.

    The catalog's INV-09 predicate checks bonds held; this checks where each
    bond and payout goes: to the exiter on processing, to the challenger on a
    successful challenge, never elsewhere.
    """
    actual: Ledger = Counter()
    for key in set(pre.balances) | set(post.balances):
        actual[key] = int(post.balances.get(key, 0)) - int(pre.balances.get(key, 0))
    expected = compute_expected_ledger(pre, operation, post)
    wrong = sorted(
        (key for key in set(actual) | set(expected) if actual[key] != expected[key]),
        key=lambda key: (bytes(key[0]), bytes(key[1])),
    )
    return [
        Violation(
            InvariantId.BOND_CONSERVATION,
            f"{type(operation).__name__}: balance of {get_actor_name(key[0])} in "
            f"{format_token(key[1])} moved {actual[key]}, expected {expected[key]}",
        )
        for key in wrong
    ]


def check_settlement_step(pre: World, post: World) -> list[Violation]:
    """Return the violations of the settlement catalog by the operation a world action applied.

    A world action applies at most one operation, and changes the settlement
    state only through it (``adversary.payments.world`` logs every operation it
    applies); anything else is a bug of the world, not of the spec.
    """
    added = post.log[len(pre.log) :]
    assert len(added) <= 1, f"one world action applied {len(added)} operations"
    if not added:
        assert post.settlement is pre.settlement, "settlement changed without an operation"
        return []
    operation = added[0]
    found = evaluate.check_settlement_transition(pre.settlement, operation, post.settlement)
    found += check_processing(pre.settlement, operation, post.settlement)
    return found + check_payouts(pre.settlement, operation, post.settlement)


def check_reality_step(pre: World, post: World) -> list[Violation]:
    """Return the violations of the child-chain catalog by each environment's reality."""
    found: list[Violation] = []
    for env, chain in enumerate(post.chains):
        if env >= len(pre.chains):
            found += evaluate.check_child_chain_state(chain.reality)
        elif chain.reality is not pre.chains[env].reality:
            found += evaluate.check_child_chain_transition(pre.chains[env].reality, chain.reality)
    return found


def check_step(pre: World, post: World) -> list[Violation]:
    """Return every violation of the catalog by one world action from ``pre`` to ``post``.

    Settlement: every state and transition predicate of the catalog on the
    operation applied, the exact processing model (:func:`check_processing`)
    and the payout ledger (:func:`check_payouts`).
    Child chain: INV-15, INV-16 and INV-17 on every environment's reality that changed.
    """
    return check_settlement_step(pre, post) + check_reality_step(pre, post)


# INV-18 Honest withdrawal


def is_honest_claim(
    world: World, env: int, exit: Exit, honest: frozenset[Address], signers: InputSigners
) -> bool:
    """Return whether ``exit`` is one INV-18 promises to pay in full once it is mature.

    That is: its owner is honest; its output is in reality and was never spent
    there by a payment; its owner never signed a spend of it; and it started in
    time (the environment is sound, or the exit started no later than the
    environment's exit deadline ``T_B + MFP``).
    """
    deadline = get_exit_deadline(world, env)
    return (
        exit.owner in honest
        and is_in_reality(world, env, exit.position)
        and exit.position not in world.chains[env].reality.spent
        and exit.owner not in signers.get(exit.position, frozenset())
        and (deadline is None or int(exit.started_at) <= deadline)
    )


def check_honest_withdrawal(world: World, honest: frozenset[Address]) -> list[Violation]:
    """INV-18: every honest claim that has matured was paid in full, in three parts.

    (a) Standard: for every environment ``e`` and every exit ``x`` of ``e``
    that is an honest claim (:func:`is_honest_claim`) and is mature
    (``x.exitable_at`` is not after the world's time): ``x`` is processed and
    paid exactly ``x.amount``. A challenged honest claim, a short payment, and
    a mature honest claim still open are all violations.

    (b) In-flight receiver and (c) in-flight sender: the owner of an output of
    a payment withheld or never included, whose inputs predate ``B`` and
    whose input owners signed no other spend of them, who piggybacks the
    output in the exit's first phase and before ``T_B + MFP``, is paid its
    amount; an honest owner whose input such a payment spent, and who
    piggybacks that input in time, is paid its amount whenever the exit pays
    inputs (its outputs are not paid). See
    :func:`adversary.payments.in_flight_properties.check_in_flight_withdrawal`.

    Assumptions, which the driver of the world must make true (the stateful
    machine does): watchers challenge every exit whose owner signed a spend of
    its output at least once per half MFP; honest users act only on a sound
    environment (a user who deposits or pays is watching, so no honest deposit
    follows a bad block); every mature exit of every queue was processed before
    this is called; honest actors watch at least once per half MFP. The "signed
    a spend" exclusion of (a) is MVP's known limit: a payment the operator
    withholds or puts in a bad block still spends its inputs for a challenger;
    (b) and (c) lift it for the payment's honest parties.

    Boundary: for an output in a block before ``B`` the deadline is inclusive
    (at ``T_B + MFP`` exactly, a tie in exitable time goes to the older
    position). A deposit made *after* ``B`` would need an exit strictly before
    ``T_B + MFP``: at the deadline its exitable time ties with the bad block's
    exits, whose positions are older. Honest users never make such a deposit.
    """
    found = check_in_flight_withdrawal(world, honest)
    time = int(world.settlement.time)
    for env, environment in enumerate(world.settlement.environments):
        signers = get_input_signers(world.chains[env], env)
        for exit_id, exit in sorted(environment.exits.items()):
            if int(exit.exitable_at) > time or not is_honest_claim(
                world, env, exit, honest, signers
            ):
                continue
            if exit.status != ExitStatus.PROCESSED or exit.paid != exit.amount:
                found.append(
                    Violation(
                        InvariantId.HONEST_WITHDRAWAL,
                        f"env {env} exit {int(exit_id)} of honest output "
                        f"{format_position(exit.position)} ({int(exit.amount)}): "
                        f"{exit.status.value}, paid {int(exit.paid)}",
                    )
                )
    return found


# INV-19 Exit ordering


def is_timely_valid_exit(world: World, env: int, exit: Exit) -> bool:
    """Return whether an unchallenged exit of an output before ``B`` started by ``T_B + MFP``."""
    bad = world.chains[env].first_bad_block
    deadline = get_exit_deadline(world, env)
    return (
        bad is not None
        and deadline is not None
        and exit.position.block_number < bad
        and int(exit.started_at) <= deadline
        and exit.status != ExitStatus.CHALLENGED
    )


def check_exit_pair(
    env: int, valid: tuple[Uint64, Exit], dependent: tuple[Uint64, Exit]
) -> list[Violation]:
    """Return the INV-19 violations of one (timely valid exit, dependent exit) pair."""
    (valid_id, valid_exit), (dependent_id, dependent_exit) = valid, dependent
    name = (
        f"env {env}: exit {int(valid_id)} ({format_position(valid_exit.position)}) and "
        f"exit {int(dependent_id)} ({format_position(dependent_exit.position)})"
    )
    valid_key = (valid_exit.exitable_at, valid_exit.position, valid_id)
    dependent_key = (dependent_exit.exitable_at, dependent_exit.position, dependent_id)
    found = []
    if not valid_key < dependent_key:
        found.append(
            Violation(InvariantId.EXIT_ORDERING, f"{name}: the dependent exit has priority")
        )
    dependent_paid = dependent_exit.status == ExitStatus.PROCESSED
    settled = valid_exit.status in (ExitStatus.PROCESSED, ExitStatus.SKIPPED)
    if dependent_paid and not settled:
        found.append(
            Violation(InvariantId.EXIT_ORDERING, f"{name}: the dependent exit was paid first")
        )
    return found


def check_exit_ordering(world: World) -> list[Violation]:
    """INV-19: timely exits of outputs before the first bad block come before dependent ones.

    For every compromised environment ``e`` and every token, take each exit
    ``v`` of an output of a block numbered below ``B`` (deposit or child, by
    anyone) that started no later than ``T_B + MFP`` and was not challenged,
    and each exit ``d`` of an output that depends on the bad block
    (:func:`depends_on_bad_block`). Then ``v``'s priority key (exitable time,
    position, exit id) is smaller than ``d``'s, and if ``d`` was processed then
    so was ``v`` (so ``v`` was paid first: the catalog's INV-08 checks that
    every ``ProcessExits`` pays a prefix of the queue). A ``v`` skipped at
    processing counts as paid first: another exit (an in-flight exit of the
    payment that created the output, say) had already settled its output.

    Assumption: none beyond the spec's own rules; this holds for any trace.
    """
    found = []
    for env, environment in enumerate(world.settlement.environments):
        exits = sorted(environment.exits.items())
        valid = [(i, x) for i, x in exits if is_timely_valid_exit(world, env, x)]
        dependent = [(i, x) for i, x in exits if depends_on_bad_block(world, env, x.position)]
        for pair in ((v, d) for v in valid for d in dependent if v[1].token == d[1].token):
            found += check_exit_pair(env, *pair)
    return found
