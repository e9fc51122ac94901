"""INV-27 Honest coin withdrawal: a trace property of the Plasma Cash exit game.

Whether an owner is honest and its history valid is a fact about the
leaves of blocks, which the settlement state does not keep (it stores
roots). So the property is judged on whole traces by whoever keeps the
leaves: its trace predicate is
``adversary.cash.properties.check_honest_coin_withdrawal`` (it judges a
``fixtures.cash.CashWorld``, whose leaves are the ground truth; the Cash
stateful machine calls it at the end of every trace), and the Z3 bounded
check of ``proofs.models.cash.bmc`` checks it on every trace of a one-coin
model up to a depth.
"""

from __future__ import annotations

from spec.invariants.checks import Z3_BOUNDED_CASH, Check, Checker
from spec.invariants.entry import Invariant, Layer, Predicates
from spec.invariants.ids import InvariantId
from spec.settlement.state import EnvironmentKind

COIN_HONEST_WITHDRAWAL = Invariant(
    identifier=InvariantId.COIN_HONEST_WITHDRAWAL,
    title="Honest coin withdrawal",
    layer=Layer.EXIT_GAME,
    kind=EnvironmentKind.CASH,
    statement=(
        "Let H own a coin by a leaf in block h whose history is valid (strictly, as in "
        "INV-26: from the mint up to h every committed block holds at the coin's key nothing "
        "or exactly the next transfer, each signed by the owner the previous leaf gave the "
        "coin to and naming its block), and let H never sign a transfer of the coin. Whatever "
        "the operator commits or withholds before the coin's mint or after h, and whatever "
        "earlier owners sign, if H watches so that it acts within floor(MFP/2) - 1 seconds of "
        "any exit of the coin starting and of any invalid-history challenge on its own exit "
        "(that is: fewer than floor(MFP/2) seconds between two watches), challenges every "
        "other exit of the coin (spent after, double spend between, or invalid history with "
        "its own leaf), answers every "
        "challenge on its exit, and starts its exit whenever the coin is at rest, then no exit "
        "of the coin by anyone else is ever finalized, H's exit is never cancelled, and when "
        "finalized it pays H the coin's amount and its bond."
    ),
    rationale=(
        "This is Plasma Cash's promise: the operator and past owners can withhold or forge "
        "blocks but cannot take a coin from an owner with a valid history who watches."
    ),
    strengthening=(
        "The watch bound is tight: with one watch every floor(MFP/2) seconds an exit of a "
        "forged history can start just after a watch, and the next watch is already outside "
        "the invalid-history window (now < start + floor(MFP/2)); the Z3 bounded control "
        "'watch-every-half-period-inclusive' finds that trace. The bounded model lets the "
        "operator forge leaves at the coin's key before its mint (a coin's id is predictable); "
        "the control 'exit-with-parent-before-mint' shows that without PARENT_BEFORE_MINT an "
        "exit of such a forged history is paid, as no challenge reaches before the mint. "
        "'Is paid' is stated as safety "
        "(no one else is paid, H is never cancelled): another address can delay H's exit by "
        "starting invalid exits of the coin, each cancelled with its bond paid to the "
        "challenger."
    ),
    predicates=Predicates(trace=("adversary.cash.properties.check_honest_coin_withdrawal",)),
    checks=(
        Z3_BOUNDED_CASH,
        Check(
            Checker.Z3_BOUNDED_CONTROLS,
            (
                "spent-challenge-any-signer",
                "history-challenge-any-time",
                "exit-with-parent-before-mint",
                "response-without-signature",
                "watch-every-half-period-inclusive",
            ),
        ),
        Check(
            Checker.CROSSHAIR,
            (
                "sparse_proof_verifies",
                "sparse_proof_shows_non_inclusion",
                "sparse_proof_refuses_non_canonical",
            ),
        ),
        Check(Checker.UNIT_CAN_FAIL),
    ),
)
"""INV-27."""


INVARIANTS = (COIN_HONEST_WITHDRAWAL,)
"""The catalog entries of this module."""
