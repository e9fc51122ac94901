"""The node's parties in the in-flight exit game: the watcher's duty for the wallets it guards.

Each test builds a deployment in memory (``tests.in_flight_net``: one payments
environment, its operator, a watcher whose in-flight duty guards Alice's, Bob's
and Carol's wallets), lets the operator or Mallory misbehave, and checks the
outcome: balances, exit records, and the alerts, each raised once.
"""

from __future__ import annotations

from fixtures import ALICE, BOB, MALLORY, TOKEN_A, WATCHER, make_rules
from reference.parties.alerts import AlertKind
from spec.environments.payments.canonicity import ChallengeInFlightNotCanonical
from spec.environments.payments.records import InFlightOutcome, PiggybackSide, PiggybackStatus
from spec.environments.payments.transactions import Output, Transaction
from spec.primitives import NATIVE_TOKEN, Uint8, Uint64, Uint256
from tests.in_flight_net import ENV, FUNDS, PERIOD, kinds, make_net, tick_until_quiet


def test_withheld_payment_is_exited_in_flight_and_the_receiver_paid() -> None:
    """Given Alice paid Bob 40 of her 100 (60 back) in a withheld block, and told Bob.

    Alice handed the payment (with its input's witnesses) to Bob.

    When the watcher ticks within the grace period, then after it, and after the
    exit matures,
    Then it waits at first; then it raises the withheld block, starts Alice's
    in-flight exit of the payment within its first phase and one MFP of the
    block, and piggybacks Alice's change and Bob's output, each alert once;
    at maturity it processes the exit (earning the bounties): Bob is paid 40,
    Alice 60, every bond comes back less the bounty, and both wallets settle.
    """
    net = make_net()
    deposit = net.deposit(ALICE, 100)
    alice, bob = net.wallets["alice"], net.wallets["bob"]
    payment = alice.pay(ENV, BOB.address, TOKEN_A, 40)
    number = net.commit([payment], publish=False)
    net.know(BOB, payment)
    assert net.watcher.tick() == []
    net.advance(net.watcher.grace_period)
    raised = tick_until_quiet(net)
    assert kinds(raised) == [
        AlertKind.WITHHELD_BLOCK,
        AlertKind.IN_FLIGHT_EXIT_STARTED,
        AlertKind.PIGGYBACKED,
        AlertKind.PIGGYBACKED,
    ]
    assert raised[0].block_number == number
    exit = net.exit()
    record = net.settlement.get_block(ENV, number)
    assert record is not None and exit.bond_owner == ALICE.address
    assert exit.started_at < record.timestamp + PERIOD
    assert [p.status for p in exit.output_piggybacks] == [PiggybackStatus.OPEN] * 2
    natives = {a.name: net.balance(a, NATIVE_TOKEN) for a in (ALICE, BOB, WATCHER)}
    net.advance(2 * PERIOD)
    (processed,) = tick_until_quiet(net)
    assert processed.kind == AlertKind.IN_FLIGHT_EXIT_PROCESSED
    exit = net.exit()
    bond, bounty = int(exit.bond), int(make_rules().processing_bounty)
    assert exit.outcome == InFlightOutcome.OUTPUTS
    assert net.balance(BOB) == FUNDS + 40 and net.balance(ALICE) == FUNDS - 100 + 60
    assert net.balance(ALICE, NATIVE_TOKEN) - natives["alice"] == 2 * bond - bounty
    assert net.balance(BOB, NATIVE_TOKEN) - natives["bob"] == bond - bounty
    assert net.balance(WATCHER, NATIVE_TOKEN) - natives["watcher"] == 2 * bounty
    assert alice.get_output(ENV, deposit) is None and alice.payments.list_entries(ENV) == []
    assert bob.payments.list_entries(ENV) == []


def test_payee_told_after_the_exit_started_still_piggybacks_in_its_first_phase() -> None:
    """Given Alice's withheld payment of 40 to Bob is exited in flight, Bob not yet told.

    When Alice hands the payment to Bob during the exit's first phase,
    Then at the next tick Bob's wallet piggybacks his output of the same exit
    (no second exit is started), once.
    """
    net = make_net()
    net.deposit(ALICE, 100)
    payment = net.wallets["alice"].pay(ENV, BOB.address, TOKEN_A, 40)
    net.commit([payment], publish=False)
    net.advance(net.watcher.grace_period)
    assert AlertKind.IN_FLIGHT_EXIT_STARTED in kinds(net.watcher.tick())
    net.know(BOB, payment)
    (alert,) = tick_until_quiet(net)
    assert alert.kind == AlertKind.PIGGYBACKED and "outputs [0]" in alert.message
    assert net.duty.count_exits() == 1
    assert [p.status for p in net.exit().output_piggybacks] == [PiggybackStatus.OPEN] * 2


