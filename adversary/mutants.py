"""Mutants: deliberately wrong rules, to show the checks would notice a wrong spec.

Each :class:`Mutant` replaces attributes of spec modules while it is applied
(:func:`applied`). Two kinds:

- a **dropped rule**: one module's ``require`` is swapped for one that ignores
  a single rejection reason, so exactly that check disappears;
- a **changed rule**: a spec function is swapped for a wrong twin (an
  off-by-one, a reversed order, a payment to the wrong party); where the
  function is an operation's process function, the row of the settlement
  operation table is patched (:class:`RowPatch`), since the table holds the
  function itself.

The wrong twins live beside the rules they break: ``adversary.payments.twins``
(payments and settlement rules, and since issue 14 the payments queue of
``spec.environments.payments.queue``, which now processes payments exits in
place of ``spec.settlement.exits``), ``adversary.payments.in_flight_twins``
(the production MoreVP bugs, mutants ``in-flight-*`` and
``fee-claim-output-id-without-position``) and ``adversary.cash.twins``.

Spec functions call each other through module globals, so a replacement takes
effect wherever the patched module looks the name up (a module that imported
a function by name is patched too). The invariant
predicates (``spec.invariants``) bind the helpers they use at import, so a
mutant of a spec helper does not silently change the checker as well.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from adversary.cash import twins
from adversary.payments import in_flight_twins as ift
from adversary.payments import twins as pt
from spec.environments.cash.exits import FinalizeCoinExit
from spec.environments.payments.in_flight import DeleteInFlightExit
from spec.errors import RejectionReason, require
from spec.settlement.operations import ProcessExits, SubmitBlock
from spec.settlement.state import (
    SettlementState,
)
from spec.settlement.transition import OPERATIONS

ModulePatch = tuple[str, str, Any]
"""(module name, attribute name, replacement value)."""


@dataclass(frozen=True)
class RowPatch:
    """Replace the process function of one row of the settlement operation table."""

    operation_type: type
    """The operation whose row is replaced."""
    process: Callable[[SettlementState, Any], SettlementState]
    """The wrong process function."""


Patch = ModulePatch | RowPatch
"""One replacement a mutant makes."""


@dataclass(frozen=True)
class Mutant:
    """A deliberately wrong rule."""

    name: str
    """Stable name, used on the command line."""
    wrong_rule: str
    """The rule as the mutant (wrongly) states it."""
    patches: tuple[Patch, ...]
    """What to replace while the mutant is applied."""
    equivalent_because: str = ""
    """If the mutant cannot be told apart from the spec, why (empty otherwise)."""


def make_require_ignoring(ignored: RejectionReason) -> Callable[..., None]:
    """Return a ``require`` that lets every failure of one reason pass."""

    def lenient_require(condition: bool, reason: RejectionReason, detail: str = "") -> None:
        if reason != ignored:
            require(condition, reason, detail)

    return lenient_require


def drop_rule(module: str, reason: RejectionReason) -> tuple[Patch, ...]:
    """Return the patch that deletes the check raising ``reason`` in ``module``."""
    return ((module, "require", make_require_ignoring(reason)),)


@contextmanager
def applied(mutant: Mutant) -> Iterator[None]:
    """Apply a mutant's patches for the duration of a ``with`` block."""
    saved: list[tuple[Any, Any, Any]] = []
    for patch in mutant.patches:
        if isinstance(patch, RowPatch):
            table: Any = OPERATIONS
            row = table[patch.operation_type]
            saved.append((table, patch.operation_type, row))
            table[patch.operation_type] = replace(row, process=patch.process)
            continue
        module_name, attribute, value = patch
        module = importlib.import_module(module_name)
        saved.append((module, attribute, getattr(module, attribute)))
        setattr(module, attribute, value)
    try:
        yield
    finally:
        for target, key, original in reversed(saved):
            if isinstance(target, dict):
                target[key] = original
            else:
                setattr(target, key, original)


EXITS = "spec.settlement.exits"
QUEUE = "spec.environments.payments.queue"
IN_FLIGHT = "spec.environments.payments.in_flight"
PAYMENTS_EXITS = "spec.environments.payments.exits"
CHAIN = "spec.environments.payments.chain"
CASH_EXITS = "spec.environments.cash.exits"
CASH_CHALLENGES = "spec.environments.cash.challenges"
CASH_WITNESSES = "spec.environments.cash.witnesses"

MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        "skip-payment-signature-check",
        "a payment input need not be signed by its owner",
        drop_rule(CHAIN, RejectionReason.TX_INPUT_NOT_SIGNED_BY_OWNER),
    ),
    Mutant(
        "skip-challenge-signature-check",
        "any signature on the spend cancels an exit",
        drop_rule(PAYMENTS_EXITS, RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER),
    ),
    Mutant(
        "skip-challenge-input-check",
        "a challenge's payment need not spend the exiting output",
        drop_rule(PAYMENTS_EXITS, RejectionReason.CHALLENGE_NOT_SPENDING_EXIT),
    ),
    Mutant(
        "no-maturity-check",
        "exits are paid as soon as they start",
        (
            (EXITS, "is_exit_mature", pt.always_mature),
            (QUEUE, "get_payments_exit_queue", pt.payments_queue_all_mature),
        ),
    ),
    Mutant(
        "exitable-time-ignores-block-age",
        "every exit matures one MFP after it starts",
        ((PAYMENTS_EXITS, "compute_exitable_time", pt.exitable_time_ignoring_block_age),),
    ),
    Mutant(
        "young-outputs-wait-one-period",
        "young outputs wait one MFP from their block, not two",
        ((PAYMENTS_EXITS, "compute_exitable_time", pt.exitable_time_one_period_from_block),),
    ),
    Mutant(
        "priority-ignores-position",
        "ties of exitable time go to the earlier exit, not the older output",
        (
            (EXITS, "compute_exit_priority", pt.priority_ignoring_position),
            (QUEUE, "get_payments_exit_queue", pt.payments_queue_ignoring_position),
        ),
    ),
    Mutant(
        "queue-youngest-first",
        "the queue pays the lowest priority first",
        (
            (EXITS, "get_exit_queue", pt.queue_youngest_first),
            (QUEUE, "get_payments_exit_queue", pt.payments_queue_youngest_first),
        ),
    ),
    Mutant(
        "processing-skips-immature-head",
        "processing pays mature exits behind an immature one",
        (RowPatch(ProcessExits, pt.payments_queue_skipping_immature),),
        equivalent_because=(
            "the queue is ordered by exitable time first, so every exit behind an immature "
            "one is immature too: skipping and stopping select the same exits"
        ),
    ),
    Mutant(
        "processing-ignores-limit",
        "processing ignores the call's limit",
        (RowPatch(ProcessExits, pt.payments_queue_ignoring_limit),),
    ),
    Mutant(
        "deposit-interval-off-by-one",
        "a deposit may take the next child block's number",
        (
            (
                "spec.settlement.deposits",
                "get_next_child_block_number",
                pt.next_child_number_one_later,
            ),
        ),
    ),
    Mutant(
        "challenge-bond-to-exiter",
        "a challenged exit's bond goes back to the exiter",
        ((PAYMENTS_EXITS, "process_exit_cancellation", pt.cancellation_paying_the_exiter),),
    ),
    Mutant(
        "bond-kept-on-processing",
        "a processed exit's bond is never returned",
        (
            (EXITS, "process_exit", pt.process_exit_keeping_bond),
            (QUEUE, "process_exit", pt.process_exit_keeping_bond),
        ),
    ),
    Mutant(
        "vault-pays-in-full",
        "an exit is paid in full even beyond the vault",
        (
            (EXITS, "process_exit", pt.process_exit_paying_in_full),
            (QUEUE, "process_exit", pt.process_exit_paying_in_full),
        ),
    ),
    Mutant(
        "exit-twice",
        "an output may be exited again",
        drop_rule(EXITS, RejectionReason.EXIT_ALREADY_STARTED),
    ),
    Mutant(
        "exit-by-anyone",
        "anyone may exit any output",
        drop_rule(PAYMENTS_EXITS, RejectionReason.EXIT_NOT_BY_OWNER),
    ),
    Mutant(
        "challenge-closed-exit",
        "a processed or challenged exit may be challenged",
        drop_rule(EXITS, RejectionReason.EXIT_NOT_OPEN),
    ),
    Mutant(
        "blocks-from-anyone",
        "anyone may submit child blocks",
        drop_rule("spec.settlement.blocks", RejectionReason.NOT_OPERATOR),
    ),
    Mutant(
        "root-overwrite",
        "a committed root may be replaced",
        drop_rule("spec.settlement.blocks", RejectionReason.BLOCK_ALREADY_COMMITTED),
    ),
    Mutant(
        "no-quarantine",
        "environments are usable at once",
        drop_rule("spec.settlement.state", RejectionReason.ENVIRONMENT_IN_QUARANTINE),
    ),
    Mutant(
        "outputs-may-exceed-inputs",
        "a payment may create value",
        drop_rule(CHAIN, RejectionReason.TX_OUTPUTS_EXCEED_INPUTS),
    ),
    Mutant(
        "double-spend-in-one-payment",
        "a payment may name an input twice",
        drop_rule(CHAIN, RejectionReason.TX_DUPLICATE_INPUT),
    ),
    Mutant(
        "fee-claim-above-fees",
        "the operator may claim more fees than were paid",
        drop_rule(CHAIN, RejectionReason.FEE_CLAIM_EXCEEDS_FEES),
    ),
    Mutant(
        "fee-claim-strict-bound",
        "a fee claim must be strictly below the fees (>= became >)",
        ((CHAIN, "validate_fee_claim", pt.validate_fee_claim_strictly),),
    ),
    # In-flight exits: production MoreVP bugs (wrong twins in adversary.payments.in_flight_twins)
    Mutant(
        "in-flight-duplicate-inputs",
        "an in-flight payment may name the same input twice",
        ((IN_FLIGHT, "validate_payment_shape", ift.validate_payment_shape_allowing_duplicates),),
    ),
    Mutant(
        "in-flight-delete-keeps-bond",
        "deleting an in-flight exit nobody piggybacked never returns its bond",
        (RowPatch(DeleteInFlightExit, ift.process_delete_keeping_bond),),
    ),
    Mutant(
        "in-flight-double-spend-both-canonical",
        "a canonical in-flight exit pays its outputs even if another exit settled an input",
        ((QUEUE, "is_settled_elsewhere", ift.is_never_settled_elsewhere),),
    ),
    Mutant(
        "in-flight-processed-for-all-tokens",
        "processing an in-flight exit in one token's queue ends it in every token's queue",
        ((QUEUE, "process_in_flight_entry", ift.process_in_flight_entry_for_all_tokens),),
    ),
    Mutant(
        "in-flight-unpaid-piggyback-keeps-bond",
        "a piggyback settled unpaid does not get its bond back",
        ((QUEUE, "settle_piggyback", ift.settle_piggyback_keeping_unpaid_bonds),),
    ),
    Mutant(
        "in-flight-canonicity-ignored",
        "processing pays an in-flight payment's outputs whatever its canonicity",
        ((QUEUE, "decide_in_flight_exit", ift.decide_ignoring_canonicity),),
    ),
    Mutant(
        "fee-claim-output-id-without-position",
        "a fee claim's output is named by its body alone, like a payment's",
        (
            (
                PAYMENTS_EXITS,
                "compute_output_id",
                ift.compute_fee_claim_id_without_position,
            ),
            (IN_FLIGHT, "compute_output_id", ift.compute_fee_claim_id_without_position),
        ),
    ),
    Mutant(
        "in-flight-finalized-input-blocks-co-signer",
        "an in-flight exit paying inputs pays none if any of its inputs is settled",
        ((QUEUE, "settle_piggyback", ift.settle_piggyback_blocking_co_signers),),
    ),
    # Plasma Cash (wrong twins in adversary.cash.twins)
    Mutant(
        "cash-exit-by-anyone",
        "anyone may exit a coin with its owner's leaves",
        drop_rule(CASH_EXITS, RejectionReason.EXIT_NOT_BY_OWNER),
    ),
    Mutant(
        "cash-exit-not-spending-parent",
        "a coin's leaf need not name the block of the parent shown with it",
        drop_rule(CASH_WITNESSES, RejectionReason.TRANSFER_NOT_SPENDING_PARENT),
    ),
    Mutant(
        "cash-latest-root-overwrite",
        "the operator may re-submit its latest child block",
        (RowPatch(SubmitBlock, twins.process_submit_block_overwriting_latest),),
    ),
    Mutant(
        "cash-answer-by-anyone",
        "a history challenge is answered by any spend of its leaf, whoever signed it",
        drop_rule(CASH_CHALLENGES, RejectionReason.RESPONSE_NOT_SIGNED_BY_OWNER),
    ),
    Mutant(
        "cash-history-challenge-unsigned",
        "a history challenge's leaf need not be signed by its parent's owner",
        ((CASH_CHALLENGES, "validate_spend_of_parent", twins.validate_spend_of_parent_unsigned),),
    ),
    Mutant(
        "cash-no-challenge-window",
        "history challenges are accepted until the exit is finalized",
        drop_rule(CASH_CHALLENGES, RejectionReason.CHALLENGE_WINDOW_CLOSED),
    ),
    Mutant(
        "cash-coin-exits-twice",
        "a coin that exited may exit again",
        drop_rule(CASH_EXITS, RejectionReason.COIN_ALREADY_EXITED),
    ),
    Mutant(
        "cash-finalize-before-maturity",
        "a coin exit may be finalized at once",
        drop_rule(CASH_EXITS, RejectionReason.EXIT_NOT_MATURE),
    ),
    Mutant(
        "cash-exit-before-mint",
        "a coin may exit with a parent committed before its mint",
        drop_rule(CASH_EXITS, RejectionReason.PARENT_BEFORE_MINT),
    ),
    Mutant(
        "cash-history-before-mint",
        "a history challenge may show leaves committed before the coin's mint",
        drop_rule(CASH_CHALLENGES, RejectionReason.CHALLENGE_BEFORE_MINT),
    ),
    Mutant(
        "cash-unanswered-challenge-pays",
        "a mature coin exit is paid even with an unanswered history challenge",
        (RowPatch(FinalizeCoinExit, twins.process_finalize_coin_exit_paying),),
    ),
)
"""Every mutant, by name."""


def get_mutant(name: str) -> Mutant:
    """Return the mutant with this name."""
    (mutant,) = (mutant for mutant in MUTANTS if mutant.name == name)
    return mutant
