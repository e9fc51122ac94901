"""Invariants of the payments child chain: transaction validity, value, no double spend.

INV-15 Transaction validity, INV-16 Value conservation and INV-17 No double
spend, each as its predicates followed by its catalog entry. State
predicates take one :class:`~spec.environments.payments.chain.ChildChainState`;
the transition predicate takes the states before and after one accepted
step (a block, a deposit or an exit). They compute in plain integers, so a
broken state is reported rather than crashing the checker.
"""

from __future__ import annotations

from spec.environments.payments.chain import ChildChainState
from spec.environments.payments.transactions import MAX_OUTPUTS
from spec.invariants.checks import (
    ARITHMETIC_CONTRACTS,
    CHILD_CHAIN_EVERY_STEP,
    PAYMENT_CONTRACTS,
    STATEFUL_REALITY,
    Check,
    Checker,
)
from spec.invariants.entry import Invariant, Layer, Predicates
from spec.invariants.ids import InvariantId
from spec.primitives import Address
from spec.settlement.state import EnvironmentKind

# INV-15 Transaction validity (state form)


def check_output_validity(state: ChildChainState) -> list[str]:
    """INV-15, state form: every unspent output could have been created by a valid step.

    For every (position, output) in ``state.utxos``: ``output.amount > 0``,
    ``position.output_index < MAX_OUTPUTS``, ``position.transaction_index <
    2**state.transaction_tree_depth`` and ``position.block_number <=
    state.block_number``.
    """
    block_size_limit = 1 << int(state.transaction_tree_depth)
    violations = []
    for position, output in state.utxos.items():
        if int(output.amount) <= 0:
            violations.append(f"{position}: amount {int(output.amount)} is not positive")
        if int(position.output_index) >= MAX_OUTPUTS:
            violations.append(f"{position}: output index >= MAX_OUTPUTS ({MAX_OUTPUTS})")
        if int(position.transaction_index) >= block_size_limit:
            violations.append(f"{position}: transaction index >= {block_size_limit}")
        if int(position.block_number) > int(state.block_number):
            violations.append(f"{position}: after the last block {int(state.block_number)}")
    return violations


TRANSACTION_VALIDITY = Invariant(
    identifier=InvariantId.TRANSACTION_VALIDITY,
    title="Transaction validity",
    layer=Layer.CHILD_CHAIN,
    kind=EnvironmentKind.PAYMENTS,
    statement=(
        "A block is applied only if every payment in it has distinct unspent inputs, each "
        "signed by its owner, positive outputs, and per token inputs >= outputs; fee claims go "
        "to the operator and take no more than the block's unclaimed fees. State form: every "
        "unspent output has a positive amount at a position that can exist (output index < "
        "MAX_OUTPUTS, transaction index < 2**depth, block number <= the last block applied)."
    ),
    rationale="The child chain's state is what honest users can prove and exit.",
    strengthening="",
    predicates=Predicates(chain_state=(check_output_validity,)),
    checks=(
        CHILD_CHAIN_EVERY_STEP,
        Check(Checker.CROSSHAIR, PAYMENT_CONTRACTS),
        STATEFUL_REALITY,
    ),
)
"""INV-15."""


# INV-16 Value conservation


def get_tokens(state: ChildChainState) -> set[Address]:
    """Return every token the UTXO set or a per-token total mentions."""
    totals = (state.deposited, state.exited, state.fees_paid, state.fees_claimed)
    return {output.token for output in state.utxos.values()}.union(*totals)


def check_value_conservation(state: ChildChainState) -> list[str]:
    """INV-16: for every token, unspent value == deposited - exited - fees_paid + fees_claimed.

    The unspent value of a token is the sum of the amounts of its outputs in
    ``state.utxos``; a token missing from a total counts as zero there.
    """
    violations = []
    for token in sorted(get_tokens(state)):
        unspent = sum(int(o.amount) for o in state.utxos.values() if o.token == token)
        expected = (
            int(state.deposited.get(token, 0))
            - int(state.exited.get(token, 0))
            - int(state.fees_paid.get(token, 0))
            + int(state.fees_claimed.get(token, 0))
        )
        if unspent != expected:
            violations.append(f"token {token}: unspent {unspent} != accounted {expected}")
    return violations


VALUE_CONSERVATION = Invariant(
    identifier=InvariantId.VALUE_CONSERVATION,
    title="Value conservation",
    layer=Layer.CHILD_CHAIN,
    kind=EnvironmentKind.PAYMENTS,
    statement=(
        "For every token, the unspent value equals deposited - exited - fees paid + fees claimed."
    ),
    rationale=("Payments move value and never create it; the operator gains only fees paid to it."),
    strengthening="",
    predicates=Predicates(chain_state=(check_value_conservation,)),
    checks=(
        CHILD_CHAIN_EVERY_STEP,
        Check(Checker.CROSSHAIR, (*ARITHMETIC_CONTRACTS, *PAYMENT_CONTRACTS)),
        STATEFUL_REALITY,
    ),
)
"""INV-16."""


# INV-17 No double spend


def check_no_double_spend(state: ChildChainState) -> list[str]:
    """INV-17, state form: no position is both in ``state.utxos`` and in ``state.spent``."""
    both = sorted(set(state.utxos) & state.spent)
    return [f"{position}: both unspent and spent" for position in both]


def check_spent_is_permanent(pre: ChildChainState, post: ChildChainState) -> list[str]:
    """INV-17, transition form: an output once spent stays spent and never returns.

    ``pre.spent`` is a subset of ``post.spent``, and no position of
    ``post.spent`` is in ``post.utxos``.
    """
    forgotten = sorted(pre.spent - post.spent)
    revived = sorted(post.spent & set(post.utxos))
    return [f"{position}: spent before, no longer spent" for position in forgotten] + [
        f"{position}: spent, yet unspent again" for position in revived
    ]


NO_DOUBLE_SPEND = Invariant(
    identifier=InvariantId.NO_DOUBLE_SPEND,
    title="No double spend",
    layer=Layer.CHILD_CHAIN,
    kind=EnvironmentKind.PAYMENTS,
    statement="No output is both unspent and spent, and an output once spent stays spent.",
    rationale="A double spend in the canonical chain is value created from nothing.",
    strengthening="",
    predicates=Predicates(
        chain_state=(check_no_double_spend,), chain_transition=(check_spent_is_permanent,)
    ),
    checks=(CHILD_CHAIN_EVERY_STEP, STATEFUL_REALITY),
)
"""INV-17."""


INVARIANTS = (TRANSACTION_VALIDITY, VALUE_CONSERVATION, NO_DOUBLE_SPEND)
"""The catalog entries of this module."""
