"""The adversary: attacks on the protocol, run against the spec, and what they must not achieve.

Grouped by environment kind where a part is kind-specific:

- ``adversary.payments``: the adversary of payments environments: the
  ground-truth world, the stateful adversarial game and its Hypothesis
  machine, the properties it checks, and the attack-scenario library;
- ``adversary.cash``: the adversary of Plasma Cash environments: the ground
  truth of every coin's history, the honest owner's wallet, the Cash game and
  its Hypothesis machine, the Cash scenarios (registered in the same library)
  and the wrong twins of Cash rules;
- shared by every kind: ``trace`` (the replayable trace format), ``fuzz``
  (long runs of the payments machine), ``mutants`` (deliberately wrong rules
  of the spec, of either kind) and ``mutation`` (the report of which checks,
  the scenarios and both machines, catch each mutant).
"""
