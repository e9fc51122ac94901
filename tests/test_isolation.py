"""Several environments at once: one byzantine operator cannot touch another environment."""

from __future__ import annotations

from fixtures import WATCHER
from spec.encoding import encode
from spec.environments.payments.transactions import Output
from spec.primitives import NATIVE_TOKEN, Uint32, Uint64, Uint256
from spec.settlement.operations import ProcessExits
from spec.settlement.state import ExitStatus, get_balance, get_vault_balance
from tests.harness import (
    FUNDS,
    advance,
    apply,
    commit_block,
    deposit,
    make_exit,
    make_world,
    pay,
    position_of,
)
from tests.support import ALICE, ALICE_KEY, BOB, MALLORY, MALLORY_KEY, TOKEN_A


def test_byzantine_environment_leaves_the_other_untouched() -> None:
    """Given env 0 whose operator mints 10**6 to Mallory, and env 1 where Bob deposited.

    When Mallory exits the minted output and it is processed,
    Then she is paid at most env 0's vault; env 1's vault, blocks and exits are byte-identical,
    and Bob's exit in env 1 is paid in full.
    """
    state = make_world(environments=2)
    state, honest = deposit(state, 1, BOB, 500, TOKEN_A)
    state, alice = deposit(state, 0, ALICE, 100, TOKEN_A)
    env1_before = encode(state.environments[1])
    minted = pay(0, [(alice.position, MALLORY_KEY)], [Output(MALLORY, TOKEN_A, Uint256(10**6))])
    state, number = commit_block(state, 0, [minted])
    state = apply(state, make_exit(state, 0, MALLORY, position_of(number, 0), [minted]))
    state = apply(advance(state, 200), ProcessExits(Uint64(0), WATCHER.address, TOKEN_A, Uint32(5)))
    assert encode(state.environments[1]) == env1_before
    assert get_balance(state, MALLORY, TOKEN_A) == FUNDS + 100  # only env 0's vault
    assert get_vault_balance(state.environments[1], TOKEN_A) == 500
    state = apply(state, make_exit(state, 1, BOB, honest.position, [honest.transaction]))
    state = apply(advance(state, 100), ProcessExits(Uint64(1), WATCHER.address, TOKEN_A, Uint32(5)))
    assert state.environments[1].exits[Uint64(0)].status == ExitStatus.PROCESSED
    assert get_balance(state, BOB, TOKEN_A) == FUNDS


def test_honest_owner_exits_before_outputs_of_an_invalid_block() -> None:
    """Given Alice's deposit of 100, then an invalid block minting 100 to Mallory.

    When Mallory exits at once and Alice exits her deposit one MFP later,
    Then Alice's older output has priority: she is paid 100 and Mallory meets an empty vault.
    """
    state, alice = deposit(make_world(), 0, ALICE, 100)
    minted = pay(0, [(alice.position, MALLORY_KEY)], [(MALLORY, 100)])
    state, number = commit_block(state, 0, [minted])
    state = apply(state, make_exit(state, 0, MALLORY, position_of(number, 0), [minted]))
    state = advance(state, 100)
    state = apply(state, make_exit(state, 0, ALICE, alice.position, [alice.transaction]))
    state = apply(
        advance(state, 100), ProcessExits(Uint64(0), WATCHER.address, NATIVE_TOKEN, Uint32(5))
    )
    exits = state.environments[0].exits
    assert (exits[Uint64(1)].owner, exits[Uint64(1)].paid) == (ALICE, 100)
    assert (exits[Uint64(0)].owner, exits[Uint64(0)].paid) == (MALLORY, 0)


def test_signatures_do_not_replay_across_environments() -> None:
    """Given a payment Alice signed for env 0.

    When the same signed payment is checked against env 1's signing hash,
    Then it recovers to someone other than Alice.
    """
    from spec.crypto import recover_signer
    from spec.environments.payments.transactions import compute_signing_hash

    payment = pay(0, [(position_of(1, 0), ALICE_KEY)], [(BOB, 1)])
    in_env1 = recover_signer(
        compute_signing_hash(Uint64(1), payment.transaction), payment.signatures[0]
    )
    in_env0 = recover_signer(
        compute_signing_hash(Uint64(0), payment.transaction), payment.signatures[0]
    )
    assert in_env0 == ALICE and in_env1 != ALICE
