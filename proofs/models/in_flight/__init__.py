"""Z3 models of the payments exit game with in-flight exits (More Viable Plasma).

- ``model``: one payments environment's exit records (standard and in-flight
  exits, piggyback slots, finalized marks, bonds) as integer terms with
  ghosts; ``transitions``: every operation, one transition each;
- ``invariants``: INV-02 across exit kinds, INV-09 with bounties, INV-20 as
  quantified clauses with their strengthenings;
- ``induction``: one inductive check per (invariant, transition);
  ``small``: the small states its negative controls search;
  ``mutants``: the broken transitions that must be caught;
- ``abstraction``: concrete spec states and operations mapped into the model,
  for the drift tests (``tests/test_proofs_in_flight.py``);
- ``game``, ``moves``, ``bmc`` and ``bmc_controls``: a bounded model check of
  one in-flight payment's exit game with a block-withholding operator
  (INV-18 (b) and (c), INV-19, INV-20), and the broken games it must catch.
"""
