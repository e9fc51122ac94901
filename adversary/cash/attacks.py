"""The Cash game's attacks: the byzantine operator's blocks, and mallory's exits and challenges.

The operator forges a coin's history for mallory (two transfers she signed,
published or withheld) and mallory exits with it; lets a former owner spend a
coin a second time; commits a leaf at the key of the next coin before it is
minted; withholds a block; and re-submits its latest block. Mallory exits
coins that are not hers (with their owner's leaves, with a parent her transfer
does not spend, with a leaf she already spent, with a forged leaf, or a coin
that already exited), griefs honest exits with invalid-history challenges (a
genuine old leaf, a forged leaf, a leaf from before the mint) and defends her
stolen exits with answers not signed by the coin's owner.

Every attempt states its outcome, predicted from the spec's order of checks
(the ``predict_*`` methods): a wrong rule anywhere in that order makes the
trace fail.
"""

from __future__ import annotations

from adversary.cash import wallet
from adversary.cash.game import COLLUDERS, ENV, HONEST_OWNERS, MAX_COIN_ID
from adversary.cash.honest import HonestCashActions
from adversary.cash.ledger import recover_signer
from fixtures import MALLORY, OPERATOR, Actor
from spec.environments.cash.challenges import ChallengeCoinHistory, RespondCoinHistory
from spec.environments.cash.coins import CoinLeaf, CoinMint, SignedTransfer, get_leaf_owner
from spec.environments.cash.records import CoinExit, CoinExitStatus
from spec.errors import RejectionReason
from spec.primitives import Address, Uint64


