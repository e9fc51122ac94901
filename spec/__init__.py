"""plasma-spec: the normative, executable specification of Plasma.

Reading order:

1. ``spec.errors``: rejection reasons, one per rule.
2. ``spec.primitives``, ``spec.crypto``, ``spec.encoding``, ``spec.merkle``,
   ``spec.sparse_merkle``: values, hashes and signatures, the canonical
   encoding, Merkle trees (dense, and sparse with compact proofs).
3. ``spec.presets``: numeric parameters (``tiny``, ``full``).
4. ``spec.settlement``: the settlement layer (root contract), the same for
   every environment kind, and ``spec.dispatch``: the operation tables.
5. ``spec.environments``: environment kinds, the interface the settlement
   layer calls, the registry and the kinds' settlement records;
   ``spec.environments.payments``: the payments kind (transactions, child
   chain, exit game); ``spec.environments.cash``: the Plasma Cash kind (coins,
   sparse-tree blocks, child chain, per-coin exit game).
6. ``spec.finality``: committee finality (Fast HotStuff): committees and
   quorums, messages and certificates, the voting and commit rules, the
   replica state machine; ``spec.settlement.certified`` accepts its blocks.
7. ``spec.digest``: canonical state digests.
8. ``spec.invariants``: the invariant catalog.
"""

SPEC_VERSION = "0.4.0"
"""Version of the specification; conformance vectors name it.

0.2.0 added the Plasma Cash kind: the preset's ``coin_tree_depth``, each
environment's ``kind_records``, settlement operations 7 to 12, and the
reason ``environment_kind_mismatch`` for the payments exit operations.

0.3.0 added in-flight exits (More Viable Plasma) to the payments kind:
settlement operations 13 to 19, the payments records' in-flight exits and
finalized marks, each standard exit's ``output_id`` and the ``skipped``
status, the rules' ``processing_bounty``, ``ProcessExits.sender``, and a
challenging transaction must have the shape of a payment.

0.4.0 added committee finality (``spec.finality``, Fast HotStuff):
``RegisterEnvironment.committee``, each environment's ``finality`` record,
settlement operations 20 (``SubmitCertifiedBlock``) and 21
(``ReportConflictingCommits``), and the reasons of committees,
certificates, voting, replicas and certified blocks.
"""
