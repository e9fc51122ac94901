"""The payments kind in the reference node: fast encoders, exit game, child chain ledger.

The counterpart of ``spec.environments.payments``:

- :mod:`~reference.environments.payments.encoding`: the payments containers'
  canonical encodings, signing hashes and Merkle leaves, written out by hand;
- :mod:`~reference.environments.payments.exit_game`: starting and challenging
  a standard exit, as steps of the settlement simulator;
- the in-flight exits (More Viable Plasma), as steps too:
  :mod:`~reference.environments.payments.in_flight` (start, delete),
  :mod:`~reference.environments.payments.piggybacks` (piggybacks and spent
  challenges), :mod:`~reference.environments.payments.canonicity`
  (competitors and responses), with the witness checks they share with
  standard exits (:mod:`~reference.environments.payments.witnesses`);
- :mod:`~reference.environments.payments.queue`: ``ProcessExits`` over the
  merged queue of standard and in-flight exits, and the finalized marks;
- :mod:`~reference.environments.payments.ledger`: the child chain ledger
  (:class:`~reference.environments.payments.ledger.ChildChainLedger`), with
  its tables (``tables``), its per-transaction work on threads (``prepare``),
  its in-order block walk (``walk``) and its export and streamed digest
  (``export``);
- :mod:`~reference.environments.payments.kind`: the kind's row of the
  reference registry.
"""
