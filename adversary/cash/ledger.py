"""The ground truth of Cash environments: every committed leaf, and each coin's real history.

The settlement layer stores only roots, and :class:`fixtures.cash.CashWorld`
remembers the leaves behind them (whatever the operator put there). A
:class:`CashLedger` adds what an adversarial test needs on top:

- the log of every accepted settlement operation (to check invariants on each);
- which child blocks were withheld (committed by root, contents never published);
- each coin's **valid history** (:func:`compute_history`): its mint, then, block
  after block, the first committed transfer that names the coin's latest
  valid block and is signed by its owner at that point. Every other leaf at the
  coin's key is **invalid** (a forged signature, a double spend by an earlier
  owner, a transfer before the mint, a fake mint in a child block) and moves
  nothing. The owner by the last valid leaf is the coin's **rightful owner**.

The valid history is judged on the real contents of every block, withheld ones
included: it is what happened, not what a given user could see.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from fixtures import Actor, make_rules
from fixtures.cash import CashWorld
from spec.environments.cash.coins import (
    CoinLeaf,
    CoinMint,
    SignedTransfer,
    Transfer,
    compute_coin_block_root,
    get_leaf_owner,
    get_transfer_signer,
    sign_transfer,
)
from spec.environments.cash.exits import get_cash_records
from spec.environments.cash.records import CashRecords
from spec.environments.cash.witnesses import IncludedLeaf, IncludedTransfer
from spec.errors import Rejected
from spec.primitives import NATIVE_TOKEN, Address, Uint64, Uint256
from spec.settlement.operations import AdvanceTime, Deposit, RegisterEnvironment, SubmitBlock
from spec.settlement.state import BlockKind, EnvironmentKind, SettlementState
from spec.settlement.transition import Operation


@dataclass(frozen=True)
class CoinHistory:
    """A coin's leaves as committed, split into its valid history and the rest."""

    coin_id: int
    """The coin."""
    valid: tuple[tuple[int, CoinLeaf], ...]
    """(block, leaf) of the mint and of every valid transfer, in block order."""
    invalid: tuple[tuple[int, CoinLeaf], ...]
    """(block, leaf) of every other leaf at the coin's key, in block order."""

    @property
    def owner(self) -> Address:
        """Return the rightful owner: the owner by the last valid leaf."""
        return get_leaf_owner(self.valid[-1][1])

    @property
    def owners(self) -> tuple[Address, ...]:
        """Return every owner the coin had, in order (the mint's depositor first)."""
        return tuple(get_leaf_owner(leaf) for _, leaf in self.valid)

    @property
    def blocks(self) -> tuple[int, ...]:
        """Return the blocks of the valid history."""
        return tuple(block for block, _ in self.valid)


@functools.cache
def recover_signer(env: int, leaf: SignedTransfer) -> Address | None:
    """Return who signed a transfer, or None for a signature that recovers to nobody.

    Cached: the ground truth asks again and again about the same leaves. (The
    spec's own checks never go through this cache.)
    """
    try:
        return get_transfer_signer(Uint64(env), leaf)
    except Rejected:
        return None


