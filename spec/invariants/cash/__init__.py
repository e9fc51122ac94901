"""The invariants of the Plasma Cash kind: its coins, its exit game and its child chain.

Everything of the catalog that names the Cash kind is here (only this package
of ``spec.invariants`` imports ``spec.environments.cash``):

- ``movements``: the Cash parts of INV-01 Solvency and INV-09 Bond
  conservation: what the Cash records paid and hold, and where each accepted
  Cash operation sends bonds and payouts;
- ``reading``: what the Cash predicates read (leaf owners, signers,
  commitments), restated from the definitions;
- ``coins``: INV-24 Coin single payout and INV-25 Coin exit uniqueness;
- ``challenges``: INV-26 Coin challenge soundness;
- ``withdrawal``: INV-27 Honest coin withdrawal, a trace property.
"""
