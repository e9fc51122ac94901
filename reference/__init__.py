"""Reference implementation of Plasma: an efficient, persistent node.

The executable specification (``spec``) says what is right; this package shows
how to build it well. It implements the same protocol, raises the same
:class:`~spec.errors.Rejected` reasons in the same order and produces the
same state digests, but keeps its state in SQLite with indexes, so that no
operation scans every output or every exit.

Storage:

- :mod:`reference.store`: the SQLite store; one transaction per operation, failpoints.
- :mod:`reference.columns`: how protocol values are stored in columns.

The settlement layer (root contract) simulator:

- :mod:`reference.settlement`: :class:`~reference.settlement.SettlementSimulator`;
- ``settlement_tables``, ``settlement_access``, ``settlement_steps``,
  ``settlement_exits``, ``settlement_export``, ``settlement_digest``: its schema,
  typed reads and writes, the operations, bulk load and export, streamed digest.

A payments child chain:

- :mod:`reference.chain`: :class:`~reference.chain.ChildChainLedger` (UTXO index,
  block validation); ``chain_tables``, ``chain_prepare`` (per-transaction work on
  threads), ``chain_walk`` (the in-order walk), ``chain_export``;
- :mod:`reference.transactions`: fast canonical encoders, signing hashes, leaves;
- :mod:`reference.signatures`: signer recovery on a thread pool;
- :mod:`reference.merkle`: incremental Merkle roots and proofs.

The parties of a deployment, and the node:

- :mod:`reference.wallet`, :mod:`reference.operator` (with ``operator_mempool``),
  :mod:`reference.watcher`,
  :mod:`reference.board` (the data-availability board and exit follower);
- :mod:`reference.node` and :mod:`reference.server`: a data directory and its
  JSON-lines control protocol (used by the crash-safety test);
- :mod:`reference.devnet` (with ``devnet_script`` and ``devnet_report``): the
  local demo behind ``plasma-spec devnet``;
- :mod:`reference.benchmarks`: ``plasma-spec bench``.
"""
