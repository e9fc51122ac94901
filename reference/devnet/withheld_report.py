"""The devnet demo's withheld-block outcome: the checks of the in-flight exit story.

:func:`make_withheld_checks` checks the expectations of
:class:`~reference.devnet.withheld_script.WithheldStory` (each can fail): the
watcher of env 1 flagged the withheld block once; the in-flight exit of
Carol's withheld payment was started, and the outputs piggybacked, in the
exit's first phase and before the block's time plus one MFP; the exit paid
its outputs, Bob the payment and Carol her change; every honest user got back
what it held in env 1; and the native token moved as the game says: the
watcher earned a processing bounty per piggyback, paid by its owner, and
every bond came back.
"""

from __future__ import annotations

from fixtures import ALICE, BOB, CAROL, WATCHER, Actor
from reference.devnet.withheld_script import WITHHELD_ENVIRONMENT, WithheldStory
from reference.parties.alerts import AlertKind
from spec.environments.payments.records import InFlightOutcome, PiggybackStatus
from spec.settlement.state import ExitStatus

WithheldCheck = tuple[str, bool]
"""One expectation of the story (its description, whether it held)."""

NATIVE_PARTIES = (WATCHER, CAROL, BOB, ALICE)
"""The parties whose native balances the story's bonds and bounties may move."""


def make_withheld_checks(story: WithheldStory) -> list[WithheldCheck]:
    """Return every expectation of the withheld-block story, checked."""
    return [
        check_alarm(story),
        check_in_flight_start(story),
        check_in_flight_payout(story),
        check_held_payouts(story),
        check_bounties(story),
    ]


def check_alarm(story: WithheldStory) -> WithheldCheck:
    """The watcher of env 1 flagged the withheld block, once."""
    alerts = [
        alert
        for alert in story.devnet.alerts
        if alert.kind == AlertKind.WITHHELD_BLOCK
        and alert.environment_id == WITHHELD_ENVIRONMENT
        and alert.block_number == story.block
    ]
    return (
        f"the watcher of env 1 flagged block {int(story.block)} as withheld, once",
        len(alerts) == 1,
    )


def check_in_flight_start(story: WithheldStory) -> WithheldCheck:
    """The in-flight exit started, and was piggybacked, in time."""
    devnet = story.devnet
    record = devnet.settlement.get_block(WITHHELD_ENVIRONMENT, story.block)
    period = int(devnet.get_period(WITHHELD_ENVIRONMENT))
    deadline = -1 if record is None else int(record.timestamp) + period
    exit = story.get_exit()
    in_time = (
        exit is not None
        and story.piggybacked_at is not None
        and exit.bond_owner == CAROL.address
        and int(story.piggybacked_at) < min(deadline, int(exit.started_at) + period // 2)
    )
    return (
        f"carol's wallet started the in-flight exit of her withheld payment, and carol and bob "
        f"piggybacked it, in its first phase and before t={deadline} (block time + MFP)",
        in_time,
    )


def check_in_flight_payout(story: WithheldStory) -> WithheldCheck:
    """The in-flight exit paid its outputs: Bob the payment, Carol her change."""
    exit = story.get_exit()
    amounts = [] if exit is None else [int(o.amount) for o in exit.transaction.outputs]
    paid = (
        exit is not None
        and exit.outcome == InFlightOutcome.OUTPUTS
        and all(p.status == PiggybackStatus.PAID for p in exit.output_piggybacks)
        and [int(p.paid) for p in exit.output_piggybacks] == amounts
        and [o.owner for o in exit.transaction.outputs] == [BOB.address, CAROL.address]
    )
    change = amounts[1] if len(amounts) > 1 else 0
    return (
        f"withheld payment exited in flight: bob was paid {story.amount}, carol her change "
        f"{change}",
        paid and amounts[0] == story.amount,
    )


def check_held_payouts(story: WithheldStory) -> WithheldCheck:
    """Every honest user got back, in full, what it held (unspent) in env 1 at the alarm."""
    settlement = story.devnet.settlement
    got: dict[str, int] = {}
    in_full = bool(story.exits)
    for name, exit_id in story.exits:
        exit = settlement.get_exit(WITHHELD_ENVIRONMENT, exit_id)
        in_full = in_full and exit is not None and exit.status == ExitStatus.PROCESSED
        in_full = in_full and exit is not None and exit.paid == exit.amount
        got[name] = got.get(name, 0) + (0 if exit is None else int(exit.paid))
    held = ", ".join(f"{name} {amount}" for name, amount in story.held_at_alarm.items())
    return (
        f"alice, bob and carol got back all they held in env 1 ({held or 'no alarm'})",
        in_full and got == {k: v for k, v in story.held_at_alarm.items() if v},
    )


def check_bounties(story: WithheldStory) -> WithheldCheck:
    """The watcher earned a bounty per piggyback; bonds came back less the bounties."""
    devnet = story.devnet
    bounty = int(devnet.settlement.get_rules(WITHHELD_ENVIRONMENT).processing_bounty)

    def native_change(actor: Actor) -> int:
        start = story.start_balances.get(actor.name, (0, 0))[1]
        return story.end_balances.get(actor.name, (0, 0))[1] - start

    expected = {WATCHER.name: 2 * bounty, CAROL.name: -bounty, BOB.name: -bounty, ALICE.name: 0}
    changes = {actor.name: native_change(actor) for actor in NATIVE_PARTIES}
    return (
        f"the watcher processed env 1's queue and earned a bounty per piggyback "
        f"({2 * bounty} native); carol's and bob's bonds came back less one bounty each",
        changes == expected,
    )
