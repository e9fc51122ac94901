"""Running the devnet demo: the script, then who holds what, then the checks of its outcome.

:func:`run_devnet` is what ``plasma-spec devnet`` calls. It starts a
:class:`~reference.devnet.network.Devnet` in a data directory, runs the
:class:`~reference.devnet.script.DemoScript`, prints a summary of every
party's balances (what moved on the settlement layer, what is still on the
child chains, and whether that is all their own payments explain), and
checks the demo's expectations: the mempool refused the double spend, the
watchers found both attacks, every honest user got back in full what it held
in the attacked environment, the forged exit was paid nothing, and the
healthy environment was not affected by the attack next door; then the
checks of the withheld-block story (:mod:`reference.devnet.withheld_report`:
a withheld payment exited in flight, its receiver paid), and the Plasma Cash
story's own summary and checks (:mod:`reference.devnet.cash_report`).
Native-token changes in the payments summary are those of the first two
attacks (up to the start of the withheld-block story, whose bounties its own
checks count); the Cash summary shows the Cash story's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from fixtures import ALICE, BOB, CAROL, MALLORY, OPERATOR, OPERATOR_TWO, TOKEN_A, WATCHER, Actor
from reference.devnet.cash_report import make_cash_checks, summarize_cash
from reference.devnet.network import Devnet
from reference.devnet.script import (
    ATTACKED,
    FORGED_AMOUNT,
    HEALTHY,
    DemoScript,
    Say,
    has_alert,
)
from reference.devnet.withheld_report import make_withheld_checks
from reference.parties.alerts import AlertKind
from spec.errors import RejectionReason
from spec.settlement.state import ExitStatus

SUMMARY_PARTIES = (ALICE, BOB, CAROL, MALLORY, OPERATOR, OPERATOR_TWO, WATCHER)
"""Parties listed in the summary."""

HONEST_USERS = (ALICE, BOB, CAROL)
"""The users the exit game must protect."""


@dataclass(frozen=True)
class Check:
    """One expectation of the demo and whether it held."""

    description: str
    """What is expected, with the values seen."""
    passed: bool
    """Whether it held."""


@dataclass(frozen=True)
class DevnetResult:
    """The outcome of one demo run."""

    checks: tuple[Check, ...]
    """Every expectation checked."""
    seconds: float
    """Wall-clock duration of the run."""

    @property
    def passed(self) -> bool:
        """Whether every expectation held."""
        return all(check.passed for check in self.checks)


def run_devnet(directory: Path, seed: int = 0, say: Say = print) -> DevnetResult:
    """Run the demo in ``directory`` (which must hold no devnet yet), writing lines to ``say``."""
    started = time.perf_counter()
    devnet = Devnet(directory)
    say(f"plasma-spec devnet: data in {directory}, seed {seed}")
    genesis = {actor.name: devnet.get_balances(actor.address) for actor in SUMMARY_PARTIES}
    script = DemoScript(devnet, seed, say)
    script.run()
    for line in [*summarize(script, genesis), *summarize_cash(script.cash)]:
        say(line)
    checks = tuple(make_checks(script, genesis))
    devnet.close()
    seconds = time.perf_counter() - started
    say("Checks:")
    for check in checks:
        say(f"  [{'ok' if check.passed else 'FAILED'}] {check.description}")
    result = DevnetResult(checks, seconds)
    say(format_verdict(result))
    return result


def format_verdict(result: DevnetResult) -> str:
    """Return the one-line verdict of a run."""
    failed = sum(not check.passed for check in result.checks)
    verdict = "the demo's expectations hold" if not failed else f"{failed} expectations FAILED"
    return f"Result: {verdict} ({len(result.checks)} checks, {result.seconds:.1f} s)"


def compute_net(script: DemoScript, actor: Actor, genesis: dict[str, tuple[int, int]]) -> int:
    """Return ``actor``'s token-A gain: settlement change plus what it holds on the chains."""
    devnet = script.devnet
    settlement_change = devnet.get_balances(actor.address)[0] - genesis[actor.name][0]
    return settlement_change + sum(devnet.get_holdings(actor))


