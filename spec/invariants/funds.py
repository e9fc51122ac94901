"""Invariants of the funds the settlement layer holds: solvency, payouts, bonds, conservation.

INV-01 Solvency, INV-02 Single payout, INV-03 Exit uniqueness, INV-09 Bond
conservation and INV-23 Asset conservation, each as its predicates followed
by its catalog entry. They hold for every environment kind: they read exits,
ledgers and balances only. INV-09's transition form says where bonds go from
the state change alone (exits that appear, are cancelled, are processed);
the payments exit game's own part is in ``spec.invariants.payments``.
"""

from __future__ import annotations

from collections import Counter

from spec.invariants.cash.movements import (
    compute_cash_movements,
    compute_record_bonds,
    compute_record_payouts,
)
from spec.invariants.changes import (
    Movements,
    compute_movements,
    get_added_exits,
    get_exits_newly_in,
    get_sender,
    get_tokens,
)
from spec.invariants.checks import (
    ARITHMETIC_CONTRACTS,
    SCENARIOS_EVERY_STEP,
    STATEFUL_EVERY_STEP,
    UNIT_CAN_FAIL,
    UNIT_EVERY_STEP,
    Z3_INDUCTIVE,
    Check,
    Checker,
)
from spec.invariants.entry import Invariant, Layer, Predicates
from spec.invariants.ids import InvariantId
from spec.invariants.payments.exits import check_exit_game_bonds
from spec.invariants.payments.in_flight import (
    check_cross_kind_single_payout,
    check_marks_written_once,
    compute_in_flight_bonds,
    compute_in_flight_movements,
    compute_in_flight_payouts,
)
from spec.primitives import NATIVE_TOKEN, Address
from spec.settlement.operations import Deposit, ProcessExits
from spec.settlement.state import ExitStatus, SettlementState
from spec.settlement.transition import Operation, get_operation_environment_id

# INV-01 Solvency


def check_solvency(state: SettlementState) -> list[str]:
    """INV-01: per environment and token, withdrawn <= deposited, and withdrawn is the exits' pay.

    Strengthened (so that it is inductive): the withdrawn ledger equals the sum
    paid by processed exits of that token (and, in a Cash environment, by its
    finalized coin exits: each paid its coin's amount), and no exit is paid
    more than its amount.
    """
    violations = []
    for env_id, environment in enumerate(state.environments):
        record_payouts = compute_record_payouts(environment)
        record_payouts.update(compute_in_flight_payouts(environment))
        for token in get_tokens(environment) | set(record_payouts):
            deposited = int(environment.deposited.get(token, 0))
            withdrawn = int(environment.withdrawn.get(token, 0))
            paid = sum(int(e.paid) for e in environment.exits.values() if e.token == token)
            paid += record_payouts[token]
            if withdrawn > deposited:
                violations.append(
                    f"env {env_id} token {token}: withdrawn {withdrawn} > {deposited}"
                )
            if paid != withdrawn:
                violations.append(f"env {env_id} token {token}: exits paid {paid} != {withdrawn}")
        for exit_id, exit in environment.exits.items():
            if exit.paid > exit.amount:
                violations.append(f"env {env_id} exit {exit_id}: paid more than its amount")
    return violations


SOLVENCY = Invariant(
    identifier=InvariantId.SOLVENCY,
    title="Solvency",
    layer=Layer.SETTLEMENT,
    kind=None,
    statement=(
        "For every environment and token, the total paid out by exits never exceeds the total "
        "deposited, so the vault balance (deposited - withdrawn) is never negative."
    ),
    rationale=(
        "Exits are paid from the vault; paying more than was locked would take other "
        "environments' or other users' funds."
    ),
    strengthening=(
        "The withdrawn ledger equals the sum paid by processed exits of that token (in a Cash "
        "environment: the amounts of the coins of its finalized coin exits, INV-24), and no "
        "exit is paid more than its amount; processing pays min(amount, vault). Z3: 0 <= withdrawn "
        "<= deposited alone is not inductive (a negative exit amount lowers it); added: per "
        "token, withdrawn = the sum paid by exits of that token (a ghost sum updated on every "
        "store into the exit table); every exit has 0 <= paid <= amount; an exit that is not "
        "processed has paid = 0. See also INV-23."
    ),
    predicates=Predicates(state=(check_solvency,)),
    checks=(
        UNIT_EVERY_STEP,
        UNIT_CAN_FAIL,
        SCENARIOS_EVERY_STEP,
        Z3_INDUCTIVE,
        Check(Checker.Z3_CONTROLS, ("process-without-vault-cap",)),
        Check(Checker.CROSSHAIR, ARITHMETIC_CONTRACTS),
        STATEFUL_EVERY_STEP,
    ),
)
"""INV-01."""


# INV-02 Single payout and INV-03 Exit uniqueness


