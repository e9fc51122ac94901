"""The adversary of payments environments: the ground-truth world, the game, its attacks.

Everything here plays payments environments (UTXO payments, MVP exits): the
world that keeps what really happened on each payments child chain
(``world``), the game and its honest and adversarial actions (``game``,
``moves``, ``honest``, ``attacks``, ``roster``), the properties checked on
every step and at the end of a trace (``properties``), the Hypothesis state
machine (``machine``), and the attack-scenario library (``scenarios``, with
``timeline`` to render a result). The parts every kind shares (the trace
format, the fuzzing and mutation runners, the mutants of the spec) are at the
top of ``adversary``; a second kind's adversary goes beside this package.
"""
