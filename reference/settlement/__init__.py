"""The settlement layer (root contract) simulator, kept in SQLite.

An operation goes through three layers, each in one place:

1. dispatch: :meth:`~reference.settlement.simulator.SettlementSimulator.apply`
   finds the operation's step in the step table
   (:data:`~reference.settlement.simulator.STEPS`, checked against the spec's
   ``spec.settlement.transition.OPERATIONS``) and runs it in one store
   transaction with the journal entry;
2. the step: :mod:`reference.settlement.steps` (registration, deposits,
   blocks, time, and ``ProcessExits``, handed to the environment's kind),
   :mod:`reference.settlement.certified` (a committee environment's certified
   blocks and conflicting commits),
   :mod:`reference.settlement.exits` (what every kind's exits share, and the
   queue of standard exits alone), or a kind's exit game
   (``reference.environments.payments.exit_game``, ``.in_flight``,
   ``.piggybacks``, ``.canonicity`` and ``.queue``;
   ``reference.environments.cash.exit_game`` and ``.challenges``); each
   checks the spec's rules in the spec's order;
3. typed table access: :class:`~reference.settlement.tables.SettlementTables`,
   whose tables are split by table: header, balances and journal
   (:mod:`reference.settlement.tables`), environments, block logs and ledgers
   (:mod:`reference.settlement.environment_tables`), exits and their queues
   (:mod:`reference.settlement.exit_tables`), the Plasma Cash records:
   coins, coin exits and history challenges (:mod:`reference.settlement.coin_tables`),
   the payments records: in-flight exits, their queue entries and the
   finalized marks (:mod:`reference.settlement.in_flight_tables`), and the
   committees, halted flags and certified maps
   (:mod:`reference.settlement.finality_tables`).

Beside them: :mod:`reference.settlement.export` loads and exports whole spec
states, and :mod:`reference.settlement.digest` hashes the state as the
tables stream; each environment's ``kind_records`` go through its kind's row
(``ReferenceKind.load_records``, ``export_records``, ``encode_records``).
"""
