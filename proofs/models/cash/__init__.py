"""Z3 models of the Plasma Cash exit game.

- ``model``: one Cash environment's settlement records (coins, coin exits,
  ledgers, bonds) as integer terms with ghosts, and every transition;
- ``invariants``: the catalog's Cash invariants (INV-24, INV-25, the Cash
  part of INV-09) as quantified clauses with their strengthenings;
- ``induction``: one inductive check per (invariant, transition), and the
  broken transitions that must be caught;
- ``abstraction``: concrete spec states and operations mapped into the
  model, for the drift tests (``tests/test_proofs_cash.py``);
- ``bmc`` and ``bmc_controls``: a bounded model check of one coin's exit
  game with a byzantine operator and a malicious past owner (INV-26,
  INV-27), and the broken games it must catch.
"""
