"""Committee finality: child blocks certified by a committee of validators (Fast HotStuff).

An environment may register a committee of validators with stake instead of
trusting one operator with its block log. The committee runs a two-chain,
pipelined Fast HotStuff (the protocol the Plasma chain calls PlasmaBFT):
every block carries the quorum certificate of its parent, view changes are
justified by an aggregate of timeouts, and a block is final once its child in
the next view is certified. The settlement layer then accepts a child block
root only with a proof that the committee committed it
(``spec.settlement.certified``).

Reading order:

1. ``committee``: validators, stake, the fault bound ``f`` and the quorum,
   stated once; the leader of each view.
2. ``messages``: blocks, proposals, votes, timeouts, certificates, and the
   digests each signature covers.
3. ``certificates``: when a quorum certificate or an aggregate is valid.
4. ``voting``: a replica's safety state and the rule for voting on a block.
5. ``commit``: the two-chain commit rule and commit proofs.
6. ``replica``: a replica as a state machine over messages.
"""