def summarize(script: DemoScript, genesis: dict[str, tuple[int, int]]) -> list[str]:
    """Return the summary table: token-A and native changes, holdings, gains explained."""
    devnet = script.devnet
    lines = [
        "Summary (token A unless noted; changes since genesis):",
        f"  {'party':<13}{'settlement':>11}{'env 0':>7}{'env 1':>7}{'net':>7}"
        f"{'paid for':>10}{'native':>8}  verdict",
    ]
    for actor in SUMMARY_PARTIES:
        token, native = devnet.get_balances(actor.address)
        holdings = devnet.get_holdings(actor)
        net = compute_net(script, actor, genesis)
        explained = script.net.get(actor.name, 0)
        native_change = get_payments_native_change(script, actor, native, genesis)
        lines.append(
            f"  {actor.name:<13}{token - genesis[actor.name][0]:>+11}{holdings[0]:>7}"
            f"{holdings[1]:>7}{net:>+7}{explained:>+10}{native_change:>+8}  "
            f"{describe(net - explained, native_change)}"
        )
    lines.append(
        "  (net = settlement change + still on the chains; 'paid for' = what the party's own "
        "payments explain)"
    )
    return lines


def describe(unexplained: int, native_change: int) -> str:
    """Return a verdict on one party: what it gained or lost that its payments do not explain."""
    parts = []
    if unexplained:
        parts.append(f"{'gained' if unexplained > 0 else 'lost'} {abs(unexplained)} token A")
    if native_change:
        parts.append(f"{'gained' if native_change > 0 else 'lost'} {abs(native_change)} native")
    return ", ".join(parts) if parts else "nothing gained or lost"


def get_payments_native_change(
    script: DemoScript, actor: Actor, native: int, genesis: dict[str, tuple[int, int]]
) -> int:
    """Return an actor's native change by the first two attacks (up to the next story's start)."""
    later = script.withheld.start_balances.get(actor.name) or script.cash.start_balances.get(
        actor.name
    )
    return (native if later is None else later[1]) - genesis[actor.name][1]


def make_checks(script: DemoScript, genesis: dict[str, tuple[int, int]]) -> list[Check]:
    """Return every expectation of the demo, checked (the Cash story's last)."""
    cash = make_cash_checks(script.cash)
    withheld = make_withheld_checks(script.withheld)
    return [
        *check_mempool(script),
        *check_invalid_block(script),
        *check_honest_payouts(script),
        *check_spent_exit(script, genesis),
        *check_isolation(script),
        *check_books(script, genesis),
        *(Check(description, passed) for description, passed in withheld),
        *(Check(description, passed) for description, passed in cash),
    ]


def check_mempool(script: DemoScript) -> list[Check]:
    """The operator refused Mallory's second spend with the spec's reason."""
    reason = None if script.refusal is None else script.refusal.reason
    return [
        Check(
            f"env 1's mempool refused mallory's second spend ({reason})",
            reason == RejectionReason.TX_INPUT_NOT_UNSPENT,
        )
    ]


def check_invalid_block(script: DemoScript) -> list[Check]:
    """The watcher flagged the forged block, with the INV-18 deadline, and the exit from it."""
    devnet = script.devnet
    alerts = [
        a for a in devnet.alerts if a.kind == AlertKind.INVALID_BLOCK and a.environment_id == 0
    ]
    record = devnet.settlement.get_block(ATTACKED, script.forged_block)
    assert record is not None
    deadline = record.timestamp + devnet.get_period(ATTACKED)
    starts = [
        exit.started_at
        for _, exit_id in script.honest_exits
        if (exit := devnet.settlement.get_exit(ATTACKED, exit_id)) is not None
    ]
    return [
        Check(
            f"the watcher of env 0 flagged block {int(script.forged_block)} as invalid",
            any(a.block_number == script.forged_block for a in alerts),
        ),
        Check(
            f"its alarm said: exit before t={int(deadline)} (block time + MFP)",
            bool(alerts) and alerts[0].deadline == deadline,
        ),
        Check(
            "it flagged mallory's exit of the forged output",
            has_alert(script, AlertKind.EXIT_OF_INVALID_OUTPUT, ATTACKED),
        ),
        Check(
            f"all {len(starts)} honest exits started before the deadline",
            len(starts) == len(script.honest_exits) > 0 and all(t < deadline for t in starts),
        ),
    ]