def test_non_canonical_payment_gives_the_honest_payer_her_input_back() -> None:
    """Given Alice (100) and Mallory (50) co-signed a withheld payment of 150 to Bob.

    Mallory then signed another spend of her deposit.

    When the watcher exits the payment in flight (Bob piggybacks his output) and
    Mallory challenges its canonicity with her competing spend,
    Then at its next tick Alice's wallet piggybacks the input she spent (once);
    at processing the exit pays inputs: Alice gets her 100 back, Bob's output
    and Mallory's unpiggybacked deposit are not paid.
    """
    net = make_net()
    alice_deposit, mallory_deposit = net.deposit(ALICE, 100), net.deposit(MALLORY, 50)
    transaction = Transaction(
        (alice_deposit, mallory_deposit), (Output(BOB.address, TOKEN_A, Uint256(150)),)
    )
    payment = net.co_sign(transaction, ALICE, MALLORY)
    net.know(ALICE, payment)
    net.know(BOB, payment)
    competitor = net.to_mallory(mallory_deposit, 50)
    net.commit([payment], publish=False)
    net.advance(net.watcher.grace_period)
    assert AlertKind.PIGGYBACKED in kinds(net.watcher.tick())
    challenge = ChallengeInFlightNotCanonical(
        ENV, MALLORY.address, Uint64(0), competitor, Uint8(0), None
    )
    net.settlement.apply(challenge)
    raised = tick_until_quiet(net)
    assert [(a.kind, "inputs [0]" in a.message) for a in raised] == [(AlertKind.PIGGYBACKED, True)]
    net.advance(2 * PERIOD)
    assert kinds(tick_until_quiet(net)) == [AlertKind.IN_FLIGHT_EXIT_PROCESSED]
    exit = net.exit()
    assert exit.outcome == InFlightOutcome.INPUTS
    assert [p.status for p in exit.input_piggybacks] == [PiggybackStatus.PAID, PiggybackStatus.NONE]
    assert exit.output_piggybacks[0].status == PiggybackStatus.UNPAID
    assert net.balance(ALICE) == FUNDS and net.balance(BOB) == FUNDS
    assert net.balance(MALLORY) == FUNDS - 50
    assert net.wallets["alice"].list_outputs(ENV) == []


def test_exit_of_a_spent_deposit_loses_its_canonicity_and_its_input_piggyback() -> None:
    """Given Mallory paid her deposit to Bob in a published block.

    When she starts the in-flight exit of another spend of the same deposit
    (to herself) and piggybacks that deposit as its input,
    Then the watcher challenges the exit's canonicity with her published
    payment and the piggybacked input as spent, winning both bonds, each alert once.
    """
    net = make_net()
    deposit = net.deposit(MALLORY, 50)
    known = net.witness(net.to_mallory(deposit, 50))
    net.commit([net.wallets["mallory"].pay(ENV, BOB.address, TOKEN_A, 50)])
    net.mallory_exits(known, PiggybackSide.INPUT)
    bond = net.settlement.get_rules(ENV).exit_bond
    before = net.balance(WATCHER, NATIVE_TOKEN)
    raised = tick_until_quiet(net)
    assert kinds(raised) == [AlertKind.IN_FLIGHT_CHALLENGED, AlertKind.IN_FLIGHT_CHALLENGED]
    exit = net.exit()
    assert not exit.canonical and exit.bond_owner == WATCHER.address
    assert exit.input_piggybacks[0].status == PiggybackStatus.CHALLENGED
    assert net.balance(WATCHER, NATIVE_TOKEN) - before == int(bond)


def test_exit_of_a_published_payment_loses_its_spent_output_piggyback() -> None:
    """Given Alice paid Mallory 40 in a published block and Mallory spent it (published).

    When Mallory starts the in-flight exit of Alice's payment and piggybacks its
    output she already spent,
    Then the watcher does not dispute the payment's canonicity (it read it
    published) but challenges the output piggyback with Mallory's spend, once.
    """
    net = make_net()
    net.deposit(ALICE, 40)
    payment = net.wallets["alice"].pay(ENV, MALLORY.address, TOKEN_A, 40)
    known = net.witness(payment)
    net.commit([payment])
    net.commit([net.wallets["mallory"].pay(ENV, BOB.address, TOKEN_A, 40)])
    assert net.watcher.tick() == []
    net.mallory_exits(known, PiggybackSide.OUTPUT)
    (alert,) = tick_until_quiet(net)
    assert alert.kind == AlertKind.IN_FLIGHT_CHALLENGED and "output" in alert.message
    exit = net.exit()
    assert exit.canonical and exit.output_piggybacks[0].status == PiggybackStatus.CHALLENGED