class AttackCashActions(HonestCashActions):
    """The recorded actions of the byzantine operator and of mallory."""

    # Predictions (the spec's order of checks)

    def leaf_at(self, block: int, coin: int) -> CoinLeaf:
        """Return the committed leaf of a coin in a block (the caller knows there is one)."""
        leaf = self.ledger.leaf(ENV, block, coin)
        assert leaf is not None, f"no leaf of coin {coin} in block {block}"
        return leaf

    def predict_spend(self, coin: int, child: int, parent: int | None) -> RejectionReason | None:
        """Return why the leaf of block ``child`` does not validly spend that of ``parent``."""
        leaf = self.leaf_at(child, coin)
        if isinstance(leaf, CoinMint):
            return None if parent is None else RejectionReason.PARENT_UNEXPECTED
        if parent is None:
            return RejectionReason.PARENT_MISSING
        if int(leaf.transfer.previous_block) != parent:
            return RejectionReason.TRANSFER_NOT_SPENDING_PARENT
        if parent >= child:
            return RejectionReason.PARENT_NOT_EARLIER
        if recover_signer(ENV, leaf) != get_leaf_owner(self.leaf_at(parent, coin)):
            return RejectionReason.TRANSFER_NOT_SIGNED_BY_PARENT_OWNER
        return None

    def predict_exit(
        self, coin: int, sender: Address, exiting: int, parent: int | None
    ) -> RejectionReason | None:
        """Return the outcome of an exit of ``coin`` by ``sender`` with these two leaves."""
        reason = self.expect_exit_start(coin)
        if reason is not None:
            return reason
        if get_leaf_owner(self.leaf_at(exiting, coin)) != sender:
            return RejectionReason.EXIT_NOT_BY_OWNER
        if parent is not None and parent < coin:
            return RejectionReason.PARENT_BEFORE_MINT
        return self.predict_spend(coin, exiting, parent)

    def predict_history(
        self, exit: CoinExit, earlier: int, parent: int | None
    ) -> RejectionReason | None:
        """Return the outcome of a history challenge of ``exit`` with these two leaves."""
        if not wallet.is_window_open(self.ledger, ENV, exit):
            return RejectionReason.CHALLENGE_WINDOW_CLOSED
        if earlier < int(exit.coin_id):
            return RejectionReason.CHALLENGE_BEFORE_MINT
        if earlier >= int(exit.parent_block):
            return RejectionReason.CHALLENGE_NOT_BEFORE_PARENT
        if Uint64(earlier) in exit.challenges:
            return RejectionReason.CHALLENGE_ALREADY_OPEN
        return self.predict_spend(int(exit.coin_id), earlier, parent)

    def predict_response(
        self, exit: CoinExit, challenge: int, response: int
    ) -> RejectionReason | None:
        """Return the outcome of an answer to the challenge at ``challenge`` of ``exit``."""
        opened = exit.challenges.get(Uint64(challenge))
        if opened is None:
            return RejectionReason.UNKNOWN_CHALLENGE
        leaf = self.leaf_at(response, int(exit.coin_id))
        assert isinstance(leaf, SignedTransfer)
        if int(leaf.transfer.previous_block) != challenge:
            return RejectionReason.RESPONSE_NOT_SPENDING_CHALLENGE
        if not challenge < response <= int(exit.parent_block):
            return RejectionReason.RESPONSE_OUTSIDE_HISTORY
        if recover_signer(ENV, leaf) != opened.owner:
            return RejectionReason.RESPONSE_NOT_SIGNED_BY_OWNER
        return None

    # Moves

    def exit_as(self, sender: Actor, coin: int, exiting: int, parent: int | None, how: str) -> None:
        """``sender`` exits ``coin`` with the leaves of ``exiting`` and ``parent``."""
        operation = wallet.build_exit(
            self.ledger, ENV, coin, sender.address, exiting_block=exiting, parent_block=parent
        )
        expected = self.predict_exit(coin, sender.address, exiting, parent)
        self.submit(f"{sender.name} exits coin {coin} {how}", expected, operation)

    def challenge_as_mallory(
        self, exit_id: int, earlier: int, parent: int | None, how: str
    ) -> None:
        """Mallory challenges the history of an exit with the leaves of two blocks."""
        exit = self.ledger.records(ENV).exits[Uint64(exit_id)]
        coin = int(exit.coin_id)
        shown = self.ledger.witness(ENV, earlier, coin)
        above = None if parent is None else self.ledger.witness(ENV, parent, coin)
        bond = self.ledger.state.environments[ENV].rules.exit_bond
        operation = ChallengeCoinHistory(
            Uint64(ENV), MALLORY.address, Uint64(exit_id), shown, above, bond
        )
        what = f"mallory challenges exit #{exit_id} with {how} (block {earlier})"
        self.submit(what, self.predict_history(exit, earlier, parent), operation)

    def steal(self, coin: int, *, withhold: bool) -> None:
        """The operator forges two transfers of a coin to mallory; mallory exits with them."""
        first = self.ledger.sign(ENV, coin, self.history(coin).blocks[-1], MALLORY, MALLORY.address)
        forged = self.commit([first], f"coin {coin} forged over to mallory", withhold=withhold)
        second = self.ledger.sign(ENV, coin, forged, MALLORY, MALLORY.address)
        onward = self.commit([second], f"coin {coin} from mallory to herself", withhold=withhold)
        self.exit_as(MALLORY, coin, onward, forged, "with its forged history")

    def history_targets(self, exit: CoinExit, kind: str) -> list[tuple[int, int | None]]:
        """Return (leaf block, parent block) mallory can show against ``exit`` for ``kind``."""
        coin, parent_block = int(exit.coin_id), int(exit.parent_block)
        history = self.history(coin)
        if kind == "old_leaf":
            blocks = [b for b in history.blocks if b < parent_block]
            fresh = [b for b in blocks if Uint64(b) not in exit.challenges]
            if not fresh:
                return []
            index = history.blocks.index(fresh[-1])
            return [(fresh[-1], history.blocks[index - 1] if index else None)]
        found: list[tuple[int, int | None]] = []
        for block, leaf in history.invalid:
            if not isinstance(leaf, SignedTransfer):
                continue
            previous = int(leaf.transfer.previous_block)
            if kind == "pre_mint" and block < coin:
                found.append((block, coin))
            elif (
                kind == "forged_leaf"
                and coin <= block < parent_block
                and previous < block
                and self.ledger.leaf(ENV, previous, coin) is not None
            ):
                found.append((block, previous))
        return found

    def answer_targets(self, exit: CoinExit) -> list[tuple[int, int]]:
        """Return (challenge block, response block) of mallory's forged answers to ``exit``."""
        coin = int(exit.coin_id)
        found = []
        for challenge in sorted(int(block) for block in exit.challenges):
            for block, leaf in self.history(coin).invalid:
                if (
                    isinstance(leaf, SignedTransfer)
                    and int(leaf.transfer.previous_block) == challenge
                ):
                    found.append((challenge, block))
        return found

    def probe(self) -> None:
        """Mallory tries her refused moves on every open exit, and finalizes immature ones."""
        for exit_id, exit in self.open_exits():
            if exit.owner not in COLLUDERS:
                for kind in ("forged_leaf", "pre_mint", "old_leaf"):
                    for earlier, parent in self.history_targets(exit, kind)[:1]:
                        self.challenge_as_mallory(exit_id, earlier, parent, kind.replace("_", " "))
            current = self.ledger.records(ENV).exits[Uint64(exit_id)]
            if current.owner == MALLORY.address and current.status == CoinExitStatus.OPEN:
                for challenge, response in self.answer_targets(current)[:1]:
                    self.answer_as_mallory(exit_id, challenge, response)
            current = self.ledger.records(ENV).exits[Uint64(exit_id)]
            if current.status == CoinExitStatus.OPEN and self.ledger.time < int(
                current.exitable_at
            ):
                self.finalize(exit_id)

    def answer_as_mallory(self, exit_id: int, challenge: int, response: int) -> None:
        """Mallory answers a history challenge of her exit with the leaf of ``response``."""
        exit = self.ledger.records(ENV).exits[Uint64(exit_id)]
        witness = self.ledger.transfer_witness(ENV, response, int(exit.coin_id))
        operation = RespondCoinHistory(
            Uint64(ENV), MALLORY.address, Uint64(exit_id), Uint64(challenge), witness
        )
        what = f"mallory answers exit #{exit_id}'s challenge at {challenge} with block {response}"
        self.submit(what, self.predict_response(exit, challenge, response), operation)

    def colluder_former_owner(self, coin: int) -> tuple[Actor, int] | None:
        """Return a colluder who owned ``coin`` before its rightful owner, and that leaf's block."""
        history = self.history(coin)
        for owner, block in reversed(
            list(zip(history.owners[:-1], history.blocks[:-1], strict=True))
        ):
            if owner in COLLUDERS:
                return (MALLORY if owner == MALLORY.address else OPERATOR), block
        return None

    def honest_live_coins(self) -> list[int]:
        """Return coins not exited for good whose rightful owner is honest."""
        return [
            coin
            for coin in self.coins()
            if self.history(coin).owner in HONEST_OWNERS
            and self.ledger.records(ENV).coins[Uint64(coin)].status.value != "exited"
        ]

    def can_preforge(self) -> bool:
        """Return whether the next coin's key is inside the coin trees."""
        interval = int(self.ledger.world.preset.block_interval)
        return self.ledger.next_child_block(ENV) + interval + 1 <= MAX_COIN_ID
