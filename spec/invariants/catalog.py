"""The invariant catalog: every safety property the spec claims, stated precisely.

Each :class:`Invariant` has a stable id (``INV-NN``, numbered as in the
protocol brief; ``INV-23`` onwards are additions), a statement precise enough
to check, a rationale, and the list of checks that cover it. The predicates
that decide each invariant on concrete states are in
``spec.invariants.settlement`` and ``spec.invariants.child_chain``;
``spec.invariants.evaluate`` runs them all.

Not in the catalog yet, because nothing they concern exists yet: in-flight
exit exclusivity (brief item 20, MoreVP) and the finality properties of a BFT
committee (items 21 and 22).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Layer(StrEnum):
    """Which part of the protocol an invariant constrains."""

    SETTLEMENT = "settlement"
    """The settlement layer (root contract)."""
    CHILD_CHAIN = "child-chain"
    """An execution environment's own state (a payments child chain)."""
    EXIT_GAME = "exit-game"
    """The interplay of both, against an adversary, over whole traces."""


class Scope(StrEnum):
    """What a predicate looks at."""

    STATE = "state"
    """One state."""
    TRANSITION = "transition"
    """A pre-state, an accepted operation and its post-state."""
    PAIR = "pair"
    """A state and two operations applied in both orders."""
    TRACE = "trace"
    """A whole run with its adversary; checked by the stateful tests."""


@dataclass(frozen=True)
class Invariant:
    """One catalogued safety property."""

    identifier: str
    """Stable id, ``INV-NN``."""
    title: str
    """Short name."""
    layer: Layer
    """Which part of the protocol it constrains."""
    scopes: tuple[Scope, ...]
    """What its predicates look at (a property may have a state and a transition form)."""
    statement: str
    """The property, precisely."""
    rationale: str
    """Why the protocol needs it."""
    strengthening: str
    """What was added to make it inductive or checkable, if anything."""
    checks: tuple[str, ...]
    """The checks that cover it, and where they live."""


UNIT_EVERY_STEP = (
    "Unit: evaluated on the post-state of every accepted operation in tests/ (tests/harness.py)"
)

UNIT_CAN_FAIL = (
    "Unit: the predicate reports a deliberately broken state or step (tests/test_invariants.py)"
)

SCENARIOS_EVERY_STEP = (
    "Scenarios: the 32 attack scenarios (adversary/scenarios) evaluate every "
    "settlement invariant on each accepted step"
)

Z3_INDUCTIVE = (
    "Z3 inductive (proofs/models): Init, and every settlement transition, on the "
    "tiny and full presets"
)

Z3_BOUNDED = (
    "Z3 BMC depth 8 (proofs/models/bmc.py): exit game with a byzantine operator, "
    "from the empty state, at most 4 blocks; with a reachability check against "
    "vacuity"
)

CHILD_CHAIN_EVERY_STEP = (
    "Unit: evaluated on every child-chain post-state in "
    "tests/test_child_chain.py, including a Hypothesis run of random valid "
    "payments"
)

STATEFUL_EVERY_STEP = (
    "Stateful adversarial test (adversary/machine.py, CI profile): evaluated "
    "after every accepted operation of random traces with a byzantine operator, "
    "malicious users and watchers"
)

STATEFUL_REALITY = (
    "Stateful adversarial test (adversary/machine.py, CI profile): evaluated on "
    "each environment's reality after every step"
)

STATEFUL_END_OF_TRACE = (
    "Stateful adversarial test (adversary/machine.py, CI profile): checked at the"
    " end of every trace by adversary/properties.py, after honest users exit and "
    "all exits are processed; caught every non-equivalent mutant of the mutation "
    "report"
)

