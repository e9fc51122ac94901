"""The replicated reference node of committee finality: one process per replica.

Each replica of an environment's committee runs in its own OS process
(:mod:`reference.finality.process`), talks to the others over loopback TCP
in length-prefixed frames carrying the spec's canonical encoding of
:data:`spec.finality.replica.Message` (:mod:`reference.finality.framing`),
drives the spec's pure replica machine
(``spec.finality.replica_steps.process_replica_input``) and keeps its state
in its own SQLite file (:mod:`reference.finality.replica_store`), persisted
in one transaction *before* any message of the step leaves, so that a
replica killed anywhere and restarted never votes twice in a view nor
proposes twice as leader.

- :mod:`reference.finality.config`: what a replica process is told (its
  key, the committee, the ports, the pacemaker's timer, honest or byzantine)
  and its failpoints;
- :mod:`reference.finality.framing`: the wire format;
- :mod:`reference.finality.replica_store`: the replica's durable state, its
  journal of messages sent and received (refusals with their reasons) and
  when each block became committed;
- :mod:`reference.finality.replica_node`: the asyncio replica: links to its
  peers, the pacemaker (a view timer doubling on consecutive failures) and
  the leader's proposals; :mod:`reference.finality.byzantine` the misbehaving
  variant (equivocating proposals, double votes);
- :mod:`reference.finality.process`: ``python -m reference.finality.process CONFIG``;
- :mod:`reference.finality.cluster`: starting, killing and restarting the
  processes of a committee, reading their stores;
- :mod:`reference.finality.observe` and :mod:`reference.finality.relay`: what
  the replicas' stores show (agreement, votes, refusals) and the relayer
  that turns committed blocks into ``SubmitCertifiedBlock`` operations;
- :mod:`reference.finality.devnet`: ``plasma-spec devnet --finality``.
"""
