"""The invariants of the Plasma Cash kind: its coins, its exit game and its child chain.

Everything of the catalog that names the Cash kind is here (only this package
of ``spec.invariants`` imports ``spec.environments.cash``):

- ``movements``: the Cash part of INV-09 Bond conservation: which bonds the
  Cash records hold, and where each accepted Cash operation sends bonds and
  payouts.
"""
