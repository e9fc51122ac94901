"""The Cash game: the attack actions, the end of a trace, and what must hold when it is settled.

:class:`CashGame` combines the honest actions (:mod:`adversary.cash.honest`)
and the attack moves (:mod:`adversary.cash.attacks`) into recorded actions.
At the end of a trace (:meth:`CashGame.finish`) honest owners exit every coin
they own, watch once per half period while time runs, everyone finalizes
what matures, and mallory keeps probing; once every exit is settled a coin
that exited is tried again, and the game checks **honest withdrawal for
Cash**: every coin whose rightful owner is honest was paid to that owner, by
an exit of its own, and no honest owner's exit was ever cancelled.
"""

from __future__ import annotations

from adversary.cash.attacks import AttackCashActions
from adversary.cash.game import COLLUDERS, ENV, HONEST_OWNERS, cash_action
from adversary.cash.properties import check_honest_coin_withdrawal
from fixtures import MALLORY, get_actor_name
from spec.environments.cash.coins import SignedTransfer
from spec.environments.cash.records import CoinExitStatus, CoinStatus
from spec.errors import RejectionReason

MAX_SETTLE_ROUNDS = 16
"""Rounds of (watch, exit, probe, half a period, finalize) the end of a trace may take."""

MALLORY_EXITS = (
    "others_coin",
    "wrong_parent",
    "spent_leaf",
    "forged_direct",
    "pre_mint",
    "exited_again",
)
"""Ways mallory exits a coin that is not hers to exit."""

MALLORY_CHALLENGES = ("old_leaf", "forged_leaf", "pre_mint")
"""Leaves mallory shows in an invalid-history challenge of someone else's exit."""


