"""Scenarios of several environments: a byzantine one cannot touch another's funds.

Each environment has its own block log, exits and vault per token, and every
signature is bound to its environment. Whatever one operator commits, the
other environment's users keep what they own.
"""

from __future__ import annotations

from adversary.payments.scenarios.framework import scenario
from adversary.payments.scenarios.play import NOWHERE, Play, make_output, make_position
from adversary.payments.scenarios.records import (
    ActionKind,
    BondRelease,
    Expectation,
    Impossible,
    Payout,
    Rejection,
    VaultBalance,
)
from fixtures import ALICE, BOB, CAROL, DAVE, MALLORY, OPERATOR, OPERATOR_TWO, WATCHER
from spec.errors import RejectionReason

TWO_OPERATORS = (OPERATOR, OPERATOR_TWO)
"""Env 0 run by the operator, env 1 by the second operator."""


@scenario(
    Expectation(
        payouts=(
            Payout(ALICE, 100, at=250),
            Payout(MALLORY, 0, at=250),
            Payout(CAROL, 150, at=250),
        ),
        bonds=(
            BondRelease(ALICE, ALICE),
            BondRelease(MALLORY, MALLORY),
            BondRelease(CAROL, CAROL),
        ),
        rejections=(
            Rejection(
                MALLORY, ActionKind.START_EXIT, RejectionReason.INCLUSION_PROOF_INVALID, at=20
            ),
        ),
        impossible=(Impossible(ALICE, ActionKind.VALIDATE_BLOCK),),
        vaults=(VaultBalance(0, 0), VaultBalance(1, 50)),
    ),
    operators=TWO_OPERATORS,
)
def byzantine_operator_is_isolated(play: Play) -> None:
    """One operator turns byzantine; the other environment's users are untouched.

    Env 0's operator withholds a block giving Mallory 1000 from nowhere, ten
    times its vault. Mallory exits in env 0, and also presents the same proof
    to env 1, whose block 4 has another root: rejected. Alice leaves env 0 in
    time and is paid; Mallory's exit is capped by env 0's empty vault. In env
    1, Carol exits what Dave paid her and is paid in full, and Dave's 50 stay
    in env 1's vault, untouched.

    Source: the origin document's isolation claim (one shared settlement layer,
    no environment can move another's funds); OMG plasma-contracts
    VaultRegistry (one vault per asset and framework); invariant 12, isolation.
    """
    alice_deposit = play.deposit(ALICE, 100, env=0)
    dave_deposit = play.deposit(DAVE, 200, env=1)
    play.wait_until(10)
    outputs = [make_output(CAROL, 150), make_output(DAVE, 50)]
    honest = play.commit([play.sign(DAVE, [dave_deposit], outputs, env=1)], env=1)
    play.wait_until(20)
    forged = play.sign(MALLORY, [NOWHERE], [make_output(MALLORY, 1000)], env=0)
    bad = play.commit([forged], env=0, withhold=True)
    play.start_insider_exit(MALLORY, make_position(bad), env=0)
    claim = play.make_exit(MALLORY, make_position(bad), env=1, block=[forged])
    play.submit(MALLORY, claim, f"presents her env 0 proof of {bad}/0/0 to env 1")
    play.wait_until(30)
    play.check_block(ALICE, bad, env=0)
    play.start_exit(ALICE, alice_deposit, env=0)
    play.start_exit(CAROL, make_position(honest), env=1)
    play.wait_until(250)
    play.process(WATCHER, env=0)
    play.process(WATCHER, env=1)


@scenario(
    Expectation(
        payouts=(Payout(ALICE, 100, at=210), Payout(BOB, 100, at=210)),
        bonds=(BondRelease(ALICE, ALICE), BondRelease(BOB, BOB)),
        rejections=(
            Rejection(
                MALLORY, ActionKind.CHALLENGE, RejectionReason.CHALLENGE_NOT_SIGNED_BY_OWNER, at=20
            ),
            Rejection(
                WATCHER,
                ActionKind.VALIDATE_BLOCK,
                RejectionReason.TX_INPUT_NOT_SIGNED_BY_OWNER,
                at=20,
            ),
        ),
        vaults=(VaultBalance(0, 0), VaultBalance(1, 0)),
    ),
    operators=TWO_OPERATORS,
)
def cross_environment_replay(play: Play) -> None:
    """A payment signed for one environment means nothing in another.

    Alice deposits 100 into each environment: two outputs at the same position
    with identical contents. She pays Bob from her env 0 output. Mallory
    replays that signed payment in env 1 to challenge Alice's exit of her env 1
    output, and env 1's operator puts it in a block: the challenge is rejected
    and the block is invalid, since the signature covers the environment id.
    Alice is paid in env 1, Bob in env 0.

    Source: EIP-155 and EIP-712 domain separation (OMG plasma-contracts signs
    payments with an EIP-712 domain bound to the framework, paymentEip712.js);
    invariant 12, isolation.
    """
    in_env_zero = play.deposit(ALICE, 100, env=0)
    in_env_one = play.deposit(ALICE, 100, env=1)
    play.wait_until(10)
    payment = play.sign(ALICE, [in_env_zero], [make_output(BOB, 100)], env=0)
    block = play.commit([payment], env=0)
    play.wait_until(20)
    honest = play.start_exit(ALICE, in_env_one, env=1)
    play.challenge(MALLORY, honest, env=1, spend=payment)
    replayed = play.commit([payment], env=1)
    play.check_block(WATCHER, replayed, env=1)
    play.start_exit(BOB, make_position(block), env=0)
    play.wait_until(210)
    play.process(ALICE, env=1)
    play.process(BOB, env=0)
