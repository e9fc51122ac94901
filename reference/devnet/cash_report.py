"""The devnet demo's Plasma Cash outcome: who holds what, and the checks of the Cash story.

:func:`summarize_cash` lists, for every Cash party, its token-B and native
changes on the settlement layer and the coins its wallet holds;
:func:`make_cash_checks` checks the story's expectations (each can fail):
the receiving wallets accepted their coins after checking every block's
proof, Mallory's wallet refused the stolen coin, Dave's watcher flagged the
forgery and challenged the thief's exit within the window, the exit was
cancelled and Dave won its bond, the griefing challenge was answered,
Carol's and Dave's exits were paid, the operator retired both coins, and
token B and the bonds moved exactly as the story explains.
"""

from __future__ import annotations

from fixtures import ALICE, BOB, CAROL, DAVE, MALLORY, Actor
from reference.devnet.cash_network import CASH_OPERATOR, CASH_TOKEN
from reference.devnet.cash_script import CashStory
from reference.parties.coin_wallet import CoinStatus
from reference.parties.coin_watcher import CoinAlertKind
from spec.environments.cash.exits import get_challenge_deadline
from spec.environments.cash.records import CoinExitStatus
from spec.primitives import Uint64

CASH_PARTIES = (ALICE, BOB, CAROL, DAVE, MALLORY, CASH_OPERATOR)
"""Parties listed in the Cash summary."""

Balances = dict[str, tuple[int, int]]
"""Settlement balances by party name: (token B, native)."""

CashCheck = tuple[str, bool]
"""One expectation of the Cash story (its description, whether it held)."""


def get_cash_balances(story: CashStory) -> Balances:
    """Return every Cash party's settlement balances of token B and of the native token."""
    return {
        actor.name: story.devnet.get_balances_of(actor.address, CASH_TOKEN)
        for actor in CASH_PARTIES
    }


def get_expected_token_changes(story: CashStory) -> dict[str, int]:
    """Return each party's token-B change the story explains (both coins exited)."""
    honest, stolen = story.amounts["alice-coin"], story.amounts["carol-coin"]
    return {ALICE.name: -honest, CAROL.name: honest - stolen, DAVE.name: stolen}


def get_expected_native_changes(story: CashStory) -> dict[str, int]:
    """Return each party's native change the Cash story explains (bonds won and lost)."""
    bond = int(story.cash.bond)
    return {MALLORY.name: -2 * bond, CAROL.name: bond, DAVE.name: bond}


def summarize_cash(story: CashStory) -> list[str]:
    """Return the Cash summary: token-B and native changes, and the coins each wallet holds."""
    now, genesis = get_cash_balances(story), get_start_balances(story)
    env = story.cash.environment_id
    lines = [
        f"Cash env {int(env)} (token B; changes since the Cash story began):",
        f"  {'party':<14}{'token B':>8}{'native':>8}  coins in its wallet",
    ]
    for actor in CASH_PARTIES:
        token = now[actor.name][0] - genesis[actor.name][0]
        native = now[actor.name][1] - genesis[actor.name][1]
        wallet = story.cash.wallets.get(actor.name)
        coins = (
            ", ".join(f"{coin} {status.value}" for coin, status in wallet.list_coin_statuses(env))
            if wallet is not None
            else "(no wallet)"
        )
        lines.append(f"  {actor.name:<14}{token:>+8}{native:>+8}  {coins or 'none'}")
    return lines


def get_start_balances(story: CashStory) -> Balances:
    """Return the balances when the story began (every one zero if it never did)."""
    return {a.name: story.start_balances.get(a.name, (0, 0)) for a in CASH_PARTIES}


def make_cash_checks(story: CashStory) -> list[CashCheck]:
    """Return every expectation of the Cash story, checked."""
    return [
        *check_acceptance(story),
        *check_theft(story),
        *check_grief(story),
        *check_books(story),
    ]


def check_acceptance(story: CashStory) -> list[CashCheck]:
    """Receivers accepted coins after checking every block; Mallory refused the stolen one."""
    accepted = [
        f"{name} ({checked} blocks)"
        for name, (status, checked) in story.accepted.items()
        if status == CoinStatus.OWNED and checked > 0
    ]
    env, stolen = story.cash.environment_id, story.coins.get("stolen", -1)
    refused = story.cash.wallets[MALLORY.name].get_status(env, stolen)
    return [
        (
            f"bob, dave and carol accepted their coins after checking every block's proof "
            f"({', '.join(accepted)})",
            len(accepted) == 3,
        ),
        (
            f"mallory's wallet refused the stolen coin {stolen} ({refused})",
            refused == CoinStatus.REFUSED,
        ),
    ]