def check_single_payout(state: SettlementState) -> list[str]:
    """INV-02: each output is paid by at most one exit, and only processed exits pay."""
    violations = []
    for env_id, environment in enumerate(state.environments):
        processed = [
            e.position for e in environment.exits.values() if e.status == ExitStatus.PROCESSED
        ]
        for position, count in Counter(processed).items():
            if count > 1:
                violations.append(f"env {env_id}: output {position} paid {count} times")
        for exit_id, exit in environment.exits.items():
            if exit.paid > 0 and exit.status != ExitStatus.PROCESSED:
                violations.append(f"env {env_id} exit {exit_id}: paid while {exit.status}")
    return violations


SINGLE_PAYOUT = Invariant(
    identifier=InvariantId.SINGLE_PAYOUT,
    title="Single payout",
    layer=Layer.SETTLEMENT,
    kind=None,
    statement=(
        "Each output is paid by at most one exit; only processed exits have a non-zero payment."
    ),
    rationale=(
        "A second payment of one output is money from nowhere, paid by the vault's other owners."
    ),
    strengthening=(
        "Follows from INV-03 while standard exits are the only exit kind. Z3: assumes INV-03 "
        "(all exits, not only processed ones, have distinct outputs); transition form added: a "
        "step changes an exit's payment, or marks it processed, only if it was open."
    ),
    predicates=Predicates(
        state=(check_single_payout, check_cross_kind_single_payout),
        transition=(check_marks_written_once,),
    ),
    checks=(
        UNIT_EVERY_STEP,
        UNIT_CAN_FAIL,
        SCENARIOS_EVERY_STEP,
        Z3_INDUCTIVE,
        Check(
            Checker.Z3_CONTROLS,
            ("process-without-marking", "standard-exit-ignores-marks", "piggyback-marks-twice"),
        ),
        Check(Checker.CROSSHAIR, ("payment_output_id_ignores_position",)),
        STATEFUL_EVERY_STEP,
    ),
)
"""INV-02."""


def check_exit_uniqueness(state: SettlementState) -> list[str]:
    """INV-03: at most one exit per output, ever (so at most one active exit per output)."""
    violations = []
    for env_id, environment in enumerate(state.environments):
        positions = Counter(exit.position for exit in environment.exits.values())
        for position, count in positions.items():
            if count > 1:
                violations.append(f"env {env_id}: output {position} has {count} exits")
    return violations


EXIT_UNIQUENESS = Invariant(
    identifier=InvariantId.EXIT_UNIQUENESS,
    title="Exit uniqueness",
    layer=Layer.SETTLEMENT,
    kind=None,
    statement=(
        "At most one exit per output, ever (and so at most one active exit per output); a "
        "challenged exit is cancelled for good and its output cannot be exited again."
    ),
    rationale=(
        "Two live exits of one output could both mature; re-exiting a challenged output would "
        "let a spent output try again after every challenge."
    ),
    strengthening=(
        "Stronger than the brief's 'at most one active exit' (the spec never restarts an exit)."
    ),
    predicates=Predicates(state=(check_exit_uniqueness,)),
    checks=(
        UNIT_EVERY_STEP,
        UNIT_CAN_FAIL,
        SCENARIOS_EVERY_STEP,
        Z3_INDUCTIVE,
        Check(Checker.Z3_CONTROLS, ("start-exit-twice",)),
        STATEFUL_EVERY_STEP,
    ),
)
"""INV-03."""


# INV-09 Bond conservation


def check_bonds_held(state: SettlementState) -> list[str]:
    """INV-09: bonds held by an environment equal the bonds of its open exits (and challenges)."""
    violations = []
    for env_id, environment in enumerate(state.environments):
        open_bonds = sum(
            int(e.bond) for e in environment.exits.values() if e.status == ExitStatus.OPEN
        )
        open_bonds += compute_record_bonds(environment) + compute_in_flight_bonds(environment)
        if open_bonds != environment.bonds_held:
            violations.append(f"env {env_id}: holds {environment.bonds_held}, open {open_bonds}")
    return violations