def test_griefing_challenge_of_a_published_payment_is_answered() -> None:
    """Given Alice and Mallory co-signed a payment to Bob, published.

    When Mallory starts its in-flight exit, piggybacks her input, and challenges
    its canonicity with another spend of her input known only in flight,
    Then the watcher answers with the payment's inclusion (once): the exit is
    canonical again; at processing it pays outputs (nobody piggybacked one),
    Mallory's input is not paid, and the exit's bond goes to the watcher.
    """
    net = make_net()
    alice_deposit, mallory_deposit = net.deposit(ALICE, 100), net.deposit(MALLORY, 50)
    transaction = Transaction(
        (alice_deposit, mallory_deposit), (Output(BOB.address, TOKEN_A, Uint256(150)),)
    )
    payment = net.co_sign(transaction, ALICE, MALLORY)
    known = net.witness(payment)
    net.commit([payment])
    competitor = net.to_mallory(mallory_deposit, 50)
    net.mallory_exits(known, PiggybackSide.INPUT)
    bond = net.settlement.get_rules(ENV).exit_bond
    net.settlement.apply(
        ChallengeInFlightNotCanonical(ENV, MALLORY.address, Uint64(0), competitor, Uint8(0), None)
    )
    assert not net.exit().canonical
    assert kinds(tick_until_quiet(net)) == [AlertKind.CHALLENGE_ANSWERED]
    exit = net.exit()
    assert exit.canonical and exit.bond_owner == WATCHER.address
    before = net.balance(WATCHER, NATIVE_TOKEN)
    net.advance(2 * PERIOD)
    assert kinds(tick_until_quiet(net)) == [AlertKind.IN_FLIGHT_EXIT_PROCESSED]
    exit = net.exit()
    assert exit.outcome == InFlightOutcome.OUTPUTS
    assert exit.input_piggybacks[1].status == PiggybackStatus.UNPAID
    assert net.balance(MALLORY) == FUNDS - 50
    bounty = int(make_rules().processing_bounty)
    assert net.balance(WATCHER, NATIVE_TOKEN) - before == int(bond) + bounty


def test_exit_nobody_joins_is_deleted_and_its_bond_returned() -> None:
    """Given Alice paid all her 30 to Mallory (whom no watcher guards) in a withheld block.

    When the watcher starts the payment's in-flight exit (Alice has no output to
    piggyback) and the first phase passes,
    Then the watcher deletes the exit, Alice's bond comes back, and her wallet
    stops exiting the payment: no second exit is started.
    """
    net = make_net()
    net.deposit(ALICE, 30)
    alice = net.wallets["alice"]
    net.commit([alice.pay(ENV, MALLORY.address, TOKEN_A, 30)], publish=False)
    before = net.balance(ALICE, NATIVE_TOKEN)
    net.advance(net.watcher.grace_period)
    assert kinds(net.watcher.tick()) == [
        AlertKind.WITHHELD_BLOCK,
        AlertKind.IN_FLIGHT_EXIT_STARTED,
    ]
    assert net.balance(ALICE, NATIVE_TOKEN) == before - int(net.exit().bond)
    net.advance(PERIOD // 2)
    assert tick_until_quiet(net) == []
    assert net.duty.count_exits() == 1 and net.exit().status.value == "deleted"
    assert net.balance(ALICE, NATIVE_TOKEN) == before
    assert alice.payments.list_entries(ENV) == []


def test_double_spenders_exit_is_challenged_with_the_payment_held_in_flight() -> None:
    """Given Mallory paid her 50 to Bob in a withheld block and handed Bob the payment.

    When, within the grace period, she signs another spend of the same deposit
    to herself, starts its in-flight exit and piggybacks its output,
    Then the watcher challenges her exit's canonicity with Bob's payment (known
    only in flight), once; after the grace period it exits Bob's payment in
    flight (Bob, the payee, starts it); at processing Bob is paid 50, Mallory's
    output nothing, and the watcher takes her exit's bond.
    """
    net = make_net()
    deposit = net.deposit(MALLORY, 50)
    payment = net.wallets["mallory"].pay(ENV, BOB.address, TOKEN_A, 50)
    net.commit([payment], publish=False)
    net.know(BOB, payment)
    net.mallory_exits(net.witness(net.to_mallory(deposit, 50)), PiggybackSide.OUTPUT)
    bond = net.settlement.get_rules(ENV).exit_bond
    assert kinds(tick_until_quiet(net)) == [AlertKind.IN_FLIGHT_CHALLENGED]
    assert not net.exit(0).canonical and net.exit(0).bond_owner == WATCHER.address
    net.advance(net.watcher.grace_period)
    assert kinds(tick_until_quiet(net)) == [
        AlertKind.WITHHELD_BLOCK,
        AlertKind.IN_FLIGHT_EXIT_STARTED,
        AlertKind.PIGGYBACKED,
    ]
    assert net.exit(1).bond_owner == BOB.address and net.exit(1).canonical
    before = net.balance(WATCHER, NATIVE_TOKEN)
    net.advance(2 * PERIOD)
    assert kinds(tick_until_quiet(net)) == [AlertKind.IN_FLIGHT_EXIT_PROCESSED] * 2
    assert net.exit(0).output_piggybacks[0].status == PiggybackStatus.UNPAID
    assert net.exit(1).output_piggybacks[0].status == PiggybackStatus.PAID
    assert net.balance(BOB) == FUNDS + 50 and net.balance(MALLORY) == FUNDS - 50
    bounty = int(make_rules().processing_bounty)
    assert net.balance(WATCHER, NATIVE_TOKEN) - before == int(bond) + 2 * bounty
