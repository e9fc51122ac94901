"""The adversary of committee finality: byzantine replicas, a hostile network, and what must hold.

- ``properties``: the trace predicates of INV-22 (agreement) and INV-28 (one
  vote per view), over what a run of replicas produced, and three more the
  adversary checks (no vote after a timeout, commits certified, votes well formed);
- ``oracle``: certificate and block validity restated apart from the spec;
- ``observer``: what an omniscient observer of a run saw, and the predicates over it;
- ``network``: honest replicas (the spec) over a hostile network, GST and a pacemaker;
- ``byzantine``: what byzantine members sign and send;
- ``progress``: byzantine strategies after GST and views-to-commit measurements;
- ``scenarios``: one deterministic scenario per attack; ``controls``: the
  negative control (stake f + 1) and two liveness limits;
- ``machine``: the Hypothesis stateful test; ``mutants``: wrong finality rules.
"""