CATALOG: tuple[Invariant, ...] = (
    Invariant(
        identifier="INV-01",
        title="Solvency",
        layer=Layer.SETTLEMENT,
        scopes=(Scope.STATE,),
        statement=(
            "For every environment and token, the total paid out by exits never exceeds "
            "the total deposited, so the vault balance (deposited - withdrawn) is never "
            "negative."
        ),
        rationale=(
            "Exits are paid from the vault; paying more than was locked would take other "
            "environments' or other users' funds."
        ),
        strengthening=(
            "The withdrawn ledger equals the sum paid by processed exits of that token, "
            "and no exit is paid more than its amount; processing pays min(amount, "
            "vault). Z3: 0 <= withdrawn <= deposited alone is not inductive (a negative "
            "exit amount lowers it); added: per token, withdrawn = the sum paid by exits "
            "of that token (a ghost sum updated on every store into the exit table); "
            "every exit has 0 <= paid <= amount; an exit that is not processed has paid ="
            " 0. See also INV-23."
        ),
        checks=(
            (UNIT_EVERY_STEP),
            (UNIT_CAN_FAIL),
            (SCENARIOS_EVERY_STEP),
            (Z3_INDUCTIVE),
            "Z3 negative controls (must fail): process-without-vault-cap",
            (
                "CrossHair (proofs/crosshair_contracts.py), each with a broken twin that must"
                " fail: uint_addition_within_range, uint_addition_past_maximum, "
                "uint_subtraction_within_range, uint_subtraction_below_zero, "
                "uint_multiplication_within_range, uint_multiplication_past_maximum"
            ),
            (STATEFUL_EVERY_STEP),
        ),
    ),
    Invariant(
        identifier="INV-02",
        title="Single payout",
        layer=Layer.SETTLEMENT,
        scopes=(Scope.STATE,),
        statement=(
            "Each output is paid by at most one exit; only processed exits have a non-zero payment."
        ),
        rationale=(
            "A second payment of one output is money from nowhere, paid by the vault's "
            "other owners."
        ),
        strengthening=(
            "Follows from INV-03 while standard exits are the only exit kind. Z3: assumes"
            " INV-03 (all exits, not only processed ones, have distinct outputs); "
            "transition form added: a step changes an exit's payment, or marks it "
            "processed, only if it was open."
        ),
        checks=(
            (UNIT_EVERY_STEP),
            (UNIT_CAN_FAIL),
            (SCENARIOS_EVERY_STEP),
            (Z3_INDUCTIVE),
            "Z3 negative controls (must fail): process-without-marking",
            (STATEFUL_EVERY_STEP),
        ),
    ),
    Invariant(
        identifier="INV-03",
        title="Exit uniqueness",
        layer=Layer.SETTLEMENT,
        scopes=(Scope.STATE,),
        statement=(
            "At most one exit per output, ever (and so at most one active exit per "
            "output); a challenged exit is cancelled for good and its output cannot be "
            "exited again."
        ),
        rationale=(
            "Two live exits of one output could both mature; re-exiting a challenged "
            "output would let a spent output try again after every challenge."
        ),
        strengthening=(
            "Stronger than the brief's 'at most one active exit' (the spec never restarts an exit)."
        ),
        checks=(
            (UNIT_EVERY_STEP),
            (UNIT_CAN_FAIL),
            (SCENARIOS_EVERY_STEP),
            (Z3_INDUCTIVE),
            "Z3 negative controls (must fail): start-exit-twice",
            (STATEFUL_EVERY_STEP),
        ),
    ),
    Invariant(
        identifier="INV-04",
        title="Block log integrity",
        layer=Layer.SETTLEMENT,
        scopes=(Scope.STATE, Scope.TRANSITION),
        statement=(
            "Child blocks sit at positive multiples of the block interval and deposit "
            "blocks strictly between two of them (so fewer than the interval per step); "
            "block times never decrease with the number and are never in the future; a "
            "committed record never changes; every new block number exceeds all earlier "
            "ones."
        ),
        rationale=(
            "Exit priority and exitable times are read from the log: rewriting it would "
            "reorder or forge exits, and reorganising deposits would steal them."
        ),
        strengthening=(
            "Z3: the last child block number and the last block number are kept as ghosts"
            " and tied to the log (the last child block is a multiple of the interval, at"
            " most the last block, which is below the next child number; both name "
            "committed blocks; every committed number is in 1 .. last block)."
        ),
        checks=(
            (UNIT_EVERY_STEP),
            (UNIT_CAN_FAIL),
            (SCENARIOS_EVERY_STEP),
            (Z3_INDUCTIVE),
            (
                "Z3 negative controls (must fail): deposit-past-interval, submit-any-number, "
                "time-backwards"
            ),
            (STATEFUL_EVERY_STEP),
        ),
    ),
    Invariant(
        identifier="INV-05",
        title="Authority",
        layer=Layer.SETTLEMENT,
        scopes=(Scope.TRANSITION,),
        statement=(
            "A child block is added only by SubmitBlock from the environment's operator, "
            "a deposit block only by Deposit; an operation adds at most one block, and "
            "only to the environment it names."
        ),
        rationale=(
            "Only the operator is accountable for child blocks; deposits must be unforgeable."
        ),
        strengthening="",
        checks=(
            (UNIT_EVERY_STEP),
            (UNIT_CAN_FAIL),
            (SCENARIOS_EVERY_STEP),
            (Z3_INDUCTIVE),
            "Z3 negative controls (must fail): submit-by-anyone",
            (STATEFUL_EVERY_STEP),
        ),
    ),
    Invariant(
        identifier="INV-06",
        title="Deposit fidelity",
        layer=Layer.SETTLEMENT,
        scopes=(Scope.TRANSITION,),
        statement=(
            "An accepted deposit writes exactly one deposit block whose root commits to "
            "one output with the deposit's owner, token and amount; the vault's deposited"
            " total grows, and the owner's settlement balance shrinks, by exactly the "
            "amount."
        ),
        rationale=(
            "The deposit output is what the owner can later exit; any mismatch loses or "
            "creates funds."
        ),
        strengthening=(
            "Z3 covers the vault side only: settlement-layer balances are not in the "
            "model, and the root is the model's parameter. Assumes INV-04 (the number "
            "after the last block is free)."
        ),
        checks=(
            (UNIT_EVERY_STEP),
            (UNIT_CAN_FAIL),
            (SCENARIOS_EVERY_STEP),
            (Z3_INDUCTIVE),
            "Z3 negative controls (must fail): deposit-without-credit",
            (STATEFUL_EVERY_STEP),
        ),
    ),
    Invariant(
        identifier="INV-07",
        title="Maturity",
        layer=Layer.SETTLEMENT,
        scopes=(Scope.STATE, Scope.TRANSITION),
        statement=(
            "Every exit's exitable time is max(block time + 2 MFP, start + MFP) for "
            "outputs of child blocks and start + MFP for deposits; no exit is paid before"
            " its exitable time."
        ),
        rationale=(
            "The delay is the window in which watchers challenge wrong exits and honest "
            "owners of older outputs exit ahead of outputs that depend on an invalid "
            "block."
        ),
        strengthening=(
            "Z3: assumes INV-04 (the block an exit names stays committed with the same "
            "kind and time). 'No exit is paid before its exitable time' is also stated on"
            " states: every processed exit has exitable time <= now."
        ),
        checks=(
            (UNIT_EVERY_STEP),
            (UNIT_CAN_FAIL),
            (SCENARIOS_EVERY_STEP),
            (Z3_INDUCTIVE),
            ("Z3 negative controls (must fail): process-immature, exitable-one-period"),
            (
                "CrossHair (proofs/crosshair_contracts.py), each with a broken twin that must"
                " fail: exitable_time_waits_one_period, exitable_time_of_deposit_output, "
                "exitable_time_of_child_output, exitable_time_past_maximum, "
                "exitable_time_is_monotone_in_start"
            ),
            (STATEFUL_EVERY_STEP),
        ),
    ),
    Invariant(
        identifier="INV-08",
        title="Priority order",
        layer=Layer.SETTLEMENT,
        scopes=(Scope.TRANSITION,),
        statement=(
            "The exits one ProcessExits call pays are the first ones of its (environment,"
            " token) queue of open exits ordered by (exitable time, position, exit id); "
            "it stops only at its limit or at the first exit that is not mature."
        ),
        rationale=(
            "Priority by position is what makes outputs older than an invalid block safe:"
            " they are paid before anything that depends on it."
        ),
        strengthening=(
            "Z3: the state form 'every processed exit precedes, in (exitable time, "
            "position, exit id) order, every open exit of its token' (so a queue is paid "
            "in strictly increasing order across calls); assumes INV-07 (processed exits "
            "were mature) and MFP >= 1, so a new exit queues behind every paid one."
        ),
        checks=(
            (UNIT_EVERY_STEP),
            (UNIT_CAN_FAIL),
            (SCENARIOS_EVERY_STEP),
            (Z3_INDUCTIVE),
            "Z3 negative controls (must fail): priority-ignoring-position",
            (
                "CrossHair (proofs/crosshair_contracts.py), each with a broken twin that must"
                " fail: priority_follows_exitable_time, priority_breaks_ties_by_position, "
                "priority_breaks_ties_by_exit_id, priority_is_a_total_order, "
                "exit_queue_is_ordered_and_complete, merkle_proof_binds_index"
            ),
            (STATEFUL_EVERY_STEP),
        ),
    ),
    Invariant(
        identifier="INV-09",
        title="Bond conservation",
        layer=Layer.SETTLEMENT,
        scopes=(Scope.STATE, Scope.TRANSITION),
        statement=(
            "The bonds an environment holds equal the sum of the bonds of its open exits;"
            " each bond leaves exactly once, to the exiter on processing or to the "
            "successful challenger."
        ),
        rationale=(
            "Bonds pay challengers for their work and deter wrong exits; losing or "
            "double-paying them breaks the incentive."
        ),
        strengthening=(
            "Z3: the sum of the bonds of open exits is a ghost updated on every store into "
            "the exit table; the drift test recomputes it on concrete states. Transition "
            "form on concrete steps: every settlement balance moves by exactly the bond "
            "taken from the exiter, given to the challenger or returned to the exiter, "
            "and each payment to the output's owner."
        ),
        checks=(
            (UNIT_EVERY_STEP),
            (UNIT_CAN_FAIL),
            (SCENARIOS_EVERY_STEP),
            (Z3_INDUCTIVE),
            ("Z3 negative controls (must fail): challenge-keeps-bond, start-exit-without-bond"),
            (STATEFUL_EVERY_STEP),
        ),
    ),
    Invariant(
        identifier="INV-10",
        title="Challenge soundness",
        layer=Layer.SETTLEMENT,
        scopes=(Scope.TRANSITION,),
        statement=(
            "An exit is cancelled only by a ChallengeStandardExit that names it and "
            "presents a payment whose chosen input is the exiting output, signed at that "
            "input by the output's owner; so the exit of an output its owner never spent "
            "cannot be cancelled."
        ),
        rationale="Without it, anyone could cancel honest exits and take their bonds.",
        strengthening=(
            "Z3: the payment is abstracted to the position its chosen input spends and "
            "the address its signature recovers to."
        ),
        checks=(
            (UNIT_EVERY_STEP),
            (UNIT_CAN_FAIL),
            (SCENARIOS_EVERY_STEP),
            (Z3_INDUCTIVE),
            "Z3 negative controls (must fail): challenge-without-signature",
            (STATEFUL_EVERY_STEP),
        ),
    ),
    Invariant(
        identifier="INV-11",
        title="Finality monotonicity",
        layer=Layer.SETTLEMENT,
        scopes=(Scope.TRANSITION,),
        statement=(
            "Exits are never removed; a challenged or processed exit never changes again;"
            " environments never disappear; withdrawn totals never decrease; committed "
            "roots never change (INV-04)."
        ),
        rationale=(
            "Users and watchers act on what is final; anything final that can change is not final."
        ),
        strengthening=(
            "Z3: assumes INV-01 (the vault is never negative, so a payout is never "
            "negative) and INV-04 (new blocks take free numbers)."
        ),
        checks=(
            (UNIT_EVERY_STEP),
            (UNIT_CAN_FAIL),
            (SCENARIOS_EVERY_STEP),
            (Z3_INDUCTIVE),
            ("Z3 negative controls (must fail): submit-over-committed, challenge-ended-exit"),
            (STATEFUL_EVERY_STEP),
        ),
    ),
    Invariant(
        identifier="INV-12",
        title="Isolation",
        layer=Layer.SETTLEMENT,
        scopes=(Scope.TRANSITION,),
        statement=(
            "An operation that names environment A leaves every other environment's state"
            " exactly unchanged; global operations (register, advance time) change no "
            "existing environment."
        ),
        rationale=(
            "One environment's operator or users, honest or not, can never touch "
            "another's funds, blocks or exits: the shared security umbrella."
        ),
        strengthening="",
        checks=(
            (UNIT_EVERY_STEP),
            (UNIT_CAN_FAIL),
            (SCENARIOS_EVERY_STEP),
            (Z3_INDUCTIVE),
            "Z3 negative controls (must fail): process-writes-environment-0",
            (STATEFUL_EVERY_STEP),
        ),
    ),
    Invariant(
        identifier="INV-13",
        title="Commutation",
        layer=Layer.SETTLEMENT,
        scopes=(Scope.PAIR,),
        statement=(
            "Two operations on different environments that are each accepted in both "
            "orders reach the same state in either order."
        ),
        rationale="Environments run in parallel with no global coordination.",
        strengthening=(
            "Restricted to pairs accepted in both orders: environments share "
            "settlement-layer accounts, so two deposits from one account may each succeed"
            " only when first."
        ),
        checks=(
            (
                "Unit: checked on pairs of operations, and shown to fail on an "
                "order-dependent transition (tests/test_invariants.py)"
            ),
            (
                "Stateful adversarial test (adversary/machine.py, CI profile): each "
                "environment operation is paired with operations on the other environment and"
                " applied in both orders"
            ),
        ),
    ),
    Invariant(
        identifier="INV-14",
        title="Determinism",
        layer=Layer.SETTLEMENT,
        scopes=(Scope.TRANSITION,),
        statement=(
            "The same state and operation always give the same outcome and the same state digest."
        ),
        rationale="Any implementation can be compared with the spec on one value.",
        strengthening="",
        checks=(
            (UNIT_EVERY_STEP),
            (SCENARIOS_EVERY_STEP),
            (
                "CrossHair (proofs/crosshair_contracts.py), each with a broken twin that must"
                " fail: uint64_encoding_round_trip, position_encoding_round_trip, "
                "output_encoding_round_trip, position_decoding_is_strict, "
                "optional_flag_decoding_is_strict"
            ),
            (
                "Unit: encoding round trips and strict decoding (tests/test_encoding.py, "
                "tests/test_digest.py)"
            ),
            (STATEFUL_EVERY_STEP),
        ),
    ),
    Invariant(
        identifier="INV-15",
        title="Transaction validity",
        layer=Layer.CHILD_CHAIN,
        scopes=(Scope.STATE,),
        statement=(
            "A block is applied only if every payment in it has distinct unspent inputs, "
            "each signed by its owner, positive outputs, and per token inputs >= outputs;"
            " fee claims go to the operator and take no more than the block's unclaimed "
            "fees. State form: every unspent output has a positive amount at a position "
            "that can exist (output index < MAX_OUTPUTS, transaction index < 2**depth, "
            "block number <= the last block applied)."
        ),
        rationale="The child chain's state is what honest users can prove and exit.",
        strengthening="",
        checks=(
            (CHILD_CHAIN_EVERY_STEP),
            (
                "CrossHair (proofs/crosshair_contracts.py), each with a broken twin that must"
                " fail: payment_fee_conserves_value, payment_outputs_above_inputs, "
                "payment_sums_past_maximum"
            ),
            (STATEFUL_REALITY),
        ),
    ),
    Invariant(
        identifier="INV-16",
        title="Value conservation",
        layer=Layer.CHILD_CHAIN,
        scopes=(Scope.STATE,),
        statement=(
            "For every token, the unspent value equals deposited - exited - fees paid + "
            "fees claimed."
        ),
        rationale=(
            "Payments move value and never create it; the operator gains only fees paid to it."
        ),
        strengthening="",
        checks=(
            (CHILD_CHAIN_EVERY_STEP),
            (
                "CrossHair (proofs/crosshair_contracts.py), each with a broken twin that must"
                " fail: uint_addition_within_range, uint_addition_past_maximum, "
                "uint_subtraction_within_range, uint_subtraction_below_zero, "
                "uint_multiplication_within_range, uint_multiplication_past_maximum, "
                "payment_fee_conserves_value, payment_outputs_above_inputs, "
                "payment_sums_past_maximum"
            ),
            (STATEFUL_REALITY),
        ),
    ),
    Invariant(
        identifier="INV-17",
        title="No double spend",
        layer=Layer.CHILD_CHAIN,
        scopes=(Scope.STATE, Scope.TRANSITION),
        statement=("No output is both unspent and spent, and an output once spent stays spent."),
        rationale="A double spend in the canonical chain is value created from nothing.",
        strengthening="",
        checks=(
            (CHILD_CHAIN_EVERY_STEP),
            (STATEFUL_REALITY),
        ),
    ),
    Invariant(
        identifier="INV-18",
        title="Honest withdrawal",
        layer=Layer.EXIT_GAME,
        scopes=(Scope.TRACE,),
        statement=(
            "An honest owner of an output that is unspent and valid in reality, created "
            "by a deposit or in a child block before the first invalid or withheld block,"
            " who never signed a spend of it, watches at least once per half MFP, and "
            "starts its exit less than one MFP after the first invalid or withheld block "
            "was committed (at any time if there is none), is paid its full amount, and "
            "its exit cannot be cancelled."
        ),
        rationale=(
            "This is Plasma's central promise: the operator can stop the chain but cannot steal."
        ),
        strengthening=(
            "Narrowed from the brief after Z3 bounded checks found counterexamples: an "
            "honest output created after the first invalid block is not protected (the "
            "older invalid output is paid first), a deposit made after it is protected "
            "only if its exit starts strictly before that block's time + MFP, and an "
            "owner who signed a spend that was withheld loses the output to a challenge "
            "(MoreVP in-flight exits, not specified yet, address this)."
        ),
        checks=(
            (Z3_BOUNDED),
            (
                "Z3 negative controls (must fail): exitable-one-period, challenge-without-spend, "
                "late-exit-is-unprotected, payment-after-invalid-block-is-unprotected"
            ),
            (
                "CrossHair (proofs/crosshair_contracts.py), each with a broken twin that must"
                " fail: merkle_proof_verifies, merkle_proof_binds_leaf"
            ),
            (STATEFUL_END_OF_TRACE),
        ),
    ),
    Invariant(
        identifier="INV-19",
        title="Exit ordering",
        layer=Layer.EXIT_GAME,
        scopes=(Scope.TRACE,),
        statement=(
            "Every valid output of a block before the first invalid block is paid before "
            "any output that depends on the invalid block, when its owner exits within "
            "one MFP of that block."
        ),
        rationale=(
            "The MVP exitable-time rule exists for this; it is why honest users are paid "
            "first even when the vault is drained by outputs from nowhere."
        ),
        strengthening="",
        checks=(
            (Z3_BOUNDED),
            "Z3 negative controls (must fail): exitable-one-period, priority-ignoring-position",
            (
                "CrossHair (proofs/crosshair_contracts.py), each with a broken twin that must"
                " fail: exitable_time_of_child_output, priority_follows_exitable_time, "
                "priority_breaks_ties_by_position, priority_breaks_ties_by_exit_id, "
                "priority_is_a_total_order, exit_queue_is_ordered_and_complete, "
                "merkle_proof_binds_index, merkle_proof_binds_leaf"
            ),
            (STATEFUL_END_OF_TRACE),
        ),
    ),
    Invariant(
        identifier="INV-23",
        title="Asset conservation",
        layer=Layer.SETTLEMENT,
        scopes=(Scope.TRANSITION,),
        statement=(
            "No operation creates or destroys value: for every token, settlement balances"
            " + vault balances (+ bonds held, for the native token) are the same before "
            "and after."
        ),
        rationale=(
            "Strengthens solvency (INV-01) and bond conservation (INV-09): every unit is "
            "somewhere, once."
        ),
        strengthening="",
        checks=(
            (UNIT_EVERY_STEP),
            (UNIT_CAN_FAIL),
            (SCENARIOS_EVERY_STEP),
            (
                "CrossHair (proofs/crosshair_contracts.py), each with a broken twin that must"
                " fail: uint_addition_within_range, uint_addition_past_maximum, "
                "uint_subtraction_within_range, uint_subtraction_below_zero, "
                "uint_multiplication_within_range, uint_multiplication_past_maximum"
            ),
            (STATEFUL_EVERY_STEP),
        ),
    ),
)
"""Every invariant, in id order."""


def get_invariant(identifier: str) -> Invariant:
    """Return the catalogued invariant with this id."""
    (invariant,) = (inv for inv in CATALOG if inv.identifier == identifier)
    return invariant
