"""The Plasma Cash kind in the reference node: encoders, exit game, child chain ledger.

The counterpart of ``spec.environments.cash``:

- :mod:`~reference.environments.cash.encoding`: the Cash containers'
  canonical encodings, signing hashes, leaves and sparse trees, by hand;
- :mod:`~reference.environments.cash.witnesses`,
  :mod:`~reference.environments.cash.exit_game` and
  :mod:`~reference.environments.cash.challenges`: the exit game as steps of
  the settlement simulator, over the Cash tables of the settlement database
  (``reference.settlement.coin_tables``);
- :mod:`~reference.environments.cash.ledger`: the child chain ledger
  (:class:`~reference.environments.cash.ledger.CashLedger`): coin index and
  coin history in SQLite (``tables``);
- :mod:`~reference.environments.cash.kind`: the kind's row of the reference registry.
"""