def has_coin_alert(
    story: CashStory, name: str, kind: CoinAlertKind, exit_id: Uint64 | None
) -> bool:
    """Return whether ``name``'s coin watcher raised an alert of ``kind`` (about ``exit_id``)."""
    return any(
        who == name and alert.kind == kind and (exit_id is None or alert.exit_id == exit_id)
        for who, _, alert in story.cash.alerts
    )


def check_theft(story: CashStory) -> list[CashCheck]:
    """Dave's watcher caught the theft in time; the thief's exit was cancelled; Dave was paid."""
    settlement = story.devnet.settlement
    env = story.cash.environment_id
    thief_id, dave_id = story.exits.get("mallory"), story.exits.get("dave")
    thief = None if thief_id is None else settlement.get_coin_exit(env, thief_id)
    dave = None if dave_id is None else settlement.get_coin_exit(env, dave_id)
    challenged_at = [
        time
        for who, time, alert in story.cash.alerts
        if who == DAVE.name
        and alert.kind == CoinAlertKind.HISTORY_CHALLENGED
        and alert.exit_id == thief_id
    ]
    environment = settlement.get_environment_as_registered(env)
    deadline = None if thief is None else int(get_challenge_deadline(environment, thief))
    in_time = bool(challenged_at) and deadline is not None and challenged_at[0] < deadline
    forged = int(story.blocks.get("forged", Uint64(0)))
    return [
        (
            f"dave's watcher flagged the forged transfer of his coin in block {forged}",
            has_coin_alert(story, DAVE.name, CoinAlertKind.FORGED_LEAF, None),
        ),
        (
            f"dave's watcher challenged mallory's exit with his history before t={deadline}",
            in_time,
        ),
        (
            "mallory's exit of the stolen coin was cancelled at finalization",
            thief is not None and thief.status == CoinExitStatus.CANCELLED,
        ),
        (
            f"dave exited his coin and was paid {story.amounts['carol-coin']}",
            dave is not None
            and dave.status == CoinExitStatus.FINALIZED
            and dave.owner == DAVE.address,
        ),
    ]


def check_grief(story: CashStory) -> list[CashCheck]:
    """Carol's watcher answered the griefing challenge and her exit was paid."""
    settlement = story.devnet.settlement
    exit_id = story.exits.get("carol")
    exit = None if exit_id is None else settlement.get_coin_exit(story.cash.environment_id, exit_id)
    return [
        (
            f"carol's watcher answered mallory's griefing challenge "
            f"(block {int(story.grief_block)})",
            has_coin_alert(story, CAROL.name, CoinAlertKind.CHALLENGE_ANSWERED, exit_id),
        ),
        (
            f"carol's exit of coin {story.coins.get('honest')} was paid "
            f"{story.amounts['alice-coin']}",
            exit is not None and exit.status == CoinExitStatus.FINALIZED,
        ),
    ]


def check_books(story: CashStory) -> list[CashCheck]:
    """Token B and the bonds moved exactly as the story explains; the operator retired the coins."""
    now, genesis = get_cash_balances(story), get_start_balances(story)
    tokens, natives = get_expected_token_changes(story), get_expected_native_changes(story)

    def change(actor: Actor, index: int) -> int:
        return now[actor.name][index] - genesis[actor.name][index]

    wrong_tokens = [a.name for a in CASH_PARTIES if change(a, 0) != tokens.get(a.name, 0)]
    env = story.cash.environment_id
    vault = int(story.devnet.settlement.get_vault_balance(env, CASH_TOKEN))
    live = len(story.cash.operator.ledger.coins)
    bond = int(story.cash.bond)
    return [
        (
            "token B moved only as the Cash story explains"
            + (f" (not so for {', '.join(wrong_tokens)})" if wrong_tokens else ""),
            bool(story.start_balances) and not wrong_tokens,
        ),
        (
            f"bonds: dave won mallory's exit bond, carol her challenge bond ({bond} native each)",
            bool(story.start_balances)
            and all(change(a, 1) == natives.get(a.name, 0) for a in CASH_PARTIES),
        ),
        (
            f"the Cash operator retired both exited coins ({live} live) and env {int(env)}'s "
            f"vault is empty ({vault} token B)",
            live == 0 and vault == 0,
        ),
    ]