def check_honest_payouts(script: DemoScript) -> list[Check]:
    """Every honest user got back, in full, what it held in environment 0 at the alarm."""
    devnet = script.devnet
    checks = []
    for actor in HONEST_USERS:
        exits = [
            exit
            for name, exit_id in script.honest_exits
            if name == actor.name
            and (exit := devnet.settlement.get_exit(ATTACKED, exit_id)) is not None
        ]
        paid = sum(int(exit.paid) for exit in exits)
        held = script.held_at_alarm.get(actor.name, -1)
        in_full = all(e.status == ExitStatus.PROCESSED and e.paid == e.amount for e in exits)
        checks.append(
            Check(f"{actor.name} got back all {held} held in env 0", in_full and paid == held)
        )
    forged = devnet.settlement.get_exit(ATTACKED, script.forged_exit)
    paid = -1 if forged is None else int(forged.paid)
    checks.append(
        Check(
            f"mallory's forged exit was paid {paid} of {FORGED_AMOUNT}: the vault was empty",
            paid == 0 and devnet.settlement.get_vault_balance(ATTACKED, TOKEN_A) == 0,
        )
    )
    return checks


def check_spent_exit(script: DemoScript, genesis: dict[str, tuple[int, int]]) -> list[Check]:
    """The watcher challenged Mallory's exit of her spent deposit and took the bond."""
    devnet = script.devnet
    exit = devnet.settlement.get_exit(HEALTHY, script.spent_exit)
    bond = int(devnet.get_bond(HEALTHY))

    def native_change(actor: Actor) -> int:
        native = devnet.get_balances(actor.address)[1]
        return get_payments_native_change(script, actor, native, genesis)

    return [
        Check(
            "the watcher of env 1 challenged mallory's exit of her spent deposit",
            exit is not None and exit.status == ExitStatus.CHALLENGED,
        ),
        Check(
            f"the watcher won mallory's bond ({bond} native); honest users' bonds came back",
            native_change(WATCHER) == bond
            and native_change(MALLORY) == -bond
            and all(native_change(actor) == 0 for actor in HONEST_USERS),
        ),
    ]


def check_isolation(script: DemoScript) -> list[Check]:
    """Environment 1 went on as if nothing happened next door (until its own attack)."""
    devnet = script.devnet
    digests = script.withheld.digests
    forged = devnet.settlement.get_block(ATTACKED, script.forged_block)
    healthy = devnet.settlement.get_block(HEALTHY, script.healthy_block)
    later = forged is not None and healthy is not None and healthy.timestamp > forged.timestamp
    own_attack = script.withheld.block or None
    quiet = not any(
        alert.environment_id == HEALTHY
        and alert.kind in (AlertKind.INVALID_BLOCK, AlertKind.WITHHELD_BLOCK)
        and (own_attack is None or alert.block_number < own_attack)
        for alert in devnet.alerts
    )
    digest = "none" if digests is None else digests[1].hex()[:12]
    return [
        Check(
            f"env 1 was not affected: no block alarm, block {int(script.healthy_block)} committed "
            "after the attacks",
            quiet and later,
        ),
        Check(
            f"env 1's operator and watcher agreed on its state before its own attack "
            f"(digest {digest})",
            digests is not None and digests[0] == digests[1],
        ),
    ]


def check_books(script: DemoScript, genesis: dict[str, tuple[int, int]]) -> list[Check]:
    """No one's token-A holdings moved beyond what its own payments explain."""
    users = (ALICE, BOB, CAROL, MALLORY, OPERATOR, OPERATOR_TWO)
    wrong = [
        actor.name
        for actor in users
        if compute_net(script, actor, genesis) != script.net.get(actor.name, 0)
    ]
    return [
        Check(
            "nobody gained or lost token A beyond their own payments"
            + (f" (not so for {', '.join(wrong)})" if wrong else ""),
            not wrong,
        )
    ]
