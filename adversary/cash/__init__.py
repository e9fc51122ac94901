"""The adversary of Plasma Cash environments: the ground truth, the honest wallet, the attacks.

Built on ``fixtures.cash`` (the record keeper of every committed block's
leaves): :mod:`adversary.cash.ledger` keeps what really happened to every
coin (its valid history, the invalid leaves a byzantine operator committed,
the withheld blocks) and :mod:`adversary.cash.wallet` is what an honest owner
does with that knowledge (exit with the last two leaves, challenge a bad exit
of a coin it owns, answer an invalid-history challenge). The attacks are in
:mod:`adversary.cash.attacks`; the stateful adversarial game and its
Hypothesis machine in :mod:`adversary.cash.game`, :mod:`adversary.cash.moves`
and :mod:`adversary.cash.machine`; the named scenarios in
:mod:`adversary.cash.scenarios` (registered in the one scenario library of
``adversary.payments.scenarios``); the wrong twins of Cash rules that the
mutation report applies in :mod:`adversary.cash.twins`.
"""
