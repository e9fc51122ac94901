"""The payments kind's parts of the Z3 models: its exit game.

The settlement model (``proofs.models``) is kind-neutral except for the
operations the payments kind adds at the settlement layer, which are here
and which the neutral modules list beside their own (as the spec's kind
registry does):

- ``parameters``, ``transitions``: ``StartStandardExit`` and
  ``ChallengeStandardExit`` as parameters and guarded relations;
- ``abstraction``: those operations of the spec reduced to their parameters
  (inclusion-proof roots, the exiting output, the spent position and signer);
- ``invariants``: INV-10 Challenge soundness as model clauses.

The exit-game model of the bounded checks is payments-specific as a whole
(MVP standard exits, signed spends, invalid blocks of payments):
``exit_game`` (a small world with an honest user and a byzantine operator),
``bmc`` (INV-18 and INV-19 unrolled from the empty state) and
``exit_game_controls`` (its negative controls and runner).
"""
