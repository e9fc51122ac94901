"""What an honest Cash owner does: exit with its coin's history, challenge bad exits, answer.

An honest owner keeps its coin's whole history with proofs (the ledger's
valid history, every leaf of it in a published block). From that alone it can
refute any exit of the coin that is not its own latest one, with the only
challenge that applies (:func:`choose_challenge`):

- the exiting leaf is a valid leaf with a later valid leaf: that later leaf
  spends it, signed by the exiter (**spent after**);
- the exiting leaf is not valid but its parent is: the parent's next valid
  leaf spent it first, between the parent and the exit (**double spend**);
- neither is valid: the last valid leaf before the parent was never spent by
  its owner up to the parent (**invalid history**, bonded; only while the
  window is open), so the challenge cannot be answered.

And it answers every invalid-history challenge of its own exit with the
committed spend of the challenging leaf by that leaf's recipient
(:func:`choose_answers`). Every function returns the operation to submit; the
caller submits it and says what outcome it expects.
"""

from __future__ import annotations

from adversary.cash.ledger import CashLedger, recover_signer
from spec.environments.cash.challenges import (
    ChallengeCoinDoubleSpend,
    ChallengeCoinHistory,
    ChallengeCoinSpent,
    RespondCoinHistory,
)
from spec.environments.cash.coins import SignedTransfer
from spec.environments.cash.exits import StartCoinExit, get_challenge_deadline
from spec.environments.cash.records import CoinExit
from spec.primitives import Address, Uint64
from spec.settlement.state import BlockKind

CashChallenge = ChallengeCoinSpent | ChallengeCoinDoubleSpend | ChallengeCoinHistory
"""Any of the three challenges of a coin exit."""


def build_exit(
    ledger: CashLedger,
    env: int,
    coin_id: int,
    sender: Address,
    *,
    exiting_block: int,
    parent_block: int | None,
) -> StartCoinExit:
    """Return the exit of a coin by ``sender`` with the leaves of two committed blocks."""
    exiting = ledger.witness(env, exiting_block, coin_id)
    parent = None if parent_block is None else ledger.witness(env, parent_block, coin_id)
    bond = ledger.state.environments[env].rules.exit_bond
    return StartCoinExit(Uint64(env), sender, Uint64(coin_id), exiting, parent, bond)


def make_honest_exit(ledger: CashLedger, env: int, coin_id: int) -> StartCoinExit:
    """Return the rightful owner's exit: the coin's last two valid leaves (or its mint alone)."""
    history = ledger.history(env, coin_id)
    blocks = history.blocks
    parent = blocks[-2] if len(blocks) > 1 else None
    return build_exit(
        ledger, env, coin_id, history.owner, exiting_block=blocks[-1], parent_block=parent
    )


def is_window_open(ledger: CashLedger, env: int, exit: CoinExit) -> bool:
    """Return whether invalid-history challenges of ``exit`` are still accepted."""
    environment = ledger.state.environments[env]
    return ledger.time < int(get_challenge_deadline(environment, exit))


def choose_challenge(
    ledger: CashLedger, env: int, exit_id: int, exit: CoinExit, challenger: Address
) -> CashChallenge | None:
    """Return the challenge that refutes ``exit`` from the coin's valid history, if any.

    None when the exit is the rightful owner's latest one, or when the only
    refutation is an invalid-history challenge and its window has closed (or
    one is already open at that leaf).
    """
    coin_id = int(exit.coin_id)
    history = ledger.history(env, coin_id)
    blocks = list(history.blocks)
    exit_block, parent_block = int(exit.exit_block), int(exit.parent_block)
    environment_id, exit_key = Uint64(env), Uint64(exit_id)
    if exit_block in blocks:
        index = blocks.index(exit_block)
        if index == len(blocks) - 1:
            return None
        spend = ledger.transfer_witness(env, blocks[index + 1], coin_id)
        return ChallengeCoinSpent(environment_id, challenger, exit_key, spend)
    if parent_block in blocks:
        index = blocks.index(parent_block)
        if index + 1 < len(blocks) and blocks[index + 1] < exit_block:
            spend = ledger.transfer_witness(env, blocks[index + 1], coin_id)
            return ChallengeCoinDoubleSpend(environment_id, challenger, exit_key, spend)
        return None
    before = [block for block in blocks if block < parent_block]
    if not before or not is_window_open(ledger, env, exit) or before[-1] in exit.challenges:
        return None
    index = blocks.index(before[-1])
    earlier = ledger.witness(env, blocks[index], coin_id)
    parent = ledger.witness(env, blocks[index - 1], coin_id) if index else None
    bond = ledger.state.environments[env].rules.exit_bond
    return ChallengeCoinHistory(environment_id, challenger, exit_key, earlier, parent, bond)


def find_response(
    ledger: CashLedger, env: int, exit: CoinExit, challenge_block: int, owner: Address
) -> int | None:
    """Return a published block holding a spend of the challenging leaf signed by ``owner``.

    The spend must lie after the challenging leaf and no later than the exit's
    parent (the history the exit claims).
    """
    coin_id = int(exit.coin_id)
    blocks = ledger.state.environments[env].blocks
    for number in sorted(int(n) for n, r in blocks.items() if r.kind == BlockKind.CHILD):
        if not challenge_block < number <= int(exit.parent_block):
            continue
        if (env, number) in ledger.withheld:
            continue
        leaf = ledger.leaf(env, number, coin_id)
        if (
            isinstance(leaf, SignedTransfer)
            and int(leaf.transfer.previous_block) == challenge_block
            and recover_signer(env, leaf) == owner
        ):
            return number
    return None


def choose_answers(
    ledger: CashLedger, env: int, exit_id: int, exit: CoinExit, responder: Address
) -> list[RespondCoinHistory]:
    """Return an answer to every open invalid-history challenge of ``exit`` that has one."""
    answers = []
    for block, challenge in sorted(exit.challenges.items()):
        found = find_response(ledger, env, exit, int(block), challenge.owner)
        if found is None:
            continue
        response = ledger.transfer_witness(env, found, int(exit.coin_id))
        answers.append(RespondCoinHistory(Uint64(env), responder, Uint64(exit_id), block, response))
    return answers
