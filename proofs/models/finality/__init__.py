"""Machine checks of committee finality (Fast HotStuff with aggregated view-change certificates).

- ``quorums``: INV-21, quorum intersection over integer stakes (an abstract
  lemma for any stake distribution, and committees of 1 to 7 members);
- ``protocol``, ``transitions``, ``invariants``, ``induction``,
  ``printing``: the abstract model over uninterpreted sorts (views, blocks,
  replicas, quorums), its inductive invariant, and the proof of INV-22
  (agreement) and INV-28 (one vote per view), one check per (conjunct,
  transition), with negative controls;
- ``explicit`` and ``bmc``: an explicit small model (n = 4) searched
  exhaustively up to a bound on views, printing conflicting-commit traces as
  protocol messages;
- ``grounding``: small finite universes for the searches that expect sat
  (controls, non-vacuity), quantifier free;
- ``concrete`` and ``structure``: for the drift tests, explicit states as
  signed spec messages, and as finite structures of the abstract model;
- ``registry``: the families ``proofs/runner.py`` runs; ``ids``: the ids
  and check names.
"""