@dataclass
class CashLedger:
    """A Cash world with its operation log and withheld blocks: the ground truth of a game."""

    world: CashWorld
    """The settlement state and every committed block's leaves."""
    log: list[Operation] = field(default_factory=list)
    """Every settlement operation accepted through this ledger, in order."""
    withheld: set[tuple[int, int]] = field(default_factory=set)
    """(environment, block) of every child block whose contents were never published."""

    @property
    def state(self) -> SettlementState:
        """The settlement layer now."""
        return self.world.state

    @property
    def time(self) -> int:
        """Settlement time now."""
        return int(self.world.state.time)

    def records(self, env: int) -> CashRecords:
        """Return a Cash environment's records."""
        return get_cash_records(self.state.environments[env])

    # Acting (each raises Rejected and leaves the ledger unchanged when the spec refuses)

    def apply(self, operation: Operation) -> None:
        """Apply one settlement operation through the spec and log it."""
        self.world.apply(operation)
        self.log.append(operation)

    def advance(self, seconds: int) -> None:
        """Move the settlement clock forward."""
        self.apply(AdvanceTime(Uint64(self.time + seconds)))

    def register(self, operator: Actor) -> int:
        """Register a Cash environment run by ``operator``, wait out quarantine; return its id."""
        env = len(self.state.environments)
        rules = make_rules(self.world.preset)
        self.apply(RegisterEnvironment(operator.address, EnvironmentKind.CASH, rules))
        self.advance(int(self.world.preset.quarantine_period))
        return env

    def next_coin_id(self, env: int) -> int:
        """Return the id the next deposit's coin takes (its deposit block's number)."""
        return int(max(self.state.environments[env].blocks, default=0)) + 1

    def deposit(self, env: int, owner: Address, amount: int, token: Address = NATIVE_TOKEN) -> int:
        """Deposit into a Cash environment; return the new coin's id."""
        coin_id = self.next_coin_id(env)
        self.apply(Deposit(Uint64(env), owner, token, Uint256(amount)))
        self.world.leaves[(env, coin_id)] = {
            coin_id: CoinMint(Uint64(coin_id), owner, token, Uint256(amount))
        }
        return coin_id

    def next_child_block(self, env: int) -> int:
        """Return the number the environment's next child block must take."""
        return self.world.next_child_block(env)

    def last_child_block(self, env: int) -> int:
        """Return the number of the environment's latest child block (0 before any)."""
        blocks = self.state.environments[env].blocks
        return int(max((n for n, r in blocks.items() if r.kind == BlockKind.CHILD), default=0))

    def commit(
        self,
        env: int,
        leaves: list[CoinLeaf],
        *,
        withhold: bool = False,
        sender: Address | None = None,
        number: int | None = None,
    ) -> int:
        """Submit a child block of ``leaves`` (by default the operator's, at the next number).

        A withheld block's contents stay known to the ledger (the operator and
        its accomplices can prove them), marked as never published.
        """
        number = self.next_child_block(env) if number is None else number
        environment = self.state.environments[env]
        submitter = environment.operator if sender is None else sender
        root = compute_coin_block_root(leaves, int(self.world.preset.coin_tree_depth))
        self.apply(SubmitBlock(Uint64(env), submitter, Uint64(number), root))
        self.world.leaves[(env, number)] = {int(_coin(leaf)): leaf for leaf in leaves}
        if withhold:
            self.withheld.add((env, number))
        return number

    # Signing and witnesses

    def sign(
        self, env: int, coin_id: int, previous_block: int, signer: Actor, new_owner: Address
    ) -> SignedTransfer:
        """Return a transfer of a coin signed by ``signer`` (whoever owns it or not)."""
        body = Transfer(Uint64(coin_id), Uint64(previous_block), new_owner)
        return sign_transfer(Uint64(env), body, signer.key)

    def leaf(self, env: int, block: int, coin_id: int) -> CoinLeaf | None:
        """Return the leaf a committed block holds at a coin's key (None: none, or unknown)."""
        return self.world.leaves.get((env, block), {}).get(coin_id)

    def witness(self, env: int, block: int, coin_id: int) -> IncludedLeaf:
        """Return a committed leaf of a coin with its proof (withheld blocks too: insiders)."""
        return self.world.witness(env, block, coin_id)

    def transfer_witness(self, env: int, block: int, coin_id: int) -> IncludedTransfer:
        """Return a committed transfer of a coin with its proof."""
        return self.world.transfer_witness(env, block, coin_id)

    # Ground truth

    def history(self, env: int, coin_id: int) -> CoinHistory:
        """Return a coin's valid history and its invalid leaves (see the module docstring)."""
        return compute_history(self, env, coin_id)

    def coins(self, env: int) -> list[int]:
        """Return every coin minted in a Cash environment, by id."""
        return sorted(int(coin) for coin in self.records(env).coins)


def _coin(leaf: CoinLeaf) -> int:
    """Return the coin a leaf is about."""
    return int(leaf.coin_id if isinstance(leaf, CoinMint) else leaf.transfer.coin_id)


def compute_history(ledger: CashLedger, env: int, coin_id: int) -> CoinHistory:
    """Return a coin's valid history (mint, then each first valid spend) and its other leaves."""
    mint = ledger.leaf(env, coin_id, coin_id)
    assert isinstance(mint, CoinMint), f"coin {coin_id} of env {env} was never minted"
    valid: list[tuple[int, CoinLeaf]] = [(coin_id, mint)]
    invalid: list[tuple[int, CoinLeaf]] = []
    blocks = ledger.state.environments[env].blocks
    children = sorted(int(n) for n, r in blocks.items() if r.kind == BlockKind.CHILD)
    for number in children:
        leaf = ledger.leaf(env, number, coin_id)
        if leaf is None:
            continue
        if number < coin_id or isinstance(leaf, CoinMint):
            invalid.append((number, leaf))
            continue
        last_block, last_leaf = valid[-1]
        spends_last = int(leaf.transfer.previous_block) == last_block
        if spends_last and recover_signer(env, leaf) == get_leaf_owner(last_leaf):
            valid.append((number, leaf))
        else:
            invalid.append((number, leaf))
    return CoinHistory(coin_id, tuple(valid), tuple(invalid))
