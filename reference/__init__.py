"""Reference implementation of Plasma: an efficient, persistent node.

The executable specification (``spec``) says what is right; this package shows
how to build it well. It implements the same protocol, raises the same
:class:`~spec.errors.Rejected` reasons in the same order and produces the
same state digests, but keeps its state in SQLite with indexes, so that no
operation scans every output or every exit.

What it takes from the spec: the containers (``spec.primitives``,
``spec.settlement.state``, ``spec.environments.payments.transactions``), the
canonical encoding, the rejection reasons, some cryptographic and Merkle
primitives, the operation and kind tables it checks its own against, and
each kind's child chain genesis. It never calls the spec's state
transitions, with one exception: the payments exit game's pure witness
checks, functions of an operation's witnesses and an exit that read no
state (who signed a payment's input, whether a payment spends a given output
there, which input a competitor contests): the standard challenge's
``spec.environments.payments.exits.validate_spend``, and the in-flight exits'
``validate_in_flight_signatures``, ``validate_spend_of``,
``get_contested_input`` and ``get_signer_of_input``; and committee finality's
pure checks, functions of a committee and the blocks, certificates and
signatures an operation carries: ``spec.finality.committee.validate_committee``
(registration), ``spec.finality.commit.validate_commit_proof`` and
``spec.finality.messages``' ``compute_block_hash`` and
``compute_genesis_hash`` (certified blocks and conflicting commits). Restating
them word for word would add a copy and no evidence (see
``reference.environments.payments.exit_game`` and its in-flight siblings, and
``reference.settlement.certified``). The replicated node of committee
finality (:mod:`reference.finality`) goes further on purpose: each replica
process runs the spec's pure replica machine,
``spec.finality.replica_steps.process_replica_input`` (with
``get_proposal_justification`` to know when to propose), on every input.
What the reference adds around it is what the spec leaves out: processes,
loopback TCP and framing, a pacemaker, and persistence of each step before
its messages are sent; a second copy of the voting rule would only be a
second place for it to be wrong.

The layout follows the architecture (each package's docstring says more):

- storage and shared primitives, at the top: :mod:`reference.store` (the
  SQLite store, one transaction per operation, failpoints),
  :mod:`reference.columns` (how values are stored in columns),
  :mod:`reference.hashing` (fast keccak-256), :mod:`reference.merkle`
  (incremental Merkle roots and proofs), :mod:`reference.signatures` (signer
  recovery on a thread pool);
- :mod:`reference.settlement`: the settlement layer (root contract)
  simulator. Its operations are dispatched through a step table checked
  against the spec's operation table; each step reads and writes through the
  typed table access;
- :mod:`reference.environments`: the environment kinds, one row each in a
  registry keyed by ``EnvironmentKind``; :mod:`reference.environments.payments`
  is the payments kind: its exit game's settlement steps (standard and
  in-flight exits, and the merged exit queue), its child chain
  ledger (UTXO index, block validation on threads) and its fast encoders;
  :mod:`reference.environments.cash` is Plasma Cash: its exit game over the
  simulator's coin tables, its child chain ledger (coin index and coin
  history) and its fast encoders and sparse trees;
- :mod:`reference.parties`: the parties of a deployment: operator (with its
  mempool), wallet, watcher, and the block board they share;
- :mod:`reference.node`: a data directory holding the simulator and one
  ledger per environment, chosen by its kind, and its JSON-lines control
  server (``python -m reference.node.server DIR``, used by the crash-safety test);
- :mod:`reference.finality`: committee finality's replicated node: one
  process per replica, loopback TCP, a SQLite file each (``plasma-spec
  devnet --finality``, ``plasma-spec bench --finality``);
- :mod:`reference.devnet`: the local demo behind ``plasma-spec devnet``;
- :mod:`reference.benchmarks`: ``plasma-spec bench``.
"""