class CashGame(AttackCashActions):
    """One Cash environment, its honest owners, mallory and a byzantine operator."""

    # The byzantine operator

    @cash_action
    def byzantine_operator_steals(self, *, pick: int, withhold: bool) -> None:
        """The operator forges a coin's history for mallory, who exits with it."""
        coins = self.honest_live_coins()
        if coins:
            self.steal(coins[pick % len(coins)], withhold=withhold)

    @cash_action
    def byzantine_operator_double_spends(self, *, pick: int, withhold: bool) -> None:
        """A colluder who owned a coin before spends that old leaf again; mallory exits with it."""
        found = [
            (coin, f)
            for coin in self.honest_live_coins()
            if (f := self.colluder_former_owner(coin))
        ]
        if not found:
            self.note("no coin has a colluder as a former owner")
            return
        coin, (signer, block) = found[pick % len(found)]
        spend = self.ledger.sign(ENV, coin, block, signer, MALLORY.address)
        number = self.commit([spend], f"{signer.name} spends coin {coin} again", withhold=withhold)
        self.exit_as(MALLORY, coin, number, block, "with the double spend")

    @cash_action
    def byzantine_operator_preforges(self, *, user: str) -> None:
        """The operator forges two blocks of history of the next coin; then a user mints it."""
        if not self.can_preforge():
            self.note("the next coin would be outside the coin trees")
            return
        interval = int(self.ledger.world.preset.block_interval)
        key = self.ledger.next_child_block(ENV) + interval + 1
        first = self.ledger.sign(ENV, key, 0, MALLORY, MALLORY.address)
        block = self.commit([first], f"a leaf at coin {key}'s key before its mint")
        second = self.ledger.sign(ENV, key, block, MALLORY, MALLORY.address)
        self.commit([second], f"a second leaf at coin {key}'s key")
        self.deposit(self.actor(user), 10)

    @cash_action
    def byzantine_operator_withholds(self, *, pick: int) -> None:
        """The operator commits a block it never publishes (a forged transfer, or nothing)."""
        coins = self.honest_live_coins()
        leaves = []
        if coins:
            coin = coins[pick % len(coins)]
            last = self.history(coin).blocks[-1]
            leaves.append(self.ledger.sign(ENV, coin, last, MALLORY, MALLORY.address))
        self.commit(list(leaves), "a block nobody may see", withhold=True)

    @cash_action
    def byzantine_operator_overwrites_latest(self) -> None:
        """The operator re-submits its latest child block: a committed root never changes."""
        self.overwrite_latest()

    # Mallory

    @cash_action
    def mallory_exits(self, *, pick: int, kind: str) -> None:
        """Mallory exits a coin she may not exit (see :data:`MALLORY_EXITS`)."""
        options = self.exit_options(kind)
        if not options:
            self.note(f"mallory finds no coin for {kind}")
            return
        sender, coin, exiting, parent = options[pick % len(options)]
        self.exit_as(self.actor(sender), coin, exiting, parent, kind.replace("_", " "))

    def exit_options(self, kind: str) -> list[tuple[str, int, int, int | None]]:
        """Return (sender name, coin, exiting block, parent block) for one kind of bad exit."""
        options: list[tuple[str, int, int, int | None]] = []
        for coin in self.coins():
            history = self.history(coin)
            blocks, owners = history.blocks, history.owners
            parents: list[int | None] = [None, *blocks[:-1]]
            if kind == "others_coin" and history.owner not in COLLUDERS:
                options.append(("mallory", coin, blocks[-1], parents[-1]))
            elif kind == "wrong_parent" and history.owner == MALLORY.address and len(blocks) > 1:
                options.append(
                    ("mallory", coin, blocks[-1], blocks[0] if len(blocks) > 2 else blocks[-1])
                )
            elif kind == "spent_leaf":
                options += [
                    ("mallory", coin, blocks[i], parents[i])
                    for i in range(len(blocks) - 1)
                    if owners[i] == MALLORY.address
                ]
            elif kind == "pre_mint":
                options += [
                    ("mallory", coin, block, self.pre_mint_parent(coin, block, leaf))
                    for block, leaf in history.invalid
                    if isinstance(leaf, SignedTransfer)
                    and block < coin
                    and leaf.transfer.new_owner == MALLORY.address
                ]
            elif kind == "forged_direct":
                options += [
                    ("mallory", coin, block, int(leaf.transfer.previous_block))
                    for block, leaf in history.invalid
                    if isinstance(leaf, SignedTransfer)
                    and leaf.transfer.new_owner == MALLORY.address
                    and coin <= int(leaf.transfer.previous_block) < block
                    and self.ledger.leaf(ENV, int(leaf.transfer.previous_block), coin) is not None
                ]
        if kind == "exited_again":
            for _, exit in self.exits():
                if exit.status == CoinExitStatus.FINALIZED:
                    parent = (
                        None if exit.parent_block == exit.exit_block else int(exit.parent_block)
                    )
                    name = get_actor_name(exit.owner)
                    options.append((name, int(exit.coin_id), int(exit.exit_block), parent))
        return options

    def pre_mint_parent(self, coin: int, block: int, leaf: SignedTransfer) -> int:
        """Return the parent mallory shows with a pre-mint leaf: the leaf it names, or itself."""
        previous = int(leaf.transfer.previous_block)
        return previous if self.ledger.leaf(ENV, previous, coin) is not None else block

    @cash_action
    def mallory_challenges(self, *, pick: int, kind: str) -> None:
        """Mallory challenges the history of another's open exit (:data:`MALLORY_CHALLENGES`)."""
        options = [
            (exit_id, earlier, parent)
            for exit_id, exit in self.open_exits()
            if exit.owner not in COLLUDERS
            for earlier, parent in self.history_targets(exit, kind)
        ]
        if not options:
            self.note(f"mallory finds no exit for {kind}")
            return
        exit_id, earlier, parent = options[pick % len(options)]
        self.challenge_as_mallory(exit_id, earlier, parent, kind.replace("_", " "))

    @cash_action
    def mallory_answers(self, *, pick: int) -> None:
        """Mallory answers a challenge of her exit with a leaf not signed by the coin's owner."""
        options = [
            (exit_id, challenge, response)
            for exit_id, exit in self.open_exits()
            if exit.owner == MALLORY.address
            for challenge, response in self.answer_targets(exit)
        ]
        if options:
            self.answer_as_mallory(*options[pick % len(options)])

    def open_probe(self) -> None:
        """The setup's first attacks: exits mallory may not start, a root overwrite."""
        for kind in ("others_coin", "wrong_parent", "pre_mint"):
            for sender, coin, exiting, parent in self.exit_options(kind)[-1:]:
                self.exit_as(self.actor(sender), coin, exiting, parent, kind.replace("_", " "))
        self.overwrite_latest()

    def overwrite_latest(self) -> None:
        """The operator re-submits its latest child block."""
        latest = self.ledger.last_child_block(ENV)
        self.attempt(
            f"operator re-submits block {latest}",
            RejectionReason.BLOCK_ALREADY_COMMITTED,
            lambda: self.ledger.commit(ENV, [], number=latest),
        )

    # The end of a trace

    @cash_action
    def finish(self) -> None:
        """Settle every exit with honest owners present, then check honest withdrawal."""
        for _ in range(MAX_SETTLE_ROUNDS):
            self.watch()
            for coin in self.owned_coins(HONEST_OWNERS):
                self.exit_honestly(coin)
            self.probe()
            if not self.open_exits():
                break
            self.wait_for_next_look()
            for exit_id, exit in self.open_exits():
                if int(exit.exitable_at) <= self.ledger.time:
                    self.finalize(exit_id)
        if self.open_exits() or self.owned_coins(HONEST_OWNERS):
            self.fail(f"Cash exits not settled after {MAX_SETTLE_ROUNDS} rounds")
        options = self.exit_options("exited_again")
        for sender, coin, exiting, parent in options:
            self.exit_as(self.actor(sender), coin, exiting, parent, "again")
        self.check_honest_withdrawal()

    def wait_for_next_look(self) -> None:
        """Let time run until just before honest owners must look again."""
        step = self.get_time_budget()
        self.attempt(f"{step} seconds pass", None, lambda: self.ledger.advance(step))

    def check_honest_withdrawal(self) -> None:
        """Fail unless every honest coin was paid to its owner and no honest exit was cancelled."""
        for exit_id, exit in self.exits():
            if exit.owner in HONEST_OWNERS and exit.status == CoinExitStatus.CANCELLED:
                name = get_actor_name(exit.owner)
                self.fail(f"Cash honest withdrawal: {name}'s exit #{exit_id} was cancelled")
        for coin in self.coins():
            owner = self.history(coin).owner
            if owner not in HONEST_OWNERS:
                continue
            paid = [
                exit
                for _, exit in self.exits()
                if int(exit.coin_id) == coin and exit.status == CoinExitStatus.FINALIZED
            ]
            if self.status(coin) != CoinStatus.EXITED or [e.owner for e in paid] != [owner]:
                self.fail(
                    f"Cash honest withdrawal: {get_actor_name(owner)}'s coin {coin} not paid to it"
                )
            for violation in check_honest_coin_withdrawal(self.ledger.world, ENV, coin, owner):
                self.fail(f"INV-27 for {get_actor_name(owner)}'s coin {coin}: {violation}")
