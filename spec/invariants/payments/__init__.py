"""The invariants of the payments kind: its child chain and its exit game.

Everything of the catalog that names the payments kind is here, so that the
rest of ``spec.invariants`` holds for every environment kind and imports no
kind (only this package imports ``spec.environments.payments``):

- ``chain``: the payments child chain (INV-15 Transaction validity, INV-16
  Value conservation, INV-17 No double spend), its predicates and entries;
- ``exits``: the payments exit game at the settlement layer: INV-10
  Challenge soundness (a challenge shows a spend signed by the output's
  owner), the payments part of INV-09 Bond conservation, and the trace
  properties INV-18 Honest withdrawal and INV-19 Exit ordering.
"""
