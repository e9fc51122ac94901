"""The Plasma Cash part of the crash workload: a Cash environment's history, as node requests.

:mod:`tests.crash_workload` registers a Cash environment (:data:`CASH_ENVIRONMENT`)
beside the two payments ones and draws these actions among its own: deposits
that mint coins (the mint applied to the Cash chain with a ``step`` request),
blocks of transfers signed by the coins' owners (rarely a forged one, which
the chain refuses after the settlement layer took the root), exits from a
coin's last leaves or from an older leaf, spent-coin challenges, history
challenges and their answers, and finalizations, whose paid coins leave the
chain (``ApplyCoinExit`` steps, from the kind's ``compute_exit_steps``).
Every settlement operation goes through ``Model.settle``; every chain step
is recorded as a ``step`` request and applied to the model's chain.
"""

from __future__ import annotations

import contextlib
import random
from typing import TYPE_CHECKING

from fixtures import ACTORS, OPERATOR, TOKENS, WATCHER
from spec.encoding import encode
from spec.environments.cash.chain import CashChainState
from spec.environments.cash.challenges import (
    ChallengeCoinHistory,
    ChallengeCoinSpent,
    RespondCoinHistory,
)
from spec.environments.cash.coins import (
    CoinBlock,
    CoinLeaf,
    CoinMint,
    SignedTransfer,
    Transfer,
    compute_coin_block_root,
    compute_coin_leaf_hash,
    sign_transfer,
)
from spec.environments.cash.exits import FinalizeCoinExit, StartCoinExit
from spec.environments.cash.kind import CASH
from spec.environments.cash.records import CashRecords, CoinExitStatus, CoinStatus
from spec.environments.cash.steps import (
    ApplyCoinBlock,
    ApplyMint,
    CashChainOperation,
    apply_cash_chain_operation,
)
from spec.environments.cash.witnesses import IncludedLeaf, IncludedTransfer
from spec.errors import Rejected
from spec.presets import TINY
from spec.primitives import Uint64, Uint256
from spec.settlement.blocks import get_next_child_block_number
from spec.settlement.deposits import get_next_deposit_block_number
from spec.settlement.operations import Deposit, SubmitBlock
from spec.sparse_merkle import compute_compact_proof

if TYPE_CHECKING:
    from tests.crash_workload import Model

CASH_ENVIRONMENT = 2
"""The workload's Cash environment (after the two payments ones)."""

CASH_OPERATOR = OPERATOR
"""Who commits the Cash environment's blocks."""

KEYS = {actor.address: actor.key for actor in ACTORS}
"""Private key of every actor, by address."""


def step_request(step: CashChainOperation) -> dict[str, object]:
    """Return the request that applies a Cash chain step to the Cash environment's ledger."""
    encoding = encode(step, CashChainOperation).hex()
    return {"command": "step", "environment": CASH_ENVIRONMENT, "step": encoding}


def apply_step(model: Model, step: CashChainOperation) -> None:
    """Record a chain step's request and apply it to the model's chain (a refusal is kept out)."""
    model.requests.append(step_request(step))
    chain = model.chains[CASH_ENVIRONMENT]
    assert isinstance(chain, CashChainState)
    with contextlib.suppress(Rejected):
        model.chains[CASH_ENVIRONMENT] = apply_cash_chain_operation(chain, step)


def get_records(model: Model) -> CashRecords:
    """Return the Cash environment's settlement records."""
    records = model.settlement.environments[CASH_ENVIRONMENT].kind_records
    assert isinstance(records, CashRecords)
    return records


def witness(model: Model, block: int, coin: int) -> IncludedLeaf | None:
    """Return the committed leaf of a coin in a block with its proof, if the block holds one."""
    leaves = model.cash_leaves.get(block, {})
    if coin not in leaves:
        return None
    keyed = {key: compute_coin_leaf_hash(leaf) for key, leaf in leaves.items()}
    proof = compute_compact_proof(keyed, coin, int(TINY.coin_tree_depth))
    return IncludedLeaf(Uint64(block), leaves[coin], proof)


def list_leaves(model: Model, coin: int) -> list[tuple[int, CoinLeaf]]:
    """Return a coin's committed leaves, by block."""
    return sorted((n, leaves[coin]) for n, leaves in model.cash_leaves.items() if coin in leaves)


def cash_deposit(model: Model, chooser: random.Random) -> None:
    """An actor deposits into the Cash environment; the chain mints the coin."""
    owner = chooser.choice(ACTORS).address
    token = chooser.choice(TOKENS)
    amount = Uint256(chooser.randint(1, 5_000))
    environment = model.settlement.environments[CASH_ENVIRONMENT]
    number = get_next_deposit_block_number(environment)
    if not model.settle(Deposit(Uint64(CASH_ENVIRONMENT), owner, token, amount)):
        return
    mint = CoinMint(number, owner, token, amount)
    model.cash_leaves[int(number)] = {int(number): mint}
    apply_step(model, ApplyMint(mint))


