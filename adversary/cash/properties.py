"""Trace properties of the Plasma Cash exit game, judged on a world that keeps every block's leaves.

INV-27 Honest coin withdrawal (``spec.invariants.cash.withdrawal``) is about
facts the settlement state does not keep (the leaves of blocks, who signed
what), so its predicate judges a :class:`fixtures.cash.CashWorld`, whose
leaves are the ground truth: the unit tests of the catalog
(``tests/test_cash_invariants.py``) and the Cash stateful machine
(``adversary.cash.moves``, at the end of every trace) call it.
"""

from __future__ import annotations

from fixtures.cash import CashWorld
from spec.environments.cash.coins import CoinMint, SignedTransfer
from spec.environments.cash.records import CashRecords, CoinExitStatus
from spec.invariants.cash.reading import read_leaf_owner, read_signer
from spec.primitives import Address


def find_valid_history(world: CashWorld, env: int, coin: int) -> tuple[int, Address] | None:
    """Return the block and owner of the last leaf of the coin's longest strictly valid history.

    From the mint, every committed block of the environment (in order) must
    hold at the coin's key nothing or exactly the next transfer, which names
    the previous leaf's block and is signed by the owner that leaf gave the
    coin to; the history ends before the first block that does not (or
    whose leaves are withheld). None if the mint itself is not known.
    """
    mint = world.leaves.get((env, coin), {}).get(coin)
    if not isinstance(mint, CoinMint):
        return None
    last = (coin, read_leaf_owner(mint))
    for number in sorted(int(n) for n in world.state.environments[env].blocks if n > coin):
        leaves = world.leaves.get((env, number))
        if leaves is None:
            break
        leaf = leaves.get(coin)
        if leaf is None:
            continue
        if (
            not isinstance(leaf, SignedTransfer)
            or (
                int(leaf.transfer.previous_block),
                read_signer(env, leaf),
            )
            != last
        ):
            break
        last = (number, read_leaf_owner(leaf))
    return last


def has_signed_a_spend(world: CashWorld, env: int, coin: int, owner: Address) -> bool:
    """Return whether ``owner`` signed a committed transfer of the coin (known leaves)."""
    return any(
        isinstance(leaf, SignedTransfer) and read_signer(env, leaf) == owner
        for (leaf_env, _), leaves in world.leaves.items()
        if leaf_env == env
        for key, leaf in leaves.items()
        if key == coin
    )


def check_honest_coin_withdrawal(
    world: CashWorld, env: int, coin: int, owner: Address
) -> list[str]:
    """INV-27: an owner with a strictly valid history who never signed loses nothing.

    Judged when the coin's longest strictly valid history (from the world's
    leaves, the ground truth) ends with a leaf giving the coin to ``owner``
    and ``owner`` never signed a committed transfer of the coin: then no exit
    of the coin by anyone else was finalized, and no exit of ``owner`` was
    cancelled (a finalized one was paid: INV-24 checks the amount). Traces
    whose hypotheses do not hold are not judged.
    """
    history = find_valid_history(world, env, coin)
    if history is None or history[1] != owner or has_signed_a_spend(world, env, coin, owner):
        return []
    records = world.state.environments[env].kind_records
    assert isinstance(records, CashRecords)
    violations = []
    for exit_id, exit in records.exits.items():
        if exit.coin_id != coin:
            continue
        if exit.owner != owner and exit.status == CoinExitStatus.FINALIZED:
            violations.append(f"exit {exit_id} paid the coin to another owner")
        if exit.owner == owner and exit.status == CoinExitStatus.CANCELLED:
            violations.append(f"exit {exit_id} of the honest owner was cancelled")
    return violations