def compute_expected_movements(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> Movements:
    """Return the balance change per (account, token) that the step's exits explain.

    Only exits of the environment the operation names count. Each exit that
    appears takes its bond from the operation's sender; each exit cancelled
    (challenged) gives its bond to the sender; under a ``ProcessExits``, each
    exit processed gives its owner its payment and its bond back. An
    operation that names no sender explains no bond.
    """
    moves: Movements = Counter()
    env_id = get_operation_environment_id(operation)
    if env_id is None or env_id >= len(pre.environments):
        return moves
    sender = get_sender(operation)
    if sender is not None:
        for _, exit in get_added_exits(pre, post, env_id):
            moves[(sender, NATIVE_TOKEN)] -= int(exit.bond)
        for _, exit in get_exits_newly_in(pre, post, env_id, ExitStatus.CHALLENGED):
            moves[(sender, NATIVE_TOKEN)] += int(exit.bond)
    if isinstance(operation, ProcessExits):
        for _, exit in get_exits_newly_in(pre, post, env_id, ExitStatus.PROCESSED):
            moves[(exit.owner, exit.token)] += int(exit.paid)
            moves[(exit.owner, NATIVE_TOKEN)] += int(exit.bond)
        for _, exit in get_exits_newly_in(pre, post, env_id, ExitStatus.SKIPPED):
            moves[(exit.owner, NATIVE_TOKEN)] += int(exit.bond)
    moves.update(compute_cash_movements(pre, operation, post))
    moves.update(compute_in_flight_movements(pre, operation, post))
    return moves


def check_bond_destinations(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[str]:
    """INV-09 (transition form): bonds and payments go to exactly the right accounts.

    Under every operation but a deposit (whose own movement is INV-06's),
    every settlement balance changes by exactly what
    :func:`compute_expected_movements` explains: the bond from the exiter, to
    the challenger or back to the exiter, and each payment to the output's owner.
    """
    if isinstance(operation, Deposit):
        return []
    actual, expected = (
        compute_movements(pre, post),
        compute_expected_movements(pre, operation, post),
    )
    return [
        f"{account} token {token}: moved {actual[(account, token)]}, "
        f"expected {expected[(account, token)]}"
        for account, token in set(actual) | set(expected)
        if actual[(account, token)] != expected[(account, token)]
    ]


BOND_CONSERVATION = Invariant(
    identifier=InvariantId.BOND_CONSERVATION,
    title="Bond conservation",
    layer=Layer.SETTLEMENT,
    kind=None,
    statement=(
        "The bonds an environment holds equal the sum of the bonds of its open exits; each "
        "bond leaves exactly once, to the exiter on processing or to the successful challenger."
    ),
    rationale=(
        "Bonds pay challengers for their work and deter wrong exits; losing or double-paying "
        "them breaks the incentive."
    ),
    strengthening=(
        "Z3: the sum of the bonds of open exits is a ghost updated on every store into the exit "
        "table; the drift test recomputes it on concrete states. Transition form on concrete "
        "steps: every settlement balance moves by exactly the bond taken from the exiter, given "
        "to the challenger or returned to the exiter, and each payment to the output's owner. "
        "Plasma Cash (proofs/models/cash): bonds held = a ghost sum of the bonds of open coin "
        "exits and of their open invalid-history challenges; an exit that is not open holds "
        "no challenge; no challenge, no challenge bond."
    ),
    predicates=Predicates(
        state=(check_bonds_held,),
        transition=(check_bond_destinations, check_exit_game_bonds),
    ),
    checks=(
        UNIT_EVERY_STEP,
        UNIT_CAN_FAIL,
        SCENARIOS_EVERY_STEP,
        Z3_INDUCTIVE,
        Check(
            Checker.Z3_CONTROLS,
            (
                "challenge-keeps-bond",
                "start-exit-without-bond",
                "respond-keeps-challenge-bond",
                "bounty-from-nowhere",
                "piggyback-bond-not-held",
            ),
        ),
        STATEFUL_EVERY_STEP,
    ),
)
"""INV-09."""


# INV-23 Asset conservation


def compute_asset_totals(state: SettlementState) -> Counter[Address]:
    """Return, per token, balances + vaults (+ bonds held, for the native token)."""
    totals: Counter[Address] = Counter()
    for (_, token), amount in state.balances.items():
        totals[token] += int(amount)
    for environment in state.environments:
        for token in get_tokens(environment):
            totals[token] += int(environment.deposited.get(token, 0))
            totals[token] -= int(environment.withdrawn.get(token, 0))
        totals[NATIVE_TOKEN] += int(environment.bonds_held)
    return +totals


def check_asset_conservation(
    pre: SettlementState, operation: Operation, post: SettlementState
) -> list[str]:
    """INV-23: no operation creates or destroys value (per token: balances + vaults + bonds)."""
    before, after = compute_asset_totals(pre), compute_asset_totals(post)
    return [
        f"token {token}: total {before[token]} -> {after[token]}"
        for token in set(before) | set(after)
        if before[token] != after[token]
    ]


ASSET_CONSERVATION = Invariant(
    identifier=InvariantId.ASSET_CONSERVATION,
    title="Asset conservation",
    layer=Layer.SETTLEMENT,
    kind=None,
    statement=(
        "No operation creates or destroys value: for every token, settlement balances + vault "
        "balances (+ bonds held, for the native token) are the same before and after."
    ),
    rationale=(
        "Strengthens solvency (INV-01) and bond conservation (INV-09): every unit is somewhere, "
        "once."
    ),
    strengthening="",
    predicates=Predicates(transition=(check_asset_conservation,)),
    checks=(
        UNIT_EVERY_STEP,
        UNIT_CAN_FAIL,
        SCENARIOS_EVERY_STEP,
        Check(Checker.CROSSHAIR, ARITHMETIC_CONTRACTS),
        STATEFUL_EVERY_STEP,
    ),
)
"""INV-23."""


INVARIANTS = (SOLVENCY, SINGLE_PAYOUT, EXIT_UNIQUENESS, BOND_CONSERVATION, ASSET_CONSERVATION)
"""The catalog entries of this module."""