def cash_block(model: Model, chooser: random.Random) -> None:
    """The operator commits a block moving some live coins, and the chain applies it."""
    chain = model.chains[CASH_ENVIRONMENT]
    assert isinstance(chain, CashChainState)
    environment = model.settlement.environments[CASH_ENVIRONMENT]
    number = get_next_child_block_number(model.settlement, environment)
    live = sorted(int(coin) for coin in chain.coins)
    transfers = []
    for coin in chooser.sample(live, min(len(live), chooser.randint(0, 3))):
        held = chain.coins[Uint64(coin)]
        body = Transfer(Uint64(coin), held.last_block, chooser.choice(ACTORS).address)
        key = KEYS[held.owner] if chooser.random() > 0.05 else KEYS[WATCHER.address]
        transfers.append(sign_transfer(Uint64(CASH_ENVIRONMENT), body, key))
    root = compute_coin_block_root(transfers, int(TINY.coin_tree_depth))
    operation = SubmitBlock(Uint64(CASH_ENVIRONMENT), CASH_OPERATOR.address, number, root)
    if not model.settle(operation):
        return
    model.cash_leaves[int(number)] = {int(t.transfer.coin_id): t for t in transfers}
    apply_step(model, ApplyCoinBlock(number, CoinBlock(tuple(transfers))))


def cash_exit(model: Model, chooser: random.Random) -> None:
    """A coin's owner exits: from its last leaf, or sometimes from an older one."""
    records = get_records(model)
    at_rest = [int(c) for c, coin in records.coins.items() if coin.status == CoinStatus.DEPOSITED]
    if not at_rest:
        return
    coin = chooser.choice(at_rest)
    leaves = list_leaves(model, coin)
    block, leaf = leaves[-1] if chooser.random() < 0.7 else chooser.choice(leaves)
    parent = None
    if isinstance(leaf, SignedTransfer):
        parent = witness(model, int(leaf.transfer.previous_block), coin)
    exiting = witness(model, block, coin)
    assert exiting is not None
    owner = leaf.owner if isinstance(leaf, CoinMint) else leaf.transfer.new_owner
    bond = model.settlement.environments[CASH_ENVIRONMENT].rules.exit_bond
    model.settle(
        StartCoinExit(Uint64(CASH_ENVIRONMENT), owner, Uint64(coin), exiting, parent, bond)
    )


def cash_challenge(model: Model, chooser: random.Random) -> None:
    """The watcher challenges the newest open exit it can: a later spend, or its history.

    A history challenge (with the coin's mint, the exit's parent being later) is
    usually answered at once by the mint's spend.
    """
    env = Uint64(CASH_ENVIRONMENT)
    for exit_id, exit in sorted(get_records(model).exits.items(), reverse=True):
        if exit.status != CoinExitStatus.OPEN:
            continue
        coin = int(exit.coin_id)
        for number, leaf in list_leaves(model, coin):
            spends_exit = (
                isinstance(leaf, SignedTransfer) and leaf.transfer.previous_block == exit.exit_block
            )
            if spends_exit and number > exit.exit_block:
                spend = witness(model, number, coin)
                assert spend is not None and isinstance(spend.leaf, SignedTransfer)
                included = IncludedTransfer(spend.block_number, spend.leaf, spend.proof)
                model.settle(ChallengeCoinSpent(env, WATCHER.address, exit_id, included))
                return
        if exit.parent_block > coin and Uint64(coin) not in exit.challenges:
            earlier = witness(model, coin, coin)
            assert earlier is not None
            bond = model.settlement.environments[CASH_ENVIRONMENT].rules.exit_bond
            history = ChallengeCoinHistory(env, WATCHER.address, exit_id, earlier, None, bond)
            if model.settle(history) and chooser.random() < 0.8:
                answer(model, exit_id, coin, int(exit.parent_block))
            return


def answer(model: Model, exit_id: Uint64, coin: int, parent_block: int) -> None:
    """The exiter answers the history challenge at the coin's mint with the mint's spend."""
    for number, leaf in list_leaves(model, coin):
        spends_mint = isinstance(leaf, SignedTransfer) and leaf.transfer.previous_block == coin
        if spends_mint and coin < number <= parent_block:
            spend = witness(model, number, coin)
            assert spend is not None and isinstance(spend.leaf, SignedTransfer)
            included = IncludedTransfer(spend.block_number, spend.leaf, spend.proof)
            env = Uint64(CASH_ENVIRONMENT)
            model.settle(RespondCoinHistory(env, WATCHER.address, exit_id, Uint64(coin), included))
            return


def cash_finalize(model: Model, chooser: random.Random) -> None:
    """Someone finalizes the oldest mature open exit; a paid coin leaves the chain."""
    time = model.settlement.time
    for exit_id, exit in sorted(get_records(model).exits.items()):
        if exit.status == CoinExitStatus.OPEN and exit.exitable_at <= time:
            before = model.settlement.environments[CASH_ENVIRONMENT]
            if model.settle(FinalizeCoinExit(Uint64(CASH_ENVIRONMENT), exit_id)):
                after = model.settlement.environments[CASH_ENVIRONMENT]
                for step in CASH.chain.compute_exit_steps(before, after):
                    apply_step(model, step)
            return


CASH_ACTIONS = (
    cash_deposit,
    cash_block,
    cash_block,
    cash_exit,
    cash_challenge,
    cash_finalize,
    cash_finalize,
)
"""The Cash actions the workload draws among its own."""
